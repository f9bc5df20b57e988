package zafapp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// goWords are signs of a message written for a programmer: Go types,
// package names, the json package's wording.
var goWords = regexp.MustCompile(`json:|Go value|map\[|\[\]|RawMessage|zafapp|\*bool|interface \{\}`)

// pngs caches pngOf's images, which are slow to make under -race.
var pngs sync.Map // [2]int{w, h} → []byte

// pngOf returns a w×h PNG image.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	if data, ok := pngs.Load([2]int{w, h}); ok {
		return data.([]byte)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	pngs.Store([2]int{w, h}, buf.Bytes())
	return buf.Bytes()
}

// validManifest returns the manifest.json of a small app that passes
// Check, to change one thing of.
func validManifest() map[string]any {
	return map[string]any{
		"name":          "test",
		"author":        map[string]any{"name": "Test", "email": "test@example.com", "url": "https://example.com"},
		"defaultLocale": "en",
		"private":       true,
		"location": map[string]any{"support": map[string]any{
			"ticket_sidebar": map[string]any{"url": "assets/iframe.html", "flexible": true},
		}},
		"version":          "1.0.0",
		"frameworkVersion": "2.0",
		"parameters": []any{
			map[string]any{"name": "subdomain", "type": "text", "required": true},
		},
	}
}

// validFiles returns the files of the app of validManifest, but its
// manifest.json.
func validFiles(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"translations/en.json":  jsonOf(t, map[string]any{"app": map[string]any{"name": "Test", "parameters": map[string]any{"subdomain": map[string]any{"label": "Subdomain"}}}}),
		"assets/iframe.html":    []byte("<!doctype html><title>test</title>"),
		"assets/logo.png":       pngOf(t, 320, 320),
		"assets/logo-small.png": pngOf(t, 128, 128),
	}
}

func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ruleCase is one case of a rule: a change to the valid app, and the
// problem it makes, or none.
type ruleCase struct {
	name     string
	manifest func(m map[string]any)    // applied first; nil changes nothing
	files    func(f map[string][]byte) // applied after manifest.json is written
	want     string                    // the start of a problem's String(); "" for none at all
	warning  bool                      // want is a warning, and the only problem
}

// runRule runs each case: Check of the changed app reports a problem that
// starts with want (as String prints it), or nothing when want is "".
func runRule(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			m := validManifest()
			if tt.manifest != nil {
				tt.manifest(m)
			}
			files := validFiles(t)
			files["manifest.json"] = jsonOf(t, m)
			if tt.files != nil {
				tt.files(files)
			}
			problems := (&zafapp.Package{Files: files}).Check()
			got := strings.Join(strings.Fields(fmt.Sprint(problems)), " ")
			for _, p := range problems {
				if goWords.MatchString(p.Message) {
					t.Errorf("a message for a programmer, not an admin: %s", p)
				}
			}
			if tt.want == "" {
				if len(problems) > 0 {
					t.Fatalf("want no problem, got:\n%s", lines(problems))
				}
				return
			}
			i := slices.IndexFunc(problems, func(p zafapp.Problem) bool { return strings.HasPrefix(p.String(), tt.want) })
			if i < 0 {
				t.Fatalf("want a problem starting %q, got:\n%s", tt.want, lines(problems))
			}
			if problems[i].Warning != tt.warning {
				t.Errorf("%s: Warning = %v, want %v", problems[i], problems[i].Warning, tt.warning)
			}
			if tt.warning && zafapp.Errors(problems) != nil {
				t.Errorf("a warning alone makes Errors non-nil:\n%s", got)
			}
		})
	}
}

func lines(problems []zafapp.Problem) string {
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "\t%s\n", p)
	}
	return b.String()
}

func TestCheckValidAppHasNoProblems(t *testing.T) {
	runRule(t, []ruleCase{{name: "as it is"}})
}

func TestCheckManifestIsPresentAndAnObject(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", files: func(f map[string][]byte) { delete(f, "manifest.json") },
			want: "manifest.json: missing: every app has one"},
		{name: "in a folder", files: func(f map[string][]byte) { f["cohort/manifest.json"] = f["manifest.json"]; delete(f, "manifest.json") },
			want: "manifest.json: missing at the root of the package (cohort/manifest.json is there: zip the folder's contents"},
		{name: "not JSON", files: func(f map[string][]byte) { f["manifest.json"] = []byte("{\n\"name\": \"x\",\n}") },
			want: "manifest.json: not valid JSON: line 3: invalid character '}'"},
		{name: "a list", files: func(f map[string][]byte) { f["manifest.json"] = []byte(`[]`) },
			want: "manifest.json: not a JSON object"},
		{name: "null", files: func(f map[string][]byte) { f["manifest.json"] = []byte(`null`) },
			want: "manifest.json: not a JSON object"},
		{name: "unknown keys are fine", manifest: func(m map[string]any) { m["gaID"] = "UA-1"; m["experiments"] = map[string]any{} }},
	})
}

func TestCheckManifestRequiresAuthor(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "absent", manifest: func(m map[string]any) { delete(m, "author") }, want: "manifest.json: author: missing"},
		{name: "not an object", manifest: func(m map[string]any) { m["author"] = "Test" },
			want: `manifest.json: author: "Test" is not an object with a name and an email`},
		{name: "no name", manifest: func(m map[string]any) { delete(m["author"].(map[string]any), "name") }, want: "manifest.json: author.name: missing"},
		{name: "no email", manifest: func(m map[string]any) { delete(m["author"].(map[string]any), "email") }, want: "manifest.json: author.email: missing"},
		{name: "a name that is not a string", manifest: func(m map[string]any) { m["author"].(map[string]any)["name"] = 7 },
			want: "manifest.json: author.name: 7 is not a string"},
	})
}

func TestCheckManifestRequiresDefaultLocale(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "absent", manifest: func(m map[string]any) { delete(m, "defaultLocale") }, want: "manifest.json: defaultLocale: missing"},
		{name: "not a locale", manifest: func(m map[string]any) { m["defaultLocale"] = "English" },
			want: `manifest.json: defaultLocale: "English" is not a locale`},
	})
}

func TestCheckManifestRequiresFrameworkVersionAndLocation(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "no frameworkVersion", manifest: func(m map[string]any) { delete(m, "frameworkVersion") },
			want: `manifest.json: frameworkVersion: missing: want "2.0"`},
		{name: "no location", manifest: func(m map[string]any) { delete(m, "location") }, want: "manifest.json: location: missing"},
		{name: "a location with none in it", manifest: func(m map[string]any) { m["location"] = map[string]any{"support": map[string]any{}} },
			want: "manifest.json: location: names no location"},
	})
}

// TestCheckManifestFrameworkVersionIs2: any other version is an error (see
// frameworkVersion in check.go).
func TestCheckManifestFrameworkVersionIs2(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "1.0", manifest: func(m map[string]any) { m["frameworkVersion"] = "1.0" },
			want: `manifest.json: frameworkVersion: "1.0" is not "2.0"`},
		{name: "a number", manifest: func(m map[string]any) { m["frameworkVersion"] = 2 },
			want: "manifest.json: frameworkVersion: 2 is not a string"},
	})
}

func TestCheckManifestRequirementsOnlyHasNoLocation(t *testing.T) {
	requirementsOnly := func(m map[string]any) {
		m["requirementsOnly"] = true
		delete(m, "location")
		delete(m, "frameworkVersion")
	}
	withRequirements := func(f map[string][]byte) {
		f["requirements.json"] = []byte(`{"ticket_fields":{"f":{"type":"text","title":"F"}}}`)
	}
	runRule(t, []ruleCase{
		{name: "requirementsOnly, no location", manifest: requirementsOnly, files: withRequirements},
		{name: "requirementsOnly with a location", manifest: func(m map[string]any) { m["requirementsOnly"] = true; delete(m, "frameworkVersion") },
			files: withRequirements, want: "manifest.json: location: a requirementsOnly app has none"},
		{name: "requirementsOnly with a frameworkVersion", manifest: func(m map[string]any) { requirementsOnly(m); m["frameworkVersion"] = "2.0" },
			files: withRequirements, want: "manifest.json: frameworkVersion: a requirementsOnly app has none"},
		{name: "marketingOnly with a location", manifest: func(m map[string]any) { m["marketingOnly"] = true; delete(m, "frameworkVersion") },
			want: "manifest.json: location: a marketingOnly app has none"},
		{name: "requirementsOnly without requirements.json", manifest: requirementsOnly,
			want: "requirements.json: missing: a requirementsOnly app installs nothing else"},
	})
}

func TestCheckManifestBooleansAreBooleans(t *testing.T) {
	var cases []ruleCase
	for _, key := range []string{"requirementsOnly", "marketingOnly", "singleInstall", "signedUrls", "private"} {
		cases = append(cases,
			ruleCase{name: key + ` "yes"`, manifest: func(m map[string]any) { m[key] = "yes" },
				want: "manifest.json: " + key + `: "yes" is not true or false`},
			ruleCase{name: key + " 1", manifest: func(m map[string]any) { m[key] = 1 },
				want: "manifest.json: " + key + `: 1 is not true or false`})
	}
	cases = append(cases,
		ruleCase{name: "false is a boolean", manifest: func(m map[string]any) { m["singleInstall"] = false; m["signedUrls"] = false }},
		ruleCase{name: "a parameter's secure", manifest: func(m map[string]any) { param(m)["secure"] = "true" },
			want: `manifest.json: parameters[0] ("subdomain").secure: "true" is not true or false`},
		ruleCase{name: "a location's flexible", manifest: func(m map[string]any) { sidebar(m)["flexible"] = "yes" },
			want: `manifest.json: location.support.ticket_sidebar: flexible: "yes" is not true or false`},
	)
	runRule(t, cases)
}

// TestCheckManifestValueTypes: the other keys Check reads have their own
// types.
func TestCheckManifestValueTypes(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "name", manifest: func(m map[string]any) { m["name"] = []any{"a"} }, want: `manifest.json: name: ["a"] is not a string`},
		{name: "domainWhitelist", manifest: func(m map[string]any) { m["domainWhitelist"] = "example.com" },
			want: `manifest.json: domainWhitelist: "example.com" is not a list of host names`},
		{name: "parameters", manifest: func(m map[string]any) { m["parameters"] = map[string]any{} },
			want: "manifest.json: parameters: {} is not a list of parameters"},
		{name: "a parameter", manifest: func(m map[string]any) { m["parameters"] = []any{"subdomain"} },
			want: `manifest.json: parameters[0]: "subdomain" is not an object with a name`},
		{name: "location", manifest: func(m map[string]any) { m["location"] = "assets/iframe.html" },
			want: `manifest.json: location: "assets/iframe.html" is not an object of products`},
		{name: "a long value is cut short", manifest: func(m map[string]any) { m["version"] = []any{strings.Repeat("é", 60)} },
			want: `manifest.json: version: ["` + strings.Repeat("é", 19) + "… is not a string"},
	})
}

func param(m map[string]any) map[string]any { return m["parameters"].([]any)[0].(map[string]any) }

func sidebar(m map[string]any) map[string]any {
	return m["location"].(map[string]any)["support"].(map[string]any)["ticket_sidebar"].(map[string]any)
}

func TestCheckLocationProducts(t *testing.T) {
	var cases []ruleCase
	for _, product := range []string{"support", "chat", "sell", "other"} {
		cases = append(cases, ruleCase{name: product, manifest: func(m map[string]any) {
			m["location"] = map[string]any{product: map[string]any{"background": "assets/iframe.html"}}
		}})
	}
	cases = append(cases,
		ruleCase{name: "an unknown product", manifest: func(m map[string]any) {
			m["location"].(map[string]any)["guide"] = map[string]any{"nav_bar": "assets/iframe.html"}
		}, want: "manifest.json: location.guide: not a Zendesk product (one of support, chat, sell, other)"},
		ruleCase{name: "a product that is not an object", manifest: func(m map[string]any) { m["location"] = map[string]any{"support": "assets/iframe.html"} },
			want: `manifest.json: location.support: "assets/iframe.html" is not an object of locations`},
	)
	runRule(t, cases)
}

func TestCheckLocationURL(t *testing.T) {
	withURL := func(u any) func(m map[string]any) { return func(m map[string]any) { sidebar(m)["url"] = u } }
	at := "manifest.json: location.support.ticket_sidebar.url: "
	runRule(t, []ruleCase{
		{name: "a file of the package", manifest: withURL("assets/iframe.html")},
		{name: "a file with a query", manifest: withURL("assets/iframe.html?v=2")},
		{name: "https", manifest: withURL("https://cohort.example.com/app/v1/sidebar")},
		{name: "http from localhost", manifest: withURL("http://localhost:4567/sidebar")},
		{name: "a URL from a setting", manifest: withURL("https://{{setting.subdomain}}.example.com/app")},
		{name: "the bare URL form", manifest: func(m map[string]any) {
			m["location"] = map[string]any{"support": map[string]any{"ticket_sidebar": "https://cohort.example.com/app"}}
		}},
		{name: "empty", manifest: withURL(""), want: at + "missing"},
		{name: "absent", manifest: func(m map[string]any) { delete(sidebar(m), "url") }, want: at + "missing"},
		{name: "not a string", manifest: withURL(true), want: "manifest.json: location.support.ticket_sidebar: url: true is not a string"},
		{name: "a file not in the package", manifest: withURL("assets/sidebar.html"), want: at + "assets/sidebar.html is not in the package"},
		{name: "a file outside assets", manifest: withURL("iframe.html"), want: at + `"iframe.html" is neither an https URL nor a file under assets/`},
		{name: "a path from the root", manifest: withURL("/assets/iframe.html"), want: at + `"/assets/iframe.html" is neither`},
		{name: "http", manifest: withURL("http://cohort.example.com/app"), want: at + "http://cohort.example.com/app: Zendesk loads apps only over https"},
		{name: "ftp", manifest: withURL("ftp://cohort.example.com/app"), want: at + "ftp://cohort.example.com/app: Zendesk loads apps only over https"},
		{name: "not a URL", manifest: withURL("https://exa mple.com/"), want: at + `"https://exa mple.com/" is not a URL`},
		{name: "http from 127.0.0.1 warns", manifest: withURL("http://127.0.0.1:8080/app"),
			want: "manifest.json: warning: location.support.ticket_sidebar.url: http://127.0.0.1:8080/app: Zendesk takes http only from the host name localhost", warning: true},
	})
}

func TestCheckParameterNames(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "no name", manifest: func(m map[string]any) { delete(param(m), "name") }, want: "manifest.json: parameters[0]: name: missing"},
		{name: "twice", manifest: func(m map[string]any) {
			m["parameters"] = append(m["parameters"].([]any), map[string]any{"name": "subdomain", "type": "url"})
		}, want: `manifest.json: parameters[1] ("subdomain"): name: parameters[0] ("subdomain") has it too`},
	})
}

func TestCheckParameterTypes(t *testing.T) {
	var cases []ruleCase
	for _, typ := range []string{"", "text", "checkbox", "url", "number", "multiline", "hidden", "oauth", "mtls"} {
		cases = append(cases, ruleCase{name: "type " + typ, manifest: func(m map[string]any) {
			p := map[string]any{"name": "subdomain"}
			if typ != "" {
				p["type"] = typ
			}
			m["parameters"] = []any{p}
		}})
	}
	cases = append(cases, ruleCase{name: "password", manifest: func(m map[string]any) {
		m["parameters"] = append(m["parameters"].([]any), map[string]any{"name": "x", "type": "password"})
	}, want: `manifest.json: parameters[1] ("x"): type "password" is not one of text, checkbox, url, number, multiline, hidden, oauth, mtls`})
	runRule(t, cases)
}

func TestCheckParameterScopes(t *testing.T) {
	secure := func(scopes any) func(m map[string]any) {
		return func(m map[string]any) { p := param(m); p["secure"] = true; p["scopes"] = scopes }
	}
	runRule(t, []ruleCase{
		{name: "every scope", manifest: secure([]any{"header", "body", "url", "jwt_secret_key", "jwt_claim", "basic_auth_username", "basic_auth_password"})},
		{name: "on a parameter that is not secure", manifest: func(m map[string]any) { param(m)["scopes"] = []any{"header"} },
			want: `manifest.json: parameters[0] ("subdomain"): scopes: only a secure parameter has them`},
		{name: "empty", manifest: secure([]any{}), want: `manifest.json: parameters[0] ("subdomain"): scopes: empty`},
		{name: "unknown", manifest: secure([]any{"header", "cookie"}),
			want: `manifest.json: parameters[0] ("subdomain"): scopes: "cookie" is not one of header, body, url,`},
		{name: "not a list", manifest: secure("header"),
			want: `manifest.json: parameters[0] ("subdomain").scopes: "header" is not a list of scopes`},
	})
}

func TestCheckParameterOAuthIsNotSecure(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "oauth", manifest: func(m map[string]any) { param(m)["type"] = "oauth" }},
		{name: "secure oauth", manifest: func(m map[string]any) {
			p := param(m)
			p["type"], p["secure"], p["scopes"] = "oauth", true, []any{"header"}
		}, want: `manifest.json: parameters[0] ("subdomain"): an oauth parameter cannot be secure`},
	})
}

func TestCheckParameterMTLS(t *testing.T) {
	mtls := func(n int) []any {
		var ps []any
		for i := range n {
			ps = append(ps, map[string]any{"name": fmt.Sprintf("cert%d", i), "type": "mtls"})
		}
		return ps
	}
	runRule(t, []ruleCase{
		{name: "3", manifest: func(m map[string]any) { m["parameters"] = mtls(3) }, files: noLabels},
		{name: "4", manifest: func(m map[string]any) { m["parameters"] = mtls(4) }, files: noLabels,
			want: `manifest.json: parameters: 4 mtls parameters (parameters[0] ("cert0"), parameters[1] ("cert1"), parameters[2] ("cert2"), parameters[3] ("cert3")): at most 3`},
		{name: "secure", manifest: func(m map[string]any) { m["parameters"] = mtls(1); param(m)["secure"] = true }, files: noLabels,
			want: `manifest.json: parameters[0] ("cert0"): an mtls parameter cannot be secure`},
		{name: "with a default", manifest: func(m map[string]any) { m["parameters"] = mtls(1); param(m)["default"] = "x" }, files: noLabels,
			want: `manifest.json: parameters[0] ("cert0"): an mtls parameter has no default`},
	})
}

// noLabels drops the label checks for tests of parameters: every
// parameter gets one.
func noLabels(f map[string][]byte) {
	var m map[string]any
	if err := json.Unmarshal(f["manifest.json"], &m); err != nil {
		panic(err)
	}
	labels := map[string]any{}
	for _, p := range m["parameters"].([]any) {
		labels[p.(map[string]any)["name"].(string)] = map[string]any{"label": "L"}
	}
	f["translations/en.json"], _ = json.Marshal(map[string]any{"app": map[string]any{"name": "Test", "parameters": labels}})
}

// TestCheckParameterWarnings: what Zendesk's secure-settings checks warn
// about is a warning, not an error.
func TestCheckParameterWarnings(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a secret name on plain text", manifest: func(m map[string]any) { param(m)["name"] = "api_Token" }, files: noLabels,
			want: `manifest.json: warning: parameters[0] ("api_Token"): its name says secret, but it is not secure`, warning: true},
		{name: "a secret name, secure", manifest: func(m map[string]any) {
			p := param(m)
			p["name"], p["secure"], p["scopes"] = "api_token", true, []any{"header"}
		}, files: noLabels},
		{name: "a secret name on a checkbox", manifest: func(m map[string]any) { p := param(m); p["name"], p["type"] = "monkey", "checkbox" }, files: noLabels},
		{name: "a secure parameter with a default", manifest: func(m map[string]any) {
			p := param(m)
			p["secure"], p["scopes"], p["default"] = true, []any{"header"}, "x"
		}, want: `manifest.json: warning: parameters[0] ("subdomain"): a secure or hidden parameter with a default`, warning: true},
		{name: "a hidden parameter with a default", manifest: func(m map[string]any) { p := param(m); p["type"], p["default"] = "hidden", "x" },
			want: `manifest.json: warning: parameters[0] ("subdomain"): a secure or hidden parameter with a default`, warning: true},
		{name: "a secure parameter without scopes", manifest: func(m map[string]any) { param(m)["secure"] = true },
			want: `manifest.json: warning: parameters[0] ("subdomain"): secure without scopes`, warning: true},
	})
}

func TestCheckTranslationFileNames(t *testing.T) {
	add := func(name string) func(f map[string][]byte) {
		return func(f map[string][]byte) { f[name] = []byte(`{"app":{"name":"Test"}}`) }
	}
	const notOne = ": not a translation: the files here are translations/LOCALE.json"
	runRule(t, []ruleCase{
		{name: "pt-br", files: add("translations/pt-br.json")},
		{name: "fil", files: add("translations/fil.json")},
		{name: "zh-TW", files: add("translations/zh-TW.json")},
		{name: "upper case", files: add("translations/EN.json"), want: "translations/EN.json" + notOne},
		{name: "not .json", files: add("translations/en.yaml"), want: "translations/en.yaml" + notOne},
		{name: "in a folder", files: add("translations/x/en.json"), want: "translations/x/en.json" + notOne},
		{name: "a long region", files: add("translations/en-europe.json"), want: "translations/en-europe.json" + notOne},
	})
}

func TestCheckTranslationsAreObjects(t *testing.T) {
	set := func(content string) func(f map[string][]byte) {
		return func(f map[string][]byte) { f["translations/fr.json"] = []byte(content) }
	}
	runRule(t, []ruleCase{
		{name: "a list", files: set(`["Test"]`), want: "translations/fr.json: not a JSON object"},
		{name: "not JSON", files: set(`{"app": {"name": "Test"}`), want: "translations/fr.json: not valid JSON: line 1: unexpected end of JSON input"},
		{name: "app not an object", files: set(`{"app": "Test"}`), want: `translations/fr.json: app: "Test" is not an object`},
		{name: "no app is fine", files: set(`{}`)},
	})
}

func TestCheckTranslationForDefaultLocale(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "fr without fr.json", manifest: func(m map[string]any) { m["defaultLocale"] = "fr" },
			want: `translations/fr.json: missing: the app's translation for its defaultLocale, "fr"`},
		{name: "fr with fr.json", manifest: func(m map[string]any) { m["defaultLocale"] = "fr" },
			files: func(f map[string][]byte) { f["translations/fr.json"] = f["translations/en.json"] }},
	})
}

func TestCheckTranslationListingKeys(t *testing.T) {
	public := func(m map[string]any) { m["private"] = false }
	en := func(app map[string]any) func(f map[string][]byte) {
		return func(f map[string][]byte) {
			app["parameters"] = map[string]any{"subdomain": map[string]any{"label": "Subdomain"}}
			f["translations/en.json"], _ = json.Marshal(map[string]any{"app": app})
		}
	}
	listing := map[string]any{"name": "Test", "short_description": "s", "long_description": "l", "installation_instructions": "i"}
	without := func(key string) map[string]any { m := maps.Clone(listing); delete(m, key); return m }
	runRule(t, []ruleCase{
		{name: "private, no name", files: en(map[string]any{}), want: "translations/en.json: app.name: missing"},
		{name: "private without descriptions", files: en(map[string]any{"name": "Test"})},
		{name: "private by default", manifest: func(m map[string]any) { delete(m, "private") }, files: en(map[string]any{"name": "Test"})},
		{name: "public", manifest: public, files: en(listing)},
		{name: "public with the legacy description", manifest: public,
			files: en(map[string]any{"name": "Test", "description": "s", "long_description": "l", "installation_instructions": "i"})},
		{name: "public, no short_description", manifest: public, files: en(without("short_description")),
			want: "translations/en.json: app.short_description: missing: a public app needs it"},
		{name: "public, no long_description", manifest: public, files: en(without("long_description")),
			want: "translations/en.json: app.long_description: missing"},
		{name: "public, no installation_instructions", manifest: public, files: en(without("installation_instructions")),
			want: "translations/en.json: app.installation_instructions: missing"},
		{name: "public, no name", manifest: public, files: en(without("name")), want: "translations/en.json: app.name: missing"},
	})
}

func TestCheckTranslationParameterLabels(t *testing.T) {
	en := func(params any) func(f map[string][]byte) {
		return func(f map[string][]byte) {
			f["translations/en.json"], _ = json.Marshal(map[string]any{"app": map[string]any{"name": "Test", "parameters": params}})
		}
	}
	runRule(t, []ruleCase{
		{name: "a parameter without a label", files: en(map[string]any{}),
			want: `translations/en.json: app.parameters.subdomain.label: missing: the label admins see for the setting "subdomain"`},
		{name: "no parameters at all", files: en(nil), want: `translations/en.json: app.parameters.subdomain.label: missing`},
		{name: "a label that is not in an object", files: en(map[string]any{"subdomain": "Subdomain"}),
			want: `translations/en.json: app.parameters.subdomain: "Subdomain" is not an object with a label`},
		{name: "an object without a label", files: en(map[string]any{"subdomain": map[string]any{"helpText": "h"}}),
			want: "translations/en.json: app.parameters.subdomain.label: missing"},
		{name: "in every file", files: func(f map[string][]byte) {
			f["translations/fr.json"] = []byte(`{"app":{"parameters":{"subdomain":{"helpText":"h"}}}}`)
		}, want: "translations/fr.json: app.parameters.subdomain.label: missing"},
		{name: "parameters not an object", files: en([]any{"subdomain"}),
			want: `translations/en.json: app.parameters: ["subdomain"] is not an object of settings`},
	})
}

func TestCheckRequirements(t *testing.T) {
	set := func(content string) func(f map[string][]byte) {
		return func(f map[string][]byte) { f["requirements.json"] = []byte(content) }
	}
	const r = "requirements.json: "
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `,"f%d":{"title":"F"}`, i)
		}
		return `{"ticket_fields":{` + b.String()[1:] + `}}`
	}
	runRule(t, []ruleCase{
		{name: "none"},
		{name: "every type", files: set(`{
			"automations":{"a":{"title":"A"}}, "channel_integrations":{"c":{"manifest_url":"https://x.example.com/m"}},
			"custom_objects":{"custom_object_types":[]}, "custom_objects_v2":{"objects":[]}, "macros":{"m":{"title":"M"}},
			"targets":{"t":{"title":"T"}}, "views":{"v":{"title":"V"}}, "ticket_fields":{"f":{"title":"F"}},
			"triggers":{"t":{"title":"T"}}, "user_fields":{"u":{"title":"U","key":"u"}},
			"organization_fields":{"o":{"title":"O","key":"o"}},
			"webhooks":{"w":{"name":"w","status":"active","endpoint":"https://x.example.com","http_method":"POST","request_format":"json"}}}`)},
		{name: "not JSON", files: set(`{"ticket_fields":`), want: r + "not valid JSON"},
		{name: "not an object", files: set(`[]`), want: r + "not a JSON object"},
		{name: "an unknown type", files: set(`{"ticket_forms":{}}`), want: r + "ticket_forms: not a requirement type (one of automations,"},
		{name: "a type that is not an object", files: set(`{"ticket_fields":[{"title":"F"}]}`),
			want: r + `ticket_fields: [{"title":"F"}] is not an object of identifier → requirement`},
		{name: "an entry that is not an object", files: set(`{"ticket_fields":{"f":"F"}}`), want: r + `ticket_fields.f: "F" is not an object`},
		{name: "no title", files: set(`{"ticket_fields":{"f":{"type":"text"}}}`), want: r + "ticket_fields.f.title: missing"},
		{name: "a user field without a key", files: set(`{"user_fields":{"u":{"title":"U"}}}`), want: r + "user_fields.u.key: missing"},
		{name: "an organization field without a key", files: set(`{"organization_fields":{"o":{"title":"O"}}}`),
			want: r + "organization_fields.o.key: missing"},
		{name: "a webhook without an endpoint", files: set(`{"webhooks":{"w":{"name":"w","status":"active","http_method":"POST","request_format":"json"}}}`),
			want: r + "webhooks.w.endpoint: missing"},
		{name: "a webhook needs no title", files: set(`{"webhooks":{"w":{"name":"w","status":"active","endpoint":"https://x.example.com","http_method":"POST","request_format":"json"}}}`)},
		{name: "two channel integrations", files: set(`{"channel_integrations":{"a":{"manifest_url":"u"},"b":{"manifest_url":"u"}}}`),
			want: r + "channel_integrations: 2 integrations: an app has at most 1"},
		{name: "a channel integration without manifest_url", files: set(`{"channel_integrations":{"a":{"title":"A"}}}`),
			want: r + "channel_integrations.a.manifest_url: missing"},
		{name: "5000", files: set(many(5000))},
		{name: "5001", files: set(many(5001)), want: r + "5001 requirements: an app has at most 5000"},
	})
}

func TestCheckLogos(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "no logo", files: func(f map[string][]byte) { delete(f, "assets/logo.png") }, want: "assets/logo.png: missing: the app's 320x320 PNG logo"},
		{name: "no small logo", files: func(f map[string][]byte) { delete(f, "assets/logo-small.png") },
			want: "assets/logo-small.png: missing: the app's 128x128 PNG logo"},
		{name: "not a PNG", files: func(f map[string][]byte) { f["assets/logo.png"] = []byte("GIF89a") }, want: "assets/logo.png: not a PNG image"},
		{name: "too small", files: func(f map[string][]byte) { f["assets/logo.png"] = pngOf(t, 128, 128) },
			want: "assets/logo.png: 128x128 pixels: want 320x320"},
		{name: "not square", files: func(f map[string][]byte) { f["assets/logo-small.png"] = pngOf(t, 128, 64) },
			want: "assets/logo-small.png: 128x64 pixels: want 128x128"},
		{name: "cut short", files: func(f map[string][]byte) { f["assets/logo.png"] = f["assets/logo.png"][:100] },
			want: "assets/logo.png: a broken PNG image"},
	})
}

func TestCheckFilesBelongToTheApp(t *testing.T) {
	add := func(name string) func(f map[string][]byte) {
		return func(f map[string][]byte) { f[name] = []byte("x") }
	}
	runRule(t, []ruleCase{
		{name: "README.md", files: add("README.md")},
		{name: "LICENSE", files: add("LICENSE")},
		{name: "an asset in a folder", files: add("assets/fonts/a.woff2")},
		{name: "a script beside the app", files: add("vendor-sdk.sh"), want: "vendor-sdk.sh: not part of a Zendesk app"},
		{name: "zcli's tmp", files: add("tmp/app-20260101.zip"), want: "tmp/app-20260101.zip: a zip inside the package: leave it out, or Zendesk ships it"},
		{name: "a folder beside the app", files: add("src/index.js"), want: "src/index.js: not part of a Zendesk app"},
		{name: "a dotfile", files: add(".DS_Store"), want: ".DS_Store: a hidden file"},
		{name: "a dotfile in assets", files: add("assets/.eslintrc"), want: "assets/.eslintrc: a hidden file"},
		{name: "a dot folder", files: add(".git/HEAD"), want: ".git/HEAD: a hidden file"},
		{name: "a zip in assets", files: add("assets/old.ZIP"), want: "assets/old.ZIP: a zip inside the package"},
		{name: "macOS junk", files: add("__MACOSX/assets/._logo.png"), want: "__MACOSX/assets/._logo.png: a hidden file"},
	})
}

func TestCheckFileSize(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "10 MiB", files: func(f map[string][]byte) { f["assets/big.js"] = make([]byte, 10<<20) }},
		{name: "over 10 MiB", files: func(f map[string][]byte) { f["assets/big.js"] = make([]byte, 10<<20+1<<19) },
			want: "assets/big.js: 10.5 MiB: a file may hold at most 10 MiB"},
	})
}

// TestCheckOrderIsStable: the same package gives the same problems in the
// same order, whatever the order of its maps.
func TestCheckOrderIsStable(t *testing.T) {
	files := validFiles(t)
	files["manifest.json"] = []byte(`{"author":{},"location":{"zz":{},"support":{"b":{"url":"http://x.example.com"},"a":{"url":""}}},
		"parameters":[{"name":"a","type":"password","scopes":["x","y"]},{"name":"a"},{"name":"token"}]}`)
	files["requirements.json"] = []byte(`{"views":{"b":{},"a":{}},"macros":{"c":{}},"forms":{}}`)
	files["translations/fr.json"] = []byte(`{"app":{"parameters":{"b":{},"a":{}}}}`)
	files["b.txt"], files["a.txt"] = nil, nil
	p := &zafapp.Package{Files: files}
	first := p.Check()
	if len(first) < 20 {
		t.Fatalf("want many problems, got:\n%s", lines(first))
	}
	for range 20 {
		if again := p.Check(); !slices.Equal(again, first) {
			t.Fatalf("Check changed its order:\n%s\nthen:\n%s", lines(first), lines(again))
		}
	}
	if i, j := slices.IndexFunc(first, func(p zafapp.Problem) bool { return p.File == "a.txt" }),
		slices.IndexFunc(first, func(p zafapp.Problem) bool { return p.File == "b.txt" }); i < 0 || j < i {
		t.Errorf("files out of order:\n%s", lines(first))
	}
}

func TestBelongs(t *testing.T) {
	for name, want := range map[string]bool{
		"manifest.json": true, "requirements.json": true, "README.md": true, "LICENSE": true,
		"assets/iframe.html": true, "translations/en.json": true, "assets/js/app.js": true,
		"vendor-sdk.sh": false, "tmp/app.zip": false, ".zcliignore": false, "assets/.DS_Store": false,
		"assets/app.zip": false, "zcli.apps.config.json": false, "readme.md": false, "LICENSE.txt": false,
	} {
		if got := zafapp.Belongs(name); got != want {
			t.Errorf("Belongs(%q) = %v, want %v", name, got, want)
		}
	}
}

package fdkapp_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/freshdesk/fdkapp"
)

// goWords are signs of a message written for a programmer: Go types,
// package names, the json package's wording.
var goWords = regexp.MustCompile(`json:|Go value|map\[|\[\]|RawMessage|fdkapp|interface \{\}|%!`)

// app is a small FDK app that passes Check, to change one thing of.
type app struct {
	manifest map[string]any
	iparams  map[string]any
	requests map[string]any
	files    map[string][]byte // the other files
}

func validApp() *app {
	return &app{
		manifest: map[string]any{
			"platform-version": "3.0",
			"modules": map[string]any{
				"common": map[string]any{"requests": map[string]any{"getView": map[string]any{}}},
				"support_ticket": map[string]any{"location": map[string]any{
					"ticket_sidebar": map[string]any{"url": "index.html", "icon": "styles/icon.svg"},
				}},
			},
			"engines": map[string]any{"node": "18.20.8", "fdk": "9.7.4"},
		},
		iparams: map[string]any{
			"host":  map[string]any{"display_name": "Host", "type": "text", "required": true},
			"token": map[string]any{"display_name": "Token", "type": "text", "required": true, "secure": true},
		},
		requests: map[string]any{
			"getView": map[string]any{
				"schema": map[string]any{
					"method": "GET", "protocol": "https", "host": "<%= iparam.host %>", "path": "/views/<%= context.id %>",
					"headers": map[string]any{"Authorization": "Bearer <%= iparam.token %>", "Content-Type": "application/json"},
					"query":   map[string]any{"kind": "sidebar", "page": 1},
				},
				"options": map[string]any{"maxAttempts": 2, "retryDelay": 500},
			},
		},
		files: map[string][]byte{
			"app/index.html":      []byte(`<!doctype html><script src="{{{appclient}}}"></script><script src="scripts/app.js"></script>`),
			"app/scripts/app.js":  []byte(`app.initialized().then(function (client) { return client.request.invokeTemplate("getView", {context: {id: 1}}); });`),
			"app/styles/icon.svg": []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>`),
			"README.md":           []byte("# test\n"),
		},
	}
}

// pkg returns the app's files as a package.
func (a *app) pkg(t testing.TB) *fdkapp.Package {
	t.Helper()
	files := map[string][]byte{}
	for name, v := range map[string]map[string]any{"manifest.json": a.manifest, "config/iparams.json": a.iparams, "config/requests.json": a.requests} {
		if v != nil {
			files[name] = jsonOf(t, v)
		}
	}
	for name, data := range a.files {
		files[name] = data
	}
	return &fdkapp.Package{Files: files}
}

func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// obj returns m[keys[0]][keys[1]]…, each an object.
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func modules(a *app) map[string]any { return obj(a.manifest, "modules") }
func sidebar(a *app) map[string]any {
	return obj(a.manifest, "modules", "support_ticket", "location", "ticket_sidebar")
}
func schema(a *app) map[string]any              { return obj(a.requests, "getView", "schema") }
func options(a *app) map[string]any             { return obj(a.requests, "getView", "options") }
func iparam(a *app, name string) map[string]any { return obj(a.iparams, name) }

// ruleCase is one case of a rule: a change to the valid app, and the
// problem it makes, or none.
type ruleCase struct {
	name    string
	change  func(a *app)
	want    string // the start of a problem's String(); "" for none at all
	warning bool   // want is a warning
}

// runRule runs each case: Check of the changed app reports a problem that
// starts with want, or nothing when want is "".
func runRule(t *testing.T, cases []ruleCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			a := validApp()
			if tt.change != nil {
				tt.change(a)
			}
			problems := a.pkg(t).Check()
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
			i := slices.IndexFunc(problems, func(p fdkapp.Problem) bool { return strings.HasPrefix(p.String(), tt.want) })
			if i < 0 {
				t.Fatalf("want a problem starting %q, got:\n%s", tt.want, lines(problems))
			}
			if problems[i].Warning != tt.warning {
				t.Errorf("%s: warning = %v, want %v", problems[i], problems[i].Warning, tt.warning)
			}
		})
	}
}

func TestValidApp(t *testing.T) {
	runRule(t, []ruleCase{{name: "as it is"}})
}

func TestManifestPresent(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { a.manifest = nil }, want: "manifest.json: missing: every app has one"},
		{name: "in a folder", change: func(a *app) {
			a.files["cohort/manifest.json"] = jsonOf(t, a.manifest)
			a.manifest = nil
		}, want: "manifest.json: missing at the root of the app (cohort/manifest.json is there"},
		{name: "not JSON", change: func(a *app) { a.manifest = nil; a.files["manifest.json"] = []byte("{\n\"a\": }") },
			want: "manifest.json: not valid JSON: line 2"},
		{name: "not an object", change: func(a *app) { a.manifest = nil; a.files["manifest.json"] = []byte(`[1]`) },
			want: "manifest.json: not a JSON object"},
	})
}

func TestPlatformVersion(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(a.manifest, "platform-version") }, want: `manifest.json: platform-version: missing: want "3.0"`},
		{name: "2.3", change: func(a *app) { a.manifest["platform-version"] = "2.3" }, want: `manifest.json: platform-version: "2.3" is not "3.0"`},
		{name: "a number", change: func(a *app) { a.manifest["platform-version"] = 3.0 }, want: `manifest.json: platform-version: 3 is not "3.0"`},
	})
}

func TestLegacyKeys(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "product", change: func(a *app) { a.manifest["product"] = map[string]any{"freshdesk": map[string]any{}} },
			want: "manifest.json: product: the layout of platform 2.x"},
		{name: "whitelisted-domains", change: func(a *app) { a.manifest["whitelisted-domains"] = []string{"https://x.example.com"} },
			want: "manifest.json: whitelisted-domains: not in platform 3.0"},
	})
}

func TestModules(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(a.manifest, "modules") }, want: "manifest.json: modules: missing"},
		{name: "not an object", change: func(a *app) { a.manifest["modules"] = "support_ticket" }, want: `manifest.json: modules: "support_ticket" is not an object of modules`},
		{name: "common alone", change: func(a *app) { delete(modules(a), "support_ticket") },
			want: "manifest.json: modules: want at least one module beside common"},
		{name: "an empty product module", change: func(a *app) { modules(a)["support_contact"] = map[string]any{} }},
		{name: "a module that is not an object", change: func(a *app) { modules(a)["support_contact"] = "x" },
			want: `manifest.json: modules.support_contact: "x" is not an object`},
		{name: "another product's module", change: func(a *app) { modules(a)["service_ticket"] = map[string]any{} },
			want: "manifest.json: warning: modules.service_ticket: not a Freshdesk module", warning: true},
		{name: "an unknown key", change: func(a *app) { obj(modules(a), "support_ticket")["placeholders"] = map[string]any{} },
			want: "manifest.json: warning: modules.support_ticket.placeholders: not a key of a module", warning: true},
	})
}

func TestServerlessNeedsServer(t *testing.T) {
	events := func(a *app) {
		obj(modules(a), "support_ticket")["events"] = map[string]any{"onTicketCreate": map[string]any{"handler": "onTicketCreateHandler"}}
	}
	runRule(t, []ruleCase{
		{name: "events without server.js", change: events, want: "manifest.json: modules.support_ticket.events: declares serverless code, but server/server.js is missing"},
		{name: "functions without server.js", change: func(a *app) { obj(modules(a), "common")["functions"] = map[string]any{"f": map[string]any{}} },
			want: "manifest.json: modules.common.functions: declares serverless code"},
		{name: "events with server.js", change: func(a *app) { events(a); a.files["server/server.js"] = []byte("exports = {};") }},
		{name: "no events", change: func(a *app) { obj(modules(a), "support_ticket")["events"] = map[string]any{} }},
	})
}

func TestLocationURL(t *testing.T) {
	const at = "manifest.json: modules.support_ticket.location.ticket_sidebar.url: "
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(sidebar(a), "url") }, want: at + "missing"},
		{name: "not a string", change: func(a *app) { sidebar(a)["url"] = 1 }, want: at + "1 is not a file path under app/"},
		{name: "a file not there", change: func(a *app) { sidebar(a)["url"] = "sidebar.html" }, want: at + `"sidebar.html" names app/sidebar.html, which is not in the app`},
		{name: "a URL", change: func(a *app) { sidebar(a)["url"] = "https://cohort.example.com/x" }, want: at + `"https://cohort.example.com/x" is not a path relative to app/`},
		{name: "from the root", change: func(a *app) { sidebar(a)["url"] = "/index.html" }, want: at + `"/index.html" is not a path relative`},
		{name: "climbing out", change: func(a *app) { sidebar(a)["url"] = "../manifest.json" }, want: at + `"../manifest.json" is not a path relative`},
		{name: "in a folder", change: func(a *app) {
			sidebar(a)["url"] = "views/sidebar.html"
			a.files["app/views/sidebar.html"] = a.files["app/index.html"]
		}},
		{name: "an unknown location", change: func(a *app) { obj(modules(a), "support_ticket", "location")["ticket_footer"] = sidebar(a) },
			want: "manifest.json: warning: modules.support_ticket.location.ticket_footer: not a location of support_ticket", warning: true},
		{name: "a location that is not an object", change: func(a *app) { obj(modules(a), "support_ticket", "location")["ticket_sidebar"] = "index.html" },
			want: `manifest.json: modules.support_ticket.location.ticket_sidebar: "index.html" is not an object with a url and an icon`},
	})
}

func TestLocationIcon(t *testing.T) {
	const at = "manifest.json: modules.support_ticket.location.ticket_sidebar.icon: "
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(sidebar(a), "icon") }, want: at + "missing"},
		{name: "not there", change: func(a *app) { sidebar(a)["icon"] = "styles/images/icon.svg" }, want: at + `"styles/images/icon.svg" names app/styles/images/icon.svg, which is not in the app`},
		{name: "a PNG", change: func(a *app) { sidebar(a)["icon"] = "icon.png"; a.files["app/icon.png"] = []byte("\x89PNG") },
			want: at + "app/icon.png is not an .svg file"},
		{name: "not an SVG inside", change: func(a *app) { a.files["app/styles/icon.svg"] = []byte("<html></html>") },
			want: "app/styles/icon.svg: not an SVG image: its root element is <html>"},
		{name: "another size", change: func(a *app) { a.files["app/styles/icon.svg"] = []byte(`<svg width="128px" height="128px"></svg>`) },
			want: "app/styles/icon.svg: warning: 128×128: Freshworks asks for a 64×64 icon", warning: true},
		{name: "no size", change: func(a *app) { a.files["app/styles/icon.svg"] = []byte(`<svg viewBox="0 0 64 64"></svg>`) }},
		{name: "not XML", change: func(a *app) { a.files["app/styles/icon.svg"] = []byte("icon") },
			want: "app/styles/icon.svg: not an SVG image (no <svg> element at its start)"},
		{name: "a background location without one", change: func(a *app) {
			obj(modules(a), "support_ticket", "location")["ticket_background"] = map[string]any{"url": "index.html"}
		}},
	})
}

func TestEngines(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(a.manifest, "engines") }, want: "manifest.json: engines: missing"},
		{name: "not an object", change: func(a *app) { a.manifest["engines"] = "18" }, want: `manifest.json: engines: "18" is not an object`},
		{name: "no node", change: func(a *app) { delete(obj(a.manifest, "engines"), "node") }, want: "manifest.json: engines.node: missing"},
		{name: "no fdk", change: func(a *app) { delete(obj(a.manifest, "engines"), "fdk") }, want: "manifest.json: engines.fdk: missing"},
		{name: "not a version", change: func(a *app) { obj(a.manifest, "engines")["fdk"] = "latest" }, want: `manifest.json: engines.fdk: "latest" is not a version`},
	})
}

func TestRequestsDeclared(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "declared, not defined", change: func(a *app) { obj(modules(a), "common", "requests")["getOther"] = map[string]any{} },
			want: "manifest.json: modules.common.requests.getOther: no such request template in config/requests.json"},
		{name: "defined, not declared", change: func(a *app) { a.requests["getOther"] = a.requests["getView"] },
			want: "config/requests.json: warning: getOther: not declared in manifest.json", warning: true},
		{name: "declared in a product module", change: func(a *app) {
			delete(obj(modules(a), "common"), "requests")
			obj(modules(a), "support_ticket")["requests"] = map[string]any{"getView": map[string]any{}}
		}},
		{name: "no requests.json", change: func(a *app) { a.requests = nil },
			want: "manifest.json: modules.common.requests.getView: declares a request template, but config/requests.json is missing"},
		{name: "requests not an object", change: func(a *app) { obj(modules(a), "common")["requests"] = []string{"getView"} },
			want: `manifest.json: modules.common.requests: ["getView"] is not an object of request template names`},
		{name: "a declaration not an object", change: func(a *app) { obj(modules(a), "common", "requests")["getView"] = true },
			want: "manifest.json: modules.common.requests.getView: true is not an object"},
	})
}

func TestIparamsFile(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { a.iparams = nil }, want: "config/iparams.json: missing: every app has one"},
		{name: "empty", change: func(a *app) {
			a.iparams = map[string]any{}
			obj(a.requests, "getView", "schema")["host"] = "cohort.example.com"
			obj(a.requests, "getView", "schema", "headers")["Authorization"] = "Bearer x"
		}},
		{name: "a settings page instead", change: func(a *app) { a.iparams = nil; a.files["config/iparams.html"] = []byte("<html>") }},
		{name: "both", change: func(a *app) { a.files["config/iparams.html"] = []byte("<html>") },
			want: "config/iparams.html: the app has both config/iparams.json and config/iparams.html"},
		{name: "not JSON", change: func(a *app) { a.iparams = nil; a.files["config/iparams.json"] = []byte("{") },
			want: "config/iparams.json: not valid JSON: line 1"},
		{name: "an iparam that is not an object", change: func(a *app) { a.iparams["x"] = "text" },
			want: `config/iparams.json: x: "text" is not an object with a display_name and a type`},
		{name: "an empty name", change: func(a *app) { a.iparams[""] = map[string]any{"display_name": "X", "type": "text"} },
			want: "config/iparams.json: an iparam with an empty name"},
	})
}

func TestIparamDisplayNameAndType(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "no display_name", change: func(a *app) { delete(iparam(a, "host"), "display_name") }, want: "config/iparams.json: host.display_name: missing"},
		{name: "no type", change: func(a *app) { delete(iparam(a, "host"), "type") }, want: "config/iparams.json: host.type: missing: one of text,"},
		{name: "password", change: func(a *app) { iparam(a, "token")["type"] = "password" }, want: `config/iparams.json: token.type: "password" is not one of`},
		{name: "every documented type", change: func(a *app) {
			for _, typ := range []string{"text", "paragraph", "email", "number", "phone_number", "date", "url", "checkbox", "domain"} {
				a.iparams["p_"+typ] = map[string]any{"display_name": typ, "type": typ}
			}
			for _, typ := range []string{"dropdown", "radio", "multiselect"} {
				a.iparams["p_"+typ] = map[string]any{"display_name": typ, "type": typ, "options": []string{"a", "b"}}
			}
		}},
	})
}

func TestIparamOptions(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a dropdown without", change: func(a *app) { a.iparams["size"] = map[string]any{"display_name": "Size", "type": "dropdown"} },
			want: "config/iparams.json: size.options: missing: a dropdown lists its options"},
		{name: "a dropdown with none", change: func(a *app) {
			a.iparams["size"] = map[string]any{"display_name": "Size", "type": "radio", "options": []string{}}
		}, want: "config/iparams.json: size.options: empty: a radio lists its options"},
		{name: "options not a list", change: func(a *app) {
			a.iparams["size"] = map[string]any{"display_name": "Size", "type": "multiselect", "options": "a,b"}
		}, want: `config/iparams.json: size.options: "a,b" is not a list of options`},
		{name: "a text with options", change: func(a *app) { iparam(a, "host")["options"] = []string{"a"} },
			want: "config/iparams.json: host.options: a text has no options"},
	})
}

func TestIparamBooleans(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "required", change: func(a *app) { iparam(a, "host")["required"] = "yes" }, want: `config/iparams.json: host.required: "yes" is not true or false`},
		{name: "secure", change: func(a *app) { iparam(a, "token")["secure"] = 1 }, want: "config/iparams.json: token.secure: 1 is not true or false"},
		{name: "a checkbox's default", change: func(a *app) {
			a.iparams["show"] = map[string]any{"display_name": "Show", "type": "checkbox", "default_value": "true"}
		}, want: `config/iparams.json: show.default_value: "true" is not true or false`},
		{name: "a checkbox's default as a boolean", change: func(a *app) {
			a.iparams["show"] = map[string]any{"display_name": "Show", "type": "checkbox", "default_value": true}
		}},
	})
}

func TestSecretIparamIsSecure(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a token not secure", change: func(a *app) { delete(iparam(a, "token"), "secure") },
			want: "config/iparams.json: token: looks like a credential but is not secure"},
		{name: "an api_key not secure", change: func(a *app) { a.iparams["api_key"] = map[string]any{"display_name": "Key", "type": "text"} },
			want: "config/iparams.json: api_key: looks like a credential"},
		{name: "a plain name", change: func(a *app) { a.iparams["subdomain"] = map[string]any{"display_name": "Subdomain", "type": "text"} }},
	})
}

func TestIparamModules(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a module of the manifest", change: func(a *app) { iparam(a, "host")["modules"] = []string{"support_ticket"} }},
		{name: "another module", change: func(a *app) { iparam(a, "host")["modules"] = []string{"service_ticket"} },
			want: `config/iparams.json: host.modules: "service_ticket" is not a module of manifest.json`},
		{name: "not a list", change: func(a *app) { iparam(a, "host")["modules"] = "support_ticket" },
			want: `config/iparams.json: host.modules: "support_ticket" is not a list of module names`},
	})
}

func TestIparamEvents(t *testing.T) {
	withJS := func(a *app) { a.files["config/assets/iparams.js"] = []byte("function hostChange(v) { return ''; }") }
	runRule(t, []ruleCase{
		{name: "a change callback", change: func(a *app) {
			withJS(a)
			iparam(a, "host")["events"] = []any{map[string]any{"change": "hostChange"}}
		}},
		{name: "a callback not there", change: func(a *app) {
			withJS(a)
			iparam(a, "host")["events"] = []any{map[string]any{"change": "onHost"}}
		}, want: "config/iparams.json: host.events: change: the function onHost is not in config/assets/iparams.js"},
		{name: "not a list", change: func(a *app) { iparam(a, "host")["events"] = map[string]any{"change": "hostChange"} },
			want: "config/iparams.json: host.events: {\"change\":\"hostChange\"} is not a list of events"},
		{name: "another event", change: func(a *app) {
			withJS(a)
			iparam(a, "host")["events"] = []any{map[string]any{"blur": "hostChange"}}
		}, want: "config/iparams.json: host.events: the blur event is not supported: only change"},
	})
}

func TestTemplateShape(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "not JSON", change: func(a *app) { a.requests = nil; a.files["config/requests.json"] = []byte("{\n\n,") },
			want: "config/requests.json: not valid JSON: line 3"},
		{name: "a template not an object", change: func(a *app) { a.requests["getView"] = "GET /" },
			want: `config/requests.json: getView: "GET /" is not an object with a schema`},
		{name: "no schema", change: func(a *app) { delete(a.requests["getView"].(map[string]any), "schema") },
			want: "config/requests.json: getView.schema: missing"},
		{name: "another key", change: func(a *app) { a.requests["getView"].(map[string]any)["body"] = "{}" },
			want: "config/requests.json: getView.body: a template has a schema and options, nothing else"},
		{name: "a body in the schema", change: func(a *app) { schema(a)["body"] = "{}" },
			want: "config/requests.json: getView.schema.body: not a field of a request schema"},
		{name: "a bad name", change: func(a *app) {
			a.requests["get view"] = a.requests["getView"]
			obj(modules(a), "common", "requests")["get view"] = map[string]any{}
		}, want: `config/requests.json: "get view": a template's name has only letters, digits, _ and -`},
		{name: "a name with - and _", change: func(a *app) {
			a.requests["get-view_2"] = a.requests["getView"]
			obj(modules(a), "common", "requests")["get-view_2"] = map[string]any{}
		}},
	})
}

func TestMethodAndProtocol(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "no method", change: func(a *app) { delete(schema(a), "method") }, want: "config/requests.json: getView.schema.method: missing"},
		{name: "HEAD", change: func(a *app) { schema(a)["method"] = "HEAD" }, want: `config/requests.json: getView.schema.method: "HEAD" is not one of GET, POST, PUT, DELETE, PATCH`},
		{name: "lower case", change: func(a *app) { schema(a)["method"] = "get" }, want: `config/requests.json: getView.schema.method: "get" is not one of`},
		{name: "no protocol", change: func(a *app) { delete(schema(a), "protocol") }},
		{name: "http", change: func(a *app) { schema(a)["protocol"] = "http" }, want: "config/requests.json: getView.schema.protocol: http works only in local testing"},
		{name: "ftp", change: func(a *app) { schema(a)["protocol"] = "ftp" }, want: `config/requests.json: getView.schema.protocol: "ftp" is not https`},
	})
}

func TestHost(t *testing.T) {
	const at = "config/requests.json: getView.schema.host: "
	runRule(t, []ruleCase{
		{name: "missing", change: func(a *app) { delete(schema(a), "host") }, want: at + "missing"},
		{name: "empty", change: func(a *app) { schema(a)["host"] = "" }, want: at + `"" is not a domain name`},
		{name: "a domain", change: func(a *app) { schema(a)["host"] = "api.example.com" }},
		{name: "a subdomain from an iparam", change: func(a *app) { schema(a)["host"] = "<%= iparam.host %>.freshdesk.com" }},
		{name: "with the protocol", change: func(a *app) { schema(a)["host"] = "https://api.example.com" }, want: at + `"https://api.example.com": write the domain name without the protocol`},
		{name: "an iparam with the protocol", change: func(a *app) { schema(a)["host"] = "https://<%= iparam.host %>" }, want: at + `"https://<%= iparam.host %>": write the domain name without the protocol`},
		{name: "a trailing slash", change: func(a *app) { schema(a)["host"] = "api.example.com/" }, want: at + `"api.example.com/": write the domain name without a trailing slash`},
		{name: "a path", change: func(a *app) { schema(a)["host"] = "api.example.com/v2" }, want: at + `"api.example.com/v2": a host has no path`},
		{name: "an IP address", change: func(a *app) { schema(a)["host"] = "10.0.0.1" }, want: at + `"10.0.0.1" is an IP address`},
		{name: "an IPv6 address", change: func(a *app) { schema(a)["host"] = "[::1]" }, want: at + `"[::1]" is an IP address`},
	})
}

func TestPath(t *testing.T) {
	const at = "config/requests.json: getView.schema.path: "
	runRule(t, []ruleCase{
		{name: "none", change: func(a *app) { delete(schema(a), "path") }},
		{name: "no leading slash", change: func(a *app) { schema(a)["path"] = "views" }, want: at + `"views" must start with /`},
		{name: "from context", change: func(a *app) { schema(a)["path"] = "<%= context.path %>" }},
		{name: "not a string", change: func(a *app) { schema(a)["path"] = []string{"/"} }, want: at + `["/"] is not a string`},
		{name: "with a query", change: func(a *app) { schema(a)["path"] = "/views?kind=sidebar" }, want: "config/requests.json: warning: getView.schema.path: \"/views?kind=sidebar\" holds a query", warning: true},
	})
}

func TestHeadersAndQuery(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "headers not an object", change: func(a *app) { schema(a)["headers"] = []string{"Accept: */*"} },
			want: `config/requests.json: getView.schema.headers: ["Accept: */*"] is not an object`},
		{name: "a header that is a number", change: func(a *app) { obj(schema(a), "headers")["X-Page"] = 1 },
			want: "config/requests.json: getView.schema.headers.X-Page: 1 is not a string"},
		{name: "a query value that is a number", change: func(a *app) { obj(schema(a), "query")["per_page"] = 20 }},
		{name: "a query value that is a list", change: func(a *app) { obj(schema(a), "query")["ids"] = []int{1} },
			want: "config/requests.json: getView.schema.query.ids: [1] is not a string"},
		{name: "a substitution in a name", change: func(a *app) { obj(schema(a), "query")["<%= context.k %>"] = "v" },
			want: "config/requests.json: getView.schema.query.<%= context.k %>: a substitution in a name"},
	})
}

func TestContentType(t *testing.T) {
	const at = "config/requests.json: getView.schema.headers.Content-Type: "
	runRule(t, []ruleCase{
		{name: "with a charset", change: func(a *app) { obj(schema(a), "headers")["Content-Type"] = "application/json; charset=utf-8" }},
		{name: "form", change: func(a *app) { obj(schema(a), "headers")["Content-Type"] = "application/x-www-form-urlencoded" },
			want: at + `"application/x-www-form-urlencoded" is not a content type the request method sends`},
		{name: "lower-case name", change: func(a *app) {
			delete(obj(schema(a), "headers"), "Content-Type")
			obj(schema(a), "headers")["content-type"] = "multipart/form-data"
		}, want: "config/requests.json: getView.schema.headers.content-type: \"multipart/form-data\" is not a content type"},
	})
}

func TestSubstitutions(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "an iparam not defined", change: func(a *app) { schema(a)["host"] = "<%= iparam.domain %>" },
			want: "config/requests.json: getView.schema.host: iparam.domain is not in config/iparams.json"},
		{name: "a secure iparam in host", change: func(a *app) { schema(a)["host"] = "<%= iparam.token %>.example.com" },
			want: "config/requests.json: getView.schema.host: iparam.token is secure: secure iparams go only in headers"},
		{name: "a secure iparam in path", change: func(a *app) { schema(a)["path"] = "/<%= iparam.token %>" },
			want: "config/requests.json: getView.schema.path: iparam.token is secure"},
		{name: "a secure iparam in query", change: func(a *app) { obj(schema(a), "query")["key"] = "<%= iparam.token %>" },
			want: "config/requests.json: getView.schema.query.key: iparam.token is secure"},
		{name: "encode of a secure iparam in a header", change: func(a *app) {
			obj(schema(a), "headers")["Authorization"] = "Basic <%= encode(iparam.token) %>"
		}},
		{name: "context in host", change: func(a *app) { schema(a)["host"] = "<%= context.host %>" },
			want: "config/requests.json: warning: getView.schema.host: context.host: a host takes context only for installation-page and serverless requests", warning: true},
		{name: "context in a header", change: func(a *app) { obj(schema(a), "headers")["X-Ticket"] = "<%= context.ticket %>" }},
		{name: "without =", change: func(a *app) { schema(a)["path"] = "/views/<% context.id %>" },
			want: "config/requests.json: getView.schema.path: <% context.id %>: a substitution is written <%= … %>, with ="},
		{name: "not closed", change: func(a *app) { schema(a)["path"] = "/views/<%= context.id" },
			want: `config/requests.json: getView.schema.path: "/views/<%= context.id": a substitution is written <%= … %>`},
		{name: "no variable", change: func(a *app) { schema(a)["path"] = "/views/<%= id %>" },
			want: "config/requests.json: warning: getView.schema.path: <%= id %> names no iparam.NAME, context.NAME or access_token", warning: true},
		{name: "access_token without OAuth", change: func(a *app) { obj(schema(a), "headers")["Authorization"] = "Bearer <%= access_token %>" },
			want: "config/requests.json: getView.schema.headers.Authorization: access_token goes only in the headers of a template with \"isOAuth\": true"},
		{name: "access_token with OAuth", change: func(a *app) {
			obj(schema(a), "headers")["Authorization"] = "Bearer <%= access_token %>"
			options(a)["isOAuth"] = true
		}},
		{name: "iparams unknown with a settings page", change: func(a *app) {
			a.iparams = nil
			a.files["config/iparams.html"] = []byte("<html>")
			schema(a)["host"] = "<%= iparam.anything %>"
		}},
	})
}

func TestOptions(t *testing.T) {
	const at = "config/requests.json: getView.options."
	runRule(t, []ruleCase{
		{name: "none", change: func(a *app) { delete(a.requests["getView"].(map[string]any), "options") }},
		{name: "not an object", change: func(a *app) { a.requests["getView"].(map[string]any)["options"] = 3 }, want: "config/requests.json: getView.options: 3 is not an object"},
		{name: "maxAttempts 0", change: func(a *app) { options(a)["maxAttempts"] = 0 }, want: at + "maxAttempts: 0 is not a whole number from 1 to 5"},
		{name: "maxAttempts 6", change: func(a *app) { options(a)["maxAttempts"] = 6 }, want: at + "maxAttempts: 6 is not"},
		{name: "maxAttempts 1.5", change: func(a *app) { options(a)["maxAttempts"] = 1.5 }, want: at + "maxAttempts: 1.5 is not"},
		{name: "retryDelay 1500", change: func(a *app) { options(a)["retryDelay"] = 1500 }},
		{name: "retryDelay 2000", change: func(a *app) { options(a)["retryDelay"] = 2000 }, want: at + "retryDelay: 2000 is not a multiple of 100 milliseconds up to 1500"},
		{name: "retryDelay 150", change: func(a *app) { options(a)["retryDelay"] = 150 }, want: at + "retryDelay: 150 is not"},
		{name: "retryDelay a string", change: func(a *app) { options(a)["retryDelay"] = "100" }, want: at + `retryDelay: "100" is not`},
		{name: "isOAuth a string", change: func(a *app) { options(a)["isOAuth"] = "true" }, want: at + `isOAuth: "true" is not true or false`},
		{name: "an unknown option", change: func(a *app) { options(a)["timeout"] = 5 }, want: "config/requests.json: warning: getView.options.timeout: not an option", warning: true},
	})
}

func TestAppClient(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a page without it", change: func(a *app) { a.files["app/index.html"] = []byte(`<script src="scripts/app.js"></script>`) },
			want: `app/index.html: loads no app client: add <script src="{{{appclient}}}"></script>`},
		{name: "the 2.x client", change: func(a *app) {
			a.files["app/extra.html"] = []byte(`<script src="https://static.freshdev.io/fdk/2.0/assets/fresh_client.js"></script>`)
		}, want: "app/extra.html: warning: loads fresh_client.js from static.freshdev.io", warning: true},
		{name: "a page that is no location's", change: func(a *app) { a.files["app/views/modal.html"] = []byte("<p>modal</p>") }},
	})
}

func TestSecureIparamNotInFrontEnd(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "in a script", change: func(a *app) {
			a.files["app/scripts/app.js"] = append(a.files["app/scripts/app.js"], "client.iparams.get('token');"...)
		}, want: "app/scripts/app.js: names the secure iparam token: secure iparams never reach the browser"},
		{name: "a non-secure one in a script", change: func(a *app) {
			a.files["app/scripts/app.js"] = append(a.files["app/scripts/app.js"], "client.iparams.get('host');"...)
		}},
		{name: "a word that contains it", change: func(a *app) {
			a.files["app/scripts/app.js"] = append(a.files["app/scripts/app.js"], "var tokens = 1;"...)
		}},
		{name: "in serverless code", change: func(a *app) {
			a.files["server/server.js"] = []byte("exports = {f: function (args) { return args.iparams.token; }};")
		}},
	})
}

func TestInvokedTemplatesDeclared(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a template not declared", change: func(a *app) {
			a.files["app/scripts/more.js"] = []byte(`client.request.invokeTemplate('getOther', {});`)
		}, want: "app/scripts/more.js: invokes the request template getOther, which manifest.json does not declare"},
		{name: "from serverless code", change: func(a *app) {
			a.files["server/server.js"] = []byte("exports = {f: async function () { await $request.invokeTemplate(`getOther`, {}); }};")
		}, want: "server/server.js: invokes the request template getOther"},
	})
}

func TestLayout(t *testing.T) {
	runRule(t, []ruleCase{
		{name: "a script at the root", change: func(a *app) { a.files["build.sh"] = []byte("#!/bin/sh") },
			want: "build.sh: warning: not part of an FDK app", warning: true},
		{name: "the FDK's local store", change: func(a *app) { a.files[".fdk/localstore"] = []byte("{}") },
			want: ".fdk/localstore: warning: not part of an FDK app", warning: true},
		{name: "a zip", change: func(a *app) { a.files["app/dist/app.zip"] = []byte("PK") },
			want: "app/dist/app.zip: warning: leave it out of the app", warning: true},
		{name: "a Finder file", change: func(a *app) { a.files["app/.DS_Store"] = []byte{0} },
			want: "app/.DS_Store: warning: leave it out", warning: true},
	})
}

// TestCheckOrder: Check reports in the same order every time.
func TestCheckOrder(t *testing.T) {
	a := validApp()
	a.manifest["platform-version"] = "2.3"
	delete(a.manifest, "engines")
	for _, name := range []string{"a", "b", "c", "d"} {
		a.iparams[name] = map[string]any{"type": "nope"}
		a.requests[name] = map[string]any{"schema": map[string]any{"host": "https://x/"}}
		a.files[name+".txt"] = nil
	}
	p := a.pkg(t)
	first := p.Check()
	if len(first) < 20 {
		t.Fatalf("want many problems, got:\n%s", lines(first))
	}
	for range 20 {
		if again := p.Check(); !slices.Equal(again, first) {
			t.Fatalf("Check changed its order:\n%s\nthen:\n%s", lines(first), lines(again))
		}
	}
	files := []string{}
	for _, pr := range first {
		if len(files) == 0 || files[len(files)-1] != pr.File {
			files = append(files, pr.File)
		}
	}
	want := []string{"manifest.json", "config/iparams.json", "config/requests.json", "a.txt", "b.txt", "c.txt", "d.txt"}
	if !slices.Equal(files, want) {
		t.Errorf("files in the order %v, want %v", files, want)
	}
}

// lines returns problems one per line, for a test's message.
func lines(problems []fdkapp.Problem) string {
	var b strings.Builder
	for _, p := range problems {
		fmt.Fprintf(&b, "  %s\n", p)
	}
	return b.String()
}

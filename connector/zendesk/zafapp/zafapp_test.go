package zafapp_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/manifests"
)

// TestImportsOnlyTheStandardLibrary keeps the package doc's promise, on
// which the sandbox relies: the standard library, and internal/apppkg,
// which tests that it imports only the standard library.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if deps := strings.Fields(string(out)); !slices.Equal(deps, []string{"github.com/cohortdesk/cohort/internal/apppkg", "github.com/cohortdesk/cohort/connector/zendesk/zafapp"}) {
		t.Errorf("zafapp depends on %v", deps)
	}
}

// readRealApp reads the app cohort ships.
func readRealApp(t *testing.T) *zafapp.Package {
	t.Helper()
	p, err := zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRealAppPasses: the app under manifests/zendesk-app passes Check as
// it is and with a deployment's URL, and holds what it should.
func TestRealAppPasses(t *testing.T) {
	p := readRealApp(t)
	for _, name := range []string{"manifest.json", "translations/en.json", "requirements.json", "assets/logo.png",
		"assets/logo-small.png", "assets/iframe.html", "assets/zaf_sdk.min.js", "assets/sidebar.js", "assets/sidebar.css", "assets/theme.css"} {
		if _, ok := p.Files[name]; !ok {
			t.Errorf("the app lacks %s: %v", name, slices.Sorted(maps.Keys(p.Files)))
		}
	}
	if _, ok := p.Files["vendor-sdk.sh"]; ok {
		t.Error("the app holds vendor-sdk.sh")
	}
	if problems := p.Check(); len(problems) > 0 {
		t.Errorf("the app as it is:\n%s", lines(problems))
	}
	sidebar, ok := p.Manifest.LocationFor("support", "ticket_sidebar")
	if !ok || !strings.HasSuffix(sidebar.URL, "/app/v1/sidebar") || !p.Manifest.Signed(sidebar) {
		t.Errorf("ticket_sidebar = %+v, %v: want a signed location at /app/v1/sidebar", sidebar, ok)
	}
	q, err := p.WithURL("https://cohort.acme.example/support")
	if err != nil {
		t.Fatal(err)
	}
	if problems := q.Check(); len(problems) > 0 {
		t.Errorf("the app with a URL:\n%s", lines(problems))
	}
}

func TestReadFromDisk(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := validFiles(t)
	files["manifest.json"] = jsonOf(t, validManifest())
	for name, data := range files {
		write(name, data)
	}
	p, err := zafapp.Read(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(p.Files, files, bytes.Equal) || p.Manifest.Name != "test" {
		t.Errorf("read %v, manifest %+v", slices.Sorted(maps.Keys(p.Files)), p.Manifest)
	}
	p, err = zafapp.Read(os.DirFS(filepath.Dir(dir)), filepath.Base(dir))
	if err != nil || !maps.EqualFunc(p.Files, files, bytes.Equal) {
		t.Errorf("from the folder above: %v, %v", err, slices.Sorted(maps.Keys(p.Files)))
	}

	if err := os.Symlink(filepath.Join(dir, "assets", "logo.png"), filepath.Join(dir, "assets", "link.png")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := zafapp.Read(os.DirFS(dir), "."); err == nil || err.Error() != "assets/link.png: not a regular file (a link?): a package holds only files" {
		t.Errorf("a link: %v", err)
	}
}

// TestReadErrors: what is wrong with a manifest.json stops Read; the
// rest of reading is internal/apppkg's, tested there.
func TestReadErrors(t *testing.T) {
	fsys := fstest.MapFS{"app/manifest.json": {Data: []byte("{\n  name: 1\n}")}}
	want := "manifest.json: not valid JSON: line 2: invalid character 'n' looking for beginning of object key string"
	if _, err := zafapp.Read(fsys, "app"); err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

// TestZipRoundTrip: ReadZip reads back what Zip wrote, manifest and all.
func TestZipRoundTrip(t *testing.T) {
	p := readRealApp(t)
	data, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	back, err := zafapp.ReadZip(data)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(back.Files, p.Files, bytes.Equal) {
		t.Errorf("read back %v, want %v", slices.Sorted(maps.Keys(back.Files)), slices.Sorted(maps.Keys(p.Files)))
	}
	if back.Manifest.Name != "cohort" || back.Manifest.FrameworkVersion != "2.0" {
		t.Errorf("manifest read back: %+v", back.Manifest)
	}
}

// TestReadZipManifest: ReadZip parses manifest.json, leaves a missing
// one to Check, and stops at one that is not a JSON object. The rest of
// reading a zip is internal/apppkg's, tested there.
func TestReadZipManifest(t *testing.T) {
	for _, tt := range []struct {
		files map[string][]byte
		name  string // of the manifest read
		want  string // the error
	}{
		{files: map[string][]byte{"assets/iframe.html": []byte("<p>"), "manifest.json": []byte(`{"name":"x"}`)}, name: "x"},
		{files: map[string][]byte{"assets/x.js": nil}}, // no manifest.json is left to Check
		{files: map[string][]byte{"manifest.json": []byte("name: x")},
			want: "manifest.json: not valid JSON: line 1: invalid character 'a' in literal null (expecting 'u')"},
		{files: map[string][]byte{"manifest.json": []byte("[]")}, want: "manifest.json: not a JSON object"},
	} {
		data, err := (&zafapp.Package{Files: tt.files}).Zip()
		if err != nil {
			t.Fatal(err)
		}
		p, err := zafapp.ReadZip(data)
		switch {
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("%v: %v, want %q", tt.files, err, tt.want)
		case tt.want == "" && (err != nil || p.Manifest.Name != tt.name):
			t.Errorf("%v: %v, manifest %+v", tt.files, err, p)
		}
	}
}

func TestWithURL(t *testing.T) {
	for _, tt := range []struct {
		name, base, want, host string
	}{
		{"a host", "https://cohort.acme.example", "https://cohort.acme.example/app/v1/sidebar", "cohort.acme.example"},
		{"a trailing slash", "https://cohort.acme.example/", "https://cohort.acme.example/app/v1/sidebar", "cohort.acme.example"},
		{"a path prefix", "https://acme.example/tools/cohort/", "https://acme.example/tools/cohort/app/v1/sidebar", "acme.example"},
		{"a port", "https://acme.example:8443", "https://acme.example:8443/app/v1/sidebar", "acme.example"},
		{"http from localhost", "http://localhost:8080", "http://localhost:8080/app/v1/sidebar", "localhost"},
		{"http from 127.0.0.1", "http://127.0.0.1:8080", "http://127.0.0.1:8080/app/v1/sidebar", "127.0.0.1"},
		{"http from ::1", "http://[::1]:8080", "http://[::1]:8080/app/v1/sidebar", "::1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := readRealApp(t)
			before := bytes.Clone(p.Files["manifest.json"])
			q, err := p.WithURL(tt.base)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"ticket_sidebar", "new_ticket_sidebar"} {
				if l, _ := q.Manifest.LocationFor("support", name); l.URL != tt.want || l.Flexible == nil || !*l.Flexible {
					t.Errorf("%s: %+v, want url %s", name, l, tt.want)
				}
			}
			if !slices.Equal(q.Manifest.DomainWhitelist, []string{tt.host}) {
				t.Errorf("domainWhitelist %v, want [%s]", q.Manifest.DomainWhitelist, tt.host)
			}
			if !bytes.Equal(p.Files["manifest.json"], before) || p.Manifest.DomainWhitelist[0] != "cohort.example.com" {
				t.Error("WithURL changed the package it was called on")
			}
			for name, data := range p.Files {
				if name != "manifest.json" && !bytes.Equal(q.Files[name], data) {
					t.Errorf("%s changed", name)
				}
			}
		})
	}
}

// TestWithURLKeepsTheRest: only absolute location URLs and domainWhitelist
// change; keys the package does not know, their order, packaged
// locations, and the bare-URL form stay.
func TestWithURLKeepsTheRest(t *testing.T) {
	p := &zafapp.Package{Files: map[string][]byte{"manifest.json": []byte(`{"name":"x","gaID":"UA-1","location":{"support":{
		"ticket_sidebar":{"size":{"height":"300px"},"url":"https://old.example.com/a/b?x=1&y=<2>#top"},
		"nav_bar":"assets/iframe.html",
		"top_bar":"https://old.example.com/top",
		"background":"https://{{setting.subdomain}}.example.com/bg"}},"oauth":{"client_id":"c"}}`)}}
	q, err := p.WithURL("https://new.example.org/p")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "name": "x",
  "gaID": "UA-1",
  "location": {
    "support": {
      "ticket_sidebar": {
        "size": {
          "height": "300px"
        },
        "url": "https://new.example.org/p/a/b?x=1&y=<2>#top"
      },
      "nav_bar": "assets/iframe.html",
      "top_bar": "https://new.example.org/p/top",
      "background": "https://{{setting.subdomain}}.example.com/bg"
    }
  },
  "oauth": {
    "client_id": "c"
  },
  "domainWhitelist": [
    "new.example.org"
  ]
}
`
	if got := string(q.Files["manifest.json"]); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestWithURLRefusesABadBase(t *testing.T) {
	p := readRealApp(t)
	for _, tt := range []struct{ base, want string }{
		{"", `"" is not an absolute URL such as https://cohort.example.com`},
		{"cohort.acme.example", `"cohort.acme.example" is not an absolute URL`},
		{"/app", `"/app" is not an absolute URL`},
		{"ftp://cohort.acme.example", `"ftp://cohort.acme.example" is not an absolute URL`},
		{"https://", `"https://" is not an absolute URL`},
		{"http://cohort.acme.example", "http://cohort.acme.example: Zendesk loads apps only over https (http only from localhost, 127.0.0.1 or ::1, for local development)"},
		{"https://cohort.acme.example/?x=1", "https://cohort.acme.example/?x=1: want a base URL with no query (?) or fragment (#)"},
		{"https://cohort.acme.example/#x", "https://cohort.acme.example/#x: want a base URL with no query"},
		{"https://admin:s3cret@cohort.acme.example", "https://admin:xxxxx@cohort.acme.example: a URL with a user name or password would ship it to every account"},
	} {
		_, err := p.WithURL(tt.base)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("WithURL(%q): %v, want %q", tt.base, err, tt.want)
		}
	}
	if _, err := (&zafapp.Package{Files: map[string][]byte{}}).WithURL("https://x.example.com"); err == nil || err.Error() != "manifest.json: missing" {
		t.Errorf("no manifest: %v", err)
	}
	bad := &zafapp.Package{Files: map[string][]byte{"manifest.json": []byte(`{"location":{"support":{"ticket_sidebar":{"url":7}}}}`)}}
	if _, err := bad.WithURL("https://x.example.com"); err == nil || err.Error() != "manifest.json: location: support.ticket_sidebar: url: 7 is not a string" {
		t.Errorf("a url that is not a string: %v", err)
	}
}

func TestRequirements(t *testing.T) {
	r, err := (&zafapp.Package{Files: map[string][]byte{}}).Requirements()
	if err != nil || r == nil || len(r) != 0 {
		t.Errorf("none: %v, %v", r, err)
	}
	r, err = readRealApp(t).Requirements()
	if err != nil {
		t.Fatal(err)
	}
	var field struct{ Key, Title string }
	if err := json.Unmarshal(r["user_fields"]["cohort_segment"], &field); err != nil || field.Key != "cohort_segment" {
		t.Errorf("user_fields.cohort_segment: %+v, %v", field, err)
	}
	if _, ok := r["ticket_fields"]["cohort_segment"]; !ok {
		t.Errorf("no ticket_fields.cohort_segment: %v", r)
	}
	for content, want := range map[string]string{
		`{"ticket_fields":[]}`: "requirements.json: not an object of requirement types, each an object of identifier → requirement",
		`{"ticket_fields":`:    "requirements.json: not valid JSON: line 1: unexpected end of JSON input",
	} {
		_, err := (&zafapp.Package{Files: map[string][]byte{"requirements.json": []byte(content)}}).Requirements()
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", content, err, want)
		}
	}
}

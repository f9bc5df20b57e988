package zafapp_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io/fs"
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
// which the sandbox relies.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if deps := strings.Fields(string(out)); !slices.Equal(deps, []string{"github.com/cohortdesk/cohort/connector/zendesk/zafapp"}) {
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
		"assets/logo-small.png", "assets/iframe.html", "assets/zaf_sdk.min.js", "assets/sidebar.js", "assets/sidebar.css"} {
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

func TestReadErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		fsys fs.FS
		dir  string
		want string
	}{
		{"no folder", fstest.MapFS{}, "app", "app: file does not exist"},
		{"a manifest that is not JSON", fstest.MapFS{"app/manifest.json": {Data: []byte("{\n  name: 1\n}")}}, "app",
			"manifest.json: not valid JSON: line 2: invalid character 'n' looking for beginning of object key string"},
		{"too many files", manyFiles(1001), ".", "the package holds more than 1000 files: refused"},
		{"too big", fstest.MapFS{"assets/a.js": {Data: make([]byte, 15<<20)}, "assets/b.js": {Data: make([]byte, 6<<20)}}, ".",
			"the package holds more than 20 MiB uncompressed: refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zafapp.Read(tt.fsys, tt.dir)
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := zafapp.Read(manyFiles(1000), "."); err != nil {
		t.Errorf("1000 files: %v", err)
	}
}

func manyFiles(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := range n {
		fsys[fmt.Sprintf("assets/%04d.js", i)] = &fstest.MapFile{}
	}
	return fsys
}

// zipEntry is one entry of a zip a test writes.
type zipEntry struct {
	*zip.FileHeader
	data string
}

func entry(name, data string) zipEntry {
	return zipEntry{&zip.FileHeader{Name: name, Method: zip.Deflate}, data}
}

// zipOf returns a zip of entries, written as given.
func zipOf(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(e.FileHeader)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZipRoundTrip: ReadZip reads back what Zip wrote, and Zip writes the
// same bytes each time: paths in order, files at the root, one time.
func TestZipRoundTrip(t *testing.T) {
	p := readRealApp(t)
	data, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Zip()
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("two zips of one package differ (%v)", err)
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
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(zr.File[0].Modified) || f.Mode() != 0o644 {
			t.Errorf("%s: modified %v, mode %v", f.Name, f.Modified, f.Mode())
		}
	}
	if !slices.IsSorted(names) || !slices.Contains(names, "manifest.json") {
		t.Errorf("zip entries: %v", names)
	}
}

func TestReadZipSkipsDirectories(t *testing.T) {
	p, err := zafapp.ReadZip(zipOf(t, entry("assets/", ""), entry("assets/iframe.html", "<p>"), entry("manifest.json", `{"name":"x"}`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(p.Files)); !slices.Equal(got, []string{"assets/iframe.html", "manifest.json"}) || p.Manifest.Name != "x" {
		t.Errorf("files %v, manifest %+v", got, p.Manifest)
	}
	if p, err := zafapp.ReadZip(zipOf(t, entry("assets/x.js", ""))); err != nil || p.Manifest.Name != "" {
		t.Errorf("no manifest.json is left to Check: %v", err)
	}
}

func TestReadZipRefusesUnsafeEntries(t *testing.T) {
	link := entry("assets/logo.png", "/etc/passwd")
	link.SetMode(fs.ModeSymlink | 0o777)
	device := entry("assets/dev", "")
	device.SetMode(fs.ModeDevice | 0o600)
	for _, tt := range []struct {
		name    string
		entries []zipEntry
		want    string
	}{
		{"an absolute path", []zipEntry{entry("/etc/cron.d/x", "")}, `"/etc/cron.d/x" in the zip: an absolute path`},
		{"a Windows path", []zipEntry{entry(`C:/x.js`, "")}, `"C:/x.js" in the zip: an absolute path`},
		{"backslashes", []zipEntry{entry(`assets\x.js`, "")}, `"assets\\x.js" in the zip: a path with \ (zip paths use /)`},
		{"..", []zipEntry{entry("assets/../../x.js", "")}, `"assets/../../x.js" in the zip: a path with .. that leaves the app's folder`},
		{"a .. folder", []zipEntry{entry("../", "")}, `"../" in the zip: a path with .. that leaves`},
		{"an empty part", []zipEntry{entry("assets//x.js", "")}, `"assets//x.js" in the zip: a path with empty or . parts`},
		{"no name", []zipEntry{entry("", "")}, `"" in the zip: an entry with no name`},
		{"a link", []zipEntry{link}, "assets/logo.png: a link; a package holds only files"},
		{"a device", []zipEntry{device}, "assets/dev: not a regular file"},
		{"twice", []zipEntry{entry("manifest.json", "{}"), entry("manifest.json", "{}")}, "manifest.json: twice in the zip"},
		{"a manifest that is not JSON", []zipEntry{entry("manifest.json", "name: x")},
			"manifest.json: not valid JSON: line 1: invalid character 'a' in literal null (expecting 'u')"},
		{"a manifest that is a list", []zipEntry{entry("manifest.json", "[]")}, "manifest.json: not a JSON object"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := zafapp.ReadZip(zipOf(t, tt.entries...))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := zafapp.ReadZip([]byte("PK\x03\x04 not really")); err == nil || err.Error() != "not a zip file" {
		t.Errorf("not a zip: %v", err)
	}
}

// TestReadZipRefusesBombs: a zip that unpacks to more than 20 MiB, or
// holds more than 1000 files, is refused before it is read into memory,
// whatever its headers say.
func TestReadZipRefusesBombs(t *testing.T) {
	zeros := make([]byte, 7<<20)
	var compressed bytes.Buffer
	fw, err := flate.NewWriter(&compressed, flate.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(zeros); err != nil || fw.Close() != nil {
		t.Fatal(err)
	}
	// bomb returns a zip of files of 7 MiB of zeros, each saying it holds
	// size bytes.
	bomb := func(files int, size uint64) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i := range files {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("assets/%d.bin", i), Method: zip.Deflate,
				CRC32: crc32.ChecksumIEEE(zeros), CompressedSize64: uint64(compressed.Len()), UncompressedSize64: size})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(compressed.Bytes()); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for _, tt := range []struct {
		name string
		zip  []byte
		want string
	}{
		{"21 MiB", bomb(3, 7<<20), "the package holds more than 20 MiB uncompressed: refused"},
		{"headers that lie", bomb(3, 1), "assets/0.bin: cannot be read from the zip: not a valid zip file"},
	} {
		if len(tt.zip) > 1<<20 {
			t.Fatalf("%s: the bomb is %d bytes", tt.name, len(tt.zip))
		}
		if _, err := zafapp.ReadZip(tt.zip); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := zafapp.ReadZip(bomb(2, 7<<20)); err != nil {
		t.Errorf("14 MiB: %v", err)
	}

	var many []zipEntry
	for i := range 1001 {
		many = append(many, entry(fmt.Sprintf("assets/%04d.js", i), ""))
	}
	if _, err := zafapp.ReadZip(zipOf(t, many...)); err == nil || err.Error() != "the package holds more than 1000 files: refused" {
		t.Errorf("1001 files: %v", err)
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

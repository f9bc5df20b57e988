package fdkapp_test

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/fdkapp"
)

type zipEntry struct {
	name, content string
	mode          fs.FileMode
}

func entry(name, content string) zipEntry { return zipEntry{name: name, content: content, mode: 0o644} }

func zipOf(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(e.content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestZip: Zip and ReadZip round-trip, and the same files make the same
// bytes.
func TestZip(t *testing.T) {
	p := validApp().pkg(t)
	data, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	again, err := p.Zip()
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("two zips of one app differ (%v)", err)
	}
	back, err := fdkapp.ReadZip(data)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(back.Files, p.Files, bytes.Equal) {
		t.Errorf("round trip: %v, want %v", slices.Sorted(maps.Keys(back.Files)), slices.Sorted(maps.Keys(p.Files)))
	}
	if problems := back.Check(); len(problems) > 0 {
		t.Errorf("the zipped app:\n%s", lines(problems))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") || !f.Modified.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: a folder entry or a changing time (%v)", f.Name, f.Modified)
		}
	}
}

func TestReadZipRefuses(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"not a zip", []byte("manifest.json"), "not a zip file"},
		{"climbing out", zipOf(t, entry("../manifest.json", "{}")), `"../manifest.json" in the zip: a path with .. that leaves the app's folder`},
		{"absolute", zipOf(t, entry("/manifest.json", "{}")), "an absolute path"},
		{"a drive", zipOf(t, entry("C:/manifest.json", "{}")), "an absolute path"},
		{"backslashes", zipOf(t, entry(`app\index.html`, "")), `a path with \`},
		{"empty parts", zipOf(t, entry("app//index.html", "")), "a path with empty or . parts"},
		{"a link", zipOf(t, zipEntry{name: "app/index.html", content: "/etc/passwd", mode: fs.ModeSymlink | 0o777}), "app/index.html: a link"},
		{"twice", zipOf(t, entry("manifest.json", "{}"), entry("manifest.json", "{}")), "manifest.json: twice in the zip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fdkapp.ReadZip(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReadZipSkipsFolders(t *testing.T) {
	p, err := fdkapp.ReadZip(zipOf(t, entry("app/", ""), entry("app/index.html", "<p>"), entry("manifest.json", "{}")))
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(p.Files)); !slices.Equal(got, []string{"app/index.html", "manifest.json"}) {
		t.Errorf("files %v", got)
	}
}

func TestReadLimits(t *testing.T) {
	many := fstest.MapFS{}
	for i := range 1001 {
		many["app/"+strings.Repeat("a", 1+i%50)+string(rune('a'+i%26))+"/"+string(rune('0'+i%10))+".js"] = &fstest.MapFile{Data: []byte("x")}
	}
	for i := range 1001 {
		many["f"+strings.Repeat("x", i%7)+"/"+strings.Repeat("y", i)+".txt"] = &fstest.MapFile{}
	}
	if _, err := fdkapp.Read(many, "."); err == nil || !strings.Contains(err.Error(), "more than 1000 files") {
		t.Errorf("1001+ files: %v", err)
	}
	big := fstest.MapFS{"app/big.js": &fstest.MapFile{Data: make([]byte, 20<<20+1)}}
	if _, err := fdkapp.Read(big, "."); err == nil || !strings.Contains(err.Error(), "more than 20 MiB") {
		t.Errorf("21 MiB: %v", err)
	}
	link := fstest.MapFS{"app/index.html": &fstest.MapFile{Mode: fs.ModeSymlink}}
	if _, err := fdkapp.Read(link, "."); err == nil || !strings.Contains(err.Error(), "app/index.html: not a regular file") {
		t.Errorf("a link: %v", err)
	}
	if _, err := fdkapp.Read(fstest.MapFS{}, "nothing"); err == nil {
		t.Error("a folder that is not there: no error")
	}
}

func TestReadSubfolder(t *testing.T) {
	fsys := fstest.MapFS{
		"manifests/freshdesk-app/manifest.json":  &fstest.MapFile{Data: []byte("{}")},
		"manifests/freshdesk-app/app/index.html": &fstest.MapFile{Data: []byte("<p>")},
		"manifests/other.txt":                    &fstest.MapFile{},
	}
	p, err := fdkapp.Read(fsys, "manifests/freshdesk-app")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(p.Files)); !slices.Equal(got, []string{"app/index.html", "manifest.json"}) {
		t.Errorf("files %v", got)
	}
}

package apppkg_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
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
	"time"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// TestImportsOnlyTheStandardLibrary keeps the package doc's promise, on
// which zafapp's and fdkapp's, and so the sandboxes, rely.
func TestImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if deps := strings.Fields(string(out)); !slices.Equal(deps, []string{"github.com/cohortdesk/cohort/internal/apppkg"}) {
		t.Errorf("apppkg depends on %v", deps)
	}
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

func manyFiles(n int) fstest.MapFS {
	fsys := fstest.MapFS{}
	for i := range n {
		fsys[fmt.Sprintf("assets/%04d.js", i)] = &fstest.MapFile{}
	}
	return fsys
}

func TestReadErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		fsys fs.FS
		dir  string
		want string
	}{
		{"no folder", fstest.MapFS{}, "app", "app: file does not exist"},
		{"too many files", manyFiles(1001), ".", "the package holds more than 1000 files: refused"},
		{"too big", fstest.MapFS{"assets/a.js": {Data: make([]byte, 15<<20)}, "assets/b.js": {Data: make([]byte, 6<<20)}}, ".",
			"the package holds more than 20 MiB uncompressed: refused"},
		{"one file too big", fstest.MapFS{"app/big.js": {Data: make([]byte, 20<<20+1)}}, ".",
			"the package holds more than 20 MiB uncompressed: refused"},
		{"a link", fstest.MapFS{"app/index.html": {Mode: fs.ModeSymlink}}, ".",
			"app/index.html: not a regular file (a link?): a package holds only files"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := apppkg.Read(tt.fsys, tt.dir, "package")
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := apppkg.Read(manyFiles(1000), ".", "package"); err != nil {
		t.Errorf("1000 files: %v", err)
	}
}

// TestNoun: the messages call an app what the caller calls it.
func TestNoun(t *testing.T) {
	link := fstest.MapFS{"app/index.html": {Mode: fs.ModeSymlink}}
	if _, err := apppkg.Read(link, ".", "app"); err == nil || err.Error() != "app/index.html: not a regular file (a link?): an app holds only files" {
		t.Errorf("a link: %v", err)
	}
	if _, err := apppkg.Read(manyFiles(1001), ".", "app"); err == nil || err.Error() != "the app holds more than 1000 files: refused" {
		t.Errorf("1001 files: %v", err)
	}
}

func TestReadSubfolder(t *testing.T) {
	fsys := fstest.MapFS{
		"manifests/freshdesk-app/manifest.json":  &fstest.MapFile{Data: []byte("{}")},
		"manifests/freshdesk-app/app/index.html": &fstest.MapFile{Data: []byte("<p>")},
		"manifests/other.txt":                    &fstest.MapFile{},
	}
	files, err := apppkg.Read(fsys, "manifests/freshdesk-app", "app")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, []string{"app/index.html", "manifest.json"}) {
		t.Errorf("files %v", got)
	}
}

func TestReadFromDisk(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "assets", "a.js"), []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"assets/a.js": []byte("a")}
	files, err := apppkg.Read(os.DirFS(filepath.Dir(dir)), filepath.Base(dir), "package")
	if err != nil || !maps.EqualFunc(files, want, bytes.Equal) {
		t.Errorf("from the folder above: %v, %v", err, files)
	}
	if err := os.Symlink(filepath.Join(dir, "assets", "a.js"), filepath.Join(dir, "assets", "link.js")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := apppkg.Read(os.DirFS(dir), ".", "package"); err == nil || err.Error() != "assets/link.js: not a regular file (a link?): a package holds only files" {
		t.Errorf("a link: %v", err)
	}
}

// TestZip: ReadZip reads back what Zip wrote, and Zip writes the same
// bytes each time: paths in order, files at the root, mode 0644, one time.
func TestZip(t *testing.T) {
	files := map[string][]byte{"manifest.json": []byte("{}"), "b/x.js": []byte("x"), "a.txt": nil, "app/index.html": []byte("<p>")}
	data, err := apppkg.Zip(files)
	if err != nil {
		t.Fatal(err)
	}
	again, err := apppkg.Zip(maps.Clone(files))
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("two zips of the same files differ (%v)", err)
	}
	back, err := apppkg.ReadZip(data, "app")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(back, files, bytes.Equal) {
		t.Errorf("read back %v, want %v", slices.Sorted(maps.Keys(back)), slices.Sorted(maps.Keys(files)))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || f.Mode() != 0o644 {
			t.Errorf("%s: modified %v, mode %v", f.Name, f.Modified, f.Mode())
		}
	}
	if want := slices.Sorted(maps.Keys(files)); !slices.Equal(names, want) {
		t.Errorf("zip entries %v, want %v", names, want)
	}
}

func TestReadZipSkipsDirectories(t *testing.T) {
	files, err := apppkg.ReadZip(zipOf(t, entry("assets/", ""), entry("assets/iframe.html", "<p>"), entry("manifest.json", "{}")), "package")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, []string{"assets/iframe.html", "manifest.json"}) {
		t.Errorf("files %v", got)
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
		noun    string
		want    string
	}{
		{"an absolute path", []zipEntry{entry("/etc/cron.d/x", "")}, "package", `"/etc/cron.d/x" in the zip: an absolute path`},
		{"a Windows path", []zipEntry{entry(`C:/x.js`, "")}, "package", `"C:/x.js" in the zip: an absolute path`},
		{"backslashes", []zipEntry{entry(`assets\x.js`, "")}, "package", `"assets\\x.js" in the zip: a path with \ (zip paths use /)`},
		{"..", []zipEntry{entry("assets/../../x.js", "")}, "package", `"assets/../../x.js" in the zip: a path with .. that leaves the app's folder`},
		{"a .. folder", []zipEntry{entry("../", "")}, "package", `"../" in the zip: a path with .. that leaves`},
		{"an empty part", []zipEntry{entry("assets//x.js", "")}, "package", `"assets//x.js" in the zip: a path with empty or . parts`},
		{"no name", []zipEntry{entry("", "")}, "package", `"" in the zip: an entry with no name`},
		{"a link", []zipEntry{link}, "package", "assets/logo.png: a link; a package holds only files"},
		{"a link in an app", []zipEntry{link}, "app", "assets/logo.png: a link; an app holds only files"},
		{"a device", []zipEntry{device}, "app", "assets/dev: not a regular file; an app holds only files"},
		{"twice", []zipEntry{entry("manifest.json", "{}"), entry("manifest.json", "{}")}, "package", "manifest.json: twice in the zip"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := apppkg.ReadZip(zipOf(t, tt.entries...), tt.noun)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
	for _, data := range [][]byte{[]byte("PK\x03\x04 not really"), []byte("manifest.json")} {
		if _, err := apppkg.ReadZip(data, "package"); err == nil || err.Error() != "not a zip file" {
			t.Errorf("not a zip: %v", err)
		}
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
		if _, err := apppkg.ReadZip(tt.zip, "package"); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := apppkg.ReadZip(bomb(2, 7<<20), "package"); err != nil {
		t.Errorf("14 MiB: %v", err)
	}

	var many []zipEntry
	for i := range 1001 {
		many = append(many, entry(fmt.Sprintf("assets/%04d.js", i), ""))
	}
	if _, err := apppkg.ReadZip(zipOf(t, many...), "app"); err == nil || err.Error() != "the app holds more than 1000 files: refused" {
		t.Errorf("1001 files: %v", err)
	}
}

// FuzzReadZip: whatever bytes an upload holds, ReadZip returns files or
// an error, within its bounds, and Zip of what it returns reads back the
// same.
func FuzzReadZip(f *testing.F) {
	valid, err := apppkg.Zip(map[string][]byte{"manifest.json": []byte("{}"), "app/index.html": []byte("<p>")})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(zipOf(f, entry("assets/", ""), entry("../x", ""), entry("a", "b")))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := apppkg.ReadZip(data, "app")
		if err != nil {
			return
		}
		size := 0
		for name, content := range files {
			if !fs.ValidPath(name) || strings.HasSuffix(name, "/") {
				t.Errorf("a path ReadZip should refuse: %q", name)
			}
			size += len(content)
		}
		if len(files) > apppkg.MaxFiles || size > apppkg.MaxTotalSize {
			t.Errorf("%d files, %d bytes: over the bounds", len(files), size)
		}
		out, err := apppkg.Zip(files)
		if err != nil {
			t.Fatal(err)
		}
		back, err := apppkg.ReadZip(out, "app")
		if err != nil || !maps.EqualFunc(back, files, bytes.Equal) {
			t.Errorf("Zip then ReadZip: %v", err)
		}
	})
}

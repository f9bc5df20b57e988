// Package apppkg is what the helpdesk app packages share: reading an app
// from a folder or a zip within limits, writing a deterministic zip, the
// problems a check finds, and the JSON helpers those checks phrase their
// messages with. connector/zendesk/zafapp (a Zendesk app) and
// connector/freshdesk/fdkapp (a Freshworks FDK app) build on it; what an
// app holds and the rules it must follow stay with them.
//
// It imports only the standard library, as they do, so that a helpdesk
// sandbox can read and check uploads with them.
package apppkg

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"
)

// Bounds on what Read and ReadZip take in, so that a zip bomb or a folder
// of the wrong thing is refused rather than read into memory. A real app
// is a few dozen files and well under a megabyte.
const (
	MaxFiles     = 1000
	MaxTotalSize = 20 << 20 // bytes, uncompressed
)

// Read reads every regular file under dir of fsys, by its slash-separated
// path from dir. It refuses links and other irregular files, and more than
// MaxFiles files or MaxTotalSize bytes. noun is what the caller's messages
// call an app, "package" or "app": "a link?: an app holds only files".
func Read(fsys fs.FS, dir, noun string) (map[string][]byte, error) {
	files := make(map[string][]byte)
	b := budget{noun: noun}
	err := fs.WalkDir(fsys, dir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel := name
		if dir != "." {
			rel = strings.TrimPrefix(name, dir+"/")
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file (a link?): %s holds only files", rel, article(noun))
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if err := b.file(info.Size()); err != nil {
			return err
		}
		f, err := fsys.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		data, err := b.read(f)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		files[rel] = data
		return nil
	})
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		if pe.Path == "." {
			return nil, pe.Err
		}
		return nil, fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	if err != nil {
		return nil, err
	}
	return files, nil
}

// ReadZip reads the files of a zip that holds an app's files at its root,
// by their paths in the zip. Directory entries are skipped. It refuses a
// zip that is not one, an entry whose path is absolute or climbs out with
// "..", a link, an entry twice, and more than MaxFiles files or
// MaxTotalSize bytes uncompressed. noun is as for Read.
func ReadZip(data []byte, noun string) (map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	// ErrInsecurePath comes with a usable reader; the loop below names
	// the entry.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errors.New("not a zip file")
	}
	files := make(map[string][]byte)
	b := budget{noun: noun}
	for _, f := range zr.File {
		if err := checkZipPath(f.Name); err != nil {
			return nil, fmt.Errorf("%q in the zip: %w", f.Name, err)
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s: a link; %s holds only files", f.Name, article(noun))
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			continue
		case !mode.IsRegular():
			return nil, fmt.Errorf("%s: not a regular file; %s holds only files", f.Name, article(noun))
		}
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("%s: twice in the zip", f.Name)
		}
		if err := b.file(int64(min(f.UncompressedSize64, MaxTotalSize+1))); err != nil {
			return nil, err
		}
		content, err := readZipFile(f, &b)
		if err != nil {
			return nil, err
		}
		files[f.Name] = content
	}
	return files, nil
}

// article returns noun with its indefinite article: "a package", "an app".
func article(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// readZipFile reads f within b.
func readZipFile(f *zip.File, b *budget) ([]byte, error) {
	rc, err := f.Open()
	if err == nil {
		defer rc.Close()
		var content []byte
		if content, err = b.read(rc); err == nil || errors.As(err, new(refused)) {
			return content, err
		}
	}
	return nil, fmt.Errorf("%s: cannot be read from the zip: %s", f.Name, strings.TrimPrefix(err.Error(), "zip: "))
}

// checkZipPath says what is wrong with a zip entry's path, if anything: an
// app's paths are relative, slash-separated, and stay inside it.
func checkZipPath(name string) error {
	trimmed := strings.TrimSuffix(name, "/")
	switch {
	case name == "":
		return errors.New("an entry with no name")
	case strings.Contains(name, `\`):
		return errors.New(`a path with \ (zip paths use /)`)
	case strings.HasPrefix(name, "/") || len(name) >= 2 && name[1] == ':':
		return errors.New("an absolute path")
	case slices.Contains(strings.Split(trimmed, "/"), ".."):
		return errors.New("a path with .. that leaves the app's folder")
	case !fs.ValidPath(trimmed):
		return errors.New("a path with empty or . parts")
	}
	return nil
}

// refused is the error of a read that goes over a bound.
type refused string

func (r refused) Error() string { return string(r) }

// budget counts what a read has taken in against MaxFiles and
// MaxTotalSize.
type budget struct {
	noun  string // for its errors
	files int
	size  int64
}

// file counts one more file, which says it holds size bytes.
func (b *budget) file(size int64) error {
	b.files++
	switch {
	case b.files > MaxFiles:
		return refused(fmt.Sprintf("the %s holds more than %d files: refused", b.noun, MaxFiles))
	case size > b.left():
		return b.tooBig()
	}
	return nil
}

// tooBig is the error of a read over MaxTotalSize.
func (b *budget) tooBig() error {
	return refused(fmt.Sprintf("the %s holds more than %d MiB uncompressed: refused", b.noun, MaxTotalSize>>20))
}

// read reads r to its end, or fails once it holds more than the budget
// has left.
func (b *budget) read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, b.left()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > b.left() {
		return nil, b.tooBig()
	}
	b.size += int64(len(data))
	return data, nil
}

// left is how many more bytes the budget allows.
func (b *budget) left() int64 { return MaxTotalSize - b.size }

// zipTime is the modification time of every file Zip writes, so that the
// same files always make the same zip.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Zip returns files, by slash-separated path, as a zip with them at its
// root and no directory entries. The same files always make the same
// bytes: paths in order, mode 0644, one fixed modification time.
func Zip(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
		if _, err := w.Write(files[name]); err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping: %w", err)
	}
	return buf.Bytes(), nil
}

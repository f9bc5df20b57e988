// Package fdkapp reads, checks and zips a Freshworks app for Freshdesk
// built on the Freshworks Developer Kit (FDK), platform 3.0: manifest.json,
// app/ (the pages the product frames, their scripts and styles), config/
// (iparams.json, the installation parameters, and requests.json, the
// request templates) and, for serverless apps, server/.
//
// cohort's Freshdesk sidebar lives in manifests/freshdesk-app. The FDK CLI,
// whose `fdk validate` and `fdk pack` are the real judges, cannot be
// installed in cohort's workplace (`npm view @freshworks/fdk` answers 404:
// Freshworks ships the CLI from its own CDN), so Check enforces the rules
// that Freshworks documents, each with its source beside it, and says so.
// Sources, cited below by these short names:
//
//   - [guide]: Freshworks' user guide of request templates,
//     freshworks-developers/request-method-samples, UserGuide.md (request
//     schema, options, where each substitution may go, {{{appclient}}}).
//   - [p3]: freshworks-developers/freshworks-platform3, references/: the
//     platform 3.0 manifest (fdk/manifest.md, fdk-docs/manifest-errors.md),
//     request templates (fdk/request_method.md,
//     fdk/fdk-docs/request-method-errors.md), installation parameters
//     (common/fdk-docs/installation-parameters-errors.md), and
//     .cursor/rules/platform3-modules-locations.mdc (modules and locations).
//   - [samples]: freshworks-developers/request-method-samples, whose 3.0 app
//     (manifest.json, config/) and product-samples/freshdesk show working
//     files.
//
// Known limits: Check does not run or lint JavaScript, does not know every
// product's placements (an unknown one is a warning), does not check
// serverless code, OAuth (config/oauth_config.json) or a custom settings
// page (config/iparams.html) beyond its being there, and cannot know which
// FDK and Node versions Freshworks accepts today.
//
// It imports only the standard library, like connector/zendesk/zafapp, so
// that a Freshdesk sandbox can check uploads with it.
package fdkapp

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
// of the wrong thing is refused rather than read into memory. An app is a
// few dozen files; Freshworks' own limit on a packed app is lower.
const (
	maxFiles     = 1000
	maxTotalSize = 20 << 20 // bytes, uncompressed
)

// Package is an FDK app as files.
type Package struct {
	// Files maps each file's slash-separated path, relative to the app's
	// root ("manifest.json", "app/index.html", "config/requests.json"), to
	// its content. It is what Check checks and Zip writes.
	Files map[string][]byte
}

// Read reads the app in dir of fsys: every regular file under it. It
// refuses links and other irregular files, and more than 1000 files or 20
// MiB. What the files hold is left to Check.
func Read(fsys fs.FS, dir string) (*Package, error) {
	files := make(map[string][]byte)
	var b budget
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
			return fmt.Errorf("%s: not a regular file (a link?): an app holds only files", rel)
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
	return &Package{Files: files}, nil
}

// ReadZip reads an app from a zip with the app's files at its root.
// Directory entries are skipped. It refuses a zip that is not one, an entry
// whose path is absolute or climbs out with "..", a link, an entry twice,
// and more than 1000 files or 20 MiB uncompressed.
func ReadZip(data []byte) (*Package, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	// ErrInsecurePath comes with a usable reader; the loop below names
	// the entry.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, errors.New("not a zip file")
	}
	files := make(map[string][]byte)
	var b budget
	for _, f := range zr.File {
		if err := checkZipPath(f.Name); err != nil {
			return nil, fmt.Errorf("%q in the zip: %w", f.Name, err)
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s: a link; an app holds only files", f.Name)
		case mode.IsDir() || strings.HasSuffix(f.Name, "/"):
			continue
		case !mode.IsRegular():
			return nil, fmt.Errorf("%s: not a regular file; an app holds only files", f.Name)
		}
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("%s: twice in the zip", f.Name)
		}
		if err := b.file(int64(min(f.UncompressedSize64, maxTotalSize+1))); err != nil {
			return nil, err
		}
		content, err := readZipFile(f, &b)
		if err != nil {
			return nil, err
		}
		files[f.Name] = content
	}
	return &Package{Files: files}, nil
}

// readZipFile reads f within b.
func readZipFile(f *zip.File, b *budget) ([]byte, error) {
	rc, err := f.Open()
	if err == nil {
		defer rc.Close()
		var content []byte
		if content, err = b.read(rc); err == nil || errors.Is(err, errTooBig) {
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

var (
	errTooBig       = fmt.Errorf("the app holds more than %d MiB uncompressed: refused", maxTotalSize>>20)
	errTooManyFiles = fmt.Errorf("the app holds more than %d files: refused", maxFiles)
)

// budget counts what a read has taken in against maxFiles and
// maxTotalSize.
type budget struct {
	files int
	size  int64
}

// file counts one more file, which says it holds size bytes.
func (b *budget) file(size int64) error {
	b.files++
	switch {
	case b.files > maxFiles:
		return errTooManyFiles
	case size > b.left():
		return errTooBig
	}
	return nil
}

// read reads r to its end, or fails once it holds more than the budget
// has left.
func (b *budget) read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, b.left()+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > b.left() {
		return nil, errTooBig
	}
	b.size += int64(len(data))
	return data, nil
}

// left is how many more bytes the budget allows.
func (b *budget) left() int64 { return maxTotalSize - b.size }

// zipTime is the modification time of every file Zip writes, so that the
// same app always makes the same zip.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Zip returns the app as a zip with its files at the root, the layout
// `fdk pack` packs from, in order and with one fixed modification time, so
// the same files always make the same bytes. It is a plain archive of the
// source, for an admin to unpack and run `fdk validate` and `fdk pack` on,
// not the output of `fdk pack`, which adds what the FDK builds.
func (p *Package) Zip() ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(p.Files)) {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
		if _, err := w.Write(p.Files[name]); err != nil {
			return nil, fmt.Errorf("zipping %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping: %w", err)
	}
	return buf.Bytes(), nil
}

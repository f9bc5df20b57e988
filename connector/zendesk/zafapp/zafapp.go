// Package zafapp reads, checks, fills in and zips a Zendesk app package
// (Zendesk Apps Framework v2): manifest.json, translations/, assets/ and
// an optional requirements.json, zipped with the files at the root, as
// Zendesk's upload (POST /api/v2/apps/uploads) and its validator
// (POST /api/v2/apps/validate) take it.
//
// `cohort app package` uses it to turn the app under manifests/zendesk-app
// into the zip an admin uploads, with the deployment's URL filled in
// (WithURL). The Zendesk sandbox uses it to check uploaded zips the same
// way (ReadZip, Check), so it imports only the standard library and
// internal/apppkg, which it shares with connector/freshdesk/fdkapp, and
// must stay that way.
//
// Check enforces the rules of Zendesk's own validator (the Ruby gem
// zendesk_apps_support) that decide whether an upload is accepted: the
// manifest's required keys and types, locations, parameters and their
// secure-setting scopes, translation files and keys, and requirements.
// It adds what Marketplace review and a clean package ask for: logos of
// the right size, and no file outside the app's folders. Known limits: it
// does not lint JavaScript, CSS or templates, does not know each
// product's list of location names, checks custom_objects requirements
// only for being objects, and does not check the manifest's oauth block
// or Marketplace screenshots.
package zafapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"strings"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// Files of a package, by their path from the app's root.
const (
	manifestFile     = "manifest.json"
	requirementsFile = "requirements.json"
	logoFile         = "assets/logo.png"
	logoSmallFile    = "assets/logo-small.png"
)

// Package is a Zendesk app as files.
type Package struct {
	// Files maps each file's slash-separated path, relative to the app's
	// root ("manifest.json", "assets/logo.png"), to its content. It is
	// what Check checks and Zip writes.
	Files map[string][]byte
	// Manifest is manifest.json as parsed when the package was read; a
	// key of the wrong type is left at its zero value (Check reports it).
	// It is zero when the package has no manifest.json.
	Manifest Manifest
}

// Read reads the package in dir of fsys: every regular file under it. It
// refuses links and other irregular files, and more than 1000 files or 20
// MiB. A missing manifest.json is left to Check; one that is not a JSON
// object is an error.
func Read(fsys fs.FS, dir string) (*Package, error) {
	files, err := apppkg.Read(fsys, dir, "package")
	if err != nil {
		return nil, err
	}
	return newPackage(files)
}

// ReadZip reads a package from a zip, as Zendesk's upload takes it: the
// app's files at the root of the zip. Directory entries are skipped. It
// refuses a zip that is not one, an entry whose path is absolute or
// climbs out with "..", a link, an entry twice, and more than 1000 files
// or 20 MiB uncompressed. A missing manifest.json is left to Check; one
// that is not a JSON object is an error.
func ReadZip(data []byte) (*Package, error) {
	files, err := apppkg.ReadZip(data, "package")
	if err != nil {
		return nil, err
	}
	return newPackage(files)
}

// newPackage parses files' manifest.json, if any, into a Package.
func newPackage(files map[string][]byte) (*Package, error) {
	p := &Package{Files: files}
	if data, ok := files[manifestFile]; ok {
		m, _, err := decodeManifest(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", manifestFile, err)
		}
		p.Manifest = m
	}
	return p, nil
}

// Zip returns the package as a zip, files at its root, as Zendesk's
// upload takes it. The same files always make the same bytes: paths in
// order, one fixed modification time.
func (p *Package) Zip() ([]byte, error) { return apppkg.Zip(p.Files) }

// WithURL returns a copy of the package for a deployment at base (such as
// https://cohort.example.com): each absolute location URL keeps its path,
// query and fragment but takes base's scheme and host, with base's path
// in front of its own, and domainWhitelist becomes base's host alone.
// Locations that are files of the package (assets/…) are unchanged, and
// so is the rest of manifest.json, keys and their order. base must be an
// absolute https URL with no query or fragment; http is allowed only for
// localhost, 127.0.0.1 and ::1, for local development.
func (p *Package) WithURL(base string) (*Package, error) {
	u, err := parseBase(base)
	if err != nil {
		return nil, err
	}
	data, ok := p.Files[manifestFile]
	if !ok {
		return nil, fmt.Errorf("%s: missing", manifestFile)
	}
	top, err := decodeMembers(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifestFile, err)
	}
	whitelist, err := marshal([]string{u.Hostname()})
	if err != nil {
		return nil, err
	}
	top = top.set("domainWhitelist", whitelist)
	if i := top.index("location"); i >= 0 {
		if top[i].value, err = rebaseLocations(top[i].value, u); err != nil {
			return nil, fmt.Errorf("%s: location: %w", manifestFile, err)
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, top.encode(), "", "  "); err != nil {
		return nil, fmt.Errorf("%s: %w", manifestFile, err)
	}
	out.WriteByte('\n')
	files := maps.Clone(p.Files)
	files[manifestFile] = out.Bytes()
	return newPackage(files)
}

// parseBase parses WithURL's base.
func parseBase(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL such as https://cohort.example.com", base)
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%s: a URL with a user name or password would ship it to every account", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%s: want a base URL with no query (?) or fragment (#)", base)
	case u.Scheme == "http" && httpHost(u.Hostname()) == remoteHost:
		return nil, fmt.Errorf("%s: Zendesk loads apps only over https (http only from localhost, 127.0.0.1 or ::1, for local development)", base)
	}
	return u, nil
}

// hostKind classifies the host of a URL over http, which Zendesk and
// WithURL allow only for local development.
type hostKind int

const (
	// remoteHost is any host but this machine's: https only.
	remoteHost hostKind = iota
	// loopbackIP is 127.0.0.1 or ::1: this machine, which WithURL takes
	// over http, but Zendesk takes http only from the host name localhost,
	// so Check warns about a location there.
	loopbackIP
	// localhost is the one host Zendesk loads an app from over http.
	localhost
)

// httpHost classifies host, of a URL over http. WithURL and Check both
// ask it, so that they agree on which hosts are this machine.
func httpHost(host string) hostKind {
	switch host {
	case "localhost":
		return localhost
	case "127.0.0.1", "::1":
		return loopbackIP
	}
	return remoteHost
}

// rebaseLocations returns manifest.json's location with each absolute URL
// moved to base (see WithURL), everything else as written.
func rebaseLocations(raw json.RawMessage, base *url.URL) (json.RawMessage, error) {
	products, err := decodeMembers(raw)
	if err != nil {
		return nil, err
	}
	for i, product := range products {
		locations, err := decodeMembers(product.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", product.key, err)
		}
		for j, loc := range locations {
			if locations[j].value, err = rebaseLocation(loc.value, base); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", product.key, loc.key, err)
			}
		}
		products[i].value = locations.encode()
	}
	return products.encode(), nil
}

// rebaseLocation moves one location, a URL or an object with a url, to
// base.
func rebaseLocation(raw json.RawMessage, base *url.URL) (json.RawMessage, error) {
	if s, err := decodeAs[string](raw, ""); err == nil {
		return marshal(rebaseURL(s, base))
	}
	obj, err := decodeMembers(raw)
	if err != nil {
		return nil, errors.New("want a URL or an object with a url")
	}
	i := obj.index("url")
	if i < 0 {
		return raw, nil
	}
	s, err := decodeAs[string](obj[i].value, "a string")
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	if obj[i].value, err = marshal(rebaseURL(s, base)); err != nil {
		return nil, err
	}
	return obj.encode(), nil
}

// rebaseURL returns s on base's scheme and host, with base's path in
// front of its own, when s is an absolute URL; otherwise s.
func rebaseURL(s string, base *url.URL) string {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return s
	}
	u.Scheme, u.Host, u.User = base.Scheme, base.Host, nil
	u.Path, u.RawPath = strings.TrimSuffix(base.Path, "/")+u.Path, ""
	return u.String()
}

// Requirements returns requirements.json: requirement type ("ticket_fields")
// → identifier → the requirement as written. It is empty when the package
// has no requirements.json.
func (p *Package) Requirements() (map[string]map[string]json.RawMessage, error) {
	data, ok := p.Files[requirementsFile]
	if !ok {
		return map[string]map[string]json.RawMessage{}, nil
	}
	var r map[string]map[string]json.RawMessage
	if err := apppkg.Unmarshal(data, &r, "an object of requirement types, each an object of identifier → requirement"); err != nil {
		return nil, fmt.Errorf("%s: %w", requirementsFile, err)
	}
	if r == nil {
		r = map[string]map[string]json.RawMessage{}
	}
	return r, nil
}

package zafapp

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// Manifest is manifest.json: what Zendesk reads of it to install and run
// the app. Keys it does not name (gaID, oauth, termsConditionsURL, …) are
// allowed and kept in the package's file.
//
// The json tags of Manifest and of the types in it name each field's key
// in manifest.json, and json.Marshal writes a Manifest with them. The
// package reads manifest.json by hand instead, key by key, so that a value
// of the wrong type is reported by Check rather than failing the read;
// the keys it reads are these.
type Manifest struct {
	Name          string `json:"name,omitempty"`
	Author        Author `json:"author"`
	DefaultLocale string `json:"defaultLocale"`
	// Private is nil when manifest.json does not say, which Zendesk takes
	// as true; see IsPrivate.
	Private *bool `json:"private,omitempty"`
	// Location maps a product ("support", "chat", "sell", "other") to its
	// locations by name ("ticket_sidebar", "nav_bar", …).
	Location         map[string]map[string]Location `json:"location,omitempty"`
	Version          string                         `json:"version,omitempty"`
	FrameworkVersion string                         `json:"frameworkVersion,omitempty"`
	// SignedURLs has Zendesk load every location by a POST carrying a JWT
	// it signs, unless the location says otherwise (Location.Signed).
	SignedURLs       bool `json:"signedUrls,omitempty"`
	SingleInstall    bool `json:"singleInstall,omitempty"`
	RequirementsOnly bool `json:"requirementsOnly,omitempty"`
	MarketingOnly    bool `json:"marketingOnly,omitempty"`
	// DomainWhitelist lists the hosts that requests proxied by Zendesk
	// (client.request with secure settings) may go to.
	DomainWhitelist []string    `json:"domainWhitelist,omitempty"`
	Parameters      []Parameter `json:"parameters,omitempty"`
}

// Author is the manifest's author: who Zendesk shows admins as the app's
// maker. Name and Email are required.
type Author struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	URL   string `json:"url,omitempty"`
}

// Location is where the app appears in a product: the URL Zendesk loads
// in an iframe there, either a file of the package ("assets/iframe.html")
// or an absolute https URL (a server-side app such as cohort's sidebar).
// Its flags are nil when the manifest leaves them to Zendesk's defaults.
// In manifest.json a location may also be written as its URL alone.
type Location struct {
	URL      string `json:"url"`
	Flexible *bool  `json:"flexible,omitempty"`
	AutoLoad *bool  `json:"autoLoad,omitempty"`
	AutoHide *bool  `json:"autoHide,omitempty"`
	// Signed overrides the manifest's signedUrls for this location.
	Signed *bool `json:"signed,omitempty"`
}

// UnmarshalJSON reads a location written either as its URL or as an
// object with a url and flags. Keys it does not know (size, …) are
// ignored.
func (l *Location) UnmarshalJSON(data []byte) error {
	if u, err := decodeAs[string](data, ""); err == nil {
		*l = Location{URL: u}
		return nil
	}
	obj, err := decodeAs[map[string]json.RawMessage](data, "a URL or an object with a url")
	if err != nil {
		return err
	}
	var out Location
	if raw, ok := obj["url"]; ok {
		if out.URL, err = decodeAs[string](raw, "a string"); err != nil {
			return fmt.Errorf("url: %w", err)
		}
	}
	for _, f := range []struct {
		key string
		dst **bool
	}{{"flexible", &out.Flexible}, {"autoLoad", &out.AutoLoad}, {"autoHide", &out.AutoHide}, {"signed", &out.Signed}} {
		if raw, ok := obj[f.key]; ok {
			if *f.dst, err = decodeAs[*bool](raw, "true or false"); err != nil {
				return fmt.Errorf("%s: %w", f.key, err)
			}
		}
	}
	*l = out
	return nil
}

// Parameter is one of the app's settings, which an admin fills in when
// installing it.
type Parameter struct {
	Name string `json:"name"`
	// Type is one of text, checkbox, url, number, multiline, hidden, oauth
	// and mtls; "" means text.
	Type     string `json:"type,omitempty"`
	Required bool   `json:"required,omitempty"`
	// Secure keeps the value from the browser: Zendesk substitutes it only
	// into requests it proxies, and only where Scopes allow.
	Secure        bool     `json:"secure,omitempty"`
	Default       any      `json:"default,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	AllowedDomain string   `json:"allowed_domain,omitempty"`
}

// IsPrivate reports whether the app is private to the accounts it is
// uploaded to, as Zendesk has it: true unless manifest.json says
// "private": false.
func (m *Manifest) IsPrivate() bool { return m.Private == nil || *m.Private }

// LocationFor returns the location name ("ticket_sidebar") of product
// ("support"), and whether the manifest has it.
func (m *Manifest) LocationFor(product, name string) (Location, bool) {
	l, ok := m.Location[product][name]
	return l, ok
}

// Signed reports whether Zendesk loads l with a signed JWT: l's own
// "signed" when it has one, else the manifest's signedUrls.
func (m *Manifest) Signed(l Location) bool {
	if l.Signed != nil {
		return *l.Signed
	}
	return m.SignedURLs
}

// manifestJSON is what Check needs of manifest.json besides the Manifest.
type manifestJSON struct {
	raw      map[string]json.RawMessage // the top-level keys as written
	problems []Problem                  // each value of the wrong type
	invalid  map[string]bool            // the top-level keys, and each parameters[i], holding one
}

// bad records that the value at at, under key, is of the wrong type.
func (d *manifestJSON) bad(key, at string, err error) {
	d.problems = append(d.problems, Problem{File: manifestFile, Message: at + ": " + err.Error()})
	d.invalid[key] = true
}

// decodeManifest parses manifest.json. It fails only when data is not a
// JSON object. A value of the wrong type is left at its zero value (a
// location or parameter of the wrong shape, out) and reported.
func decodeManifest(data []byte) (Manifest, *manifestJSON, error) {
	var m Manifest
	obj, err := apppkg.DecodeObject(data)
	if err != nil {
		return m, nil, err
	}
	d := &manifestJSON{raw: obj, invalid: make(map[string]bool)}
	top := fields{d: d, obj: obj}
	decodeKey(top, "name", "a string", &m.Name)
	decodeKey(top, "defaultLocale", "a string", &m.DefaultLocale)
	decodeKey(top, "version", "a string", &m.Version)
	decodeKey(top, "frameworkVersion", "a string", &m.FrameworkVersion)
	var author map[string]json.RawMessage
	decodeKey(top, "author", "an object with a name and an email", &author)
	in := fields{d: d, obj: author, key: "author", prefix: "author."}
	decodeKey(in, "name", "a string", &m.Author.Name)
	decodeKey(in, "email", "a string", &m.Author.Email)
	decodeKey(in, "url", "a string", &m.Author.URL)
	decodeKey(top, "private", "true or false", &m.Private)
	decodeKey(top, "signedUrls", "true or false", &m.SignedURLs)
	decodeKey(top, "singleInstall", "true or false", &m.SingleInstall)
	decodeKey(top, "requirementsOnly", "true or false", &m.RequirementsOnly)
	decodeKey(top, "marketingOnly", "true or false", &m.MarketingOnly)
	decodeKey(top, "domainWhitelist", "a list of host names", &m.DomainWhitelist)
	if raw, ok := obj["location"]; ok {
		m.Location = d.locations(raw)
	}
	if raw, ok := obj["parameters"]; ok {
		m.Parameters = d.parameters(raw)
	}
	return m, d, nil
}

// fields is an object of manifest.json being decoded: where decodeKey
// finds values and reports the wrong ones.
type fields struct {
	d   *manifestJSON
	obj map[string]json.RawMessage
	// key is the entry of d.invalid that a wrong value marks: the
	// top-level key holding obj ("author", "parameters[0]"), or "" for the
	// manifest itself, where each key marks itself.
	key string
	// prefix comes before a key's name in a problem: "author.",
	// `parameters[0] ("token").`.
	prefix string
}

// decodeKey decodes the value of name in f, when f has one, into *dst. A
// value that is not want is reported, and leaves *dst at its zero value.
func decodeKey[T any](f fields, name, want string, dst *T) {
	raw, ok := f.obj[name]
	if !ok {
		return
	}
	var err error
	if *dst, err = decodeAs[T](raw, want); err != nil {
		f.d.bad(cmp.Or(f.key, name), f.prefix+name, err)
	}
}

// locations decodes manifest.json's location, leaving out each part of
// the wrong type.
func (d *manifestJSON) locations(raw json.RawMessage) map[string]map[string]Location {
	products, err := decodeAs[map[string]json.RawMessage](raw, "an object of products, such as support")
	if err != nil {
		d.bad("location", "location", err)
		return nil
	}
	out := make(map[string]map[string]Location, len(products))
	for _, product := range slices.Sorted(maps.Keys(products)) {
		locations, err := decodeAs[map[string]json.RawMessage](products[product], "an object of locations, such as ticket_sidebar")
		if err != nil {
			d.bad("location", "location."+product, err)
			continue
		}
		out[product] = make(map[string]Location, len(locations))
		for _, name := range slices.Sorted(maps.Keys(locations)) {
			var l Location
			if err := l.UnmarshalJSON(locations[name]); err != nil {
				d.bad("location", "location."+product+"."+name, err)
				continue
			}
			out[product][name] = l
		}
	}
	return out
}

// parameters decodes manifest.json's parameters. A parameter keeps its
// place in the list, with each field of the wrong type at its zero value.
func (d *manifestJSON) parameters(raw json.RawMessage) []Parameter {
	list, err := decodeAs[[]json.RawMessage](raw, "a list of parameters")
	if err != nil {
		d.bad("parameters", "parameters", err)
		return nil
	}
	out := make([]Parameter, len(list))
	for i, raw := range list {
		p, key := &out[i], fmt.Sprintf("parameters[%d]", i)
		obj, err := decodeAs[map[string]json.RawMessage](raw, "an object with a name")
		if err != nil {
			d.bad(key, key, err)
			continue
		}
		decodeKey(fields{d: d, obj: obj, key: key, prefix: key + "."}, "name", "a string", &p.Name)
		// The other fields' problems name the parameter.
		in := fields{d: d, obj: obj, key: key, prefix: parameterAt(i, p.Name) + "."}
		decodeKey(in, "type", "a string", &p.Type)
		decodeKey(in, "required", "true or false", &p.Required)
		decodeKey(in, "secure", "true or false", &p.Secure)
		decodeKey(in, "default", "a value", &p.Default)
		decodeKey(in, "scopes", "a list of scopes", &p.Scopes)
		decodeKey(in, "allowed_domain", "a string", &p.AllowedDomain)
	}
	return out
}

// parameterAt names the i'th parameter in a problem, with its name when it
// has one: parameters[1] ("token").
func parameterAt(i int, name string) string {
	if name == "" {
		return fmt.Sprintf("parameters[%d]", i)
	}
	return fmt.Sprintf("parameters[%d] (%q)", i, name)
}

package zafapp

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"image/png"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// Problem is one thing wrong with a package: an error, which Zendesk's
// upload or Marketplace review would refuse the package for, or, with
// Warning set, something Zendesk accepts but warns about. Its String and
// Error return "FILE: MESSAGE", or "FILE: warning: MESSAGE" for a
// warning.
type Problem = apppkg.Problem

// Errors returns nil when problems holds only warnings, and otherwise one
// error listing the other problems, one per line. Each is a Problem that
// errors.As finds.
func Errors(problems []Problem) error { return apppkg.Errors(problems) }

// The vocabularies of Zendesk's validator.
var (
	products         = []string{"support", "chat", "sell", "other"}
	parameterTypes   = []string{"text", "checkbox", "url", "number", "multiline", "hidden", "oauth", "mtls"}
	secureScopes     = []string{"header", "body", "url", "jwt_secret_key", "jwt_claim", "basic_auth_username", "basic_auth_password"}
	requirementTypes = []string{"automations", "channel_integrations", "custom_objects", "custom_objects_v2", "macros",
		"targets", "views", "ticket_fields", "triggers", "user_fields", "organization_fields", "webhooks"}
	localeName = regexp.MustCompile(`^[a-z]{2,3}(-\w{2,3})?$`)
	// secretName is a parameter name that Zendesk warns about when the
	// parameter is a plain, not secure, text.
	secretName = regexp.MustCompile(`(?i)token|key|pwd|password`)
)

// Limits of Zendesk's validator, and of cohort's.
const (
	// frameworkVersion is the only version Check accepts. Zendesk serves
	// new uploads only on the Apps Framework 2.0 (the validator refuses a
	// version it no longer serves, and 1.0 is retired), and cohort's
	// sidebar is written for it: any other value is an error.
	frameworkVersion = "2.0"
	maxMTLS          = 3    // mtls parameters
	maxRequirements  = 5000 // entries in requirements.json, all types together
	// maxFileSize is a bound of cohort's: no file of a real app comes
	// near it, and Zendesk serves every asset to every agent.
	maxFileSize = 10 << 20
	// logoSize and logoSmallSize are the sides, in pixels, of the two
	// logos. Zendesk's validator does not check them, Marketplace review
	// does; Check enforces them so that a package is ready for both.
	logoSize      = 320
	logoSmallSize = 128
)

// shipped ends the message about a file that does not belong in a
// package.
const shipped = "leave it out, or Zendesk ships it to every account that installs the app"

// Check returns every problem of the package, errors and warnings, in a
// stable order: manifest.json, translations, requirements.json, the
// logos, then each file by path. An empty result means Zendesk's upload
// would take the package.
func (p *Package) Check() []Problem {
	c := &checker{pkg: p}
	c.manifest()
	c.translations()
	c.requirements()
	c.logo(logoFile, logoSize)
	c.logo(logoSmallFile, logoSmallSize)
	c.files()
	return c.problems
}

// checker collects the problems of one Check.
type checker struct {
	pkg      *Package
	m        *Manifest     // nil when manifest.json is missing or not an object
	decoded  *manifestJSON // with m
	problems []Problem
}

// errorf records an error in file.
func (c *checker) errorf(file, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Message: fmt.Sprintf(format, args...)})
}

// warnf records a warning about file.
func (c *checker) warnf(file, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Message: fmt.Sprintf(format, args...), Warning: true})
}

// paths returns the package's paths in order.
func (c *checker) paths() []string { return slices.Sorted(maps.Keys(c.pkg.Files)) }

// manifest checks manifest.json: present, a JSON object, values of the
// right types, the required keys, locations and parameters.
func (c *checker) manifest() {
	data, ok := c.pkg.Files[manifestFile]
	if !ok {
		for _, name := range c.paths() {
			if dir, file := path.Split(name); file == manifestFile && strings.Count(dir, "/") == 1 {
				c.errorf(manifestFile, "missing at the root of the package (%s is there: zip the folder's contents, not the folder)", name)
				return
			}
		}
		c.errorf(manifestFile, "missing: every app has one at the root of its package")
		return
	}
	m, d, err := decodeManifest(data)
	if err != nil {
		c.errorf(manifestFile, "%s", err)
		return
	}
	c.m, c.decoded = &m, d
	c.problems = append(c.problems, d.problems...)
	c.required()
	c.locations()
	c.parameters()
}

// has reports whether manifest.json holds key with a value of the right
// type.
func (c *checker) has(key string) bool {
	_, ok := c.decoded.raw[key]
	return ok && !c.decoded.invalid[key]
}

// required checks the manifest's required keys, and the framework
// version.
func (c *checker) required() {
	m := c.m
	if _, ok := c.decoded.raw["author"]; !ok {
		c.errorf(manifestFile, "author: missing: an object with the name and email of who makes the app")
	} else if !c.decoded.invalid["author"] {
		if m.Author.Name == "" {
			c.errorf(manifestFile, "author.name: missing")
		}
		if m.Author.Email == "" {
			c.errorf(manifestFile, "author.email: missing")
		}
	}
	if _, ok := c.decoded.raw["defaultLocale"]; !ok {
		c.errorf(manifestFile, "defaultLocale: missing: the locale of the app's default translation, such as en")
	} else if c.has("defaultLocale") && !localeName.MatchString(m.DefaultLocale) {
		c.errorf(manifestFile, "defaultLocale: %q is not a locale such as en or pt-br", m.DefaultLocale)
	}
	if m.RequirementsOnly || m.MarketingOnly {
		kind := "requirementsOnly"
		if m.MarketingOnly {
			kind = "marketingOnly"
		}
		for _, key := range []string{"location", "frameworkVersion"} {
			if _, ok := c.decoded.raw[key]; ok {
				c.errorf(manifestFile, "%s: a %s app has none: it never runs in Zendesk", key, kind)
			}
		}
		return
	}
	switch _, ok := c.decoded.raw["frameworkVersion"]; {
	case !ok:
		c.errorf(manifestFile, "frameworkVersion: missing: want %q", frameworkVersion)
	case c.has("frameworkVersion") && m.FrameworkVersion != frameworkVersion:
		c.errorf(manifestFile, "frameworkVersion: %q is not %q, the only version Zendesk runs new apps on", m.FrameworkVersion, frameworkVersion)
	}
	if _, ok := c.decoded.raw["location"]; !ok {
		c.errorf(manifestFile, "location: missing: where the app appears, such as support.ticket_sidebar")
	}
}

// locations checks each location's product and URL.
func (c *checker) locations() {
	n := 0
	for _, product := range slices.Sorted(maps.Keys(c.m.Location)) {
		if !slices.Contains(products, product) {
			c.errorf(manifestFile, "location.%s: not a Zendesk product (one of %s)", product, strings.Join(products, ", "))
			continue
		}
		locations := c.m.Location[product]
		for _, name := range slices.Sorted(maps.Keys(locations)) {
			n++
			c.locationURL("location."+product+"."+name+".url", locations[name].URL)
		}
	}
	if n == 0 && c.has("location") && !c.m.RequirementsOnly && !c.m.MarketingOnly {
		c.errorf(manifestFile, "location: names no location: want one such as support.ticket_sidebar")
	}
}

// locationURL checks the URL of the location at at: a file of the
// package under assets/, or an absolute https URL.
func (c *checker) locationURL(at, s string) {
	if s == "" {
		c.errorf(manifestFile, "%s: missing: the page Zendesk loads there", at)
		return
	}
	if strings.Contains(s, "{{setting.") {
		return // Zendesk fills it in from a setting at install; its validator takes it as it is
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		c.errorf(manifestFile, "%s: %q is not a URL", at, s)
	case u.Scheme == "https" && u.Host != "", u.Scheme == "http" && httpHost(u.Hostname()) == localhost:
	case u.Scheme == "http" && httpHost(u.Hostname()) == loopbackIP:
		c.warnf(manifestFile, "%s: %s: Zendesk takes http only from the host name localhost: use http://localhost or https for an account", at, s)
	case u.IsAbs():
		c.errorf(manifestFile, "%s: %s: Zendesk loads apps only over https (http only from localhost, for local development)", at, s)
	case !strings.HasPrefix(u.Path, "assets/"):
		c.errorf(manifestFile, "%s: %q is neither an https URL nor a file under assets/", at, s)
	default:
		if _, ok := c.pkg.Files[u.Path]; !ok {
			c.errorf(manifestFile, "%s: %s is not in the package", at, u.Path)
		}
	}
}

// parameters checks the app's settings: names, types, scopes, and what
// Zendesk's secure-settings checks warn about.
func (c *checker) parameters() {
	seen := make(map[string]string) // name → the parameter that has it
	var mtls []string
	for i, p := range c.m.Parameters {
		if c.decoded.invalid[fmt.Sprintf("parameters[%d]", i)] {
			continue
		}
		at, typ := parameterAt(i, p.Name), cmp.Or(p.Type, "text")
		switch first, dup := seen[p.Name]; {
		case p.Name == "":
			c.errorf(manifestFile, "%s: name: missing", at)
		case dup:
			c.errorf(manifestFile, "%s: name: %s has it too: names are unique", at, first)
		default:
			seen[p.Name] = at
		}
		if !slices.Contains(parameterTypes, typ) {
			c.errorf(manifestFile, "%s: type %q is not one of %s", at, typ, strings.Join(parameterTypes, ", "))
		}
		switch {
		case p.Scopes == nil:
		case !p.Secure:
			c.errorf(manifestFile, "%s: scopes: only a secure parameter has them", at)
		case len(p.Scopes) == 0:
			c.errorf(manifestFile, "%s: scopes: empty: list where Zendesk may put the value (%s)", at, strings.Join(secureScopes, ", "))
		}
		for _, s := range p.Scopes {
			if !slices.Contains(secureScopes, s) {
				c.errorf(manifestFile, "%s: scopes: %q is not one of %s", at, s, strings.Join(secureScopes, ", "))
			}
		}
		if typ == "oauth" && p.Secure {
			c.errorf(manifestFile, "%s: an oauth parameter cannot be secure", at)
		}
		if typ == "mtls" {
			mtls = append(mtls, at)
			if p.Secure {
				c.errorf(manifestFile, "%s: an mtls parameter cannot be secure", at)
			}
			if p.Default != nil {
				c.errorf(manifestFile, "%s: an mtls parameter has no default", at)
			}
		}
		if secretName.MatchString(p.Name) && typ == "text" && !p.Secure {
			c.warnf(manifestFile, `%s: its name says secret, but it is not secure: with "secure": true its value never reaches the browser`, at)
		}
		if p.Default != nil && (p.Secure || typ == "hidden") {
			c.warnf(manifestFile, "%s: a secure or hidden parameter with a default: the default ships in the package for anyone to read", at)
		}
		if p.Secure && p.Scopes == nil {
			c.warnf(manifestFile, "%s: secure without scopes: Zendesk may put its value anywhere in a request; list where it goes (%s)", at, strings.Join(secureScopes, ", "))
		}
	}
	if len(mtls) > maxMTLS {
		c.errorf(manifestFile, "parameters: %d mtls parameters (%s): at most %d", len(mtls), strings.Join(mtls, ", "), maxMTLS)
	}
}

// translations checks translations/: file names, JSON objects, the
// default locale's file, the keys en.json needs, and parameter labels.
func (c *checker) translations() {
	apps := make(map[string]map[string]json.RawMessage) // file → its "app" object
	for _, name := range c.paths() {
		rest, ok := strings.CutPrefix(name, "translations/")
		if !ok {
			continue
		}
		locale, ok := strings.CutSuffix(rest, ".json")
		if !ok || !localeName.MatchString(locale) {
			c.errorf(name, "not a translation: the files here are translations/LOCALE.json, with a locale such as en or pt-br")
			continue
		}
		obj, err := apppkg.DecodeObject(c.pkg.Files[name])
		if err != nil {
			c.errorf(name, "%s", err)
			continue
		}
		var app map[string]json.RawMessage
		if raw, ok := obj["app"]; ok {
			if app, err = decodeAs[map[string]json.RawMessage](raw, "an object"); err != nil {
				c.errorf(name, "app: %s", err)
				continue
			}
		}
		apps[name] = app
		c.parameterLabels(name, app)
	}
	if c.m == nil {
		return
	}
	if en, ok := apps["translations/en.json"]; ok {
		c.listingKeys(en)
	}
	if !c.has("defaultLocale") || !localeName.MatchString(c.m.DefaultLocale) {
		return
	}
	name := "translations/" + c.m.DefaultLocale + ".json"
	if _, ok := c.pkg.Files[name]; !ok {
		c.errorf(name, "missing: the app's translation for its defaultLocale, %q", c.m.DefaultLocale)
		return
	}
	app, ok := apps[name]
	if !ok {
		return
	}
	var labels map[string]json.RawMessage
	if raw, ok := app["parameters"]; ok {
		var err error
		if labels, err = decodeAs[map[string]json.RawMessage](raw, ""); err != nil {
			return // reported by parameterLabels
		}
	}
	for i, p := range c.m.Parameters {
		if _, ok := labels[p.Name]; !ok && p.Name != "" && !c.decoded.invalid[fmt.Sprintf("parameters[%d]", i)] {
			c.errorf(name, "app.parameters.%s.label: missing: the label admins see for the setting %q", p.Name, p.Name)
		}
	}
}

// listingKeys checks that en.json's app holds what Zendesk lists the app
// with: its name, and for a public app its descriptions and installation
// instructions.
func (c *checker) listingKeys(app map[string]json.RawMessage) {
	keys := []string{"name"}
	if !c.m.IsPrivate() {
		keys = append(keys, "short_description", "long_description", "installation_instructions")
	}
	for _, key := range keys {
		_, ok := app[key]
		if key == "short_description" && !ok {
			_, ok = app["description"] // its older name
		}
		if !ok {
			why := "the app's name as admins see it"
			if key != "name" {
				why = "a public app needs it for its listing"
			}
			c.errorf("translations/en.json", "app.%s: missing: %s", key, why)
		}
	}
}

// parameterLabels checks that each setting under the app's parameters in
// a translation file is an object with a label.
func (c *checker) parameterLabels(file string, app map[string]json.RawMessage) {
	raw, ok := app["parameters"]
	if !ok {
		return
	}
	params, err := decodeAs[map[string]json.RawMessage](raw, "an object of settings, each with a label")
	if err != nil {
		c.errorf(file, "app.parameters: %s", err)
		return
	}
	for _, name := range slices.Sorted(maps.Keys(params)) {
		p, err := decodeAs[map[string]json.RawMessage](params[name], "an object with a label")
		switch {
		case err != nil:
			c.errorf(file, "app.parameters.%s: %s", name, err)
		case p["label"] == nil:
			c.errorf(file, "app.parameters.%s.label: missing: the label admins see for the setting", name)
		}
	}
}

// requirements checks requirements.json, which Zendesk creates in the
// account when it installs the app: its types, and each entry's required
// keys.
func (c *checker) requirements() {
	data, ok := c.pkg.Files[requirementsFile]
	if !ok {
		if c.m != nil && c.m.RequirementsOnly {
			c.errorf(requirementsFile, "missing: a requirementsOnly app installs nothing else")
		}
		return
	}
	obj, err := apppkg.DecodeObject(data)
	if err != nil {
		c.errorf(requirementsFile, "%s", err)
		return
	}
	n := 0
	for _, typ := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(requirementTypes, typ) {
			c.errorf(requirementsFile, "%s: not a requirement type (one of %s)", typ, strings.Join(requirementTypes, ", "))
			continue
		}
		entries, err := decodeAs[map[string]json.RawMessage](obj[typ], "an object of identifier → requirement")
		if err != nil {
			c.errorf(requirementsFile, "%s: %s", typ, err)
			continue
		}
		n += len(entries)
		if typ == "custom_objects" || typ == "custom_objects_v2" {
			continue // their entries have schemas of their own, which Check does not check
		}
		if typ == "channel_integrations" && len(entries) > 1 {
			c.errorf(requirementsFile, "channel_integrations: %d integrations: an app has at most 1", len(entries))
		}
		for _, id := range slices.Sorted(maps.Keys(entries)) {
			entry, err := decodeAs[map[string]json.RawMessage](entries[id], "an object")
			if err != nil {
				c.errorf(requirementsFile, "%s.%s: %s", typ, id, err)
				continue
			}
			for _, key := range requiredKeys(typ) {
				if _, ok := entry[key]; !ok {
					c.errorf(requirementsFile, "%s.%s.%s: missing", typ, id, key)
				}
			}
		}
	}
	if n > maxRequirements {
		c.errorf(requirementsFile, "%d requirements: an app has at most %d", n, maxRequirements)
	}
}

// requiredKeys returns the keys each requirement of type typ must have.
func requiredKeys(typ string) []string {
	switch typ {
	case "channel_integrations":
		return []string{"manifest_url"}
	case "webhooks":
		return []string{"name", "status", "endpoint", "http_method", "request_format"}
	case "user_fields", "organization_fields":
		return []string{"title", "key"}
	}
	return []string{"title"}
}

// logo checks that the package has a square PNG logo at name, side pixels
// wide.
func (c *checker) logo(name string, side int) {
	data, ok := c.pkg.Files[name]
	if !ok {
		c.errorf(name, "missing: the app's %dx%d PNG logo", side, side)
		return
	}
	// The header first: a small file may claim a huge image.
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		c.errorf(name, "not a PNG image")
		return
	}
	if cfg.Width != side || cfg.Height != side {
		c.errorf(name, "%dx%d pixels: want %dx%d", cfg.Width, cfg.Height, side, side)
		return
	}
	if _, err := png.Decode(bytes.NewReader(data)); err != nil {
		c.errorf(name, "a broken PNG image: %s", strings.TrimPrefix(err.Error(), "png: "))
	}
}

// files checks that each file belongs in a package and is not too big.
func (c *checker) files() {
	for _, name := range c.paths() {
		if why := outside(name); why != "" {
			c.errorf(name, "%s", why)
		}
		if n := len(c.pkg.Files[name]); n > maxFileSize {
			c.errorf(name, "%.1f MiB: a file may hold at most %d MiB", float64(n)/(1<<20), maxFileSize>>20)
		}
	}
}

// Belongs reports whether a file at name (slash-separated, from the app's
// root) belongs in a package: manifest.json, requirements.json,
// README.md, LICENSE, or a file under translations/ or assets/, none of
// them hidden (.name) or a zip. Check reports each file that does not; a
// packager leaves them out.
func Belongs(name string) bool { return outside(name) == "" }

// outside says why a file at name does not belong in a package, or ""
// when it does.
func outside(name string) string {
	for part := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(part, ".") {
			return "a hidden file: " + shipped
		}
	}
	if strings.EqualFold(path.Ext(name), ".zip") {
		return "a zip inside the package: " + shipped
	}
	switch {
	case name == manifestFile, name == requirementsFile, name == "README.md", name == "LICENSE",
		strings.HasPrefix(name, "assets/"), strings.HasPrefix(name, "translations/"):
		return ""
	}
	return "not part of a Zendesk app, which holds manifest.json, requirements.json, translations/, assets/, README.md and LICENSE: " + shipped
}

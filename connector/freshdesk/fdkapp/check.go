package fdkapp

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"mime"
	"net/netip"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// Problem is one thing wrong with an app: an error, which `fdk validate`,
// `fdk pack` or the app's first run would stop at, or, with Warning set,
// something that works but is likely a mistake. Its String and Error
// return "FILE: MESSAGE", or "FILE: warning: MESSAGE" for a warning.
type Problem = apppkg.Problem

// Errors returns nil when problems holds only warnings, and otherwise one
// error listing the other problems, one per line. Each is a Problem that
// errors.As finds.
func Errors(problems []Problem) error { return apppkg.Errors(problems) }

// The app's files.
const (
	manifestFile     = "manifest.json"
	iparamsFile      = "config/iparams.json"
	iparamsHTMLFile  = "config/iparams.html"
	iparamsJSFile    = "config/assets/iparams.js"
	requestsFile     = "config/requests.json"
	serverFile       = "server/server.js"
	pagesDir         = "app/"
	platformVersion  = "3.0" // [p3]: the only version Check takes
	commonModule     = "common"
	appClientMarker  = "{{{appclient}}}"
	freshClient2URL  = "static.freshdev.io/fdk/2.0/assets/fresh_client.js"
	maxRetryDelay    = 1500 // ms, [guide] and [p3]
	retryDelayStep   = 100  // ms, [p3]: "multiple of 100 upto maximum 1500"
	maxAttemptsLimit = 5    // [guide], [p3]
	svgHead          = 64 << 10
	iconSide         = "64" // pixels, [p3] manifest.md: "a 64x64 pixel .SVG image"
)

// The vocabularies of the FDK, with their sources.
var (
	// freshdeskModules are Freshdesk's modules ([p3] modules-locations;
	// reference sheet §2.13); modules of other products are warned about.
	freshdeskModules = []string{"support_ticket", "support_contact", "support_company", "support_agent", "support_email", "support_portal"}
	// placements are the locations [p3] lists per module. A module not
	// here has placements Check does not know.
	placements = map[string][]string{
		commonModule: {"full_page_app", "cti_global_sidebar"},
		"support_ticket": {"ticket_sidebar", "ticket_requester_info", "ticket_top_navigation", "ticket_background",
			"time_entry_background", "ticket_attachment", "ticket_conversation_editor", "new_ticket_requester_info", "new_ticket_background"},
		"support_contact": {"contact_sidebar"},
	}
	// moduleKeys are what a module declares ([p3] manifest.md,
	// manifest-errors.md, modules-locations).
	moduleKeys = []string{"location", "requests", "functions", "events"}
	// iparamTypes are the types `fdk validate` takes ([p3]
	// installation-parameters-errors.md, "Invalid type"), and "domain",
	// which [samples] product-samples/freshdesk/config/iparams.json uses
	// with type_attributes.
	iparamTypes = []string{"text", "paragraph", "dropdown", "email", "number", "phone_number", "date", "url", "radio",
		"checkbox", "multiselect", "domain"}
	// optionTypes must have options, and only they may ([p3]).
	optionTypes = []string{"dropdown", "radio", "multiselect"}
	// secretName is a parameter name that looks like a credential, which
	// `fdk validate` wants marked secure ([p3]: "appears to be a secure
	// param but it isn't marked as secure"). The words are cohort's guess
	// at its list.
	secretName = regexp.MustCompile(`(?i)token|secret|password|passwd|api_?key|apikey|credential`)
	// templateName is what [p3] allows in a request template's name:
	// "alphanumeric characters, underscore and hyphen".
	templateName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	// methods are a request schema's methods ([guide], [p3]).
	methods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}
	// schemaKeys are a request schema's fields ([guide] "Request schema").
	schemaKeys = []string{"method", "protocol", "host", "path", "headers", "query"}
	// optionKeys are a request template's options ([guide] "Request
	// options").
	optionKeys = []string{"maxAttempts", "retryDelay", "isOAuth"}
	// contentTypes are the Content-Type values the request method takes
	// ([p3] request_method.md and request-method-errors.md, which between
	// them name both text/javascript and application/javascript).
	contentTypes = []string{"application/json", "application/xml", "text/html", "text/xml", "application/jsonp", "text/plain",
		"text/javascript", "application/javascript", "application/vnd.api+json"}
	// semver is an engines version.
	semver = regexp.MustCompile(`^\d+\.\d+\.\d+$`)
	// substitution finds the template substitutions of a request schema,
	// "<%= … %>" ([guide] "Template substitutions and variables").
	substitution = regexp.MustCompile(`<%=?([^%]|%[^>])*%>`)
	// variable finds the variables of one substitution: iparam.NAME,
	// context.NAME ([guide]), and OAuth's access_token.
	variable = regexp.MustCompile(`\b(iparam|context)\.([A-Za-z0-9_$]+)|\baccess_token\b`)
	// invoked finds the request templates a script invokes, from the
	// front end (client.request.invokeTemplate) or serverless
	// ($request.invokeTemplate), by a literal name ([guide] "Runtime API").
	invoked = regexp.MustCompile(`invokeTemplate\(\s*["'` + "`" + `]([^"'` + "`" + `]+)["'` + "`" + `]`)
)

// Check returns every problem of the app, errors and warnings, in a stable
// order: manifest.json, config/iparams.json, config/requests.json, the
// front end under app/, then the app's layout. An empty result means the
// app follows every rule Check knows; see the package's documentation for
// what it cannot know.
func (p *Package) Check() []Problem {
	c := &checker{pkg: p, declared: map[string]string{}}
	c.manifest()
	c.iparams()
	c.requests()
	c.frontEnd()
	c.layout()
	return c.problems
}

// checker collects the problems of one Check, and what one part of the
// app tells another.
type checker struct {
	pkg      *Package
	problems []Problem
	modules  []string          // the manifest's modules
	declared map[string]string // request templates declared in manifest.json → where ("modules.common.requests")
	pages    []string          // the locations' pages, "app/index.html"
	// params are the iparams of config/iparams.json by name, true when
	// secure; nil when they are not known (no readable iparams.json).
	params    map[string]bool
	templates map[string]bool // the templates of config/requests.json, nil when not known
}

func (c *checker) errorf(file, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warnf(file, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: file, Message: fmt.Sprintf(format, args...), Warning: true})
}

func (c *checker) has(name string) bool {
	_, ok := c.pkg.Files[name]
	return ok
}

// paths returns the app's paths in order.
func (c *checker) paths() []string { return slices.Sorted(maps.Keys(c.pkg.Files)) }

// manifest checks manifest.json: platform 3.0's shape ([p3] manifest.md,
// manifest-errors.md, modules-locations).
func (c *checker) manifest() {
	data, ok := c.pkg.Files[manifestFile]
	if !ok {
		for _, name := range c.paths() {
			if dir, file := path.Split(name); file == manifestFile && strings.Count(dir, "/") == 1 {
				c.errorf(manifestFile, "missing at the root of the app (%s is there: pack the folder's contents, not the folder)", name)
				return
			}
		}
		c.errorf(manifestFile, "missing: every app has one at its root")
		return
	}
	top, err := decodeObject(data)
	if err != nil {
		c.errorf(manifestFile, "%s", err)
		return
	}
	switch raw, ok := top["platform-version"]; {
	case !ok:
		c.errorf(manifestFile, "platform-version: missing: want %q", platformVersion)
	default:
		if v, _ := asString(raw); v != platformVersion {
			c.errorf(manifestFile, "platform-version: %s is not %q, the platform this app is written for", apppkg.Brief(raw), platformVersion)
		}
	}
	if _, ok := top["product"]; ok {
		c.errorf(manifestFile, "product: the layout of platform 2.x; platform 3.0 declares modules instead")
	}
	for _, key := range []string{"whitelisted-domains", "whitelisted_domains"} {
		if _, ok := top[key]; ok {
			c.errorf(manifestFile, "%s: not in platform 3.0: request templates (config/requests.json) name the hosts an app calls", key)
		}
	}
	c.modulesOf(top)
	c.engines(top)
}

// modulesOf checks the manifest's modules: at least one product module
// beside common, and what each declares.
func (c *checker) modulesOf(top object) {
	raw, ok := top["modules"]
	if !ok {
		c.errorf(manifestFile, "modules: missing: the modules the app is deployed on, such as support_ticket")
		return
	}
	mods, ok := asObject(raw)
	if !ok {
		c.errorf(manifestFile, "modules: %s is not an object of modules", apppkg.Brief(raw))
		return
	}
	c.modules = mods.keys()
	if !slices.ContainsFunc(c.modules, func(m string) bool { return m != commonModule }) {
		c.errorf(manifestFile, "modules: want at least one module beside common, such as support_ticket (it may be {})")
	}
	for _, name := range c.modules {
		at := "modules." + name
		mod, ok := asObject(mods[name])
		if !ok {
			c.errorf(manifestFile, "%s: %s is not an object", at, apppkg.Brief(mods[name]))
			continue
		}
		if name != commonModule && !slices.Contains(freshdeskModules, name) {
			c.warnf(manifestFile, "%s: not a Freshdesk module (%s)", at, strings.Join(freshdeskModules, ", "))
		}
		for _, key := range mod.keys() {
			switch key {
			case "location":
				c.locations(name, mod[key])
			case "requests":
				c.declare(at+".requests", mod[key])
			case "functions", "events":
				if o, ok := asObject(mod[key]); !ok {
					c.errorf(manifestFile, "%s.%s: %s is not an object", at, key, apppkg.Brief(mod[key]))
				} else if len(o) > 0 && !c.has(serverFile) {
					c.errorf(manifestFile, "%s.%s: declares serverless code, but %s is missing", at, key, serverFile)
				}
			default:
				c.warnf(manifestFile, "%s.%s: not a key of a module (%s)", at, key, strings.Join(moduleKeys, ", "))
			}
		}
	}
}

// locations checks a module's locations: each a page of app/ and, unless it
// runs in the background, an SVG icon of app/ ([p3] manifest.md: "url:
// relative path to the template.html", "icon: relative path to a 64x64
// pixel .SVG image").
func (c *checker) locations(module string, raw json.RawMessage) {
	at := "modules." + module + ".location"
	locs, ok := asObject(raw)
	if !ok {
		c.errorf(manifestFile, "%s: %s is not an object of locations", at, apppkg.Brief(raw))
		return
	}
	for _, name := range locs.keys() {
		where := at + "." + name
		if known, ok := placements[module]; ok && !slices.Contains(known, name) {
			c.warnf(manifestFile, "%s: not a location of %s that Freshworks documents (%s)", where, module, strings.Join(known, ", "))
		}
		loc, ok := asObject(locs[name])
		if !ok {
			c.errorf(manifestFile, "%s: %s is not an object with a url and an icon", where, apppkg.Brief(locs[name]))
			continue
		}
		if page, ok := c.appFile(where+".url", loc["url"], true); ok {
			c.pages = append(c.pages, page)
		}
		if _, ok := loc["icon"]; !ok && strings.HasSuffix(name, "_background") {
			continue // a background app has no UI
		}
		if icon, ok := c.appFile(where+".icon", loc["icon"], true); ok {
			c.svg(where+".icon", icon)
		}
	}
}

// appFile checks a manifest value that names a file of app/, and returns
// the file's path in the app.
func (c *checker) appFile(at string, raw json.RawMessage, required bool) (string, bool) {
	if raw == nil {
		if required {
			c.errorf(manifestFile, "%s: missing", at)
		}
		return "", false
	}
	s, ok := asString(raw)
	name := strings.TrimPrefix(s, "./")
	switch {
	case !ok || s == "":
		c.errorf(manifestFile, "%s: %s is not a file path under app/", at, apppkg.Brief(raw))
		return "", false
	case strings.Contains(s, "://") || strings.HasPrefix(s, "/") || !validPath(name):
		c.errorf(manifestFile, "%s: %q is not a path relative to app/, such as index.html", at, s)
		return "", false
	case !c.has(pagesDir + name):
		c.errorf(manifestFile, "%s: %q names %s%s, which is not in the app", at, s, pagesDir, name)
		return "", false
	}
	return pagesDir + name, true
}

// validPath reports whether name is a relative slash path with no empty,
// "." or ".." part.
func validPath(name string) bool {
	if name == "" || strings.Contains(name, `\`) {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

// svg checks that the file named at is an SVG image.
func (c *checker) svg(at, name string) {
	if !strings.EqualFold(path.Ext(name), ".svg") {
		c.errorf(manifestFile, "%s: %s is not an .svg file: the icon is an SVG image", at, name)
		return
	}
	// The root element comes first, after at most a prolog and comments:
	// Check looks for it in the first 64 KiB, so that a huge file costs no
	// more than a small one.
	data := c.pkg.Files[name]
	dec := xml.NewDecoder(bytes.NewReader(data[:min(len(data), svgHead)]))
	for {
		tok, err := dec.Token()
		if err != nil {
			c.errorf(name, "not an SVG image (no <svg> element at its start)")
			return
		}
		if start, ok := tok.(xml.StartElement); ok {
			if start.Name.Local != "svg" {
				c.errorf(name, "not an SVG image: its root element is <%s>", start.Name.Local)
				return
			}
			var w, h string
			for _, a := range start.Attr {
				switch a.Name.Local {
				case "width":
					w = strings.TrimSuffix(a.Value, "px")
				case "height":
					h = strings.TrimSuffix(a.Value, "px")
				}
			}
			if w != "" && h != "" && (w != iconSide || h != iconSide) {
				c.warnf(name, "%s×%s: Freshworks asks for a %s×%s icon", w, h, iconSide, iconSide)
			}
			return
		}
	}
}

// declare records a module's request templates ([guide] "Step 2: Declare
// templates in app manifest"; [p3] manifest-errors.md).
func (c *checker) declare(at string, raw json.RawMessage) {
	reqs, ok := asObject(raw)
	if !ok {
		c.errorf(manifestFile, "%s: %s is not an object of request template names", at, apppkg.Brief(raw))
		return
	}
	for _, name := range reqs.keys() {
		if _, ok := asObject(reqs[name]); !ok {
			c.errorf(manifestFile, "%s.%s: %s is not an object (of options; {} for none)", at, name, apppkg.Brief(reqs[name]))
		}
		if _, dup := c.declared[name]; !dup {
			c.declared[name] = at + "." + name
		}
	}
}

// engines checks the Node and FDK versions the app is built with ([p3]
// manifest.md: "engines (object, Required)").
func (c *checker) engines(top object) {
	raw, ok := top["engines"]
	if !ok {
		c.errorf(manifestFile, "engines: missing: the node and fdk versions the app is built with")
		return
	}
	eng, ok := asObject(raw)
	if !ok {
		c.errorf(manifestFile, "engines: %s is not an object of node and fdk versions", apppkg.Brief(raw))
		return
	}
	for _, key := range []string{"node", "fdk"} {
		v, ok := eng[key]
		if !ok {
			c.errorf(manifestFile, "engines.%s: missing", key)
			continue
		}
		if s, _ := asString(v); !semver.MatchString(s) {
			c.errorf(manifestFile, "engines.%s: %s is not a version such as 18.20.8", key, apppkg.Brief(v))
		}
	}
}

// iparams checks config/iparams.json, the installation parameters ([p3]
// installation-parameters-errors.md; each message there is one rule here).
func (c *checker) iparams() {
	data, ok := c.pkg.Files[iparamsFile]
	_, html := c.pkg.Files[iparamsHTMLFile]
	switch {
	case ok && html:
		c.errorf(iparamsHTMLFile, "the app has both %s and %s: define the settings page with one of them", iparamsFile, iparamsHTMLFile)
		return
	case html:
		return // a custom settings page: its parameters are not known here
	case !ok:
		c.errorf(iparamsFile, "missing: every app has one, {} when it takes no settings")
		return
	}
	params, err := decodeObject(data)
	if err != nil {
		c.errorf(iparamsFile, "%s", err)
		return
	}
	c.params = map[string]bool{}
	for _, name := range params.keys() {
		if strings.TrimSpace(name) == "" {
			c.errorf(iparamsFile, "an iparam with an empty name: each key is the parameter's name")
			continue
		}
		p, ok := asObject(params[name])
		if !ok {
			c.errorf(iparamsFile, "%s: %s is not an object with a display_name and a type", name, apppkg.Brief(params[name]))
			continue
		}
		c.params[name] = c.iparam(name, p)
	}
}

// iparam checks one installation parameter and returns whether it is
// secure.
func (c *checker) iparam(name string, p object) (secure bool) {
	if s, _ := asString(p["display_name"]); strings.TrimSpace(s) == "" {
		c.errorf(iparamsFile, "%s.display_name: missing: the label admins see", name)
	}
	typ, _ := asString(p["type"])
	switch raw, ok := p["type"]; {
	case !ok:
		c.errorf(iparamsFile, "%s.type: missing: one of %s", name, strings.Join(iparamTypes, ", "))
	case !slices.Contains(iparamTypes, typ):
		c.errorf(iparamsFile, "%s.type: %s is not one of %s", name, apppkg.Brief(raw), strings.Join(iparamTypes, ", "))
	}
	raw, hasOptions := p["options"]
	switch {
	case slices.Contains(optionTypes, typ) && !hasOptions:
		c.errorf(iparamsFile, "%s.options: missing: a %s lists its options", name, typ)
	case slices.Contains(optionTypes, typ):
		if opts, ok := asArray(raw); !ok {
			c.errorf(iparamsFile, "%s.options: %s is not a list of options", name, apppkg.Brief(raw))
		} else if len(opts) == 0 {
			c.errorf(iparamsFile, "%s.options: empty: a %s lists its options", name, typ)
		}
	case hasOptions && typ != "":
		c.errorf(iparamsFile, "%s.options: a %s has no options (only %s do)", name, typ, strings.Join(optionTypes, ", "))
	}
	for _, key := range []string{"required", "secure"} {
		if v, ok := p[key]; ok {
			b, isBool := asBool(v)
			if !isBool {
				c.errorf(iparamsFile, "%s.%s: %s is not true or false", name, key, apppkg.Brief(v))
			}
			if key == "secure" {
				secure = b
			}
		}
	}
	if v, ok := p["default_value"]; ok && typ == "checkbox" {
		if _, isBool := asBool(v); !isBool {
			c.errorf(iparamsFile, "%s.default_value: %s is not true or false, as a checkbox's is", name, apppkg.Brief(v))
		}
	}
	if secretName.MatchString(name) && !secure && typ != "checkbox" {
		c.errorf(iparamsFile, "%s: looks like a credential but is not secure: add \"secure\": true, so that Freshworks keeps it from the browser", name)
	}
	if raw, ok := p["modules"]; ok {
		mods, isArray := asArray(raw)
		for _, m := range mods {
			if s, ok := asString(m); !ok || (c.modules != nil && !slices.Contains(c.modules, s)) {
				c.errorf(iparamsFile, "%s.modules: %s is not a module of manifest.json", name, apppkg.Brief(m))
			}
		}
		if !isArray {
			c.errorf(iparamsFile, "%s.modules: %s is not a list of module names", name, apppkg.Brief(raw))
		}
	}
	if raw, ok := p["events"]; ok {
		c.iparamEvents(name, raw)
	}
	return secure
}

// iparamEvents checks an iparam's events: a list of {"change": "callback"},
// each callback a function of config/assets/iparams.js ([p3]).
func (c *checker) iparamEvents(name string, raw json.RawMessage) {
	events, ok := asArray(raw)
	if !ok {
		c.errorf(iparamsFile, "%s.events: %s is not a list of events such as {\"change\": \"onChange\"}", name, apppkg.Brief(raw))
		return
	}
	for _, e := range events {
		ev, ok := asObject(e)
		if !ok {
			c.errorf(iparamsFile, "%s.events: %s is not an event such as {\"change\": \"onChange\"}", name, apppkg.Brief(e))
			continue
		}
		for _, kind := range ev.keys() {
			fn, _ := asString(ev[kind])
			switch {
			case kind != "change":
				c.errorf(iparamsFile, "%s.events: the %s event is not supported: only change", name, kind)
			case fn == "":
				c.errorf(iparamsFile, "%s.events: change: %s is not the name of a function", name, apppkg.Brief(ev[kind]))
			case !containsWord(c.pkg.Files[iparamsJSFile], fn):
				c.errorf(iparamsFile, "%s.events: change: the function %s is not in %s", name, fn, iparamsJSFile)
			}
		}
	}
}

// requests checks config/requests.json, the request templates ([guide];
// [p3] request_method.md, request-method-errors.md), against the manifest's
// declarations and the iparams.
func (c *checker) requests() {
	data, ok := c.pkg.Files[requestsFile]
	if !ok {
		for _, name := range slices.Sorted(maps.Keys(c.declared)) {
			c.errorf(manifestFile, "%s: declares a request template, but %s is missing", c.declared[name], requestsFile)
		}
		return
	}
	templates, err := decodeObject(data)
	if err != nil {
		c.errorf(requestsFile, "%s", err)
		return
	}
	c.templates = map[string]bool{}
	for _, name := range templates.keys() {
		c.templates[name] = true
		if !templateName.MatchString(name) {
			c.errorf(requestsFile, "%q: a template's name has only letters, digits, _ and -", name)
		}
		c.template(name, templates[name])
		if _, ok := c.declared[name]; !ok {
			c.warnf(requestsFile, "%s: not declared in manifest.json (modules.common.requests), so the app cannot invoke it", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.declared)) {
		if !c.templates[name] {
			c.errorf(manifestFile, "%s: no such request template in %s", c.declared[name], requestsFile)
		}
	}
}

// template checks one request template: its schema and options.
func (c *checker) template(name string, raw json.RawMessage) {
	t, ok := asObject(raw)
	if !ok {
		c.errorf(requestsFile, "%s: %s is not an object with a schema", name, apppkg.Brief(raw))
		return
	}
	for _, key := range t.keys() {
		if key != "schema" && key != "options" {
			c.errorf(requestsFile, "%s.%s: a template has a schema and options, nothing else", name, key)
		}
	}
	oauth := false
	if raw, ok := t["options"]; ok {
		oauth = c.options(name, raw)
	}
	raw, ok = t["schema"]
	if !ok {
		c.errorf(requestsFile, "%s.schema: missing: the request's method, host, path, headers and query", name)
		return
	}
	schema, ok := asObject(raw)
	if !ok {
		c.errorf(requestsFile, "%s.schema: %s is not an object", name, apppkg.Brief(raw))
		return
	}
	at := name + ".schema"
	for _, key := range schema.keys() {
		if !slices.Contains(schemaKeys, key) {
			c.errorf(requestsFile, "%s.%s: not a field of a request schema (%s); a body is passed when the template is invoked", at, key, strings.Join(schemaKeys, ", "))
		}
	}
	method, _ := asString(schema["method"])
	switch raw, ok := schema["method"]; {
	case !ok:
		c.errorf(requestsFile, "%s.method: missing: one of %s", at, strings.Join(methods, ", "))
	case !slices.Contains(methods, method):
		c.errorf(requestsFile, "%s.method: %s is not one of %s", at, apppkg.Brief(raw), strings.Join(methods, ", "))
	}
	if raw, ok := schema["protocol"]; ok {
		switch s, _ := asString(raw); s {
		case "https":
		case "http":
			c.errorf(requestsFile, "%s.protocol: http works only in local testing: an app that uses it cannot be packed and published; leave it out or write https", at)
		default:
			c.errorf(requestsFile, "%s.protocol: %s is not https", at, apppkg.Brief(raw))
		}
	}
	c.host(at, schema["host"])
	if raw, ok := schema["path"]; ok {
		s, isString := asString(raw)
		switch {
		case !isString:
			c.errorf(requestsFile, "%s.path: %s is not a string", at, apppkg.Brief(raw))
		case !strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "<%"):
			c.errorf(requestsFile, "%s.path: %q must start with /", at, s)
		case strings.Contains(substitution.ReplaceAllString(s, ""), "?"):
			c.warnf(requestsFile, "%s.path: %q holds a query: put query parameters in query", at, s)
		}
		c.substitutions(at+".path", s, false, false)
	}
	for _, key := range []string{"headers", "query"} {
		raw, ok := schema[key]
		if !ok {
			continue
		}
		fields, ok := asObject(raw)
		if !ok {
			c.errorf(requestsFile, "%s.%s: %s is not an object", at, key, apppkg.Brief(raw))
			continue
		}
		for _, f := range fields.keys() {
			where := at + "." + key + "." + f
			v, isString := asString(fields[f])
			if _, isNumber := asNumber(fields[f]); !isString && !(key == "query" && isNumber) {
				c.errorf(requestsFile, "%s: %s is not a string", where, apppkg.Brief(fields[f]))
				continue
			}
			if strings.Contains(f, "<%") {
				c.errorf(requestsFile, "%s: a substitution in a name: substitutions go only in values", where)
			}
			if key == "headers" && strings.EqualFold(f, "Content-Type") {
				if mt, _, err := mime.ParseMediaType(v); err != nil || !slices.Contains(contentTypes, mt) {
					c.errorf(requestsFile, "%s: %q is not a content type the request method sends (%s)", where, v, strings.Join(contentTypes, ", "))
				}
			}
			c.substitutions(where, v, key == "headers", oauth)
		}
	}
}

// host checks a schema's host: required, a domain name with neither
// protocol, nor path, nor trailing slash, not an IP address ([guide];
// [p3]), its substitutions only non-secure iparams.
func (c *checker) host(at string, raw json.RawMessage) {
	at += ".host"
	s, ok := asString(raw)
	literal := substitution.ReplaceAllString(s, "x")
	switch {
	case raw == nil:
		c.errorf(requestsFile, "%s: missing: the domain name the request goes to, such as api.example.com", at)
		return
	case !ok || strings.TrimSpace(s) == "":
		c.errorf(requestsFile, "%s: %s is not a domain name", at, apppkg.Brief(raw))
		return
	case strings.Contains(literal, "://"):
		c.errorf(requestsFile, "%s: %q: write the domain name without the protocol (https:// goes in protocol)", at, s)
	case strings.HasSuffix(literal, "/"):
		c.errorf(requestsFile, "%s: %q: write the domain name without a trailing slash", at, s)
	case strings.Contains(literal, "/"):
		c.errorf(requestsFile, "%s: %q: a host has no path: put it in path", at, s)
	}
	if _, err := netip.ParseAddr(strings.Trim(literal, "[]")); err == nil {
		c.errorf(requestsFile, "%s: %q is an IP address: the request method takes only domain names", at, s)
	}
	c.substitutions(at, s, false, false)
}

// substitutions checks the template substitutions of one value at where
// ([guide] "Variable limitations"): every iparam is one of iparams.json;
// secure iparams only in headers; context not in host, which takes it
// only on installation pages and in serverless code ([p3]); access_token
// only in headers of an OAuth request.
func (c *checker) substitutions(where, s string, header, oauth bool) {
	host := strings.HasSuffix(where, ".host")
	rest := substitution.ReplaceAllString(s, "")
	if strings.Contains(rest, "<%") || strings.Contains(rest, "%>") {
		c.errorf(requestsFile, "%s: %q: a substitution is written <%%= … %%>", where, s)
	}
	for _, sub := range substitution.FindAllString(s, -1) {
		if !strings.HasPrefix(sub, "<%=") {
			c.errorf(requestsFile, "%s: %s: a substitution is written <%%= … %%>, with =", where, sub)
			continue
		}
		vars := variable.FindAllStringSubmatch(sub, -1)
		if len(vars) == 0 {
			c.warnf(requestsFile, "%s: %s names no iparam.NAME, context.NAME or access_token", where, sub)
		}
		for _, v := range vars {
			switch kind, name := v[1], v[2]; {
			case kind == "" && (!header || !oauth):
				c.errorf(requestsFile, "%s: access_token goes only in the headers of a template with \"isOAuth\": true", where)
			case kind == "context" && host:
				c.warnf(requestsFile, "%s: context.%s: a host takes context only for installation-page and serverless requests; the app's pages get the host from an iparam", where, name)
			case kind == "iparam" && c.params != nil:
				secure, ok := c.params[name]
				switch {
				case !ok:
					c.errorf(requestsFile, "%s: iparam.%s is not in %s", where, name, iparamsFile)
				case secure && !header:
					c.errorf(requestsFile, "%s: iparam.%s is secure: secure iparams go only in headers", where, name)
				}
			}
		}
	}
}

// options checks a template's options and returns whether it is an OAuth
// request.
func (c *checker) options(name string, raw json.RawMessage) (oauth bool) {
	at := name + ".options"
	opts, ok := asObject(raw)
	if !ok {
		c.errorf(requestsFile, "%s: %s is not an object", at, apppkg.Brief(raw))
		return false
	}
	for _, key := range opts.keys() {
		v := opts[key]
		n, isNumber := asNumber(v)
		switch key {
		case "maxAttempts":
			if !isNumber || n != float64(int(n)) || n < 1 || n > maxAttemptsLimit {
				c.errorf(requestsFile, "%s.maxAttempts: %s is not a whole number from 1 to %d", at, apppkg.Brief(v), maxAttemptsLimit)
			}
		case "retryDelay":
			if !isNumber || n < 0 || n > maxRetryDelay || n != float64(int(n)) || int(n)%retryDelayStep != 0 {
				c.errorf(requestsFile, "%s.retryDelay: %s is not a multiple of %d milliseconds up to %d", at, apppkg.Brief(v), retryDelayStep, maxRetryDelay)
			}
		case "isOAuth":
			b, isBool := asBool(v)
			if !isBool {
				c.errorf(requestsFile, "%s.isOAuth: %s is not true or false", at, apppkg.Brief(v))
			}
			oauth = b
		default:
			c.warnf(requestsFile, "%s.%s: not an option of the request method (%s)", at, key, strings.Join(optionKeys, ", "))
		}
	}
	return oauth
}

// frontEnd checks the pages and scripts: each location's page loads the
// app client from {{{appclient}}} ([guide] "Update client JS resource";
// [p3]); no page or script names a secure iparam, which only request
// templates and serverless code receive ([guide] "Variable limitations");
// every template a script invokes is declared ([p3] "Request template not
// found").
func (c *checker) frontEnd() {
	for _, page := range slices.Compact(slices.Sorted(slices.Values(c.pages))) {
		if !bytes.Contains(c.pkg.Files[page], []byte(appClientMarker)) {
			c.errorf(page, "loads no app client: add <script src=\"%s\"></script> before the page's scripts", appClientMarker)
		}
	}
	var secure []string
	for name, s := range c.params {
		if s {
			secure = append(secure, name)
		}
	}
	slices.Sort(secure)
	for _, name := range c.paths() {
		ext := path.Ext(name)
		if ext != ".js" && ext != ".html" && ext != ".htm" {
			continue
		}
		data := c.pkg.Files[name]
		if strings.HasPrefix(name, pagesDir) {
			if bytes.Contains(data, []byte(freshClient2URL)) {
				c.warnf(name, "loads fresh_client.js from static.freshdev.io: platform 3.0 apps load %s", appClientMarker)
			}
			for _, p := range secure {
				if containsWord(data, p) {
					c.errorf(name, "names the secure iparam %s: secure iparams never reach the browser; use it in a request template's headers", p)
				}
			}
		}
		if !strings.HasPrefix(name, pagesDir) && !strings.HasPrefix(name, "server/") {
			continue
		}
		for _, m := range invoked.FindAllSubmatch(data, -1) {
			if t := string(m[1]); c.declared[t] == "" {
				c.errorf(name, "invokes the request template %s, which manifest.json does not declare", t)
			}
		}
	}
}

// layout warns about files outside an FDK app's folders (manifest.json,
// app/, config/, server/; a README), which would travel in the package.
func (c *checker) layout() {
	for _, name := range c.paths() {
		top, _, nested := strings.Cut(name, "/")
		base := path.Base(name)
		switch {
		case base == ".DS_Store" || strings.HasSuffix(base, ".zip"):
			c.warnf(name, "leave it out of the app")
		case nested && (top == "app" || top == "config" || top == "server"):
		case !nested && (name == manifestFile || strings.HasPrefix(strings.ToUpper(name), "README")):
		default:
			c.warnf(name, "not part of an FDK app (manifest.json, app/, config/, server/): leave it out of the app")
		}
	}
}

// containsWord reports whether data holds word with no letter, digit or _
// on either side, as \b…\b would match it, but in one pass of
// bytes.Index rather than a regular expression's.
func containsWord(data []byte, word string) bool {
	if word == "" {
		return false
	}
	for at := 0; ; {
		i := bytes.Index(data[at:], []byte(word))
		if i < 0 {
			return false
		}
		start, end := at+i, at+i+len(word)
		if (start == 0 || !wordByte(data[start-1])) && (end == len(data) || !wordByte(data[end])) {
			return true
		}
		at = start + 1
	}
}

// wordByte reports whether b is an ASCII letter, digit or _.
func wordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

package crm

import (
	"cmp"
	"fmt"
	"math"
	"net/mail"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/cohortdesk/cohort"
)

// The customer fields a mapping can fill: DESIGN.md's CSV contract.
const (
	FieldEmail        = "email"
	FieldExternalID   = "external_id"
	FieldName         = "name"
	FieldOrganization = "organization"
	FieldPlan         = "plan"
	FieldARR          = "arr"
	FieldLTV          = "ltv"
	FieldSignupDate   = "signup_date"
	FieldProducts     = "products"
	FieldTechLevel    = "tech_level"
)

// CustomerFields lists the customer fields in the contract's order.
var CustomerFields = []string{FieldEmail, FieldExternalID, FieldName, FieldOrganization, FieldPlan, FieldARR,
	FieldLTV, FieldSignupDate, FieldProducts, FieldTechLevel}

// Mapping says which source field fills which customer field and which
// source fields become custom attributes (customer.attrs in rules). It is
// read from YAML:
//
//	fields:                  # customer field: source field
//	  email: email
//	  external_id: id
//	  name: [firstname, lastname]   # a list: for name, the values joined by a space;
//	  signup_date: [signup_date, createdate]  # for the others, the first not empty
//	attrs:                   # attribute name: source field
//	  industry: company.industry
//	other_fields: attrs      # source fields named nowhere above: ignore (default) or attrs
//
// Values are checked as they are mapped: email must be an address, arr and
// ltv non-negative numbers, signup_date a date or time (see ParseTime);
// products are split on ";"; plan and tech_level are lowercased.
type Mapping struct {
	fields      map[string][]string // customer field → source fields
	attrs       []attrSource
	otherAttrs  bool
	namedSource map[string]bool // every source field named by fields or attrs
}

type attrSource struct{ name, source string }

// FieldError says why a record's field could not be mapped.
type FieldError struct {
	Field  string // customer field, or "" for the record as a whole
	Source string // the source field it came from
	Reason string
}

func (e *FieldError) Error() string {
	switch {
	case e.Field == "":
		return e.Reason
	case e.Source != "" && e.Source != e.Field:
		return fmt.Sprintf("%s (from %s): %s", e.Field, e.Source, e.Reason)
	default:
		return e.Field + ": " + e.Reason
	}
}

// LoadMapping reads a mapping file.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return ParseMapping(path, data)
}

// ParseMapping parses a mapping read from name; errors name the file and
// line.
func ParseMapping(name string, data []byte) (*Mapping, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &Mapping{fields: map[string][]string{}, namedSource: map[string]bool{}}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: empty mapping; want a fields: section", name)
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping with the keys fields, attrs and other_fields", name, root.Line)
	}
	errf := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "fields":
			if v.Kind != yaml.MappingNode {
				return nil, errf(v, "fields: want customer field: source field")
			}
			for j := 0; j < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				if !slices.Contains(CustomerFields, fk.Value) {
					return nil, errf(fk, "fields: %q is not a customer field (want one of %s)", fk.Value, strings.Join(CustomerFields, ", "))
				}
				var sources []string
				switch fv.Kind {
				case yaml.ScalarNode:
					sources = []string{fv.Value}
				case yaml.SequenceNode:
					for _, s := range fv.Content {
						if s.Kind != yaml.ScalarNode {
							return nil, errf(s, "fields: %s: want source field names", fk.Value)
						}
						sources = append(sources, s.Value)
					}
				default:
					return nil, errf(fv, "fields: %s: want a source field name or a list of them", fk.Value)
				}
				if len(sources) == 0 || slices.Contains(sources, "") {
					return nil, errf(fv, "fields: %s: a source field name is empty", fk.Value)
				}
				if _, dup := m.fields[fk.Value]; dup {
					return nil, errf(fk, "fields: %s is mapped twice", fk.Value)
				}
				m.fields[fk.Value] = sources
				for _, s := range sources {
					m.namedSource[s] = true
				}
			}
		case "attrs":
			if v.Kind != yaml.MappingNode {
				return nil, errf(v, "attrs: want attribute name: source field")
			}
			for j := 0; j < len(v.Content); j += 2 {
				ak, av := v.Content[j], v.Content[j+1]
				if ak.Value == "" || av.Kind != yaml.ScalarNode || av.Value == "" {
					return nil, errf(ak, "attrs: want attribute name: source field")
				}
				m.attrs = append(m.attrs, attrSource{name: ak.Value, source: av.Value})
				m.namedSource[av.Value] = true
			}
		case "other_fields":
			switch v.Value {
			case "ignore":
			case "attrs":
				m.otherAttrs = true
			default:
				return nil, errf(v, "other_fields: %q; want ignore or attrs", v.Value)
			}
		default:
			return nil, errf(k, "unknown key %q; want fields, attrs or other_fields", k.Value)
		}
	}
	if m.fields[FieldEmail] == nil && m.fields[FieldExternalID] == nil {
		return nil, fmt.Errorf("%s: fields: map email or external_id (or both); one is needed to identify customers", name)
	}
	return m, nil
}

// MustParseMapping parses a mapping compiled into the program (a source's
// default), panicking on an error, which is a bug.
func MustParseMapping(name string, data []byte) *Mapping {
	m, err := ParseMapping(name, data)
	if err != nil {
		panic(err)
	}
	return m
}

// SourceFields returns the source fields the mapping reads, sorted: what a
// source must ask its API for.
func (m *Mapping) SourceFields() []string {
	out := make([]string, 0, len(m.namedSource))
	for s := range m.namedSource {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Apply maps one record to what its source says of the customer (its
// Source left for the caller to set). A field the record has no value for
// stays empty, and for ARR and LTV not given (HasARR, HasLTV). It fails
// with a *FieldError when a value breaks the contract or the record has
// neither email nor external id.
func (m *Mapping) Apply(r *cohort.SourceRecord) (cohort.CustomerRecord, error) {
	var rec cohort.CustomerRecord
	c := &rec.Customer
	for _, field := range CustomerFields {
		sources := m.fields[field]
		if sources == nil {
			continue
		}
		v, from := m.value(r, field, sources)
		if v == "" {
			continue
		}
		if problem := TextProblem(v); problem != "" {
			return cohort.CustomerRecord{}, &FieldError{Field: field, Source: from, Reason: problem}
		}
		if err := setField(c, field, v); err != "" {
			return cohort.CustomerRecord{}, &FieldError{Field: field, Source: from, Reason: err}
		}
		rec.HasARR = rec.HasARR || field == FieldARR
		rec.HasLTV = rec.HasLTV || field == FieldLTV
	}
	for _, a := range m.attrs {
		if v := strings.TrimSpace(r.Fields[a.source]); v != "" {
			if problem := TextProblem(v); problem != "" {
				return cohort.CustomerRecord{}, &FieldError{Field: "attrs." + a.name, Source: a.source, Reason: problem}
			}
			setAttr(c, a.name, v)
		}
	}
	if m.otherAttrs {
		for k, v := range r.Fields {
			if v = strings.TrimSpace(v); v != "" && !m.namedSource[k] {
				if problem := cmp.Or(TextProblem(k), TextProblem(v)); problem != "" {
					return cohort.CustomerRecord{}, &FieldError{Field: "attrs." + k, Reason: problem}
				}
				setAttr(c, k, v)
			}
		}
	}
	if c.Email == "" && c.ExternalID == "" {
		return cohort.CustomerRecord{}, &FieldError{Reason: "needs an email or an external_id"}
	}
	return rec, nil
}

// KeySources returns the source fields that email and external_id come
// from: a source must have at least one of them.
func (m *Mapping) KeySources() []string {
	return append(slices.Clone(m.fields[FieldEmail]), m.fields[FieldExternalID]...)
}

// Keys returns the email (lowercased) and external id that record r maps
// to, without checking its other fields: enough to find the customer of a
// record the source reports deleted.
func (m *Mapping) Keys(r *cohort.SourceRecord) (email, externalID string) {
	if sources := m.fields[FieldEmail]; sources != nil {
		email, _ = m.value(r, FieldEmail, sources)
	}
	if sources := m.fields[FieldExternalID]; sources != nil {
		externalID, _ = m.value(r, FieldExternalID, sources)
	}
	return strings.ToLower(email), externalID
}

// value returns the text a customer field gets from its source fields, and
// the source field it came from.
func (m *Mapping) value(r *cohort.SourceRecord, field string, sources []string) (string, string) {
	if field == FieldName && len(sources) > 1 {
		var parts []string
		for _, s := range sources {
			if v := strings.TrimSpace(r.Fields[s]); v != "" {
				parts = append(parts, v)
			}
		}
		return strings.Join(parts, " "), strings.Join(sources, "+")
	}
	for _, s := range sources {
		if v := strings.TrimSpace(r.Fields[s]); v != "" {
			return v, s
		}
	}
	return "", ""
}

// TextProblem says what keeps v from being stored as text, "" when
// nothing does: a NUL character (PostgreSQL's text cannot hold one) or
// bytes that are not UTF-8. A record with such a value is rejected, on
// every engine alike, rather than stored changed.
func TextProblem(v string) string {
	switch {
	case !utf8.ValidString(v):
		return "is not valid UTF-8 text (save the file as UTF-8)"
	case strings.IndexByte(v, 0) >= 0:
		return "holds a NUL character"
	}
	return ""
}

// plainAddress reports whether v is an email address of the plain kind
// (local@domain, letters, digits and . _ % + - only, no dot first, last or
// twice in a row on either side), which net/mail.ParseAddress accepts as
// it is: checking that costs a fraction of parsing it.
func plainAddress(v string) bool {
	at := strings.IndexByte(v, '@')
	return at > 0 && dotAtom(v[:at], "._%+-") && dotAtom(v[at+1:], ".-")
}

// dotAtom reports whether s is not empty and has only letters, digits
// and the bytes in extra, with no dot first, last or twice in a row.
func dotAtom(s, extra string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

func setAttr(c *cohort.Customer, name, v string) {
	if c.Attrs == nil {
		c.Attrs = map[string]string{}
	}
	c.Attrs[name] = v
}

// setField parses v into c's field, returning why it cannot.
func setField(c *cohort.Customer, field, v string) string {
	switch field {
	case FieldEmail:
		if !plainAddress(v) {
			addr, err := mail.ParseAddress(v)
			if err != nil || addr.Address != v {
				return fmt.Sprintf("%q is not an email address", v)
			}
		}
		c.Email = strings.ToLower(v)
	case FieldExternalID:
		c.ExternalID = v
	case FieldName:
		c.Name = v
	case FieldOrganization:
		c.Organization = v
	case FieldPlan:
		c.Plan = strings.ToLower(v)
	case FieldARR, FieldLTV:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || math.IsNaN(n) || math.IsInf(n, 0) {
			return fmt.Sprintf("%q is not a non-negative number", v)
		}
		if field == FieldARR {
			c.ARR = n
		} else {
			c.LTV = n
		}
	case FieldSignupDate:
		t, err := time.Parse(time.DateOnly, v) // the usual form, tried first: ParseTime tries it fourth
		ok := err == nil
		if ok {
			t = t.UTC()
		} else {
			t, ok = ParseTime(v)
		}
		if !ok {
			return fmt.Sprintf("%q is not a date (YYYY-MM-DD) or a time", v)
		}
		c.SignupDate = t
	case FieldProducts:
		for p := range strings.SplitSeq(v, ";") {
			if p = strings.TrimSpace(p); p != "" {
				c.Products = append(c.Products, p)
			}
		}
	case FieldTechLevel:
		c.TechLevel = strings.ToLower(v)
	}
	return ""
}

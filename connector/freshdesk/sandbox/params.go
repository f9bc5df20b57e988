package sandbox

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Pagination (§10.7): page is 1-based, per_page defaults to 30, at most 100.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// timeFormat is Freshdesk's timestamp format: ISO 8601 UTC with seconds.
const timeFormat = "2006-01-02T15:04:05Z"

// paging reads page and per_page.
func paging(q url.Values) (page, perPage int, err error) {
	var v validation
	page, perPage = 1, defaultPerPage
	if s := q.Get("page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 {
			v.add("page", codeInvalidValue, "It should be a Positive Integer")
		} else {
			page = n
		}
	}
	if s := q.Get("per_page"); s != "" {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > maxPerPage {
			v.add("per_page", codeInvalidValue, "It should be a Positive Integer less than or equal to %d", maxPerPage)
		} else {
			perPage = n
		}
	}
	return page, perPage, v.err()
}

// writePage answers one page of items (already filtered and ordered) as a
// JSON array, with a Link rel="next" header when a page follows (§10.7).
// base is the account's URL (baseURLLocked).
func writePage(w http.ResponseWriter, r *http.Request, base string, items []any, page, perPage int) {
	from := min((page-1)*perPage, len(items))
	to := min(from+perPage, len(items))
	if to < len(items) {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(page+1))
		q.Set("per_page", strconv.Itoa(perPage))
		w.Header().Set("Link", "<"+base+r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	page1 := items[from:to]
	if page1 == nil {
		page1 = []any{}
	}
	writeJSON(w, http.StatusOK, page1)
}

// parseSince reads an ISO 8601 time filter such as updated_since.
func parseSince(q url.Values, name string) (time.Time, bool, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, false, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, errValidation(name, codeInvalidValue, "It should be in the 'combined date and time ISO8601' format")
}

// pathID reads the {name} path value as a positive id; anything else is
// not found.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// body is a request's JSON object, read field by field with Freshdesk's
// validation errors collected in v.
type body struct {
	m map[string]any
	v validation
}

// only adds an invalid_field error for each key not in allowed.
func (b *body) only(allowed ...string) {
	for _, k := range sortedKeys(b.m) {
		if !slices.Contains(allowed, k) {
			b.v.add(k, codeInvalidField, "Unexpected/invalid field in request")
		}
	}
}

func (b *body) has(key string) bool { _, ok := b.m[key]; return ok }

// typeName names a JSON value's type as Freshdesk's messages do.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "Null"
	case string:
		return "String"
	case bool:
		return "Boolean"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "Integer"
		}
		return "Number"
	case []any:
		return "Array"
	}
	return "key/value pair"
}

func (b *body) mismatch(key, want string, got any) {
	b.v.add(key, codeDatatypeMismatch, "Value set is of type %s.It should be a/an %s", typeName(got), want)
}

// str reads a string field into *dst, reporting whether it was present.
func (b *body) str(key string, dst *string) bool {
	raw, ok := b.m[key]
	if !ok {
		return false
	}
	s, isStr := raw.(string)
	if !isStr {
		b.mismatch(key, "String", raw)
		return false
	}
	*dst = s
	return true
}

// integer reads an integer field; null is reported as present with ok
// false in null.
func (b *body) integer(key string, dst *int64) (present, null bool) {
	raw, ok := b.m[key]
	if !ok {
		return false, false
	}
	if raw == nil {
		return true, true
	}
	n, isNum := raw.(json.Number)
	i, err := n.Int64()
	if !isNum || err != nil {
		b.mismatch(key, "Integer", raw)
		return false, false
	}
	*dst = i
	return true, false
}

func (b *body) boolean(key string, dst *bool) bool {
	raw, ok := b.m[key]
	if !ok {
		return false
	}
	v, isBool := raw.(bool)
	if !isBool {
		b.mismatch(key, "Boolean", raw)
		return false
	}
	*dst = v
	return true
}

// strings reads an array of strings.
func (b *body) strings(key string, dst *[]string) bool {
	raw, ok := b.m[key]
	if !ok {
		return false
	}
	arr, isArr := raw.([]any)
	if !isArr {
		b.mismatch(key, "Array", raw)
		return false
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, isStr := e.(string)
		if !isStr {
			b.v.add(key, codeDatatypeMismatch, "It should contain elements of type String only")
			return false
		}
		out = append(out, s)
	}
	*dst = out
	return true
}

// object reads a JSON object.
func (b *body) object(key string) (map[string]any, bool) {
	raw, ok := b.m[key]
	if !ok {
		return nil, false
	}
	m, isObj := raw.(map[string]any)
	if !isObj {
		b.mismatch(key, "key/value pair", raw)
		return nil, false
	}
	return m, true
}

// plainJSON turns json.Number values into int64 or float64 for storing.
func plainJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = plainJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plainJSON(e)
		}
		return out
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var tagPattern = regexp.MustCompile(`<[^>]*>`)

// htmlText is the text of an HTML body, as Freshdesk's *_text fields.
func htmlText(s string) string {
	s = strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "</p>", "\n", "</div>", "\n").Replace(s)
	return strings.TrimSpace(html.UnescapeString(tagPattern.ReplaceAllString(s, "")))
}

// fmtTime formats a time as Freshdesk does; the zero time is null.
func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

// idOrNull returns nil for 0.
func idOrNull(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func errorf(format string, args ...any) error { return fmt.Errorf("sandbox: "+format, args...) }

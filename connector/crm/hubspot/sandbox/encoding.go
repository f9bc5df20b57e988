package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// flexString is a JSON string, number or boolean read as text: clients
// send ids, limits and filter values either way.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		*f = ""
	case string:
		*f = flexString(v)
	case json.Number:
		*f = flexString(v.String())
	case bool:
		*f = flexString(strconv.FormatBool(v))
	default:
		return errors.New("want a string or a number")
	}
	return nil
}

// parseTime reads a datetime as HubSpot accepts it: milliseconds since the
// epoch, ISO-8601 with or without fractional seconds, or a date.
func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// encodeCursor makes the opaque paging cursor that resumes after id: the
// id base64-encoded and then URL-escaped, as in HubSpot's own example
// ("NTI1Cg%3D%3D" for 525).
func encodeCursor(id int64) string {
	return url.QueryEscape(base64.URLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + "\n")))
}

// decodeCursor reads a cursor made by encodeCursor, whether the client
// sent it as received or unescaped it first; "" starts from the beginning.
func decodeCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	raw := s
	if strings.Contains(s, "%") {
		if u, err := url.QueryUnescape(s); err == nil {
			s = u
		}
	}
	b, err := base64.URLEncoding.DecodeString(s)
	if err != nil {
		b, err = base64.StdEncoding.DecodeString(s)
	}
	id, perr := strconv.ParseInt(strings.TrimSuffix(string(b), "\n"), 10, 64)
	if err != nil || perr != nil || id < 0 {
		return 0, errInvalid("after %q is not a valid paging cursor; pass paging.next.after from the previous page", raw)
	}
	return id, nil
}

// paging is the paging object of list and search responses, absent on the
// last page.
type paging struct {
	Next pagingNext `json:"next"`
}

type pagingNext struct {
	After string `json:"after"`
	Link  string `json:"link,omitempty"`
}

// apiObject is an object as the API writes it
// (SimplePublicObjectWithAssociations).
type apiObject struct {
	ID           string                         `json:"id"`
	Properties   map[string]*string             `json:"properties"`
	CreatedAt    string                         `json:"createdAt"`
	UpdatedAt    string                         `json:"updatedAt"`
	Archived     bool                           `json:"archived"`
	ArchivedAt   string                         `json:"archivedAt,omitempty"`
	Associations map[string]*inlineAssociations `json:"associations,omitempty"`
}

// inlineAssociations are the associated ids a v3 list or read includes.
type inlineAssociations struct {
	Results []inlineAssociation `json:"results"`
}

type inlineAssociation struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// defaultProperties are the properties returned when a request names none
// (the search defaults, §1.5; the same for lists and reads).
var defaultProperties = map[ObjectType][]string{
	Contacts:  {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
	Companies: {"name", "domain", "createdate", "hs_lastmodifieddate", "hs_object_id"},
}

// propertyNames reads the properties a request asks for, given once
// comma-separated or repeated, or both; nil when it names none.
func propertyNames(values []string) []string {
	var out []string
	for _, v := range values {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// properties renders the named properties of a version of an object:
// unknown names are left out, known but unset ones are null.
func (st *store) properties(t ObjectType, props map[string]string, names []string) map[string]*string {
	if len(names) == 0 {
		names = defaultProperties[t]
	}
	out := make(map[string]*string, len(names))
	for _, name := range names {
		if _, ok := st.props[t].get(name); !ok {
			continue
		}
		if v, ok := props[name]; ok {
			out[name] = &v
		} else {
			out[name] = nil
		}
	}
	return out
}

// render writes o with the named properties and, for each type in assoc,
// its associated ids.
func (st *store) render(o *object, names []string, assoc []ObjectType) apiObject {
	a := apiObject{
		ID:         o.idString(),
		Properties: st.properties(o.typ, o.props, names),
		CreatedAt:  formatTime(o.createdAt),
		UpdatedAt:  formatTime(o.updatedAt),
		Archived:   o.archived,
	}
	if o.archived {
		a.ArchivedAt = formatTime(o.archivedAt)
	}
	for _, to := range assoc {
		var items []inlineAssociation
		for _, tg := range st.targets(o, to) {
			name := o.typ.singular() + "_to_" + to.singular()
			if tg.primary {
				items = append(items, inlineAssociation{ID: tg.obj.idString(), Type: name})
			}
			items = append(items, inlineAssociation{ID: tg.obj.idString(), Type: name + "_unlabeled"})
		}
		if len(items) > 0 {
			if a.Associations == nil {
				a.Associations = map[string]*inlineAssociations{}
			}
			a.Associations[string(to)] = &inlineAssociations{Results: items}
		}
	}
	return a
}

// associationTypes reads the associations query parameter: the known
// types other than t, unknown ones ignored.
func associationTypes(t ObjectType, values []string) []ObjectType {
	var out []ObjectType
	for _, name := range propertyNames(values) {
		if to, err := parseObjectType(name); err == nil && to != t && !slices.Contains(out, to) {
			out = append(out, to)
		}
	}
	return out
}

package sandbox

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// fieldTypes are the custom field types Zendesk creates for users and
// organizations.
var fieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "lookup", "multiselect"}

// fieldKey is the form of a field key: the name of the field's value in
// user_fields or organization_fields.
var fieldKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// mergeFields returns a copy of a user's or organization's field values
// with values written over them (a nil value clears its field): the map an
// edit stores, never nil.
func mergeFields(old, values map[string]any) map[string]any {
	merged := maps.Clone(old)
	if merged == nil {
		merged = make(map[string]any)
	}
	maps.Copy(merged, values)
	return merged
}

// fieldDef is a user field or organization field definition. The values
// users and organizations carry are not checked against them.
type fieldDef struct {
	id          int64
	key         string
	typ         string
	title       string
	description string
	active      bool
	position    int
	options     []fieldOption
	createdAt   time.Time
	updatedAt   time.Time
}

// fieldOption is an option of a dropdown or multiselect field.
type fieldOption struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	RawName  string `json:"raw_name"`
	Value    string `json:"value"`
	Position int    `json:"position"`
}

// fieldJSON is a field definition as Zendesk serializes it (fixture
// GET/user_fields.json).
type fieldJSON struct {
	URL                 string        `json:"url"`
	ID                  int64         `json:"id"`
	Type                string        `json:"type"`
	Key                 string        `json:"key"`
	Title               string        `json:"title"`
	RawTitle            string        `json:"raw_title"`
	Description         string        `json:"description"`
	RawDescription      string        `json:"raw_description"`
	Position            int           `json:"position"`
	Active              bool          `json:"active"`
	System              bool          `json:"system"`
	RegexpForValidation *string       `json:"regexp_for_validation"`
	CustomFieldOptions  []fieldOption `json:"custom_field_options,omitempty"`
	CreatedAt           string        `json:"created_at"`
	UpdatedAt           string        `json:"updated_at"`
}

// fieldInput holds the writable properties of a field definition;
// go-zendesk's zero timestamps and ids are ignored.
type fieldInput struct {
	Key                string `json:"key"`
	Type               string `json:"type"`
	Title              string `json:"title"`
	Description        string `json:"description"`
	Active             *bool  `json:"active"`
	Position           int    `json:"position"`
	CustomFieldOptions []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"custom_field_options"`
}

// fieldKind tells user fields from organization fields: their JSON names,
// path and definitions.
type fieldKind struct {
	plural, singular string // "user_fields", "user_field"
	defs             func(s *Server) *[]*fieldDef
}

var (
	userFieldKind = fieldKind{"user_fields", "user_field", func(s *Server) *[]*fieldDef { return &s.userFields }}
	orgFieldKind  = fieldKind{"organization_fields", "organization_field", func(s *Server) *[]*fieldDef { return &s.orgFields }}
)

func (s *Server) fieldView(k fieldKind, f *fieldDef) fieldJSON {
	return fieldJSON{
		URL:                s.apiURL("%s/%d.json", k.plural, f.id),
		ID:                 f.id,
		Type:               f.typ,
		Key:                f.key,
		Title:              f.title,
		RawTitle:           f.title,
		Description:        f.description,
		RawDescription:     f.description,
		Position:           f.position,
		Active:             f.active,
		CustomFieldOptions: slices.Clone(f.options),
		CreatedAt:          formatTime(f.createdAt),
		UpdatedAt:          formatTime(f.updatedAt),
	}
}

// listUserFields emulates GET /api/v2/user_fields.
func (s *Server) listUserFields(w http.ResponseWriter, r *http.Request) error {
	return s.listFields(w, r, userFieldKind)
}

// listOrganizationFields emulates GET /api/v2/organization_fields.
func (s *Server) listOrganizationFields(w http.ResponseWriter, r *http.Request) error {
	return s.listFields(w, r, orgFieldKind)
}

// createUserField emulates POST /api/v2/user_fields.
func (s *Server) createUserField(w http.ResponseWriter, r *http.Request) error {
	return s.createField(w, r, userFieldKind)
}

// createOrganizationField emulates POST /api/v2/organization_fields.
func (s *Server) createOrganizationField(w http.ResponseWriter, r *http.Request) error {
	return s.createField(w, r, orgFieldKind)
}

// listFields answers the definitions of kind by position, with
// cursor (page[size]) or offset pagination.
func (s *Server) listFields(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	s.mu.Lock()
	defs := slices.Clone(*k.defs(s))
	slices.SortStableFunc(defs, func(a, b *fieldDef) int { return cmp.Compare(a.position, b.position) })
	views := make([]fieldJSON, 0, len(defs))
	for _, f := range defs {
		views = append(views, s.fieldView(k, f))
	}
	s.mu.Unlock()
	return writeList(w, r, k.plural, views, func(v fieldJSON) string { return strconv.FormatInt(v.ID, 10) })
}

// createField stores a new definition of kind: key, title and type are
// checked, and keys are unique within the kind. New fields go last.
func (s *Server) createField(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	var body map[string]*fieldInput
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	in := body[k.singular]
	switch {
	case in == nil:
		return errBadRequest("%s is required", k.singular)
	case !fieldKey.MatchString(in.Key):
		return errInvalid("key", "Key: must be letters, digits and underscores, not %q", in.Key)
	case in.Title == "":
		return errInvalid("title", "Title: cannot be blank")
	case in.Type == "":
		in.Type = "text"
	}
	if !slices.Contains(fieldTypes, in.Type) {
		return errInvalid("type", "Type: %q is not a field type", in.Type)
	}
	s.mu.Lock()
	defs := k.defs(s)
	if slices.ContainsFunc(*defs, func(f *fieldDef) bool { return f.key == in.Key }) {
		s.mu.Unlock()
		return errInvalid("key", "Key: has already been taken")
	}
	now := s.now()
	f := &fieldDef{id: s.nextID(), key: in.Key, typ: in.Type, title: in.Title, description: in.Description,
		active: in.Active == nil || *in.Active, position: in.Position, createdAt: now, updatedAt: now}
	if f.position == 0 {
		f.position = len(*defs) + 1
	}
	for i, o := range in.CustomFieldOptions {
		f.options = append(f.options, fieldOption{ID: s.nextID(), Name: o.Name, RawName: o.Name, Value: o.Value, Position: i})
	}
	*defs = append(*defs, f)
	view := s.fieldView(k, f)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{k.singular: view})
	return nil
}

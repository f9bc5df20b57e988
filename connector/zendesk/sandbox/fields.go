package sandbox

import (
	"cmp"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// fieldTypes are the custom field types Zendesk creates for users and
// organizations; ticketFieldTypes those it creates for tickets (the
// reference sheet's §2.6).
var (
	fieldTypes       = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "dropdown", "lookup", "multiselect"}
	ticketFieldTypes = []string{"text", "textarea", "checkbox", "date", "integer", "decimal", "regexp", "partialcreditcard", "tagger", "lookup", "multiselect"}
)

// systemTicketFields are the ticket fields every account has, by type and
// title; tickets show them as properties, not in custom_fields.
var systemTicketFields = [][2]string{{"subject", "Subject"}, {"description", "Description"}, {"status", "Status"},
	{"tickettype", "Type"}, {"priority", "Priority"}, {"group", "Group"}, {"assignee", "Assignee"}}

// fieldKey is the form of a field key: the name of the field's value in
// user_fields or organization_fields.
var fieldKey = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// mergeFields returns a copy of old (a user's or organization's field
// values, an installation's settings) with values written over them (a nil
// value clears its field): the map an edit stores, never nil.
// mergeFields(nil, m) is a copy of m.
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
	system      bool // a ticket field every account has
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
	Key                 string        `json:"key,omitempty"`
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
	Key                string             `json:"key"`
	Type               string             `json:"type"`
	Title              string             `json:"title"`
	Description        string             `json:"description"`
	Active             *bool              `json:"active"`
	Position           int                `json:"position"`
	CustomFieldOptions []fieldOptionInput `json:"custom_field_options"`
}

// fieldOptionInput is an option of a dropdown or multiselect field given
// on create or update.
type fieldOptionInput struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// option returns the field option o gives, with id, at position.
func (o fieldOptionInput) option(id int64, position int) fieldOption {
	return fieldOption{ID: id, Name: o.Name, RawName: o.Name, Value: o.Value, Position: position}
}

// fieldKind tells user, organization and ticket fields apart: their JSON
// names, path, definitions, the types they take and whether they have a
// key (ticket fields have none: tickets name them by id).
type fieldKind struct {
	plural, singular string // "user_fields", "user_field"
	defs             func(s *Server) *[]*fieldDef
	types            []string
	keyed            bool
}

var (
	userFieldKind   = fieldKind{"user_fields", "user_field", func(s *Server) *[]*fieldDef { return &s.userFields }, fieldTypes, true}
	orgFieldKind    = fieldKind{"organization_fields", "organization_field", func(s *Server) *[]*fieldDef { return &s.orgFields }, fieldTypes, true}
	ticketFieldKind = fieldKind{"ticket_fields", "ticket_field", func(s *Server) *[]*fieldDef { return &s.ticketFields }, ticketFieldTypes, false}
)

// addSystemTicketFields gives a new account its system ticket fields.
func (s *Server) addSystemTicketFields(now time.Time) {
	for i, f := range systemTicketFields {
		s.ticketFields = append(s.ticketFields, &fieldDef{id: s.nextID(), typ: f[0], title: f[1], active: true, system: true,
			position: i + 1, createdAt: now, updatedAt: now})
	}
}

// customFieldsOf is t's custom_fields: every custom ticket field of the
// account, with t's value or null, and the values t holds for fields not
// defined, by id. s.mu must be held.
func (s *Server) customFieldsOf(t *ticket) []customField {
	out := slices.Clone(t.customFields)
	for _, f := range s.ticketFields {
		if _, ok := t.customFieldValue(f.id); !ok && !f.system {
			out = append(out, customField{ID: f.id})
		}
	}
	slices.SortFunc(out, func(a, b customField) int { return cmp.Compare(a.ID, b.ID) })
	return nonNil(out)
}

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
		System:             f.system,
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

// listTicketFields emulates GET /api/v2/ticket_fields.
func (s *Server) listTicketFields(w http.ResponseWriter, r *http.Request) error {
	return s.listFields(w, r, ticketFieldKind)
}

// createTicketField emulates POST /api/v2/ticket_fields.
func (s *Server) createTicketField(w http.ResponseWriter, r *http.Request) error {
	return s.createField(w, r, ticketFieldKind)
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
	return writeList(w, r, k.plural, views, func(v fieldJSON) string { return orderKey(v.Position, v.ID) })
}

// createField emulates the POST of a definition of kind.
func (s *Server) createField(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	var body map[string]*fieldInput
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	in := body[k.singular]
	if in == nil {
		return errBadRequest("%s is required", k.singular)
	}
	s.mu.Lock()
	f, err := s.createFieldLocked(k, in)
	var view fieldJSON
	if err == nil {
		view = s.fieldView(k, f)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{k.singular: view})
	return nil
}

// createFieldLocked stores a new definition of kind: key, title and type
// are checked, and keys are unique within the kind. New fields go last.
// s.mu must be held.
func (s *Server) createFieldLocked(k fieldKind, in *fieldInput) (*fieldDef, error) {
	switch {
	case k.keyed && !fieldKey.MatchString(in.Key):
		return nil, errInvalid("key", "Key: must be letters, digits and underscores, not %q", in.Key)
	case in.Title == "":
		return nil, errInvalid("title", "Title: cannot be blank")
	case in.Type == "":
		in.Type = "text"
	}
	if !slices.Contains(k.types, in.Type) {
		return nil, errInvalid("type", "Type: %q is not a field type", in.Type)
	}
	defs := k.defs(s)
	if k.keyed && slices.ContainsFunc(*defs, func(f *fieldDef) bool { return f.key == in.Key }) {
		return nil, errInvalid("key", "Key: has already been taken")
	}
	now := s.now()
	f := &fieldDef{id: s.nextID(), key: in.Key, typ: in.Type, title: in.Title, description: in.Description,
		active: in.Active == nil || *in.Active, position: in.Position, createdAt: now, updatedAt: now}
	if f.position == 0 {
		f.position = len(*defs) + 1
	}
	for i, o := range in.CustomFieldOptions {
		f.options = append(f.options, o.option(s.nextID(), i))
	}
	*defs = append(*defs, f)
	return f, nil
}

// showTicketField emulates GET /api/v2/ticket_fields/{id}.
func (s *Server) showTicketField(w http.ResponseWriter, r *http.Request) error {
	return s.showField(w, r, ticketFieldKind)
}

// showUserField emulates GET /api/v2/user_fields/{id}.
func (s *Server) showUserField(w http.ResponseWriter, r *http.Request) error {
	return s.showField(w, r, userFieldKind)
}

// showField answers the definition of kind with the path's id.
func (s *Server) showField(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fieldLocked(k, id)
	if f == nil {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{k.singular: s.fieldView(k, f)})
	return nil
}

// fieldLocked returns the definition of kind with id, or nil. s.mu must be
// held.
func (s *Server) fieldLocked(k fieldKind, id int64) *fieldDef {
	defs := *k.defs(s)
	if i := slices.IndexFunc(defs, func(f *fieldDef) bool { return f.id == id }); i >= 0 {
		return defs[i]
	}
	return nil
}

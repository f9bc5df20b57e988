package sandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// TicketField is a ticket field definition (§10.2: GET /ticket_fields,
// admin CRUD under /admin/ticket_fields). Custom fields are named cf_ and
// their label in snake case, the key of a ticket's custom_fields; Choices
// are a dropdown's values.
type TicketField struct {
	ID                  int64     `json:"id"`
	Name                string    `json:"name"`
	Label               string    `json:"label"`
	LabelForCustomers   string    `json:"label_for_customers"`
	Description         string    `json:"description,omitempty"`
	Type                string    `json:"type"`
	Default             bool      `json:"default"`
	Position            int       `json:"position"`
	RequiredForClosure  bool      `json:"required_for_closure"`
	RequiredForAgents   bool      `json:"required_for_agents"`
	CustomersCanEdit    bool      `json:"customers_can_edit"`
	DisplayedToCustomer bool      `json:"displayed_to_customers"`
	Choices             []string  `json:"choices,omitempty"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// defaultTicketTypes are the choices of a new account's ticket type
// (UNCONFIRMED: Freshdesk's documented defaults, not in the sheets).
var defaultTicketTypes = []string{"Question", "Incident", "Problem", "Feature Request", "Refund"}

// customTypes are the types of custom fields the sandbox accepts and
// checks values of (UNCONFIRMED names, recalled from Freshdesk's docs).
var customTypes = []string{"custom_text", "custom_paragraph", "custom_checkbox", "custom_number", "custom_decimal", "custom_date", "custom_dropdown"}

func (s *Server) addDefaultFieldsLocked(now time.Time) {
	for i, name := range []string{"requester", "subject", "ticket_type", "source", "status", "priority", "group", "agent", "product", "description", "company"} {
		f := &TicketField{
			ID: s.nextID(), Name: name, Label: strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " "),
			Type: "default_" + name, Default: true, Position: i + 1, CreatedAt: now, UpdatedAt: now,
			DisplayedToCustomer: true,
		}
		f.LabelForCustomers = f.Label
		if name == "ticket_type" {
			f.Label, f.LabelForCustomers, f.Choices = "Type", "Type", slices.Clone(defaultTicketTypes)
		}
		s.fields = append(s.fields, f)
	}
}

// typeChoicesLocked returns the ticket types. s.mu must be held.
func (s *Server) typeChoicesLocked() []string {
	for _, f := range s.fields {
		if f.Name == "ticket_type" {
			return f.Choices
		}
	}
	return nil
}

func fieldView(f *TicketField) map[string]any {
	v := map[string]any{
		"id": f.ID, "name": f.Name, "label": f.Label, "label_for_customers": f.LabelForCustomers,
		"description": nullIfEmpty(f.Description), "type": f.Type, "default": f.Default, "position": f.Position,
		"required_for_closure": f.RequiredForClosure, "required_for_agents": f.RequiredForAgents,
		"required_for_customers": false, "customers_can_edit": f.CustomersCanEdit,
		"displayed_to_customers": f.DisplayedToCustomer,
		"created_at":             fmtTime(f.CreatedAt), "updated_at": fmtTime(f.UpdatedAt),
	}
	if f.Choices != nil {
		v["choices"] = f.Choices
	}
	return v
}

// checkCustomFieldsLocked checks a ticket's custom_fields against the
// custom ticket fields: an unknown key is an invalid_field, a value of the
// wrong type a datatype_mismatch, a dropdown value not among its choices
// an invalid_value; null clears a value. It returns the values to merge.
func (s *Server) checkCustomFieldsLocked(b *body, custom map[string]any) map[string]any {
	out := map[string]any{}
	for _, key := range sortedKeys(custom) {
		raw := custom[key]
		i := slices.IndexFunc(s.fields, func(f *TicketField) bool { return !f.Default && f.Name == key })
		if i < 0 {
			b.v.add(key, codeInvalidField, "Unexpected/invalid field in request")
			continue
		}
		f := s.fields[i]
		if raw == nil {
			out[key] = nil
			continue
		}
		ok := true
		want := "String"
		switch f.Type {
		case "custom_checkbox":
			_, ok = raw.(bool)
			want = "Boolean"
		case "custom_number":
			n, isNum := raw.(json.Number)
			_, err := n.Int64()
			ok, want = isNum && err == nil, "Integer"
		case "custom_decimal":
			_, ok = raw.(json.Number)
			want = "Number"
		default:
			_, ok = raw.(string)
		}
		if !ok {
			b.v.add(key, codeDatatypeMismatch, "Value set is of type %s.It should be a/an %s", typeName(raw), want)
			continue
		}
		switch str, _ := raw.(string); f.Type {
		case "custom_dropdown":
			if !slices.Contains(f.Choices, str) {
				b.v.add(key, codeInvalidValue, "It should be one of these values: '%s'", strings.Join(f.Choices, ","))
				continue
			}
		case "custom_date":
			if _, err := time.Parse("2006-01-02", str); err != nil {
				b.v.add(key, codeInvalidValue, "Value set is of type String.It should be a/an date format yyyy-mm-dd")
				continue
			}
		}
		out[key] = plainJSON(raw)
	}
	return out
}

// customFieldsViewLocked shows every custom field of the account on a
// ticket, null when unset, as Freshdesk does.
func (s *Server) customFieldsViewLocked(t *Ticket) map[string]any {
	v := map[string]any{}
	for _, f := range s.fields {
		if !f.Default {
			v[f.Name] = t.CustomFields[f.Name]
		}
	}
	return v
}

func (s *Server) listTicketFields(w http.ResponseWriter, _ *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := make([]any, len(s.fields))
	for i, f := range s.fields {
		items[i] = fieldView(f)
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func (s *Server) fieldByIDLocked(r *http.Request) (int, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, err
	}
	i := slices.IndexFunc(s.fields, func(f *TicketField) bool { return f.ID == id })
	if i < 0 {
		return 0, errNotFound
	}
	return i, nil
}

func (s *Server) showTicketField(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.fieldByIDLocked(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fieldView(s.fields[i]))
	return nil
}

var notNameChar = regexp.MustCompile(`[^a-z0-9]+`)

// createTicketField serves POST /admin/ticket_fields: label and type
// required, choices for a dropdown (strings, or objects with a value).
// The field is named cf_ and its label in snake case.
func (s *Server) createTicketField(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	b.only("label", "label_for_customers", "description", "type", "position", "required_for_closure",
		"required_for_agents", "required_for_customers", "customers_can_edit", "displayed_to_customers", "choices")
	f := &TicketField{}
	if !b.str("label", &f.Label) || strings.TrimSpace(f.Label) == "" {
		b.v.add("label", codeMissingField, "It should be a/an String")
	}
	if !b.str("type", &f.Type) || !slices.Contains(customTypes, f.Type) {
		b.v.add("type", codeInvalidValue, "It should be one of these values: '%s'", strings.Join(customTypes, ","))
	}
	b.str("label_for_customers", &f.LabelForCustomers)
	b.str("description", &f.Description)
	b.boolean("required_for_closure", &f.RequiredForClosure)
	b.boolean("required_for_agents", &f.RequiredForAgents)
	b.boolean("customers_can_edit", &f.CustomersCanEdit)
	b.boolean("displayed_to_customers", &f.DisplayedToCustomer)
	if raw, ok := m["choices"].([]any); ok {
		for _, c := range raw {
			switch c := c.(type) {
			case string:
				f.Choices = append(f.Choices, c)
			case map[string]any:
				if v, ok := c["value"].(string); ok {
					f.Choices = append(f.Choices, v)
				}
			}
		}
	}
	if f.Type == "custom_dropdown" && len(f.Choices) == 0 {
		b.v.add("choices", codeMissingField, "It should be a/an Array")
	}
	f.Name = "cf_" + strings.Trim(notNameChar.ReplaceAllString(strings.ToLower(f.Label), "_"), "_")
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.fields, func(o *TicketField) bool { return o.Name == f.Name }) {
		b.v.add("label", codeDuplicateValue, "It should be a unique value")
	}
	if err := b.v.err(); err != nil {
		return err
	}
	now := s.now()
	f.ID, f.CreatedAt, f.UpdatedAt = s.nextID(), now, now
	f.LabelForCustomers = cmp.Or(f.LabelForCustomers, f.Label)
	f.Position = len(s.fields) + 1
	s.fields = append(s.fields, f)
	writeJSON(w, http.StatusCreated, fieldView(f))
	return nil
}

// deleteTicketField serves DELETE /admin/ticket_fields/{id}: a custom
// field goes, with its values on tickets; a default field cannot
// (UNCONFIRMED answer).
func (s *Server) deleteTicketField(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i, err := s.fieldByIDLocked(r)
	if err != nil {
		return err
	}
	f := s.fields[i]
	if f.Default {
		return &apiError{status: http.StatusForbidden, body: errorBody{Code: "access_denied", Message: "Default fields cannot be deleted"}}
	}
	s.fields = slices.Delete(s.fields, i, i+1)
	for _, t := range s.tickets {
		delete(t.CustomFields, f.Name)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

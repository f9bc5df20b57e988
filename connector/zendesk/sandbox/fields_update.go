package sandbox

import (
	"maps"
	"net/http"
	"slices"
)

// fieldUpdate holds the writable properties of a field definition given
// on update: absent ones are kept. Options, when given, replace the
// field's: an option keeps its id when the request names it, or when it
// has the value of one of the field's options.
type fieldUpdate struct {
	Key                *string `json:"key"`
	Type               *string `json:"type"`
	Title              *string `json:"title"`
	Description        *string `json:"description"`
	Active             *bool   `json:"active"`
	Position           *int    `json:"position"`
	CustomFieldOptions *[]struct {
		ID int64 `json:"id"`
		fieldOptionInput
	} `json:"custom_field_options"`
}

// updateTicketField emulates PUT /api/v2/ticket_fields/{id}.
func (s *Server) updateTicketField(w http.ResponseWriter, r *http.Request) error {
	return s.updateField(w, r, ticketFieldKind)
}

// updateUserField emulates PUT /api/v2/user_fields/{id}.
func (s *Server) updateUserField(w http.ResponseWriter, r *http.Request) error {
	return s.updateField(w, r, userFieldKind)
}

// updateField changes the definition of kind with the path's id. Its key
// and type cannot change; values already given are kept, whatever the
// new options.
func (s *Server) updateField(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body map[string]*fieldUpdate
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	in := body[k.singular]
	if in == nil {
		return errBadRequest("%s is required", k.singular)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fieldLocked(k, id)
	switch {
	case f == nil:
		return errNotFound
	case in.Key != nil && *in.Key != f.key:
		return errInvalid("key", "Key: cannot be changed")
	case in.Type != nil && *in.Type != f.typ:
		return errInvalid("type", "Type: cannot be changed")
	case in.Title != nil && *in.Title == "":
		return errInvalid("title", "Title: cannot be blank")
	}
	if in.Title != nil {
		f.title = *in.Title
	}
	if in.Description != nil {
		f.description = *in.Description
	}
	if in.Active != nil {
		f.active = *in.Active
	}
	if in.Position != nil {
		f.position = *in.Position
	}
	if in.CustomFieldOptions != nil {
		var options []fieldOption
		for i, o := range *in.CustomFieldOptions {
			old := slices.IndexFunc(f.options, func(prev fieldOption) bool {
				return o.ID != 0 && prev.ID == o.ID || o.ID == 0 && prev.Value == o.Value
			})
			var optionID int64
			if old >= 0 {
				optionID = f.options[old].ID
			} else {
				optionID = s.nextID()
			}
			options = append(options, o.option(optionID, i))
		}
		f.options = options
	}
	f.updatedAt = s.stampAfter(f.updatedAt)
	writeJSON(w, http.StatusOK, map[string]any{k.singular: s.fieldView(k, f)})
	return nil
}

// deleteTicketField emulates DELETE /api/v2/ticket_fields/{id}.
func (s *Server) deleteTicketField(w http.ResponseWriter, r *http.Request) error {
	return s.deleteField(w, r, ticketFieldKind)
}

// deleteUserField emulates DELETE /api/v2/user_fields/{id}.
func (s *Server) deleteUserField(w http.ResponseWriter, r *http.Request) error {
	return s.deleteField(w, r, userFieldKind)
}

// deleteField deletes the definition of kind with the path's id.
func (s *Server) deleteField(w http.ResponseWriter, r *http.Request, k fieldKind) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	err = s.deleteFieldLocked(k, id)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleteFieldLocked deletes the field id of kind, and the values of a
// ticket or user field (organization fields have no delete endpoint):
// tickets lose their value for it, users their value under its key,
// without a write (their updated_at stays). A system ticket field cannot
// be deleted. s.mu must be held.
func (s *Server) deleteFieldLocked(k fieldKind, id int64) error {
	f := s.fieldLocked(k, id)
	switch {
	case f == nil:
		return errNotFound
	case f.system:
		return errInvalid("id", "%s is a system field, which cannot be deleted", f.title)
	}
	defs := k.defs(s)
	*defs = slices.DeleteFunc(*defs, func(d *fieldDef) bool { return d == f })
	switch k.plural {
	case userFieldKind.plural:
		for id, u := range s.users {
			if _, ok := u.userFields[f.key]; ok {
				next := *u
				next.userFields = maps.Clone(u.userFields)
				delete(next.userFields, f.key)
				s.users[id] = &next
			}
		}
	case ticketFieldKind.plural:
		for id, t := range s.tickets {
			if _, ok := t.customFieldValue(f.id); ok {
				next := t.clone()
				next.customFields = slices.DeleteFunc(next.customFields, func(v customField) bool { return v.ID == f.id })
				s.tickets[id] = next
			}
		}
	}
	return nil
}

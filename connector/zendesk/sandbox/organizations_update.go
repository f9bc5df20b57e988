package sandbox

import (
	"fmt"
	"net/http"
)

// updateOrganization emulates PUT /api/v2/organizations/{id}.
// organization_fields given are merged into the organization's; updated_at
// moves on.
func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeOrganization(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var view organizationJSON
	o, ok := s.orgs[id]
	if ok {
		next := *o
		if err = s.applyOrganizationInput(&next, in); err == nil {
			next.updatedAt = s.now()
			s.orgs[id] = &next
			view = s.organizationView(&next)
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return errNotFound
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"organization": view})
	return nil
}

// SetOrganizationFields sets organization fields of organization id as an
// admin's edit would: each key of fields replaces the organization's value
// (nil clears it) and updated_at moves to the sandbox clock's now, so the
// incremental export sees the change.
func (s *Server) SetOrganizationFields(id int64, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orgs[id]
	if !ok {
		return fmt.Errorf("sandbox: SetOrganizationFields: no organization %d", id)
	}
	next := *o
	next.fields = mergeFields(o.fields, fields)
	next.updatedAt = s.now()
	s.orgs[id] = &next
	return nil
}

package sandbox

import (
	"fmt"
	"net/http"
)

// updateUser emulates PUT /api/v2/users/{id}. user_fields given are merged
// into the user's; updated_at moves on.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeUser(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var view userJSON
	u, ok := s.users[id]
	if ok {
		next := *u
		if err = s.applyUserInput(&next, in); err == nil {
			next.updatedAt = s.now()
			s.storeUserLocked(&next)
			view = s.userView(&next)
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		return errNotFound
	case err != nil:
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": view})
	return nil
}

// deleteUser emulates DELETE /api/v2/users/{id}: the user stays, with
// active:false, and is answered as Zendesk does (200 with the user).
func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	u, err := s.deleteUserLocked(id)
	var view userJSON
	if err == nil {
		view = s.userView(u)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": view})
	return nil
}

// deleteUserLocked marks user id deleted. s.mu must be held.
func (s *Server) deleteUserLocked(id int64) (*user, error) {
	u, ok := s.users[id]
	switch {
	case !ok || u.deleted:
		return nil, errNotFound
	case id == s.adminID:
		return nil, errInvalid("id", "You cannot delete the user the request authenticates as")
	}
	next := *u
	next.deleted = true
	next.updatedAt = s.now()
	s.storeUserLocked(&next)
	return &next, nil
}

// SetUserFields sets user fields of user id as an admin's edit would: each
// key of fields replaces the user's value (nil clears it) and updated_at
// moves to the sandbox clock's now, so the incremental export sees the
// change. Values are written as JSON: strings, numbers, booleans, or
// string slices for multiselect fields.
func (s *Server) SetUserFields(id int64, fields map[string]any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		return fmt.Errorf("sandbox: SetUserFields: no user %d", id)
	}
	next := *u
	next.userFields = mergeFields(u.userFields, fields)
	next.updatedAt = s.now()
	s.storeUserLocked(&next)
	return nil
}

// DeleteUser deletes user id as DELETE /api/v2/users/{id} does: the user
// stays, with active:false, and updated_at moves to now.
func (s *Server) DeleteUser(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.deleteUserLocked(id); err != nil {
		return fmt.Errorf("sandbox: DeleteUser %d: %w", id, err)
	}
	return nil
}

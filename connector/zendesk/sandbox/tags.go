package sandbox

import (
	"net/http"
	"slices"
	"time"
)

// unionTags returns tags plus the new ones, keeping order.
func unionTags(tags, add []string) []string {
	for _, tag := range add {
		if !slices.Contains(tags, tag) {
			tags = append(tags, tag)
		}
	}
	return tags
}

// withoutTags returns tags without the removed ones.
func withoutTags(tags, remove []string) []string {
	return slices.DeleteFunc(tags, func(tag string) bool { return slices.Contains(remove, tag) })
}

// tagsInput is the body of the ticket tags endpoints. The safe-update
// fields sit beside "tags", not inside a "ticket".
type tagsInput struct {
	Tags         *tagList   `json:"tags"`
	SafeUpdate   *flexBool  `json:"safe_update"`
	UpdatedStamp *time.Time `json:"updated_stamp"`
}

// listTags emulates GET /api/v2/tickets/{id}/tags.
func (s *Server) listTags(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	t, ok := s.tickets[id]
	var tags []string
	if ok {
		tags = slices.Clone(t.tags)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"tags": tags})
	return nil
}

// addTags emulates PUT /api/v2/tickets/{id}/tags, which adds tags.
func (s *Server) addTags(w http.ResponseWriter, r *http.Request) error {
	return s.writeTags(w, r, http.StatusOK, func(in *ticketInput, tags tagList) { in.AdditionalTags = tags })
}

// setTags emulates POST /api/v2/tickets/{id}/tags, which replaces the tags.
func (s *Server) setTags(w http.ResponseWriter, r *http.Request) error {
	return s.writeTags(w, r, http.StatusCreated, func(in *ticketInput, tags tagList) { in.Tags = &tags })
}

// removeTags emulates DELETE /api/v2/tickets/{id}/tags, which removes the
// tags given in its body.
func (s *Server) removeTags(w http.ResponseWriter, r *http.Request) error {
	return s.writeTags(w, r, http.StatusNoContent, func(in *ticketInput, tags tagList) { in.RemoveTags = tags })
}

// writeTags applies a tags body to a ticket as a ticket update (triggers
// included) and answers status with the resulting tags.
func (s *Server) writeTags(w http.ResponseWriter, r *http.Request, status int, set func(*ticketInput, tagList)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body tagsInput
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Tags == nil {
		return errBadRequest("tags is required")
	}
	in := &ticketInput{SafeUpdate: body.SafeUpdate, UpdatedStamp: body.UpdatedStamp}
	set(in, *body.Tags)
	s.mu.Lock()
	view, _, err := s.safeUpdateLocked(id, in)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return nil
	}
	writeJSON(w, status, map[string]any{"tags": view.Tags})
	return nil
}

package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 10 << 20

// timeFormat is how Zendesk writes timestamps: UTC, whole seconds.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string {
	return t.UTC().Format(timeFormat)
}

// nullString returns nil (JSON null) for "".
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonNil returns list, or an empty list for nil: Zendesk answers [] where
// there is nothing, never null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// nullID returns nil (JSON null) for 0.
func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// decodeBody decodes a JSON request body into v, keeping numbers as
// json.Number in untyped fields. Unknown fields, read-only ones included,
// are ignored as Zendesk does.
func decodeBody(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return errBadRequest("cannot read the request body: %v", err)
	}
	if len(body) > maxBodyBytes {
		return &apiError{status: http.StatusRequestEntityTooLarge, body: errorBody{Error: "RequestTooLarge", Description: "Request body too large"}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errBadRequest("the request body is empty")
		}
		return errBadRequest("the request body is not valid JSON: %v", err)
	}
	return nil
}

// pathID parses the {id} path value; a malformed id is simply not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

// queryIDs parses a comma-separated id list such as ?ids=1,2,3 (at most 100).
func queryIDs(r *http.Request, name string) ([]int64, error) {
	var ids []int64
	for _, f := range splitList(r.URL.Query().Get(name)) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, errBadRequest("%s: %q is not an id", name, f)
		}
		ids = append(ids, id)
	}
	if len(ids) > maxBatch {
		return nil, errBadRequest("%s: at most %d ids are allowed", name, maxBatch)
	}
	return ids, nil
}

// splitList splits a comma-separated query value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// maxBatch is Zendesk's limit on ids per show_many or update_many request.
const maxBatch = 100

// tagList decodes tags given either as an array of strings or as one
// space-separated string, normalized as Zendesk stores them: lowercase,
// split on whitespace, without duplicates.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		var one string
		if json.Unmarshal(b, &one) != nil {
			return fmt.Errorf("tags must be a string or an array of strings")
		}
		list = []string{one}
	}
	*t = normalizeTags(list)
	return nil
}

func normalizeTags(list []string) []string {
	out := []string{}
	for _, item := range list {
		for _, tag := range strings.Fields(strings.ToLower(item)) {
			if !slices.Contains(out, tag) {
				out = append(out, tag)
			}
		}
	}
	return out
}

// flexBool decodes true/false given as a JSON boolean or string, as Zendesk
// accepts "safe_update": "true".
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v bool
	if err := json.Unmarshal(data, &v); err == nil {
		*b = flexBool(v)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("expected a boolean")
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("expected a boolean, got %q", s)
	}
	*b = flexBool(v)
	return nil
}

// viewsOf renders the items of m that ids name, in the order asked, leaving
// out unknown ids as Zendesk's show_many endpoints do. The caller holds s.mu.
func viewsOf[K comparable, V, J any](ids []K, m map[K]V, view func(V) J) []J {
	views := []J{}
	for _, id := range ids {
		if v, ok := m[id]; ok {
			views = append(views, view(v))
		}
	}
	return views
}

// viewByPathID returns view of the record, in the map pick chooses, whose
// id is the path's {id}, made under s.mu: errNotFound when the id is
// malformed or names no record. pick chooses the map when the request
// comes, not when the routes are made: Restore puts in new maps.
func viewByPathID[V, J any](s *Server, r *http.Request, pick func(*Server) map[int64]*V, view func(*V) J) (J, error) {
	var out J
	id, err := pathID(r)
	if err != nil {
		return out, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v := pick(s)[id]
	if v == nil {
		return out, errNotFound
	}
	return view(v), nil
}

// recordByPathID returns the record of the map pick chooses whose id is
// the path's {id}, read under s.mu (see viewByPathID).
func recordByPathID[V any](s *Server, r *http.Request, pick func(*Server) map[int64]*V) (*V, error) {
	return viewByPathID(s, r, pick, func(v *V) *V { return v })
}

// showByID is the handler of GET …/{id} for the records of the map pick
// chooses: the one with the path's id, as {name: view}, or 404.
func showByID[V, J any](s *Server, pick func(*Server) map[int64]*V, name string, view func(*V) J) handlerFunc {
	return showViewByID(s, pick, func(v *V) map[string]J { return map[string]J{name: view(v)} })
}

// showViewByID is showByID answering the view itself, not wrapped in an
// object.
func showViewByID[V, J any](s *Server, pick func(*Server) map[int64]*V, view func(*V) J) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		out, err := viewByPathID(s, r, pick, view)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

// deleteByID is the handler of DELETE …/{id} for the records of the map
// pick chooses: 204, or 404 when there is none with the path's id. The
// record is found and deleted under one hold of s.mu.
func deleteByID[V any](s *Server, pick func(*Server) map[int64]*V) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		s.mu.Lock()
		m := pick(s)
		_, ok := m[id]
		delete(m, id)
		s.mu.Unlock()
		if !ok {
			return errNotFound
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// The maps of records by id that the handlers above pick.
func appsOf(s *Server) map[int64]*app                   { return s.apps }
func installationsOf(s *Server) map[int64]*installation { return s.installations }
func triggersOf(s *Server) map[int64]*trigger           { return s.triggers }
func macrosOf(s *Server) map[int64]*macro               { return s.macros }
func ticketsOf(s *Server) map[int64]*ticket             { return s.tickets }

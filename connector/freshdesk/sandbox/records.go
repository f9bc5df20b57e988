package sandbox

import (
	"net/http"
	"time"
)

// Helpers the handlers of records kept by id (contacts, companies,
// tickets, canned responses and their folders) share.

// byIDLocked returns the record of records with the request's {id}, or
// errNotFound. s.mu must be held.
func byIDLocked[T any](r *http.Request, records map[int64]*T) (*T, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	v, ok := records[id]
	if !ok {
		return nil, errNotFound
	}
	return v, nil
}

// showRecord serves GET of the record with the path's {id} among those
// records returns, s.mu held, as view shows it.
func showRecord[T any](s *Server, records func() map[int64]*T, view func(*T) map[string]any) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		v, err := byIDLocked(r, records())
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, view(v))
		return nil
	}
}

// editable is a record that PUT edits by fields, custom fields included: a
// contact or a company.
type editable[T any] interface {
	*T
	// edits returns where the record keeps its custom fields and the time
	// of its last update.
	edits() (custom *map[string]any, updatedAt *time.Time)
}

func (c *Contact) edits() (*map[string]any, *time.Time) { return &c.CustomFields, &c.UpdatedAt }
func (c *Company) edits() (*map[string]any, *time.Time) { return &c.CustomFields, &c.UpdatedAt }

// updateRecord serves PUT of the record with the path's {id} among those
// records returns, s.mu held: parse reads the body into a copy of the
// record, whose custom fields are its own, and the copy replaces the
// record, updated now, when parse finds no fault. It answers the record as
// view shows it.
func updateRecord[T any, P editable[T]](s *Server, records func() map[int64]*T, parse func(m map[string]any, next *T) error, view func(*T) map[string]any) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		m, err := decodeBody(r)
		if err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		cur, ok := records()[id]
		if !ok {
			return errNotFound
		}
		next := *cur
		custom, updatedAt := P(&next).edits()
		*custom = mergeCustom(nil, *custom)
		if err := parse(m, &next); err != nil {
			return err
		}
		*updatedAt = s.now()
		*cur = next
		writeJSON(w, http.StatusOK, view(cur))
		return nil
	}
}

// writeRecordsLocked writes the page the request asks for of the records
// keep keeps, by id (oldest first), as view shows them. s.mu must be held.
func writeRecordsLocked[T any](s *Server, w http.ResponseWriter, r *http.Request, page, perPage int,
	records map[int64]*T, id func(*T) int64, keep func(*T) bool, view func(*T) map[string]any) {
	items := []any{}
	for _, v := range sortedByID(records, id) {
		if keep(v) {
			items = append(items, view(v))
		}
	}
	writePage(w, r, s.baseURLLocked(), items, page, perPage)
}

package sandbox

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// triggerCategory is a ticket trigger category (the reference sheet's §4):
// string ids, a position, and the errors-array shape of Zendesk's newer
// APIs.
type triggerCategory struct {
	id        string
	name      string
	position  int64
	createdAt time.Time
	updatedAt time.Time
}

// DefaultTriggerCategory names the category a new sandbox account holds,
// as real accounts hold at least one since trigger categories came.
const DefaultTriggerCategory = "General"

type triggerCategoryJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Position  int64  `json:"position"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func categoryView(c *triggerCategory) triggerCategoryJSON {
	return triggerCategoryJSON{ID: c.id, Name: c.name, Position: c.position,
		CreatedAt: formatTime(c.createdAt), UpdatedAt: formatTime(c.updatedAt)}
}

// errCategory is an error of the trigger categories API:
// {"errors":[{"code":…,"title":…}]}.
func errCategory(status int, code, title string) *apiError {
	return &apiError{status: status, body: map[string]any{"errors": []map[string]string{{"code": code, "title": title}}}}
}

var errCategoryNotFound = errCategory(http.StatusNotFound, "TriggerCategoryNotFound", "Category can’t be found. Check the ID and try again.")

// addCategoryLocked stores a new category; position nil puts it last.
// s.mu must be held.
func (s *Server) addCategoryLocked(name string, position *int64) (*triggerCategory, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, errCategory(http.StatusBadRequest, "InvalidTriggerCategory", "Name cannot be blank")
	}
	now := s.now()
	c := &triggerCategory{name: name, createdAt: now, updatedAt: now}
	for c.id == "" || s.categories[c.id] != nil { // a loaded account may hold any id
		c.id = strconv.FormatInt(s.nextID(), 10)
	}
	if position != nil {
		c.position = *position
	} else {
		for _, other := range s.categories {
			c.position = max(c.position, other.position+1)
		}
	}
	s.categories[c.id] = c
	return c, nil
}

// firstCategoryLocked returns the id of the category GET
// /trigger_categories lists first, "" when there is none. s.mu must be
// held.
func (s *Server) firstCategoryLocked() string {
	first, firstKey := "", ""
	for _, c := range s.categories {
		if key := categoryOrder(categoryView(c)); first == "" || key < firstKey {
			first, firstKey = c.id, key
		}
	}
	return first
}

// categoryOrder is the default order of categories: by position, then
// creation.
func categoryOrder(v triggerCategoryJSON) string {
	return orderKey(v.Position, v.CreatedAt, v.ID)
}

// categoryInput is the body of a category create or update.
type categoryInput struct {
	Name     *string `json:"name"`
	Position *int64  `json:"position"`
}

func decodeCategory(r *http.Request) (*categoryInput, error) {
	var body struct {
		Category *categoryInput `json:"trigger_category"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Category == nil {
		return nil, errCategory(http.StatusBadRequest, "InvalidTriggerCategory", "trigger_category is required")
	}
	return body.Category, nil
}

// listTriggerCategories emulates GET /api/v2/trigger_categories, sorted by
// ?sort= position (default), name, created_at or updated_at, "-" first for
// descending, with cursor or offset pagination.
func (s *Server) listTriggerCategories(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	views := make([]triggerCategoryJSON, 0, len(s.categories))
	for _, c := range s.categories {
		views = append(views, categoryView(c))
	}
	s.mu.Unlock()
	sortBy, desc := strings.CutPrefix(r.URL.Query().Get("sort"), "-")
	var key func(triggerCategoryJSON) string
	switch sortBy {
	case "", "position":
		key = categoryOrder
	case "name":
		key = func(v triggerCategoryJSON) string { return orderKey(v.Name, v.ID) }
	case "created_at":
		key = func(v triggerCategoryJSON) string { return orderKey(v.CreatedAt, v.ID) }
	case "updated_at":
		key = func(v triggerCategoryJSON) string { return orderKey(v.UpdatedAt, v.ID) }
	default:
		return errCategory(http.StatusBadRequest, "InvalidSortParameter", "sort must be position, name, created_at or updated_at")
	}
	if desc {
		key = descending(key)
	}
	return writeList(w, r, "trigger_categories", views, key)
}

// createTriggerCategory emulates POST /api/v2/trigger_categories (200, as
// the OAS has it).
func (s *Server) createTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeCategory(r)
	if err != nil {
		return err
	}
	if in.Name == nil {
		in.Name = new(string)
	}
	s.mu.Lock()
	c, err := s.addCategoryLocked(*in.Name, in.Position)
	var view triggerCategoryJSON
	if err == nil {
		view = categoryView(c)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"trigger_category": view})
	return nil
}

// showTriggerCategory emulates GET /api/v2/trigger_categories/{id}.
func (s *Server) showTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	c, ok := s.categories[r.PathValue("id")]
	var view triggerCategoryJSON
	if ok {
		view = categoryView(c)
	}
	s.mu.Unlock()
	if !ok {
		return errCategoryNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"trigger_category": view})
	return nil
}

// updateTriggerCategory emulates PATCH /api/v2/trigger_categories/{id}.
func (s *Server) updateTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeCategory(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.categories[r.PathValue("id")]
	if !ok {
		return errCategoryNotFound
	}
	next := *c
	if in.Name != nil {
		if next.name = strings.TrimSpace(*in.Name); next.name == "" {
			return errCategory(http.StatusBadRequest, "InvalidTriggerCategory", "Name cannot be blank")
		}
	}
	if in.Position != nil {
		next.position = *in.Position
	}
	next.updatedAt = s.stampAfter(c.updatedAt)
	s.categories[c.id] = &next
	writeJSON(w, http.StatusOK, map[string]any{"trigger_category": categoryView(&next)})
	return nil
}

// deleteTriggerCategory emulates DELETE /api/v2/trigger_categories/{id}:
// a category that holds active triggers stays.
func (s *Server) deleteTriggerCategory(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.categories[id]; !ok {
		return errCategoryNotFound
	}
	busy := slices.ContainsFunc(slices.Collect(maps.Values(s.triggers)), func(tr *trigger) bool { return tr.active && tr.categoryID == id })
	if busy {
		return errCategory(http.StatusBadRequest, "TriggerCategoryNotEmpty", "A category with active ticket triggers cannot be deleted.")
	}
	delete(s.categories, id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// group is an agent group; tickets and macros name groups by id.
type group struct {
	id          int64
	name        string
	description string
	createdAt   time.Time
}

// groupJSON is a group as Zendesk serializes it (fixture POST/groups.json).
type groupJSON struct {
	URL         string `json:"url"`
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Default     bool   `json:"default"`
	Deleted     bool   `json:"deleted"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

func (s *Server) groupView(g *group) groupJSON {
	return groupJSON{URL: s.apiURL("groups/%d.json", g.id), ID: g.id, Name: g.name, Description: g.description,
		CreatedAt: formatTime(g.createdAt), UpdatedAt: formatTime(g.createdAt)}
}

// createGroup emulates POST /api/v2/groups.
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Group *struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"group"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Group == nil {
		return errBadRequest("group is required")
	}
	if strings.TrimSpace(body.Group.Name) == "" {
		return errInvalid("name", "Name: cannot be blank")
	}
	s.mu.Lock()
	g := &group{id: s.nextID(), name: body.Group.Name, description: body.Group.Description, createdAt: s.now()}
	s.groups[g.id] = g
	view := s.groupView(g)
	s.mu.Unlock()
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusCreated, map[string]any{"group": view})
	return nil
}

// listGroups emulates GET /api/v2/groups, in id order, with cursor
// (page[size]) or offset pagination.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	ids := make([]int64, 0, len(s.groups))
	for id := range s.groups {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	views := viewsOf(ids, s.groups, s.groupView)
	s.mu.Unlock()
	return writeList(w, r, "groups", views, func(v groupJSON) string { return orderKey(v.ID) })
}

package sandbox

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// listTickets emulates GET /api/v2/tickets: every ticket, by id unless
// sorted, with the external_id filter. Cursor pagination sorts with
// sort=id, updated_at or status ("-" first for descending); offset
// pagination with sort_by (id, created_at, updated_at, status, priority)
// and sort_order.
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	externalID := q.Get("external_id")
	s.mu.Lock()
	views := []ticketJSON{}
	for _, t := range s.tickets {
		if externalID == "" || strings.EqualFold(t.externalID, externalID) {
			views = append(views, s.ticketView(t))
		}
	}
	s.mu.Unlock()
	sortBy, desc := q.Get("sort_by"), q.Get("sort_order") == "desc"
	if wantsCursor(r) {
		sortBy, desc = strings.CutPrefix(q.Get("sort"), "-")
	}
	var key func(ticketJSON) string
	switch sortBy {
	case "", "id":
		key = func(v ticketJSON) string { return orderKey(v.ID) }
	case "created_at":
		key = func(v ticketJSON) string { return orderKey(v.CreatedAt, v.ID) }
	case "updated_at":
		key = func(v ticketJSON) string { return orderKey(v.UpdatedAt, v.ID) }
	case "status":
		key = func(v ticketJSON) string { return orderKey(slices.Index(ticketStatuses, v.Status), v.ID) }
	case "priority":
		key = func(v ticketJSON) string { return orderKey(slices.Index(ticketPriorities, deref(v.Priority)), v.ID) }
	default:
		return errBadRequest("cannot sort tickets by %q", sortBy)
	}
	if desc {
		key = descending(key)
	}
	return writeList(w, r, "tickets", views, key)
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// listUsers emulates GET /api/v2/users: the users not deleted, by id,
// with the role filter (role=agent, or role[]=agent&role[]=admin).
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	roles := append(q["role[]"], q["role"]...)
	s.mu.Lock()
	views := []userJSON{}
	for _, u := range s.users {
		if !u.deleted && (len(roles) == 0 || slices.Contains(roles, u.role)) {
			views = append(views, s.userView(u))
		}
	}
	s.mu.Unlock()
	key := func(v userJSON) string { return orderKey(v.ID) }
	return writeList(w, r, "users", views, key)
}

// listOrganizations emulates GET /api/v2/organizations: every
// organization, by id.
func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	views := []organizationJSON{}
	for _, o := range s.orgs {
		views = append(views, s.organizationView(o))
	}
	s.mu.Unlock()
	key := func(v organizationJSON) string { return orderKey(v.ID) }
	return writeList(w, r, "organizations", views, key)
}

// tagJSON is an entry of GET /api/v2/tags.
type tagJSON struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// listAccountTags emulates GET /api/v2/tags: the account's tags on tickets,
// users and organizations, the most used first (then by name), with how
// many carry each.
func (s *Server) listAccountTags(w http.ResponseWriter, r *http.Request) error {
	counts := map[string]int{}
	s.mu.Lock()
	for _, t := range s.tickets {
		for _, tag := range t.tags {
			counts[tag]++
		}
	}
	for _, u := range s.users {
		for _, tag := range u.tags {
			counts[tag]++
		}
	}
	for _, o := range s.orgs {
		for _, tag := range o.tags {
			counts[tag]++
		}
	}
	s.mu.Unlock()
	views := make([]tagJSON, 0, len(counts))
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		views = append(views, tagJSON{Name: name, Count: counts[name]})
	}
	slices.SortStableFunc(views, func(a, b tagJSON) int { return cmp.Compare(b.Count, a.Count) })
	key := func(v tagJSON) string { return orderKey(-v.Count, v.Name) }
	return writeList(w, r, "tags", views, key)
}

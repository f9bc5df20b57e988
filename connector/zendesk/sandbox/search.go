package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// searchTerm is one term of Zendesk's search syntax: key:value (key<value
// and key>value for ordered properties), or free text (key ""); a term
// that starts with "-" matches what the term without it does not.
type searchTerm struct {
	key, op, value string
	negate         bool
}

// parseSearch splits a query into terms. A value may be quoted, as in
// name:"Ann Lee" or "exact phrase"; terms are separated by white space
// and all must match.
func parseSearch(query string) []searchTerm {
	var terms []searchTerm
	for rest := strings.TrimSpace(query); rest != ""; rest = strings.TrimSpace(rest) {
		var token string
		token, rest = nextToken(rest)
		var t searchTerm
		if len(token) > 1 && token[0] == '-' {
			t.negate, token = true, token[1:]
		}
		if i := strings.IndexAny(token, ":<>"); i > 0 && !strings.HasPrefix(token, `"`) {
			t.key, t.op, t.value = strings.ToLower(token[:i]), token[i:i+1], unquote(token[i+1:])
		} else {
			t.value = unquote(token)
		}
		terms = append(terms, t)
	}
	return terms
}

// nextToken cuts the first term off s: up to the first white space
// outside double quotes.
func nextToken(s string) (token, rest string) {
	quoted := false
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case unicode.IsSpace(r) && !quoted:
			return s[:i], s[i+utf8.RuneLen(r):]
		}
	}
	return s, ""
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// searchTypes are the result types of GET /search, by the value of its
// type: term.
var searchTypes = []string{"ticket", "user", "organization"}

// searchQuery is a query read: the result types it asks for (all without
// a type: term), the order its order_by: and sort: keywords ask for, and
// the terms results must match.
type searchQuery struct {
	types             []string
	sortBy, sortOrder string
	terms             []searchTerm
}

// readSearch reads a query's keywords and terms. order_by takes created,
// updated, priority, status or ticket_type; sort asc or desc.
func readSearch(query string) searchQuery {
	var q searchQuery
	for _, t := range parseSearch(query) {
		switch {
		case t.key == "type" && !t.negate:
			q.types = append(q.types, strings.ToLower(t.value))
		case t.key == "order_by":
			q.sortBy = strings.ToLower(t.value)
			if q.sortBy == "created" || q.sortBy == "updated" {
				q.sortBy += "_at"
			}
		case t.key == "sort":
			q.sortOrder = strings.ToLower(t.value)
		default:
			q.terms = append(q.terms, t)
		}
	}
	if q.types == nil {
		q.types = searchTypes
	}
	return q
}

// textMatch reports whether value contains the free-text term, ignoring
// case; a term ending in * matches by prefix anywhere in value.
func textMatch(value, term string) bool {
	return strings.Contains(strings.ToLower(value), strings.ToLower(strings.TrimSuffix(term, "*")))
}

// compareMatch reports whether got stands to want as op says: ":" equal,
// "<" before, ">" after, in the order of the values given.
func compareMatch(op, got, want string, order []string) bool {
	if op == ":" {
		return strings.EqualFold(got, want)
	}
	gi, wi := slices.Index(order, got), slices.Index(order, strings.ToLower(want))
	if gi < 0 || wi < 0 {
		return false
	}
	if op == "<" {
		return gi < wi
	}
	return gi > wi
}

// dateMatch compares a timestamp with a date term (YYYY-MM-DD or an
// ISO-8601 time).
func dateMatch(op string, at time.Time, value string) bool {
	want, err := time.Parse(time.DateOnly, value)
	if err != nil {
		if want, err = time.Parse(time.RFC3339, value); err != nil {
			return false
		}
	}
	switch op {
	case "<":
		return at.Before(want)
	case ">":
		return at.After(want)
	}
	return at.Format(time.DateOnly) == want.Format(time.DateOnly)
}

// tagsMatch reports whether tags holds the tag term names.
func tagsMatch(tags []string, value string) bool {
	return slices.Contains(tags, strings.ToLower(value))
}

// matchUser reports whether u matches every term: email, name,
// external_id, role, tags, organization (name or id), created and
// updated dates, and free text in the name or email. s.mu must be held.
func (s *Server) matchUser(u *user, terms []searchTerm) bool {
	for _, t := range terms {
		var ok bool
		switch t.key {
		case "":
			ok = textMatch(u.name, t.value) || textMatch(u.email, t.value)
		case "email":
			ok = u.email != "" && u.email == normalizeEmail(t.value)
		case "name":
			ok = strings.EqualFold(u.name, t.value) || strings.HasSuffix(t.value, "*") && textMatch(u.name, t.value)
		case "external_id":
			ok = u.externalID != "" && strings.EqualFold(u.externalID, t.value)
		case "role":
			ok = u.role == strings.ToLower(t.value)
		case "tags", "tag":
			ok = tagsMatch(u.tags, t.value)
		case "organization":
			ok = s.orgMatches(u.organizationID, t.value)
		case "created":
			ok = dateMatch(t.op, u.createdAt, t.value)
		case "updated":
			ok = dateMatch(t.op, u.updatedAt, t.value)
		}
		if ok == t.negate {
			return false
		}
	}
	return true
}

// orgMatches reports whether the organization id is the one value names,
// by id or name. s.mu must be held.
func (s *Server) orgMatches(id int64, value string) bool {
	o := s.orgs[id]
	return o != nil && (strconv.FormatInt(id, 10) == value || strings.EqualFold(o.name, value))
}

// matchTicket reports whether t matches every term: status, priority and
// ticket_type (with < and >), tags, requester, assignee, organization,
// external_id, subject, description, created and updated dates, and free
// text in the subject or comments. s.mu must be held.
func (s *Server) matchTicket(t *ticket, terms []searchTerm) bool {
	for _, term := range terms {
		var ok bool
		switch term.key {
		case "":
			ok = textMatch(t.subject, term.value) || slices.ContainsFunc(t.comments, func(c comment) bool { return textMatch(c.body, term.value) })
		case "status":
			ok = compareMatch(term.op, t.status, term.value, ticketStatuses)
		case "priority":
			ok = compareMatch(term.op, t.priority, term.value, ticketPriorities)
		case "ticket_type", "type_of_ticket":
			ok = compareMatch(term.op, t.typ, term.value, ticketTypes)
		case "tags", "tag":
			ok = tagsMatch(t.tags, term.value)
		case "requester":
			ok = s.userMatches(t.requesterID, term.value)
		case "assignee":
			ok = term.value == "none" && t.assigneeID == 0 || s.userMatches(t.assigneeID, term.value)
		case "organization":
			ok = s.orgMatches(t.organizationID, term.value)
		case "external_id":
			ok = t.externalID != "" && strings.EqualFold(t.externalID, term.value)
		case "subject":
			ok = textMatch(t.subject, term.value)
		case "description":
			ok = textMatch(t.description(), term.value)
		case "created":
			ok = dateMatch(term.op, t.createdAt, term.value)
		case "updated":
			ok = dateMatch(term.op, t.updatedAt, term.value)
		}
		if ok == term.negate {
			return false
		}
	}
	return true
}

// userMatches reports whether the user id is the one value names: by id,
// email, or "me" for the admin. s.mu must be held.
func (s *Server) userMatches(id int64, value string) bool {
	u := s.users[id]
	return u != nil && (strconv.FormatInt(id, 10) == value || u.email != "" && u.email == normalizeEmail(value) ||
		value == "me" && id == s.adminID)
}

// matchOrganization reports whether o matches every term: name,
// external_id, tags, details, created and updated dates, and free text in
// the name or details.
func matchOrganization(o *organization, terms []searchTerm) bool {
	for _, t := range terms {
		var ok bool
		switch t.key {
		case "":
			ok = textMatch(o.name, t.value) || textMatch(o.details, t.value)
		case "name":
			ok = strings.EqualFold(o.name, t.value) || strings.HasSuffix(t.value, "*") && textMatch(o.name, t.value)
		case "external_id":
			ok = o.externalID != "" && strings.EqualFold(o.externalID, t.value)
		case "tags", "tag":
			ok = tagsMatch(o.tags, t.value)
		case "details":
			ok = textMatch(o.details, t.value)
		case "created":
			ok = dateMatch(t.op, o.createdAt, t.value)
		case "updated":
			ok = dateMatch(t.op, o.updatedAt, t.value)
		}
		if ok == t.negate {
			return false
		}
	}
	return true
}

// maxSearchResults is how many results the search API pages through:
// beyond them, 422 (the reference sheet's §7).
const maxSearchResults = 1000

// searchHit is a search result with what it sorts by.
type searchHit struct {
	view      any
	created   time.Time
	updated   time.Time
	id        int64
	typ       string
	status    string
	priority  string
	ticketTyp string
}

// search emulates GET /api/v2/search?query=…: tickets, users and
// organizations matching every term (type:ticket, type:user and
// type:organization choose among them), each with its result_type,
// sorted by sort_by (created_at, updated_at, priority, status,
// ticket_type; by id without) and sort_order, or the query's order_by:
// and sort:, offset pagination only, at most 1,000 results deep.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("query"))
	if query == "" {
		return errBadRequest("query is required")
	}
	sq := readSearch(query)
	types, terms := sq.types, sq.terms
	var hits []searchHit
	s.mu.Lock()
	if slices.Contains(types, "ticket") {
		for _, t := range s.tickets {
			if s.matchTicket(t, terms) {
				hits = append(hits, searchHit{view: s.ticketView(t), created: t.createdAt, updated: t.updatedAt,
					id: t.id, typ: "ticket", status: t.status, priority: t.priority, ticketTyp: t.typ})
			}
		}
	}
	if slices.Contains(types, "user") {
		for _, u := range s.users {
			if !u.deleted && s.matchUser(u, terms) {
				hits = append(hits, searchHit{view: s.userView(u), created: u.createdAt, updated: u.updatedAt, id: u.id, typ: "user"})
			}
		}
	}
	if slices.Contains(types, "organization") {
		for _, o := range s.orgs {
			if matchOrganization(o, terms) {
				hits = append(hits, searchHit{view: s.organizationView(o), created: o.createdAt, updated: o.updatedAt,
					id: o.id, typ: "organization"})
			}
		}
	}
	s.mu.Unlock()
	key, err := searchOrder(cmp.Or(sq.sortBy, q.Get("sort_by")), cmp.Or(sq.sortOrder, q.Get("sort_order")))
	if err != nil {
		return err
	}
	sortByKey(hits, key)
	if page, _ := pageParam(q.Get("page"), "page", 1); page > 0 {
		perPage, _ := pageParam(q.Get("per_page"), "per_page", maxPageSize)
		if (page-1)*min(perPage, maxPageSize) >= maxSearchResults {
			return &apiError{status: http.StatusUnprocessableEntity, body: errorBody{Error: "invalid",
				Description: "Search results are limited to the first 1000: narrow the query, or use the search export"}}
		}
	}
	page, env, err := paginateOffset(r, hits)
	if err != nil {
		return err
	}
	results := make([]any, len(page))
	for i, h := range page {
		results[i] = withResultType(h.view, h.typ)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results, "facets": nil,
		"next_page": env.NextPage, "previous_page": env.PreviousPage, "count": env.Count})
	return nil
}

// searchOrder is the sort key of search results for sort_by and
// sort_order.
func searchOrder(sortBy, sortOrder string) (func(searchHit) string, error) {
	var key func(searchHit) string
	switch sortBy {
	case "":
		key = func(h searchHit) string { return orderKey(h.id) }
	case "created_at":
		key = func(h searchHit) string { return orderKey(formatTime(h.created), h.id) }
	case "updated_at":
		key = func(h searchHit) string { return orderKey(formatTime(h.updated), h.id) }
	case "status":
		key = func(h searchHit) string { return orderKey(slices.Index(ticketStatuses, h.status), h.id) }
	case "priority":
		key = func(h searchHit) string { return orderKey(slices.Index(ticketPriorities, h.priority), h.id) }
	case "ticket_type":
		key = func(h searchHit) string { return orderKey(slices.Index(ticketTypes, h.ticketTyp), h.id) }
	default:
		return nil, errBadRequest("sort_by must be created_at, updated_at, priority, status or ticket_type")
	}
	if sortOrder == "desc" {
		key = descending(key)
	}
	return key, nil
}

// withResultType adds "result_type" to a view, as search results carry it.
func withResultType(view any, typ string) map[string]any {
	m := convertJSON[map[string]any](view) // large ids and field values stay as written
	m["result_type"] = typ
	return m
}

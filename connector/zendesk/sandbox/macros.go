package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// macro is a stored macro.
type macro struct {
	id          int64
	title       string
	description string
	active      bool
	position    int64
	restriction any
	actions     []action
	createdAt   time.Time
	updatedAt   time.Time
}

// macroJSON is a macro as Zendesk serializes it (fixtures GET/macro.json,
// GET/macros.json).
type macroJSON struct {
	URL         string   `json:"url"`
	ID          int64    `json:"id"`
	Title       string   `json:"title"`
	RawTitle    string   `json:"raw_title"`
	Description *string  `json:"description"`
	Active      bool     `json:"active"`
	Position    int64    `json:"position"`
	Default     bool     `json:"default"`
	Restriction any      `json:"restriction"`
	Actions     []action `json:"actions"`
	CreatedAt   string   `json:"created_at"`
	UpdatedAt   string   `json:"updated_at"`
}

func (s *Server) macroView(m *macro) macroJSON {
	return macroJSON{
		URL:         s.apiURL("macros/%d.json", m.id),
		ID:          m.id,
		Title:       m.title,
		RawTitle:    m.title,
		Description: nullString(m.description),
		Active:      m.active,
		Position:    m.position,
		Restriction: m.restriction,
		Actions:     slices.Clone(m.actions),
		CreatedAt:   formatTime(m.createdAt),
		UpdatedAt:   formatTime(m.updatedAt),
	}
}

// macroInput is the body of a macro create or update: absent fields keep
// their values on update; actions, when given, replace all of them.
// Read-only fields a client echoes back (id, url, created_at, …) are
// ignored.
type macroInput struct {
	Title       *string          `json:"title"`
	Description optional[string] `json:"description"`
	Active      *bool            `json:"active"`
	Position    *int64           `json:"position"`
	Restriction optional[any]    `json:"restriction"`
	Actions     *[]action        `json:"actions"`
}

// decodeMacro reads a {"macro":{…}} request body.
func decodeMacro(r *http.Request) (*macroInput, error) {
	var body struct {
		Macro *macroInput `json:"macro"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Macro == nil {
		return nil, errBadRequest("macro is required")
	}
	return body.Macro, nil
}

// applyMacroInputLocked validates in and applies it to m. s.mu must be held.
func (s *Server) applyMacroInputLocked(m *macro, in *macroInput) error {
	if in.Title != nil {
		m.title = *in.Title
	}
	if strings.TrimSpace(m.title) == "" {
		return errInvalid("title", "Title: cannot be blank")
	}
	if in.Description.set {
		m.description = in.Description.v
	}
	if in.Active != nil {
		m.active = *in.Active
	}
	if in.Position != nil {
		m.position = *in.Position
	}
	if in.Restriction.set {
		m.restriction = in.Restriction.v
	}
	if in.Actions != nil {
		m.actions = *in.Actions
	}
	if len(m.actions) == 0 {
		return errInvalid("actions", "Actions: a macro needs at least one action")
	}
	for _, a := range m.actions {
		if err := s.validateMacroActionLocked(a, true); err != nil {
			return errInvalid("actions", "Actions: %v", err)
		}
	}
	return nil
}

// validateMacroActionLocked rejects an action the sandbox cannot perform as
// a macro's; with refs, also one naming a group or agent the account does
// not have (a stored macro may have outlived them). s.mu must be held.
func (s *Server) validateMacroActionLocked(a action, refs bool) error {
	if a.Field == "comment_value" {
		if pair, ok := a.Value.([]any); ok {
			if len(pair) != 2 || !isString(pair[0]) || !isString(pair[1]) {
				return fmt.Errorf("comment_value: value must be a string or [channel, text]")
			}
			return nil
		}
	}
	v, ok := a.Value.(string)
	if !ok {
		return fmt.Errorf("action %s: value must be a string", a.Field)
	}
	var allowed []string
	switch {
	case a.Field == "status":
		allowed = []string{"open", "pending", "hold", "solved"} // macros cannot make a ticket new or closed
	case a.Field == "priority":
		allowed = ticketPriorities[1:]
	case a.Field == "type":
		allowed = ticketTypes[1:]
	case a.Field == "comment_mode_is_public":
		allowed = []string{"true", "false"}
	case a.Field == "group_id":
		if id, err := strconv.ParseInt(v, 10, 64); v != "" && (err != nil || refs && s.groups[id] == nil) {
			return fmt.Errorf("group_id: group %q not found", v)
		}
		return nil
	case a.Field == "assignee_id":
		if id, err := strconv.ParseInt(v, 10, 64); v != "" && v != "current_user" && (err != nil || refs && (s.users[id] == nil || s.users[id].role == roleEndUser)) {
			return fmt.Errorf("assignee_id: %q is not an agent", v)
		}
		return nil
	case slices.Contains([]string{"set_tags", "current_tags", "remove_tags", "comment_value", "comment_value_html", "subject"}, a.Field),
		strings.HasPrefix(a.Field, "custom_fields_"):
		return nil
	default:
		return fmt.Errorf("the sandbox cannot perform macro action field %q", a.Field)
	}
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("action %s: value %q is not valid", a.Field, v)
	}
	return nil
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// createMacro emulates POST /api/v2/macros. A macro is active unless the
// body says otherwise, and goes last.
func (s *Server) createMacro(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeMacro(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	now := s.now()
	m := &macro{id: s.nextID(), active: true, createdAt: now, updatedAt: now}
	for _, other := range s.macros {
		m.position = max(m.position, other.position+1)
	}
	err = s.applyMacroInputLocked(m, in)
	var view macroJSON
	if err == nil {
		s.macros[m.id] = m
		view = s.macroView(m)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// 200, as Zendesk's OpenAPI document has it (an older API notebook
	// says 201: the reference sheet's §3).
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusOK, map[string]any{"macro": view})
	return nil
}

// updateMacro emulates PUT /api/v2/macros/{id}.
func (s *Server) updateMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeMacro(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.macros[id]
	if !ok {
		return errNotFound
	}
	next := *m
	next.actions = slices.Clone(m.actions)
	if err := s.applyMacroInputLocked(&next, in); err != nil {
		return err
	}
	next.updatedAt = s.stampAfter(m.updatedAt)
	s.macros[id] = &next
	writeJSON(w, http.StatusOK, map[string]any{"macro": s.macroView(&next)})
	return nil
}

// listMacros emulates GET /api/v2/macros, and GET /api/v2/macros/active
// (active only), with the active filter, sort_by alphabetical (default),
// position, created_at or updated_at with sort_order asc or desc, and
// cursor pagination with page[size], else offset pagination (100 a page
// at most).
func (s *Server) listMacros(activeOnly bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		var active *bool
		if activeOnly {
			active = new(bool)
			*active = true
		} else if v := q.Get("active"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errBadRequest("active must be true or false")
			}
			active = &b
		}
		s.mu.Lock()
		var list []*macro
		for _, m := range s.macros {
			if active == nil || m.active == *active {
				list = append(list, m)
			}
		}
		views := make([]macroJSON, 0, len(list))
		for _, m := range list {
			views = append(views, s.macroView(m))
		}
		s.mu.Unlock()
		var key func(macroJSON) string
		switch q.Get("sort_by") {
		case "position":
			key = func(v macroJSON) string { return orderKey(v.Position, v.ID) }
		case "created_at":
			key = func(v macroJSON) string { return orderKey(v.CreatedAt, v.ID) }
		case "updated_at":
			key = func(v macroJSON) string { return orderKey(v.UpdatedAt, v.ID) }
		default:
			key = func(v macroJSON) string { return orderKey(v.Title, v.ID) }
		}
		if q.Get("sort_order") == "desc" {
			key = descending(key)
		}
		return writeList(w, r, "macros", views, key)
	}
}

// macroComment is the comment a macro writes, as the apply endpoints show
// it.
type macroComment struct {
	Body       string     `json:"body"`
	HTMLBody   string     `json:"html_body"`
	Public     bool       `json:"public"`
	ScopedBody [][]string `json:"scoped_body"`
}

// applyMacroLocked applies m's actions to a copy of t (nil for none), as
// the agent actor would, and returns it with the comment the macro writes
// (nil for none), its placeholders rendered. t is not changed. s.mu must
// be held.
func (s *Server) applyMacroLocked(m *macro, t *ticket, actor int64) (*ticket, *macroComment) {
	next := &ticket{}
	if t != nil {
		next = t.clone()
	}
	var c *macroComment
	for _, a := range m.actions {
		v, _ := a.Value.(string)
		switch a.Field {
		case "comment_value":
			if pair, ok := a.Value.([]any); ok {
				v = pair[1].(string)
			}
			if c == nil {
				c = &macroComment{Public: true}
			}
			c.Body = v
		case "comment_value_html":
			if c == nil {
				c = &macroComment{Public: true}
			}
			c.HTMLBody = v
		case "comment_mode_is_public":
			if c == nil {
				c = &macroComment{Public: true}
			}
			c.Public = v == "true"
		case "group_id":
			next.groupID, _ = strconv.ParseInt(v, 10, 64)
		case "assignee_id":
			next.assigneeID, _ = strconv.ParseInt(v, 10, 64)
			if v == "current_user" {
				next.assigneeID = actor
			}
		case "subject":
			next.subject = v
		default:
			if id, ok := strings.CutPrefix(a.Field, "custom_fields_"); ok {
				n, _ := strconv.ParseInt(id, 10, 64)
				next.setCustomField(n, v)
				continue
			}
			a.apply(next) // status, priority, type and tags act as a trigger's
		}
	}
	if c != nil {
		if c.Body == "" {
			c.Body = textFromHTML(c.HTMLBody)
		}
		values := s.placeholderValuesLocked(next, actor)
		c.Body = renderTemplate(c.Body, values, false)
		if c.HTMLBody == "" {
			c.HTMLBody = htmlFromText(c.Body)
		} else {
			c.HTMLBody = renderTemplate(c.HTMLBody, values, false)
		}
		c.ScopedBody = [][]string{{"channel:all", c.Body}}
	}
	return next, c
}

// applyMacroToTicket emulates GET /api/v2/tickets/{ticket_id}/macros/{id}/apply:
// the whole ticket as it would be after the macro, which is not changed.
// The comment is a sibling of the ticket in the result, or inside it with
// Config.MacroCommentInTicket (which of the two Zendesk does is not
// settled; see the reference sheet's §3).
func (s *Server) applyMacroToTicket(w http.ResponseWriter, r *http.Request) error {
	ticketID, err := strconv.ParseInt(r.PathValue("ticket_id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, m := s.tickets[ticketID], s.macros[id]
	if t == nil || m == nil {
		return errNotFound
	}
	next, c := s.applyMacroLocked(m, t, s.adminID)
	var view any = s.ticketView(next)
	result := map[string]any{}
	if c != nil && s.cfg.MacroCommentInTicket {
		raw, _ := json.Marshal(view)
		var withComment map[string]any
		_ = json.Unmarshal(raw, &withComment)
		withComment["comment"] = c
		view = withComment
	} else if c != nil {
		result["comment"] = c
	}
	result["ticket"] = view
	writeJSON(w, http.StatusOK, map[string]any{"result": result})
	return nil
}

// applyMacroChanges emulates GET /api/v2/macros/{id}/apply: only the
// ticket fields the macro changes, and its comment.
func (s *Server) applyMacroChanges(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.macros[id]
	if !ok {
		return errNotFound
	}
	next, c := s.applyMacroLocked(m, nil, s.adminID)
	changes := map[string]any{}
	for _, a := range m.actions {
		switch a.Field {
		case "status":
			changes["status"] = next.status
		case "priority":
			changes["priority"] = next.priority
		case "type":
			changes["type"] = next.typ
		case "group_id":
			changes["group_id"] = nullID(next.groupID)
		case "assignee_id":
			changes["assignee_id"] = nullID(next.assigneeID)
		case "subject":
			changes["subject"] = next.subject
		case "set_tags", "current_tags", "remove_tags":
			changes["tags"] = next.tags
		}
	}
	result := map[string]any{"ticket": changes}
	if c != nil {
		result["comment"] = c
	}
	writeJSON(w, http.StatusOK, map[string]any{"result": result})
	return nil
}

// searchMacros emulates GET /api/v2/macros/search?query=…: the macros
// whose title holds the query (ignoring case), alphabetically, offset
// pagination only.
func (s *Server) searchMacros(w http.ResponseWriter, r *http.Request) error {
	query := strings.TrimSpace(r.URL.Query().Get("query"))
	if query == "" {
		return errBadRequest("query is required")
	}
	views := []macroJSON{}
	s.mu.Lock()
	for _, m := range s.macros {
		if textMatch(m.title, query) {
			views = append(views, s.macroView(m))
		}
	}
	s.mu.Unlock()
	sortByKey(views, func(v macroJSON) string { return orderKey(v.Title, v.ID) })
	page, env, err := paginateOffset(r, views)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"macros": page, "next_page": env.NextPage, "previous_page": env.PreviousPage, "count": env.Count})
	return nil
}

// listMacroCategories emulates GET /api/v2/macros/categories: Zendesk
// makes categories of macro titles written "Category::Title"; the answer
// is their names, sorted, each once.
func (s *Server) listMacroCategories(w http.ResponseWriter, _ *http.Request) error {
	categories := []string{}
	s.mu.Lock()
	for _, m := range s.macros {
		if name, _, ok := strings.Cut(m.title, "::"); ok && !slices.Contains(categories, strings.TrimSpace(name)) {
			categories = append(categories, strings.TrimSpace(name))
		}
	}
	s.mu.Unlock()
	slices.Sort(categories)
	writeJSON(w, http.StatusOK, map[string]any{"categories": categories})
	return nil
}

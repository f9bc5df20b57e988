package sandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// trigger is a stored trigger; it is never modified.
type trigger struct {
	id          int64
	title       string
	description string
	active      bool
	position    int64
	categoryID  string
	all         []condition
	any         []condition
	actions     []action
	createdAt   time.Time
	updatedAt   time.Time
}

// condition and action are kept as the client sent them; values are
// strings, json.Number, bools or arrays.
type condition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

type action struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

// The conditions the sandbox evaluates, with their operators.
var conditionOperators = map[string][]string{
	"update_type":      {"is", "is_not"},
	"status":           {"is", "is_not", "less_than", "greater_than"},
	"priority":         {"is", "is_not", "less_than", "greater_than"},
	"current_tags":     {"includes", "not_includes"},
	"ticket_is_public": {"is", "is_not"},
}

// validate rejects a condition the sandbox cannot evaluate.
func (c condition) validate() error {
	ops, ok := conditionOperators[c.Field]
	if !ok {
		return fmt.Errorf("the sandbox cannot evaluate condition field %q", c.Field)
	}
	if !slices.Contains(ops, c.Operator) {
		return fmt.Errorf("condition %s: operator %q is not supported (use %s)", c.Field, c.Operator, strings.Join(ops, ", "))
	}
	v, ok := c.Value.(string)
	if !ok {
		return fmt.Errorf("condition %s: value must be a string", c.Field)
	}
	var allowed []string
	switch c.Field {
	case "update_type":
		allowed = []string{updateCreate, updateChange}
	case "status":
		allowed = ticketStatuses
	case "priority":
		allowed = ticketPriorities
	case "ticket_is_public":
		allowed = []string{"public", "private"}
	case "current_tags":
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("condition current_tags: value must name tags")
		}
		return nil
	}
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("condition %s: value %q is not valid", c.Field, v)
	}
	return nil
}

// matches evaluates a validated condition. status and priority compare in
// lifecycle and urgency order; no priority is lower than low.
func (c condition) matches(t *ticket, updateType string) bool {
	v := c.Value.(string)
	switch c.Field {
	case "update_type":
		return (updateType == v) == (c.Operator == "is")
	case "status":
		return compareOrdered(c.Operator, ticketStatuses, t.status, v)
	case "priority":
		return compareOrdered(c.Operator, ticketPriorities, t.priority, v)
	case "current_tags":
		found := slices.ContainsFunc(normalizeTags([]string{v}), func(tag string) bool {
			return slices.Contains(t.tags, tag)
		})
		return found == (c.Operator == "includes")
	case "ticket_is_public":
		return (t.isPublic() == (v == "public")) == (c.Operator == "is")
	}
	return false
}

func compareOrdered(op string, order []string, have, want string) bool {
	c := cmp.Compare(slices.Index(order, have), slices.Index(order, want))
	switch op {
	case "is":
		return c == 0
	case "is_not":
		return c != 0
	case "less_than":
		return c < 0
	case "greater_than":
		return c > 0
	}
	return false
}

// validateActionLocked rejects an action the sandbox cannot perform; with
// refs, also a notification to a webhook the account does not have (a
// stored trigger may have outlived its webhook: it then skips it). s.mu
// must be held.
func (s *Server) validateActionLocked(a action, refs bool) error {
	if a.Field == "notification_webhook" {
		args, ok := a.Value.([]any)
		if !ok || len(args) != 2 {
			return fmt.Errorf("notification_webhook: value must be [webhook id, body]")
		}
		id, idOK := args[0].(string)
		_, bodyOK := args[1].(string)
		if !idOK || !bodyOK {
			return fmt.Errorf("notification_webhook: value must be two strings")
		}
		h, ok := s.webhooks[id]
		if !refs {
			return nil
		}
		if !ok {
			return fmt.Errorf("notification_webhook: webhook %q not found", id)
		}
		if !slices.Contains(h.subscriptions, subscriptionTriggers) {
			return fmt.Errorf("notification_webhook: webhook %q is not subscribed to %s", id, subscriptionTriggers)
		}
		return nil
	}
	v, ok := a.Value.(string)
	var allowed []string
	switch a.Field {
	case "status":
		allowed = ticketStatuses[1:] // a trigger cannot make a ticket new
	case "priority":
		allowed = ticketPriorities
	case "type":
		allowed = ticketTypes
	case "set_tags", "current_tags", "remove_tags":
		if !ok {
			return fmt.Errorf("action %s: value must be a string of tags", a.Field)
		}
		return nil
	default:
		return fmt.Errorf("the sandbox cannot perform action field %q", a.Field)
	}
	if !ok || !slices.Contains(allowed, v) {
		return fmt.Errorf("action %s: value %v is not valid", a.Field, a.Value)
	}
	return nil
}

// notification is a webhook message a trigger sends.
type notification struct {
	triggerID int64
	webhookID string
	template  string
}

// apply performs a validated action on t, returning the webhook message
// of a notification_webhook action.
func (a action) apply(t *ticket) *notification {
	switch a.Field {
	case "notification_webhook":
		args := a.Value.([]any)
		return &notification{webhookID: args[0].(string), template: args[1].(string)}
	case "status":
		t.status = a.Value.(string)
	case "priority":
		t.priority = a.Value.(string)
	case "type":
		t.typ = a.Value.(string)
	case "set_tags":
		t.tags = normalizeTags([]string{a.Value.(string)})
	case "current_tags":
		t.tags = unionTags(t.tags, normalizeTags([]string{a.Value.(string)}))
	case "remove_tags":
		t.tags = withoutTags(t.tags, normalizeTags([]string{a.Value.(string)}))
	}
	return nil
}

// runTriggersLocked runs the trigger cycle on t, a ticket being written:
// active triggers are checked in position order and those whose conditions
// hold fire, changing t; after a pass in which any fired the cycle starts
// over, and each trigger fires at most once. It returns the audit events of
// the triggers' changes and their webhook notifications. s.mu must be held.
func (s *Server) runTriggersLocked(t *ticket, updateType string) ([]any, []notification) {
	var ordered []*trigger
	for _, tr := range s.triggers {
		if tr.active {
			ordered = append(ordered, tr)
		}
	}
	slices.SortFunc(ordered, func(a, b *trigger) int {
		return cmp.Or(cmp.Compare(a.position, b.position), cmp.Compare(a.id, b.id))
	})
	fired := make(map[int64]bool)
	var events []any
	var notes []notification
	for again := true; again; {
		again = false
		for _, tr := range ordered {
			if fired[tr.id] || !tr.matches(t, updateType) {
				continue
			}
			fired[tr.id], again = true, true
			before := t.clone()
			for _, a := range tr.actions {
				if n := a.apply(t); n != nil {
					n.triggerID = tr.id
					notes = append(notes, *n)
				}
			}
			events = append(events, s.ticketEvents(before, t, viaTrigger(tr))...)
		}
	}
	return events, notes
}

// matches reports whether all of the "all" conditions and, when there are
// any, one of the "any" conditions hold.
func (tr *trigger) matches(t *ticket, updateType string) bool {
	for _, c := range tr.all {
		if !c.matches(t, updateType) {
			return false
		}
	}
	return len(tr.any) == 0 || slices.ContainsFunc(tr.any, func(c condition) bool {
		return c.matches(t, updateType)
	})
}

// triggerJSON is a trigger as Zendesk serializes it (fixture
// GET/trigger.json).
type triggerJSON struct {
	URL         string         `json:"url"`
	ID          int64          `json:"id"`
	Title       string         `json:"title"`
	Active      bool           `json:"active"`
	UpdatedAt   string         `json:"updated_at"`
	CreatedAt   string         `json:"created_at"`
	Actions     []action       `json:"actions"`
	Conditions  conditionsJSON `json:"conditions"`
	Description *string        `json:"description"`
	Position    int64          `json:"position"`
	RawTitle    string         `json:"raw_title"`
	Default     bool           `json:"default"`
	CategoryID  *string        `json:"category_id"`
}

type conditionsJSON struct {
	All []condition `json:"all"`
	Any []condition `json:"any"`
}

func (s *Server) triggerView(tr *trigger) triggerJSON {
	return triggerJSON{
		URL:         s.apiURL("triggers/%d.json", tr.id),
		ID:          tr.id,
		Title:       tr.title,
		Active:      tr.active,
		UpdatedAt:   formatTime(tr.updatedAt),
		CreatedAt:   formatTime(tr.createdAt),
		Actions:     nonNil(slices.Clone(tr.actions)),
		Conditions:  conditionsJSON{All: nonNil(slices.Clone(tr.all)), Any: nonNil(slices.Clone(tr.any))},
		Description: nullString(tr.description),
		Position:    tr.position,
		RawTitle:    tr.title,
		CategoryID:  nullString(tr.categoryID),
	}
}

// triggerInput is the body of a trigger create or update. go-zendesk cannot
// send "active": false, so a create without active makes an active
// trigger. A create names its category by category_id, or makes a new one
// with category; without either it goes in the first category (whether
// Zendesk does so or refuses the create is not settled: the reference
// sheet's §4).
type triggerInput struct {
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Active      *bool           `json:"active"`
	Position    *int64          `json:"position"`
	CategoryID  string          `json:"category_id"`
	Category    *categoryInput  `json:"category"`
	Conditions  *conditionsJSON `json:"conditions"`
	Actions     []action        `json:"actions"`
}

// triggerRefs says which of the records a trigger names
// validateTriggerLocked looks for: a write must find those it names anew,
// while a stored trigger may have outlived them (a category or webhook
// deleted since), as Zendesk lets it.
type triggerRefs struct{ category, webhooks bool }

// validateTriggerLocked checks a trigger body, and the records refs says
// it must find. s.mu must be held.
func (s *Server) validateTriggerLocked(in *triggerInput, refs triggerRefs) error {
	if in.Conditions == nil {
		return errInvalid("conditions", "Conditions: a trigger needs at least one condition")
	}
	if refs.category && in.CategoryID != "" && s.categories[in.CategoryID] == nil {
		return errInvalid("category_id", "Category: %s not found", in.CategoryID)
	}
	if strings.TrimSpace(in.Title) == "" {
		return errInvalid("title", "Title: cannot be blank")
	}
	if len(in.Conditions.All)+len(in.Conditions.Any) == 0 {
		return errInvalid("conditions", "Conditions: a trigger needs at least one condition")
	}
	for _, c := range slices.Concat(in.Conditions.All, in.Conditions.Any) {
		if err := c.validate(); err != nil {
			return errInvalid("conditions", "Conditions: %v", err)
		}
	}
	if len(in.Actions) == 0 {
		return errInvalid("actions", "Actions: a trigger needs at least one action")
	}
	for _, a := range in.Actions {
		if err := s.validateActionLocked(a, refs.webhooks); err != nil {
			return errInvalid("actions", "Actions: %v", err)
		}
	}
	return nil
}

// createTrigger emulates POST /api/v2/triggers. New triggers go last.
func (s *Server) createTrigger(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Trigger *triggerInput `json:"trigger"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	in := body.Trigger
	if in == nil {
		return errBadRequest("trigger is required")
	}
	s.mu.Lock()
	err := s.validateTriggerLocked(in, triggerRefs{category: true, webhooks: true})
	var tr *trigger
	if err == nil {
		tr, err = s.addTriggerLocked(in)
	}
	var view triggerJSON
	if err == nil {
		view = s.triggerView(tr)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusCreated, map[string]any{"trigger": view})
	return nil
}

// addTriggerLocked stores a trigger made from a validated body. s.mu must
// be held.
func (s *Server) addTriggerLocked(in *triggerInput) (*trigger, error) {
	category := in.CategoryID
	switch {
	case category == "" && in.Category != nil:
		name := ""
		if in.Category.Name != nil {
			name = *in.Category.Name
		}
		c, err := s.addCategoryLocked(name, in.Category.Position)
		if err != nil {
			return nil, err
		}
		category = c.id
	case category == "":
		category = s.firstCategoryLocked()
	}
	now := s.now()
	tr := &trigger{
		id:          s.nextID(),
		title:       in.Title,
		description: in.Description,
		active:      in.Active == nil || *in.Active,
		categoryID:  category,
		all:         in.Conditions.All,
		any:         in.Conditions.Any,
		actions:     in.Actions,
		createdAt:   now,
		updatedAt:   now,
	}
	if in.Position != nil {
		tr.position = *in.Position
	} else {
		for _, other := range s.triggers {
			tr.position = max(tr.position, other.position+1)
		}
	}
	s.triggers[tr.id] = tr
	return tr, nil
}

// updateTrigger emulates PUT /api/v2/triggers/{id}: the properties given
// replace the trigger's (null ones are left as they are); conditions and
// actions, when given, replace the whole of both arrays they hold; a
// category names one by category_id or makes one inline. The records a
// given property names must exist; those the trigger names already need
// not (a webhook deleted since is skipped when it fires).
func (s *Server) updateTrigger(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Trigger *struct {
			Title       *string         `json:"title"`
			Description *string         `json:"description"`
			Active      *bool           `json:"active"`
			Position    *int64          `json:"position"`
			CategoryID  *string         `json:"category_id"`
			Category    *categoryInput  `json:"category"`
			Conditions  *conditionsJSON `json:"conditions"`
			Actions     *[]action       `json:"actions"`
		} `json:"trigger"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	patch := body.Trigger
	if patch == nil {
		return errBadRequest("trigger is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tr, ok := s.triggers[id]
	if !ok {
		return errNotFound
	}
	next := *tr
	in := triggerInput{Title: tr.title, Description: tr.description, CategoryID: tr.categoryID, Actions: tr.actions}
	in.Conditions = &conditionsJSON{All: tr.all, Any: tr.any}
	var refs triggerRefs
	if patch.Title != nil {
		in.Title = *patch.Title
	}
	if patch.Description != nil {
		in.Description = *patch.Description
	}
	if patch.CategoryID != nil && *patch.CategoryID != tr.categoryID {
		in.CategoryID, refs.category = *patch.CategoryID, true
	}
	if patch.Conditions != nil {
		in.Conditions = patch.Conditions
	}
	if patch.Actions != nil {
		in.Actions, refs.webhooks = *patch.Actions, true
	}
	if err := s.validateTriggerLocked(&in, refs); err != nil {
		return err
	}
	if patch.Category != nil && patch.CategoryID == nil {
		c, err := s.addCategoryLocked(deref(patch.Category.Name), patch.Category.Position)
		if err != nil {
			return err
		}
		in.CategoryID = c.id
	}
	if patch.Active != nil {
		next.active = *patch.Active
	}
	if patch.Position != nil {
		next.position = *patch.Position
	}
	next.title, next.description, next.categoryID = in.Title, in.Description, in.CategoryID
	next.all, next.any, next.actions = in.Conditions.All, in.Conditions.Any, in.Actions
	next.updatedAt = s.stampAfter(tr.updatedAt)
	s.triggers[id] = &next
	writeJSON(w, http.StatusOK, map[string]any{"trigger": s.triggerView(&next)})
	return nil
}

// listTriggers emulates GET /api/v2/triggers with the active and
// category_id filters, sort_by position (default), alphabetical, created_at
// or updated_at with sort_order asc or desc, and cursor pagination with
// page[size], else offset pagination.
func (s *Server) listTriggers(w http.ResponseWriter, r *http.Request) error {
	return s.writeTriggers(w, r, r.URL.Query())
}

// listActiveTriggers emulates GET /api/v2/triggers/active: GET
// /api/v2/triggers with active=true.
func (s *Server) listActiveTriggers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("active", "true")
	return s.writeTriggers(w, r, q)
}

// writeTriggers answers a list of triggers for the query q.
func (s *Server) writeTriggers(w http.ResponseWriter, r *http.Request, q url.Values) error {
	var active *bool
	if v := q.Get("active"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errBadRequest("active must be true or false")
		}
		active = &b
	}
	s.mu.Lock()
	var list []*trigger
	for _, tr := range s.triggers {
		if (active == nil || tr.active == *active) && (q.Get("category_id") == "" || tr.categoryID == q.Get("category_id")) {
			list = append(list, tr)
		}
	}
	views := make([]triggerJSON, 0, len(list))
	for _, tr := range list {
		views = append(views, s.triggerView(tr))
	}
	s.mu.Unlock()
	var key func(triggerJSON) string
	switch q.Get("sort_by") {
	case "alphabetical":
		key = func(v triggerJSON) string { return orderKey(v.Title, v.Position, v.ID) }
	case "created_at":
		key = func(v triggerJSON) string { return orderKey(v.CreatedAt, v.ID) }
	case "updated_at":
		key = func(v triggerJSON) string { return orderKey(v.UpdatedAt, v.ID) }
	default:
		key = func(v triggerJSON) string { return orderKey(v.Position, v.ID) }
	}
	if q.Get("sort_order") == "desc" {
		key = descending(key)
	}
	return writeList(w, r, "triggers", views, key)
}

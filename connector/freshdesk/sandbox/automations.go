package sandbox

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Automation types of the Automation Rules API (apps-freshdesk-ops.md
// §2.2): only ticket-creation rules run in the sandbox; the others are
// kept and listed.
const (
	AutomationTicketCreation = 1
	AutomationTimeTriggers   = 3
	AutomationTicketUpdates  = 4
)

// ActionTriggerWebhook is the field_name of a "Trigger Webhook" action.
// UNCONFIRMED (§2.2: "the field_name value for Trigger Webhook and the
// content/encoding fields are UNVERIFIED"); so are ContentType,
// ContentLayout and Content below.
const ActionTriggerWebhook = "trigger_webhook"

// Content layouts of a webhook action (§10.8 "simple (pick fields) or
// advanced (free text with placeholders)"); the values are UNCONFIRMED.
const (
	LayoutSimple   = "1"
	LayoutAdvanced = "2"
)

// AutomationRule is a rule of the Automation Rules API (§2.2).
type AutomationRule struct {
	ID               int64          `json:"id"`
	AutomationTypeID int            `json:"automation_type_id"`
	Name             string         `json:"name"`
	Description      string         `json:"description,omitempty"`
	Position         int            `json:"position"`
	Active           bool           `json:"active"`
	Performer        map[string]any `json:"performer,omitempty"`
	Events           []any          `json:"events,omitempty"`
	Conditions       []Condition    `json:"conditions"`
	Operator         string         `json:"operator,omitempty"`
	Actions          []Action       `json:"actions"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// Condition is a group of properties a ticket must match, all or any.
type Condition struct {
	Name       string     `json:"name,omitempty"`
	MatchType  string     `json:"match_type,omitempty"`
	Properties []Property `json:"properties"`
}

// Property is one test of a condition: the sandbox evaluates the ticket
// fields priority, status, source, ticket_type, subject and
// requester_email with the operators in, not_in, is, is_not, contains and
// does_not_contain; any other property matches (not emulated).
type Property struct {
	ResourceType string `json:"resource_type,omitempty"`
	FieldName    string `json:"field_name"`
	Operator     string `json:"operator"`
	Value        any    `json:"value"`
}

// Action is a rule action. Only "Trigger Webhook" (ActionTriggerWebhook)
// runs in the sandbox; other actions are kept, not executed.
type Action struct {
	FieldName     string            `json:"field_name"`
	Value         any               `json:"value,omitempty"`
	RequestType   string            `json:"request_type,omitempty"`
	URL           string            `json:"url,omitempty"`
	APIKey        string            `json:"api_key,omitempty"`
	AuthHeader    map[string]string `json:"auth_header,omitempty"` // {"username","password"}
	CustomHeaders map[string]string `json:"custom_headers,omitempty"`
	ContentType   string            `json:"content_type,omitempty"`   // json (default), xml, x-www-form-urlencoded
	ContentLayout string            `json:"content_layout,omitempty"` // LayoutSimple or LayoutAdvanced
	// Content is the body: a template with placeholders when advanced, a
	// list of placeholder names when simple.
	Content any `json:"content,omitempty"`
}

func ruleView(r *AutomationRule) map[string]any {
	var v map[string]any
	b, _ := json.Marshal(r)
	json.Unmarshal(b, &v)
	v["created_at"], v["updated_at"] = fmtTime(r.CreatedAt), fmtTime(r.UpdatedAt)
	return v
}

func automationType(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("type"))
	if err != nil || (n != AutomationTicketCreation && n != AutomationTimeTriggers && n != AutomationTicketUpdates) {
		return 0, errNotFound
	}
	return n, nil
}

// parseRule reads a rule body over r (a copy of the stored rule on
// update).
func parseRule(m map[string]any, r *AutomationRule, create bool) error {
	b := &body{m: m}
	b.only("name", "description", "position", "active", "performer", "events", "conditions", "operator", "actions")
	b.str("name", &r.Name)
	b.str("description", &r.Description)
	b.boolean("active", &r.Active)
	var pos int64
	if present, _ := b.integer("position", &pos); present {
		r.Position = int(pos)
	}
	if op := ""; b.str("operator", &op) {
		if op != "AND" && op != "OR" {
			b.v.add("operator", codeInvalidValue, "It should be one of these values: 'AND,OR'")
		}
		r.Operator = op
	}
	if p, ok := b.object("performer"); ok {
		r.Performer = plainJSON(p).(map[string]any)
	}
	if ev, ok := m["events"].([]any); ok {
		r.Events = plainJSON(ev).([]any)
	}
	decode := func(key string, dst any) {
		raw, ok := m[key]
		if !ok {
			return
		}
		data, _ := json.Marshal(raw)
		if err := json.Unmarshal(data, dst); err != nil {
			b.v.add(key, codeDatatypeMismatch, "It should be a/an Array of objects")
		}
	}
	decode("conditions", &r.Conditions)
	decode("actions", &r.Actions)
	if create && strings.TrimSpace(r.Name) == "" {
		b.v.add("name", codeMissingField, "It should be a/an String")
	}
	if create && len(r.Actions) == 0 {
		b.v.add("actions", codeMissingField, "It should be a/an Array")
	}
	for i, a := range r.Actions {
		if a.FieldName == "" {
			b.v.add("actions", codeMissingField, "actions[%d]: field_name is missing", i)
		}
		if a.FieldName != ActionTriggerWebhook {
			continue
		}
		if u, err := url.Parse(strings.ReplaceAll(a.URL, "{{", "")); a.URL == "" || err != nil || u.Host == "" {
			b.v.add("url", codeInvalidValue, "It should be a valid URL")
		}
		if a.RequestType != "" && !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, strings.ToUpper(a.RequestType)) {
			b.v.add("request_type", codeInvalidValue, "It should be one of these values: 'GET,POST,PUT,PATCH,DELETE'")
		}
		if a.ContentType != "" && !slices.Contains([]string{"json", "xml", "x-www-form-urlencoded"}, a.ContentType) {
			b.v.add("content_type", codeInvalidValue, "It should be one of these values: 'json,xml,x-www-form-urlencoded'")
		}
	}
	return b.v.err()
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request) error {
	typ, err := automationType(r)
	if err != nil {
		return err
	}
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	rule := &AutomationRule{AutomationTypeID: typ, Active: true, Operator: "AND"}
	if err := parseRule(m, rule, true); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	rule.ID, rule.CreatedAt, rule.UpdatedAt = s.nextID(), now, now
	if rule.Position == 0 {
		for _, o := range s.rules {
			if o.AutomationTypeID == typ {
				rule.Position = max(rule.Position, o.Position)
			}
		}
		rule.Position++
	}
	s.rules[rule.ID] = rule
	writeJSON(w, http.StatusCreated, ruleView(rule))
	return nil
}

// rulesLocked returns the rules of a type by position. s.mu must be held.
func (s *Server) rulesLocked(typ int) []*AutomationRule {
	var list []*AutomationRule
	for _, r := range s.rules {
		if r.AutomationTypeID == typ {
			list = append(list, r)
		}
	}
	slices.SortFunc(list, func(a, b *AutomationRule) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return list
}

// listRules serves GET /automations/{type}/rules as a JSON array
// (UNCONFIRMED: the list's wrapper, if any, is not in the sheets), paged.
func (s *Server) listRules(w http.ResponseWriter, r *http.Request) error {
	typ, err := automationType(r)
	if err != nil {
		return err
	}
	page, perPage, err := paging(r.URL.Query())
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var items []any
	for _, rule := range s.rulesLocked(typ) {
		items = append(items, ruleView(rule))
	}
	writePage(w, r, s.baseURLLocked(), items, page, perPage)
	return nil
}

func (s *Server) ruleLocked(r *http.Request) (*AutomationRule, error) {
	typ, err := automationType(r)
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	rule, ok := s.rules[id]
	if !ok || rule.AutomationTypeID != typ {
		return nil, errNotFound
	}
	return rule, nil
}

func (s *Server) showRule(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rule, err := s.ruleLocked(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleView(rule))
	return nil
}

func (s *Server) updateRule(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rule, err := s.ruleLocked(r)
	if err != nil {
		return err
	}
	next := *rule
	if _, ok := m["conditions"]; ok {
		next.Conditions = nil
	}
	if _, ok := m["actions"]; ok {
		next.Actions = nil
	}
	if err := parseRule(m, &next, false); err != nil {
		return err
	}
	next.UpdatedAt = s.now()
	*rule = next
	writeJSON(w, http.StatusOK, ruleView(rule))
	return nil
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rule, err := s.ruleLocked(r)
	if err != nil {
		return err
	}
	delete(s.rules, rule.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// runRulesLocked runs the active ticket-creation rules that match t, in
// position order, queueing their webhooks. Freshdesk can run the first
// matching rule or all of them (an account setting, UNCONFIRMED default):
// the sandbox runs all, or the first with Config.FirstMatchingRule. s.mu
// must be held.
func (s *Server) runRulesLocked(t *Ticket) {
	values := s.placeholdersLocked(t)
	for _, rule := range s.rulesLocked(AutomationTicketCreation) {
		if !rule.Active || !s.matchesLocked(rule, t) {
			continue
		}
		for _, a := range rule.Actions {
			if a.FieldName == ActionTriggerWebhook {
				s.queueWebhookLocked(rule.ID, t.ID, a, values)
			}
		}
		if s.cfg.FirstMatchingRule {
			return
		}
	}
}

// matchesLocked evaluates a rule's conditions on t: each condition's
// properties by its match_type (all by default), the conditions by the
// rule's operator (AND by default). No conditions match every ticket.
func (s *Server) matchesLocked(rule *AutomationRule, t *Ticket) bool {
	if len(rule.Conditions) == 0 {
		return true
	}
	results := make([]bool, len(rule.Conditions))
	for i, c := range rule.Conditions {
		any := c.MatchType == "any"
		ok := !any
		for _, p := range c.Properties {
			m := s.propertyMatchesLocked(p, t)
			if any {
				ok = ok || m
			} else {
				ok = ok && m
			}
		}
		results[i] = ok || len(c.Properties) == 0
	}
	if rule.Operator == "OR" {
		return slices.Contains(results, true)
	}
	return !slices.Contains(results, false)
}

func (s *Server) propertyMatchesLocked(p Property, t *Ticket) bool {
	var have string
	switch p.FieldName {
	case "priority":
		have = strconv.Itoa(t.Priority)
	case "status":
		have = strconv.Itoa(t.Status)
	case "source":
		have = strconv.Itoa(t.Source)
	case "ticket_type":
		have = t.Type
	case "subject":
		have = t.Subject
	case "requester_email":
		if c, ok := s.contacts[t.RequesterID]; ok {
			have = c.Email
		}
	default:
		return true
	}
	var want []string
	switch v := p.Value.(type) {
	case []any:
		for _, e := range v {
			want = append(want, fmt.Sprint(e))
		}
	default:
		want = []string{fmt.Sprint(v)}
	}
	contains := func() bool {
		return slices.ContainsFunc(want, func(w string) bool { return strings.Contains(strings.ToLower(have), strings.ToLower(w)) })
	}
	switch p.Operator {
	case "in", "is":
		return slices.Contains(want, have)
	case "not_in", "is_not":
		return !slices.Contains(want, have)
	case "contains":
		return contains()
	case "does_not_contain":
		return !contains()
	}
	return true
}

// placeholdersLocked returns the values of a ticket's placeholders as a
// webhook renders them (apps-freshdesk-ops.md §2.1): strings, the status,
// priority and source as names, the description as HTML. s.mu must be
// held.
func (s *Server) placeholdersLocked(t *Ticket) map[string]string {
	v := map[string]string{
		"triggered_event":              "{ticket_action:created}",
		"ticket.id":                    strconv.FormatInt(t.ID, 10),
		"ticket.subject":               t.Subject,
		"ticket.description":           t.Description,
		"ticket.status":                statusNames[t.Status],
		"ticket.priority":              priorityNames[t.Priority],
		"ticket.source":                sourceNames[t.Source],
		"ticket.ticket_type":           t.Type,
		"ticket.tags":                  strings.Join(t.Tags, ","), // UNCONFIRMED separator
		"ticket.url":                   s.baseURLLocked() + "/helpdesk/tickets/" + strconv.FormatInt(t.ID, 10),
		"ticket.portal_url":            s.baseURLLocked() + "/support/tickets/" + strconv.FormatInt(t.ID, 10),
		"ticket.due_by_time":           t.DueBy.Format(time.RFC1123),
		"ticket.requester.id":          strconv.FormatInt(t.RequesterID, 10),
		"ticket.company.id":            "",
		"ticket.company.name":          "",
		"ticket.agent.name":            "",
		"ticket.agent.email":           "",
		"ticket.latest_public_comment": "",
	}
	if c, ok := s.contacts[t.RequesterID]; ok {
		v["ticket.requester.email"] = c.Email
		v["ticket.requester.name"] = c.Name
		v["ticket.requester.phone"] = c.Phone
		v["ticket.requester.mobile"] = c.Mobile
	}
	if c, ok := s.companies[t.CompanyID]; ok {
		v["ticket.company.id"], v["ticket.company.name"] = strconv.FormatInt(c.ID, 10), c.Name
	}
	if a, ok := s.agents[t.ResponderID]; ok {
		v["ticket.agent.name"], v["ticket.agent.email"] = a.Name, a.Email
	}
	for k, val := range t.CustomFields {
		v["ticket."+k] = fmt.Sprint(val)
	}
	return v
}

var placeholderPattern = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`)

// render replaces the placeholders of template with values, each passed
// through escape; an unknown placeholder renders empty (UNCONFIRMED).
func render(template string, values map[string]string, escape func(string) string) string {
	return placeholderPattern.ReplaceAllStringFunc(template, func(m string) string {
		name := placeholderPattern.FindStringSubmatch(m)[1]
		return escape(values[name])
	})
}

// jsonEscape escapes a value inside a JSON string. Whether Freshdesk
// escapes placeholder values is UNVERIFIED (§2.1): the sandbox does, so
// that its bodies are JSON.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// simpleKey is the key of a placeholder in a simple-mode body:
// ticket.requester.email is ticket_contact_email (the key a third-party
// receiver reads, §2.1), any other name has its dots made underscores
// (ticket.id → ticket_id). UNCONFIRMED: "simple (non-Advanced) mode field
// names are UNVERIFIED" (§2.1).
func simpleKey(name string) string {
	switch name {
	case "ticket.requester.email":
		return "ticket_contact_email"
	case "ticket.requester.name":
		return "ticket_contact_name"
	}
	return strings.ReplaceAll(name, ".", "_")
}

// simpleDefault are the placeholders of a simple-mode body that lists
// none.
var simpleDefault = []string{"ticket.id", "ticket.subject", "ticket.status", "ticket.priority", "ticket.url", "ticket.requester.email", "ticket.requester.name"}

// renderBody renders an action's body and content type.
func renderBody(a Action, values map[string]string) ([]byte, string) {
	contentType := map[string]string{
		"":                      "application/json",
		"json":                  "application/json",
		"xml":                   "application/xml",
		"x-www-form-urlencoded": "application/x-www-form-urlencoded",
	}[a.ContentType]
	if a.ContentLayout == LayoutAdvanced || (a.ContentLayout == "" && isString(a.Content)) {
		tmpl, _ := a.Content.(string)
		escape := func(s string) string { return s }
		switch a.ContentType {
		case "", "json":
			escape = jsonEscape
		case "x-www-form-urlencoded":
			escape = url.QueryEscape
		}
		return []byte(render(tmpl, values, escape)), contentType
	}
	names := simpleDefault
	if list, ok := a.Content.([]any); ok && len(list) > 0 {
		names = nil
		for _, e := range list {
			if n, ok := e.(string); ok {
				names = append(names, strings.Trim(n, "{} "))
			}
		}
	}
	fields := map[string]string{}
	form := url.Values{}
	for _, n := range names {
		fields[simpleKey(n)] = values[n]
		form.Set("freshdesk_webhook["+simpleKey(n)+"]", values[n])
	}
	if a.ContentType == "x-www-form-urlencoded" {
		return []byte(form.Encode()), contentType
	}
	// XML in simple mode is not emulated: it is sent as JSON.
	b, _ := json.Marshal(map[string]any{"freshdesk_webhook": fields})
	return b, "application/json"
}

func isString(v any) bool { _, ok := v.(string); return ok }

// Webhook retries: Freshdesk retries a failed delivery at +5, +30 and +60
// minutes (§10.8), scaled by Config.WebhookRetryScale; a delivery deferred
// by the rate limit for more than 24 hours (scaled) is dropped.
var retryDelays = []time.Duration{5 * time.Minute, 30 * time.Minute, 60 * time.Minute}

const maxDeferral = 24 * time.Hour

// Delivery is one webhook of a rule's action, with its retries.
type Delivery struct {
	RuleID     int64
	TicketID   int64
	Method     string
	URL        string
	Body       string
	Attempts   int
	StatusCode int   // of the last attempt; 0 when it got no response
	Err        error // nil when the endpoint answered 2xx
}

// Deliveries returns the webhook deliveries that have finished, with
// success or after giving up, in the order they finished.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// WaitDeliveries blocks until n deliveries have finished, or ctx is done.
func (s *Server) WaitDeliveries(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return len(s.deliveries) >= n })
}

// webhookRequest is a rendered webhook, ready to send without the lock.
type webhookRequest struct {
	d           Delivery
	body        []byte
	contentType string
	action      Action
}

func (s *Server) queueWebhookLocked(ruleID, ticketID int64, a Action, values map[string]string) {
	req := webhookRequest{
		d:      Delivery{RuleID: ruleID, TicketID: ticketID, Method: strings.ToUpper(cmp.Or(a.RequestType, http.MethodPost))},
		action: a,
	}
	req.d.URL = render(a.URL, values, url.QueryEscape)
	if req.d.Method != http.MethodGet && req.d.Method != http.MethodDelete {
		req.body, req.contentType = renderBody(a, values)
		req.d.Body = string(req.body)
	}
	s.goLocked(func(ctx context.Context) { s.deliver(ctx, req) })
}

// deliver sends a webhook within the rate limit, retrying failures, and
// records it.
func (s *Server) deliver(ctx context.Context, req webhookRequest) {
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) * s.cfg.WebhookRetryScale) }
	d := req.d
	var deferred time.Duration
	for {
		wait, ok := s.limits.take(s.cfg.Now())
		if !ok {
			wait = max(scale(wait), time.Millisecond)
			deferred += wait
			if deferred > scale(maxDeferral) {
				d.Err = errorf("webhook dropped after deferring it %v over the rate limit", deferred)
				break
			}
			if !s.sleep(ctx, wait) {
				d.Err = errorf("closed while deferring the webhook")
				break
			}
			continue
		}
		s.stats.credits(1)
		d.Attempts++
		s.stats.webhookAttempt()
		d.StatusCode, d.Err = s.attempt(ctx, req)
		if d.Err == nil || d.Attempts > len(retryDelays) {
			break
		}
		s.log.Debug("sandbox: webhook retry", "rule_id", d.RuleID, "ticket_id", d.TicketID, "attempt", d.Attempts, "err", d.Err)
		if !s.sleep(ctx, scale(retryDelays[d.Attempts-1])) {
			d.Err = errorf("closed before retrying: %w", d.Err)
			break
		}
	}
	level := s.log.Info
	if d.Err != nil {
		level = s.log.Warn
	}
	level("sandbox: webhook delivery", "rule_id", d.RuleID, "ticket_id", d.TicketID, "url", d.URL,
		"attempts", d.Attempts, "status", d.StatusCode, "err", d.Err)
	s.mu.Lock()
	s.deliveries = append(s.deliveries, d)
	s.notifyLocked()
	s.mu.Unlock()
}

// attempt sends one webhook request with the action's auth and headers.
func (s *Server) attempt(ctx context.Context, req webhookRequest) (int, error) {
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.d.Method, req.d.URL, body)
	if err != nil {
		return 0, err
	}
	a := req.action
	for k, v := range a.CustomHeaders {
		hr.Header.Set(k, v)
	}
	switch {
	case a.AuthHeader != nil:
		hr.SetBasicAuth(a.AuthHeader["username"], a.AuthHeader["password"])
	case a.APIKey != "":
		// "API key" authentication sends the key as Basic auth's
		// username (UNCONFIRMED, §10.8 names the option only).
		hr.SetBasicAuth(a.APIKey, "X")
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", req.contentType)
	}
	resp, err := s.cfg.Client.Do(hr)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, errorf("webhook endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

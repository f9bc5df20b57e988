package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Ticket enums (§10.2).
const (
	StatusOpen     = 2
	StatusPending  = 3
	StatusResolved = 4
	StatusClosed   = 5

	PriorityLow    = 1
	PriorityMedium = 2
	PriorityHigh   = 3
	PriorityUrgent = 4

	SourceEmail  = 1
	SourcePortal = 2
	SourcePhone  = 3
	SourceChat   = 7
)

// validSources are the sources a ticket may be created with: §10.2's, and
// 5, 6 and 11 (social and bot channels, "other values exist"; UNCONFIRMED
// which).
var validSources = []int64{1, 2, 3, 5, 6, 7, 9, 10, 11}

var statusNames = map[int]string{2: "Open", 3: "Pending", 4: "Resolved", 5: "Closed"}
var priorityNames = map[int]string{1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}
var sourceNames = map[int]string{1: "Email", 2: "Portal", 3: "Phone", 5: "Twitter", 6: "Facebook", 7: "Chat", 9: "Feedback Widget", 10: "Outbound Email", 11: "Ecommerce"}

// Defaults of a created ticket without them: Freshdesk's documented
// defaults (status Open, priority Low, source Portal) are UNCONFIRMED in
// the sheets.
const (
	defaultStatus   = StatusOpen
	defaultPriority = PriorityLow
	defaultSource   = SourcePortal
)

// Due dates: a ticket's SLA is not emulated; fr_due_by and due_by are set
// these long after creation (a guess, not from the sheets).
const (
	firstResponseDue = 24 * time.Hour
	resolutionDue    = 72 * time.Hour
)

// listWindow is how far back GET /tickets looks without updated_since: the
// last 30 days (§10.2).
const listWindow = 30 * 24 * time.Hour

// maxIncludedConversations is how many conversations include=conversations
// embeds (Freshdesk's documented 10; UNCONFIRMED in the sheets).
const maxIncludedConversations = 10

// ticketFields are the fields of a ticket create or update body.
var ticketFields = []string{
	"subject", "description", "status", "priority", "source", "type", "tags", "custom_fields",
	"company_id", "requester_id", "email", "name", "phone", "unique_external_id",
	"responder_id", "group_id", "product_id", "cc_emails", "due_by", "fr_due_by",
}

// ticketInput is a parsed create or update body: nil pointers are absent.
type ticketInput struct {
	subject, description, typ *string
	status, priority, source  *int
	tags, ccEmails            *[]string
	custom                    map[string]any
	companyID                 *int64 // 0 clears
	requesterID               *int64
	email, name, phone, extID string
	responderID, groupID      *int64
	productID                 *int64
	dueBy, frDueBy            *time.Time
}

// parseTicket reads and validates a ticket body. s.mu must be held: the
// custom fields and the ticket type are checked against the fields.
func (s *Server) parseTicketLocked(m map[string]any, create bool) (ticketInput, error) {
	b := &body{m: m}
	b.only(ticketFields...)
	var in ticketInput
	var str string
	if b.str("subject", &str) {
		in.subject = ptr(str)
	}
	if b.str("description", &str) {
		in.description = ptr(str)
	}
	if b.has("type") && m["type"] == nil {
		in.typ = ptr("")
	} else if b.str("type", &str) {
		if choices := s.typeChoicesLocked(); !slices.Contains(choices, str) {
			b.v.add("type", codeInvalidValue, "It should be one of these values: '%s'", strings.Join(choices, ","))
		} else {
			in.typ = ptr(str)
		}
	}
	enum := func(key string, valid []int64, dst **int) {
		var n int64
		if present, null := b.integer(key, &n); present {
			if null || !slices.Contains(valid, n) {
				b.v.add(key, codeInvalidValue, "It should be one of these values: '%s'", joinInts(valid))
				return
			}
			*dst = ptr(int(n))
		}
	}
	enum("status", []int64{2, 3, 4, 5}, &in.status)
	enum("priority", []int64{1, 2, 3, 4}, &in.priority)
	enum("source", validSources, &in.source)
	var tags []string
	if b.strings("tags", &tags) {
		for _, t := range tags {
			if strings.TrimSpace(t) == "" || strings.Contains(t, ",") {
				b.v.add("tags", codeInvalidValue, "It should not contain empty values or commas")
				break
			}
		}
		in.tags = &tags
	}
	var cc []string
	if b.strings("cc_emails", &cc) {
		in.ccEmails = &cc
	}
	ids := func(key string, exists func(int64) bool, dst **int64) {
		var n int64
		present, null := b.integer(key, &n)
		switch {
		case !present:
		case null:
			*dst = ptr(int64(0))
		case !exists(n):
			b.v.add(key, codeInvalidValue, "There is no %s matching the given %s", strings.TrimSuffix(key, "_id"), key)
		default:
			*dst = ptr(n)
		}
	}
	ids("company_id", func(id int64) bool { _, ok := s.companies[id]; return ok }, &in.companyID)
	ids("requester_id", func(id int64) bool { _, ok := s.contacts[id]; return ok }, &in.requesterID)
	ids("responder_id", func(id int64) bool { _, ok := s.agents[id]; return ok }, &in.responderID)
	ids("group_id", func(int64) bool { return true }, &in.groupID)
	ids("product_id", func(int64) bool { return true }, &in.productID)
	b.str("email", &in.email)
	b.str("name", &in.name)
	b.str("phone", &in.phone)
	b.str("unique_external_id", &in.extID)
	for _, key := range []string{"due_by", "fr_due_by"} {
		if b.str(key, &str) {
			t, err := time.Parse(time.RFC3339, str)
			if err != nil {
				b.v.add(key, codeInvalidValue, "It should be in the 'combined date and time ISO8601' format")
				continue
			}
			if key == "due_by" {
				in.dueBy = ptr(t.UTC())
			} else {
				in.frDueBy = ptr(t.UTC())
			}
		}
	}
	if custom, ok := b.object("custom_fields"); ok {
		in.custom = s.checkCustomFieldsLocked(b, custom)
	}
	if create {
		// Freshdesk's message for a ticket without a requester
		// (UNCONFIRMED wording).
		if !b.has("requester_id") && in.email == "" && in.phone == "" && in.extID == "" {
			b.v.add("requester_id", codeMissingField, "Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id attributes")
		}
		if in.phone != "" && in.email == "" && in.requesterID == nil && in.name == "" {
			b.v.add("name", codeMissingField, "It should be a/an String")
		}
		if in.subject == nil {
			// UNCONFIRMED: the sandbox requires a subject, as the
			// Freshdesk ticket form does.
			b.v.add("subject", codeMissingField, "It should be a/an String")
		}
	}
	if in.email != "" && !strings.Contains(in.email, "@") {
		b.v.add("email", codeInvalidValue, "It should be in the 'valid email address' format")
	}
	return in, b.v.err()
}

func ptr[T any](v T) *T { return &v }

func joinInts(ns []int64) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(s, ",")
}

// requesterLocked finds or creates the contact of a create body: by
// requester_id, else by email (creating the contact when none has it), by
// unique_external_id, or by phone (creating one named name).
func (s *Server) requesterLocked(in ticketInput, now time.Time) (*Contact, error) {
	if in.requesterID != nil {
		return s.contacts[*in.requesterID], nil
	}
	if in.email != "" {
		if c := s.contactByEmailLocked(in.email); c != nil {
			return c, nil
		}
		name := in.name
		if name == "" {
			name, _, _ = strings.Cut(in.email, "@")
		}
		return s.addContactLocked(&Contact{Name: name, Email: strings.ToLower(in.email)}, now), nil
	}
	if in.extID != "" {
		for _, c := range s.contacts {
			if c.UniqueExternalID == in.extID {
				return c, nil
			}
		}
		return nil, errValidation("unique_external_id", codeInvalidValue, "There is no contact matching the given unique_external_id")
	}
	for _, c := range s.contacts {
		if c.Phone == in.phone || c.Mobile == in.phone {
			return c, nil
		}
	}
	return s.addContactLocked(&Contact{Name: in.name, Phone: in.phone}, now), nil
}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.parseTicketLocked(m, true)
	if err != nil {
		return err
	}
	now := s.now()
	requester, err := s.requesterLocked(in, now)
	if err != nil {
		return err
	}
	s.ticketSeq++
	t := &Ticket{
		ID:          s.ticketSeq,
		Status:      defaultStatus,
		Priority:    defaultPriority,
		Source:      defaultSource,
		RequesterID: requester.ID,
		CompanyID:   requester.CompanyID,
		CreatedAt:   now,
		UpdatedAt:   now,
		DueBy:       now.Add(resolutionDue),
		FrDueBy:     now.Add(firstResponseDue),
	}
	t.Stats.StatusUpdatedAt = now
	s.applyTicketLocked(t, in, now)
	s.tickets[t.ID] = t
	s.tagsAdded(nil, t)
	s.runRulesLocked(t)
	writeJSON(w, http.StatusCreated, s.ticketViewLocked(t, nil, true))
	return nil
}

// applyTicketLocked writes in's fields to t, moving its stats as its status
// changes: tags replace the list, custom fields merge.
func (s *Server) applyTicketLocked(t *Ticket, in ticketInput, now time.Time) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&t.Subject, in.subject)
	set(&t.Description, in.description)
	set(&t.Type, in.typ)
	if in.priority != nil {
		t.Priority = *in.priority
	}
	if in.source != nil {
		t.Source = *in.source
	}
	if in.status != nil && *in.status != t.Status {
		s.moveStatus(t, *in.status, now)
	}
	if in.tags != nil {
		t.Tags = slices.Clone(*in.tags)
	}
	if in.ccEmails != nil {
		t.CCEmails = slices.Clone(*in.ccEmails)
	}
	setID := func(dst *int64, src *int64) {
		if src != nil {
			*dst = *src
		}
	}
	setID(&t.CompanyID, in.companyID)
	setID(&t.ResponderID, in.responderID)
	setID(&t.GroupID, in.groupID)
	setID(&t.ProductID, in.productID)
	if in.requesterID != nil {
		t.RequesterID = *in.requesterID
	}
	if in.dueBy != nil {
		t.DueBy = *in.dueBy
	}
	if in.frDueBy != nil {
		t.FrDueBy = *in.frDueBy
	}
	for k, v := range in.custom {
		if t.CustomFields == nil {
			t.CustomFields = map[string]any{}
		}
		t.CustomFields[k] = v
	}
}

// moveStatus sets t's status and the stats it moves.
func (s *Server) moveStatus(t *Ticket, status int, now time.Time) {
	was := t.Status
	t.Status = status
	st := &t.Stats
	st.StatusUpdatedAt = now
	switch status {
	case StatusPending:
		st.PendingSince = now
	case StatusResolved:
		st.ResolvedAt = now
	case StatusClosed:
		st.ClosedAt = now
		if st.ResolvedAt.IsZero() {
			st.ResolvedAt = now
		}
	case StatusOpen:
		if was == StatusResolved || was == StatusClosed {
			st.ReopenedAt = now
		}
	}
	if status != StatusPending {
		st.PendingSince = time.Time{}
	}
}

// ticketByIDLocked returns a ticket, deleted ones included.
func (s *Server) ticketByIDLocked(r *http.Request) (*Ticket, error) {
	return byIDLocked(r, s.tickets)
}

// parseInclude reads include= against the embeds an endpoint allows.
func parseInclude(r *http.Request, allowed ...string) (map[string]bool, error) {
	raw := r.URL.Query().Get("include")
	if raw == "" {
		return nil, nil
	}
	inc := map[string]bool{}
	for _, e := range strings.Split(raw, ",") {
		e = strings.TrimSpace(e)
		if !slices.Contains(allowed, e) {
			return nil, errValidation("include", codeInvalidValue, "It should be one of these values: '%s'", strings.Join(allowed, ","))
		}
		inc[e] = true
	}
	return inc, nil
}

func (s *Server) showTicket(w http.ResponseWriter, r *http.Request) error {
	inc, err := parseInclude(r, "conversations", "requester", "company", "stats")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.ticketViewLocked(t, inc, true))
	return nil
}

// ticketViewLocked is a ticket as the API answers it, with the embeds of
// inc; description says whether description and description_text are
// shown (a view, or include=description on the list).
func (s *Server) ticketViewLocked(t *Ticket, inc map[string]bool, description bool) map[string]any {
	v := map[string]any{
		"id":              t.ID,
		"subject":         t.Subject,
		"status":          t.Status,
		"priority":        t.Priority,
		"source":          t.Source,
		"type":            nil,
		"requester_id":    t.RequesterID,
		"responder_id":    idOrNull(t.ResponderID),
		"group_id":        idOrNull(t.GroupID),
		"company_id":      idOrNull(t.CompanyID),
		"product_id":      idOrNull(t.ProductID),
		"email_config_id": nil,
		"cc_emails":       nonNil(t.CCEmails),
		"fwd_emails":      []string{},
		"reply_cc_emails": nonNil(t.CCEmails),
		"to_emails":       nil,
		"tags":            nonNil(t.Tags),
		"custom_fields":   s.customFieldsViewLocked(t),
		"due_by":          fmtTime(t.DueBy),
		"fr_due_by":       fmtTime(t.FrDueBy),
		"is_escalated":    false,
		"fr_escalated":    false,
		"spam":            t.Spam,
		"attachments":     []any{},
		"created_at":      fmtTime(t.CreatedAt),
		"updated_at":      fmtTime(t.UpdatedAt),
	}
	if t.Type != "" {
		v["type"] = t.Type
	}
	if t.Deleted {
		v["deleted"] = true
	}
	if description {
		v["description"] = t.Description
		v["description_text"] = htmlText(t.Description)
	}
	if inc["stats"] {
		st := t.Stats
		v["stats"] = map[string]any{
			"agent_responded_at":     fmtTime(st.AgentRespondedAt),
			"requester_responded_at": fmtTime(st.RequesterRespondedAt),
			"first_responded_at":     fmtTime(st.FirstRespondedAt),
			"status_updated_at":      fmtTime(st.StatusUpdatedAt),
			"reopened_at":            fmtTime(st.ReopenedAt),
			"resolved_at":            fmtTime(st.ResolvedAt),
			"closed_at":              fmtTime(st.ClosedAt),
			"pending_since":          fmtTime(st.PendingSince),
		}
	}
	if inc["requester"] {
		if c, ok := s.contacts[t.RequesterID]; ok {
			v["requester"] = map[string]any{"id": c.ID, "name": c.Name, "email": nullIfEmpty(c.Email), "mobile": nullIfEmpty(c.Mobile), "phone": nullIfEmpty(c.Phone)}
		}
	}
	if inc["company"] {
		if c, ok := s.companies[t.CompanyID]; ok {
			v["company"] = map[string]any{"id": c.ID, "name": c.Name}
		} else {
			v["company"] = map[string]any{}
		}
	}
	if inc["conversations"] {
		convs := []any{}
		for _, id := range t.ConversationIDs[:min(len(t.ConversationIDs), maxIncludedConversations)] {
			convs = append(convs, conversationView(s.convs[id]))
		}
		v["conversations"] = convs
	}
	return v
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil || t.Deleted {
		return errNotFound
	}
	in, err := s.parseTicketLocked(m, false)
	if err != nil {
		return err
	}
	s.updateTicketLocked(t, in)
	writeJSON(w, http.StatusOK, s.ticketViewLocked(t, nil, true))
	return nil
}

// updateTicketLocked applies an update to t, counting it in Stats and
// telling the tag watchers.
func (s *Server) updateTicketLocked(t *Ticket, in ticketInput) {
	before := &Ticket{Tags: slices.Clone(t.Tags)}
	now := s.now()
	s.applyTicketLocked(t, in, now)
	t.UpdatedAt = now
	s.stats.ticketUpdated(t.ID)
	s.tagsAdded(before, t)
}

func (s *Server) deleteTicket(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil || t.Deleted {
		return errNotFound
	}
	t.Deleted = true
	t.UpdatedAt = s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) restoreTicket(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil || !t.Deleted {
		return errNotFound
	}
	t.Deleted = false
	t.UpdatedAt = s.now()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// listTickets serves GET /tickets (§10.2): without updated_since only the
// tickets created in the last 30 days; filters requester_id, email,
// company_id, updated_since and filter=deleted|spam; order_by created_at
// (default), due_by, updated_at or status; order_type desc (default) or
// asc; include=stats, requester, description.
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, perPage, err := paging(q)
	if err != nil {
		return err
	}
	inc, err := parseInclude(r, "requester", "stats", "description")
	if err != nil {
		return err
	}
	since, hasSince, err := parseSince(q, "updated_since")
	if err != nil {
		return err
	}
	orderBy := cmp.Or(q.Get("order_by"), "created_at")
	if !slices.Contains([]string{"created_at", "due_by", "updated_at", "status"}, orderBy) {
		return errValidation("order_by", codeInvalidValue, "It should be one of these values: 'created_at,due_by,updated_at,status'")
	}
	orderType := cmp.Or(q.Get("order_type"), "desc")
	if orderType != "asc" && orderType != "desc" {
		return errValidation("order_type", codeInvalidValue, "It should be one of these values: 'asc,desc'")
	}
	filter := q.Get("filter")
	if filter != "" && filter != "deleted" && filter != "spam" {
		// new_and_my_open and watching are not emulated.
		return errValidation("filter", codeInvalidValue, "It should be one of these values: 'deleted,spam'")
	}
	var requesterID, companyID int64
	for key, dst := range map[string]*int64{"requester_id": &requesterID, "company_id": &companyID} {
		if v := q.Get(key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errValidation(key, codeDatatypeMismatch, "It should be a/an Positive Integer")
			}
			*dst = n
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if email := q.Get("email"); email != "" {
		c := s.contactByEmailLocked(email)
		if c == nil {
			writeJSON(w, http.StatusOK, []any{})
			return nil
		}
		requesterID = c.ID
	}
	now := s.now()
	var list []*Ticket
	for _, t := range s.tickets {
		switch {
		case t.Deleted != (filter == "deleted"), t.Spam != (filter == "spam"):
		case hasSince && t.UpdatedAt.Before(since):
		case !hasSince && t.CreatedAt.Before(now.Add(-listWindow)):
		case requesterID != 0 && t.RequesterID != requesterID:
		case companyID != 0 && t.CompanyID != companyID:
		default:
			list = append(list, t)
		}
	}
	key := func(t *Ticket) int64 {
		switch orderBy {
		case "due_by":
			return t.DueBy.Unix()
		case "updated_at":
			return t.UpdatedAt.Unix()
		case "status":
			return int64(t.Status)
		}
		return t.CreatedAt.Unix()
	}
	slices.SortFunc(list, func(a, b *Ticket) int {
		c := cmp.Or(cmp.Compare(key(a), key(b)), cmp.Compare(a.ID, b.ID))
		if orderType == "desc" {
			return -c
		}
		return c
	})
	items := make([]any, len(list))
	for i, t := range list {
		items[i] = s.ticketViewLocked(t, inc, inc["description"])
	}
	writePage(w, r, s.baseURLLocked(), items, page, perPage)
	return nil
}

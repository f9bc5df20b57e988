package sandbox

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Ticket field values Zendesk accepts, in the order that less_than and
// greater_than conditions compare them. "" is an unset priority or type.
var (
	ticketStatuses   = []string{"new", "open", "pending", "hold", "solved", "closed"}
	ticketPriorities = []string{"", "low", "normal", "high", "urgent"}
	ticketTypes      = []string{"", "question", "incident", "problem", "task"}
)

const (
	statusNew    = "new"
	statusOpen   = "open"
	statusSolved = "solved"
	statusClosed = "closed"
)

// Update types seen by triggers.
const (
	updateCreate = "Create"
	updateChange = "Change"
)

// ticket is a stored ticket. A stored ticket is never modified: a write
// builds a clone and replaces it, so views taken earlier stay consistent.
type ticket struct {
	id             int64
	externalID     string
	subject        string
	priority       string
	status         string
	typ            string
	requesterID    int64
	submitterID    int64
	assigneeID     int64
	groupID        int64
	organizationID int64
	tags           []string
	customFields   []customField // sorted by id
	comments       []comment     // oldest first
	createdAt      time.Time
	updatedAt      time.Time
	// change numbers the write that stored this version of the ticket: the
	// incremental ticket export lists tickets by it.
	change  int64
	metrics ticketMetrics
	rating  satisfaction // id 0: not rated
}

// customField is a custom field value: a string, a bool, nil or a []string,
// the only types go-zendesk can decode.
type customField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

func (t *ticket) clone() *ticket {
	c := *t
	c.tags = slices.Clone(t.tags)
	c.customFields = slices.Clone(t.customFields)
	c.comments = slices.Clone(t.comments)
	return &c
}

// description is the first comment's body, as Zendesk reports it.
func (t *ticket) description() string {
	if len(t.comments) == 0 {
		return ""
	}
	return t.comments[0].body
}

// isPublic reports whether any comment is public.
func (t *ticket) isPublic() bool {
	return slices.ContainsFunc(t.comments, func(c comment) bool { return c.public })
}

func (t *ticket) customFieldValue(id int64) (any, bool) {
	i, ok := slices.BinarySearchFunc(t.customFields, id, func(f customField, id int64) int {
		return cmp.Compare(f.ID, id)
	})
	if !ok {
		return nil, false
	}
	return t.customFields[i].Value, true
}

func (t *ticket) setCustomField(id int64, v any) {
	i, ok := slices.BinarySearchFunc(t.customFields, id, func(f customField, id int64) int {
		return cmp.Compare(f.ID, id)
	})
	if ok {
		t.customFields[i].Value = v
		return
	}
	t.customFields = slices.Insert(t.customFields, i, customField{ID: id, Value: v})
}

// The account's one brand and one ticket form, and the standard custom
// status of each status category: every ticket has a brand, a form and a
// custom status on a Zendesk account. Their ids lie below the account's
// sequence (firstID), so they never meet another record's.
const (
	defaultBrandID      = firstID - 1000
	defaultTicketFormID = firstID - 999
	firstCustomStatusID = firstID - 900
)

// customStatusID is the id of the standard custom status of a ticket
// status.
func customStatusID(status string) int64 {
	return firstCustomStatusID + int64(slices.Index(ticketStatuses, status))
}

// ticketJSON is a ticket as Zendesk serializes it (fixture GET/ticket.json).
// Fields typed any are features the sandbox does not emulate; they are
// always null. A ticket with no group or organization leaves out group_id
// and organization_id: Zendesk's OpenAPI document does not let them be
// null, and no answer of Zendesk's to hand shows them null.
type ticketJSON struct {
	URL                     string        `json:"url"`
	ID                      int64         `json:"id"`
	ExternalID              *string       `json:"external_id"`
	Via                     viaJSON       `json:"via"`
	CreatedAt               string        `json:"created_at"`
	UpdatedAt               string        `json:"updated_at"`
	GeneratedTimestamp      int64         `json:"generated_timestamp"`
	Type                    *string       `json:"type"`
	Subject                 string        `json:"subject"`
	RawSubject              string        `json:"raw_subject"`
	Description             string        `json:"description"`
	Priority                *string       `json:"priority"`
	Status                  string        `json:"status"`
	CustomStatusID          int64         `json:"custom_status_id"`
	Recipient               any           `json:"recipient"`
	RequesterID             int64         `json:"requester_id"`
	SubmitterID             int64         `json:"submitter_id"`
	AssigneeID              *int64        `json:"assignee_id"`
	OrganizationID          *int64        `json:"organization_id,omitempty"`
	GroupID                 *int64        `json:"group_id,omitempty"`
	CollaboratorIDs         []int64       `json:"collaborator_ids"`
	FollowerIDs             []int64       `json:"follower_ids"`
	EmailCCIDs              []int64       `json:"email_cc_ids"`
	ForumTopicID            any           `json:"forum_topic_id"`
	ProblemID               any           `json:"problem_id"`
	HasIncidents            bool          `json:"has_incidents"`
	IsPublic                bool          `json:"is_public"`
	DueAt                   any           `json:"due_at"`
	Tags                    []string      `json:"tags"`
	CustomFields            []customField `json:"custom_fields"`
	SatisfactionRating      ratingRefJSON `json:"satisfaction_rating"`
	SharingAgreementIDs     []int64       `json:"sharing_agreement_ids"`
	Fields                  []customField `json:"fields"`
	FollowupIDs             []int64       `json:"followup_ids"`
	TicketFormID            int64         `json:"ticket_form_id"`
	BrandID                 int64         `json:"brand_id"`
	SatisfactionProbability any           `json:"satisfaction_probability"`
	AllowChannelback        bool          `json:"allow_channelback"`
	AllowAttachments        bool          `json:"allow_attachments"`
	FromMessagingChannel    bool          `json:"from_messaging_channel"`
}

func (s *Server) ticketView(t *ticket) ticketJSON {
	return ticketJSON{
		URL:                 s.apiURL("tickets/%d.json", t.id),
		ID:                  t.id,
		ExternalID:          nullString(t.externalID),
		Via:                 viaAPI,
		CreatedAt:           formatTime(t.createdAt),
		UpdatedAt:           formatTime(t.updatedAt),
		GeneratedTimestamp:  t.updatedAt.Unix(),
		Type:                nullString(t.typ),
		Subject:             t.subject,
		RawSubject:          t.subject,
		Description:         t.description(),
		Priority:            nullString(t.priority),
		Status:              t.status,
		RequesterID:         t.requesterID,
		SubmitterID:         t.submitterID,
		AssigneeID:          nullID(t.assigneeID),
		GroupID:             nullID(t.groupID),
		CustomStatusID:      customStatusID(t.status),
		TicketFormID:        defaultTicketFormID,
		BrandID:             defaultBrandID,
		OrganizationID:      nullID(t.organizationID),
		CollaboratorIDs:     []int64{},
		FollowerIDs:         []int64{},
		EmailCCIDs:          []int64{},
		IsPublic:            t.isPublic(),
		SatisfactionRating:  t.ratingRef(),
		Tags:                nonNil(slices.Clone(t.tags)),
		CustomFields:        s.customFieldsOf(t),
		SharingAgreementIDs: []int64{},
		Fields:              s.customFieldsOf(t),
		FollowupIDs:         []int64{},
		AllowAttachments:    true,
	}
}

// viaJSON is the "via" object of tickets, comments and audit events.
type viaJSON struct {
	Channel string    `json:"channel"`
	Source  viaSource `json:"source"`
}

type viaSource struct {
	From any     `json:"from"`
	To   any     `json:"to"`
	Rel  *string `json:"rel"`
}

// viaAPI is the via of everything written through the API.
var viaAPI = viaJSON{Channel: "api", Source: viaSource{From: struct{}{}, To: struct{}{}}}

// viaTrigger is the via of changes made by a trigger.
func viaTrigger(tr *trigger) *viaJSON {
	rel := "trigger"
	return &viaJSON{Channel: "rule", Source: viaSource{
		From: map[string]any{"id": tr.id, "title": tr.title, "deleted": false},
		To:   struct{}{},
		Rel:  &rel,
	}}
}

// auditJSON is the audit Zendesk returns with a ticket write.
type auditJSON struct {
	ID        int64          `json:"id"`
	TicketID  int64          `json:"ticket_id"`
	CreatedAt string         `json:"created_at"`
	AuthorID  int64          `json:"author_id"`
	Metadata  map[string]any `json:"metadata"`
	Via       viaJSON        `json:"via"`
	Events    []any          `json:"events"`
}

// createEvent records a field's value on a new ticket; changeEvent records
// a field's change.
type createEvent struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FieldName string `json:"field_name"`
	Value     any    `json:"value"`
}

type changeEvent struct {
	ID            int64    `json:"id"`
	Type          string   `json:"type"`
	FieldName     string   `json:"field_name"`
	Value         any      `json:"value"`
	PreviousValue any      `json:"previous_value"`
	Via           *viaJSON `json:"via,omitempty"`
}

// ticketEvents lists the differences between two versions of a ticket as
// audit events: "Create" events against a zero before, else "Change"
// events carrying via (nil for the API's own changes).
func (s *Server) ticketEvents(before, after *ticket, via *viaJSON) []any {
	create := before.id == 0
	var events []any
	add := func(field string, prev, cur any) {
		if create {
			events = append(events, createEvent{ID: s.nextID(), Type: updateCreate, FieldName: field, Value: cur})
			return
		}
		events = append(events, changeEvent{ID: s.nextID(), Type: updateChange, FieldName: field, Value: cur, PreviousValue: prev, Via: via})
	}
	str := func(field, prev, cur string) {
		if prev != cur {
			add(field, nullString(prev), nullString(cur))
		}
	}
	id := func(field string, prev, cur int64) {
		if prev != cur {
			add(field, idValue(prev), idValue(cur))
		}
	}
	str("subject", before.subject, after.subject)
	str("status", before.status, after.status)
	str("priority", before.priority, after.priority)
	str("type", before.typ, after.typ)
	id("requester_id", before.requesterID, after.requesterID)
	id("assignee_id", before.assigneeID, after.assigneeID)
	id("group_id", before.groupID, after.groupID)
	id("organization_id", before.organizationID, after.organizationID)
	str("external_id", before.externalID, after.externalID)
	if !slices.Equal(before.tags, after.tags) {
		add("tags", slices.Clone(before.tags), slices.Clone(after.tags))
	}
	for _, f := range after.customFields {
		prev, _ := before.customFieldValue(f.ID)
		if !sameValue(prev, f.Value) {
			add(strconv.FormatInt(f.ID, 10), prev, f.Value)
		}
	}
	return events
}

// idValue is an id as audit events show it: a string, or null for none.
func idValue(id int64) *string {
	if id == 0 {
		return nil
	}
	return nullString(strconv.FormatInt(id, 10))
}

func sameValue(a, b any) bool {
	as, aList := a.([]string)
	bs, bList := b.([]string)
	if aList || bList {
		return aList && bList && slices.Equal(as, bs)
	}
	return a == b
}

// optional is a request field that tells "absent" from "null".
type optional[T any] struct {
	set  bool
	null bool
	v    T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

// ticketInput holds the writable ticket properties of a request body.
type ticketInput struct {
	ID             int64              `json:"id"` // batch update_many only
	Subject        *string            `json:"subject"`
	Priority       optional[string]   `json:"priority"`
	Status         *string            `json:"status"`
	Type           optional[string]   `json:"type"`
	Tags           *tagList           `json:"tags"`
	AdditionalTags tagList            `json:"additional_tags"`
	RemoveTags     tagList            `json:"remove_tags"`
	CustomFields   []customFieldInput `json:"custom_fields"`
	Comment        *commentInput      `json:"comment"`
	AssigneeID     optional[int64]    `json:"assignee_id"`
	GroupID        optional[int64]    `json:"group_id"`
	RequesterID    *int64             `json:"requester_id"`
	Requester      *requesterInput    `json:"requester"` // create only
	// Description is the first comment's body when a create has no
	// comment, as Zendesk takes it.
	Description    string           `json:"description"`
	OrganizationID optional[int64]  `json:"organization_id"`
	ExternalID     optional[string] `json:"external_id"`
	// Metadata is the write's custom audit metadata.
	Metadata map[string]any `json:"metadata"`
	// SafeUpdate makes the write conditional on UpdatedStamp. Any value
	// counts: Zendesk treats false like true.
	SafeUpdate   *flexBool  `json:"safe_update"`
	UpdatedStamp *time.Time `json:"updated_stamp"`
}

type customFieldInput struct {
	ID    int64           `json:"id"`
	Value json.RawMessage `json:"value"`
}

type requesterInput struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// customFieldValue converts a request's custom field value to one Zendesk
// returns: numbers become strings, arrays hold strings.
func customFieldValue(raw json.RawMessage) (any, error) {
	var v any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, err
		}
	}
	switch v := v.(type) {
	case nil, string, bool:
		return v, nil
	case float64:
		return string(raw), nil
	case []any:
		list := make([]string, 0, len(v))
		for _, item := range v {
			switch item := item.(type) {
			case string:
				list = append(list, item)
			case float64:
				list = append(list, strconv.FormatFloat(item, 'f', -1, 64))
			default:
				return nil, fmt.Errorf("array items must be strings")
			}
		}
		return list, nil
	}
	return nil, fmt.Errorf("value must be a string, number, boolean, array or null")
}

// applyInput applies the writable fields of in to t, a clone the caller
// commits or drops. Comments are authored by actorID unless they name an
// author, belong to audit auditID and are dated at.
func (s *Server) applyInput(t *ticket, in *ticketInput, actorID, auditID int64, at time.Time) error {
	if in.Subject != nil {
		t.subject = *in.Subject
	}
	if in.Priority.set {
		if !slices.Contains(ticketPriorities, in.Priority.v) {
			return errInvalid("priority", "Priority: %q is not a valid priority", in.Priority.v)
		}
		t.priority = in.Priority.v
	}
	if in.Status != nil {
		if !slices.Contains(ticketStatuses, *in.Status) {
			return errInvalid("status", "Status: %q is not a valid status", *in.Status)
		}
		t.status = *in.Status
	}
	if in.Type.set {
		if !slices.Contains(ticketTypes, in.Type.v) {
			return errInvalid("type", "Type: %q is not a valid type", in.Type.v)
		}
		t.typ = in.Type.v
	}
	if in.Tags != nil {
		t.tags = slices.Clone(*in.Tags)
	}
	t.tags = unionTags(t.tags, in.AdditionalTags)
	t.tags = withoutTags(t.tags, in.RemoveTags)
	for _, f := range in.CustomFields {
		if f.ID <= 0 {
			return errInvalid("custom_fields", "Custom field: an id is required")
		}
		v, err := customFieldValue(f.Value)
		if err != nil {
			return errInvalid("custom_fields", "Custom field %d: %v", f.ID, err)
		}
		t.setCustomField(f.ID, v)
	}
	if in.AssigneeID.set {
		t.assigneeID = 0
		if id := in.AssigneeID.v; id != 0 {
			u, ok := s.users[id]
			if !ok || u.role == roleEndUser {
				return errInvalid("assignee_id", "Assignee: %d is not an agent", id)
			}
			t.assigneeID = id
		}
	}
	if in.GroupID.set {
		t.groupID = 0
		if id := in.GroupID.v; id != 0 {
			if _, ok := s.groups[id]; !ok {
				return errInvalid("group_id", "Group: %d not found", id)
			}
			t.groupID = id
		}
	}
	if in.RequesterID != nil {
		if _, ok := s.users[*in.RequesterID]; !ok {
			return errInvalid("requester_id", "Requester: %d not found", *in.RequesterID)
		}
		t.requesterID = *in.RequesterID
	}
	if in.OrganizationID.set {
		t.organizationID = 0
		if id := in.OrganizationID.v; id != 0 {
			if _, ok := s.orgs[id]; !ok {
				return errInvalid("organization_id", "Organization: %d not found", id)
			}
			t.organizationID = id
		}
	}
	if in.ExternalID.set {
		t.externalID = in.ExternalID.v
	}
	if in.Comment != nil {
		c, err := s.newComment(t, in.Comment, actorID, auditID, at)
		if err != nil {
			return err
		}
		c.custom = in.Metadata
		t.comments = append(t.comments, c)
	}
	return nil
}

// createLocked creates a ticket from in, written by actorID. s.mu must be held.
func (s *Server) createLocked(in *ticketInput, actorID int64) (*ticket, auditJSON, error) {
	if in.Comment == nil && strings.TrimSpace(in.Description) != "" {
		in.Comment = &commentInput{Body: in.Description}
	}
	if in.Comment == nil {
		return nil, auditJSON{}, errInvalid("description", "Description: cannot be blank")
	}
	var newRequester *user
	requesterID := actorID
	switch {
	case in.RequesterID != nil:
		requesterID = *in.RequesterID // checked by applyInput
	case in.Requester != nil:
		u, err := s.findOrNewRequesterLocked(in.Requester)
		if err != nil {
			return nil, auditJSON{}, err
		}
		if s.users[u.id] == nil {
			newRequester = u
		}
		requesterID = u.id
	}
	at := s.now()
	t := &ticket{status: statusNew, requesterID: requesterID, submitterID: actorID, createdAt: at, updatedAt: at}
	if r := s.users[requesterID]; r != nil {
		t.organizationID = r.organizationID
	}
	auditID := s.nextID()
	if err := s.applyInput(t, in, actorID, auditID, at); err != nil {
		return nil, auditJSON{}, err
	}
	if in.Status == nil && t.assigneeID != 0 {
		t.status = statusOpen
	}
	if newRequester != nil {
		s.addUser(newRequester)
	}
	s.ticketSeq++
	t.id = s.ticketSeq
	audit := s.commitLocked(&ticket{}, t, auditID, actorID, in.Metadata)
	return t, audit, nil
}

// updateLocked applies in to the ticket id as one update by actorID. The
// caller has checked safe-update stamps. s.mu must be held.
func (s *Server) updateLocked(id int64, in *ticketInput, actorID int64) (*ticket, auditJSON, error) {
	t, ok := s.tickets[id]
	if !ok {
		return nil, auditJSON{}, errNotFound
	}
	if t.status == statusClosed {
		return nil, auditJSON{}, errInvalid("status", "Status: closed prevents ticket update")
	}
	// Zendesk timestamps have whole seconds; keep updated_at strictly
	// increasing so that safe_update sees every change.
	at := s.stampAfter(t.updatedAt)
	next := t.clone()
	next.updatedAt = at
	auditID := s.nextID()
	if err := s.applyInput(next, in, actorID, auditID, at); err != nil {
		return nil, auditJSON{}, err
	}
	audit := s.commitLocked(t, next, auditID, actorID, in.Metadata)
	s.stats.ticketUpdated(id)
	return s.tickets[id], audit, nil
}

// commitLocked completes a write from before (a zero ticket for a create)
// to next, with the write's custom metadata: when anything changed it runs
// the triggers, stores next and queues the webhook notifications. It
// returns the write's audit. s.mu must be held.
func (s *Server) commitLocked(before, next *ticket, auditID, actorID int64, custom map[string]any) auditJSON {
	audit := auditJSON{
		ID:        auditID,
		TicketID:  next.id,
		CreatedAt: formatTime(next.updatedAt),
		AuthorID:  actorID,
		Metadata:  auditMetadata(custom),
		Via:       viaAPI,
		Events:    []any{},
	}
	if len(next.comments) > len(before.comments) {
		audit.Events = append(audit.Events, commentEvent(next.comments[len(next.comments)-1]))
	}
	audit.Events = append(audit.Events, s.ticketEvents(before, next, nil)...)
	if len(audit.Events) == 0 {
		return audit // nothing changed: nothing to store, no triggers
	}
	updateType := updateChange
	if before.id == 0 {
		updateType = updateCreate
	}
	events, notes := s.runTriggersLocked(next, updateType)
	audit.Events = append(audit.Events, events...)
	s.trackMetricsLocked(before, next)
	s.storeTicketLocked(next)
	s.tagWatch.TagsAdded(next.id, before.tags, next.tags)
	s.sendNotificationsLocked(next, notes, actorID)
	return audit
}

// stampAfter returns now, or prev plus a second when now is not later.
func (s *Server) stampAfter(prev time.Time) time.Time {
	now := s.now()
	if !now.After(prev) {
		return prev.Add(time.Second)
	}
	return now
}

// findOrNewRequesterLocked finds the user with in's email, or returns a new
// end-user (not yet stored) for in. s.mu must be held.
func (s *Server) findOrNewRequesterLocked(in *requesterInput) (*user, error) {
	if in.Email != "" {
		if !validEmail(in.Email) {
			return nil, errInvalid("requester", "Requester: email %q is invalid", in.Email)
		}
		if u := s.userByEmailLocked(in.Email); u != nil {
			return u, nil
		}
	}
	name := in.Name
	if name == "" {
		name = emailLocalPart(in.Email)
	}
	if name == "" {
		return nil, errInvalid("requester", "Requester: a name or an email is required")
	}
	now := s.now()
	return &user{
		id:        s.nextID(),
		name:      name,
		email:     normalizeEmail(in.Email),
		role:      roleEndUser,
		createdAt: now,
		updatedAt: now,
	}, nil
}

// decodeTicket reads a {"ticket":{…}} request body.
func decodeTicket(r *http.Request) (*ticketInput, error) {
	var body struct {
		Ticket *ticketInput `json:"ticket"`
	}
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Ticket == nil {
		return nil, errBadRequest("ticket is required")
	}
	return body.Ticket, nil
}

// createTicket emulates POST /api/v2/tickets.
func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) error {
	in, err := decodeTicket(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	t, audit, err := s.createLocked(in, s.adminID)
	var view ticketJSON
	if err == nil {
		view = s.ticketView(t)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	w.Header().Set("Location", view.URL)
	writeJSON(w, http.StatusCreated, map[string]any{"ticket": view, "audit": audit})
	return nil
}

// showTicket emulates GET /api/v2/tickets/{id}.
func (s *Server) showTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	t, ok := s.tickets[id]
	var view ticketJSON
	if ok {
		view = s.ticketView(t)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": view})
	return nil
}

// showManyTickets emulates GET /api/v2/tickets/show_many?ids=1,2,3.
func (s *Server) showManyTickets(w http.ResponseWriter, r *http.Request) error {
	ids, err := queryIDs(r, "ids")
	if err != nil {
		return err
	}
	s.mu.Lock()
	views := viewsOf(ids, s.tickets, s.ticketView)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, struct {
		Tickets []ticketJSON `json:"tickets"`
		offsetPage
	}{views, offsetPage{Count: len(views)}})
	return nil
}

// updateTicket emulates PUT /api/v2/tickets/{id}.
func (s *Server) updateTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decodeTicket(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	view, audit, err := s.safeUpdateLocked(id, in)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket": view, "audit": audit})
	return nil
}

// safeUpdateLocked is an update through the API by the admin, refused with
// 409 when in asks for a safe update and its stamp is not the ticket's
// updated_at, or Faults.ConflictRate picks it. s.mu must be held.
func (s *Server) safeUpdateLocked(id int64, in *ticketInput) (ticketJSON, auditJSON, error) {
	t, ok := s.tickets[id]
	if !ok {
		return ticketJSON{}, auditJSON{}, errNotFound
	}
	if in.SafeUpdate != nil {
		if in.UpdatedStamp == nil {
			return ticketJSON{}, auditJSON{}, errInvalid("updated_stamp", "updated_stamp is required with safe_update")
		}
		if !in.UpdatedStamp.Equal(t.updatedAt) || s.conflictFault() {
			return ticketJSON{}, auditJSON{}, errConflict
		}
	}
	t, audit, err := s.updateLocked(id, in, s.adminID)
	if err != nil {
		return ticketJSON{}, auditJSON{}, err
	}
	return s.ticketView(t), audit, nil
}

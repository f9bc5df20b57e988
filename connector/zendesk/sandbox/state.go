package sandbox

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// State is an emulated account as a JSON document: what Server.State
// returns and Server.Restore loads, so that an account outlives its process
// (`cohort sandbox --state`) or starts from a file (`--seed`). Names follow
// Zendesk's where it has them. A hand-written document may leave out ids
// (they are numbered in order) and times (they take the clock's now);
// references between records (requester_id, organization_id, category_id)
// use ids. Not kept: webhook deliveries in flight, background jobs (app
// builds among them), app uploads not built, faults and Stats.
type State struct {
	// Version is the document's format, StateVersion.
	Version int `json:"version"`
	// APIToken is the admin's API token when the document was written
	// (Config.APIToken): a program that keeps an account across restarts
	// can keep its token too. Restore leaves the token as configured.
	APIToken string `json:"api_token,omitempty"`
	// AdminEmail is the admin's email then (Config.Email), for the same
	// reason.
	AdminEmail string `json:"admin_email,omitempty"`
	// LastID and LastTicketID are the last ids the account gave: new
	// records are numbered after them.
	LastID       int64 `json:"last_id,omitempty"`
	LastTicketID int64 `json:"last_ticket_id,omitempty"`
	// LastUserChange and LastTicketChange number the last writes of users
	// and tickets: the incremental exports' cursors count them, so a
	// cursor given before a restart still finds what changed after it.
	LastUserChange     int64                  `json:"last_user_change,omitempty"`
	LastTicketChange   int64                  `json:"last_ticket_change,omitempty"`
	Users              []StateUser            `json:"users"`
	Organizations      []StateOrganization    `json:"organizations"`
	UserFields         []StateField           `json:"user_fields"`
	OrganizationFields []StateField           `json:"organization_fields"`
	TicketFields       []StateField           `json:"ticket_fields"`
	Groups             []StateGroup           `json:"groups"`
	Tickets            []StateTicket          `json:"tickets"`
	Webhooks           []StateWebhook         `json:"webhooks"`
	TriggerCategories  []StateTriggerCategory `json:"trigger_categories"`
	Triggers           []StateTrigger         `json:"triggers"`
	Macros             []StateMacro           `json:"macros"`
	Apps               []StateApp             `json:"apps"`
	Installations      []StateInstallation    `json:"installations"`
}

// StateVersion is the format of State documents this package writes and
// reads.
const StateVersion = 1

// StateUser is a user in a State.
type StateUser struct {
	ID             int64          `json:"id,omitempty"`
	Name           string         `json:"name"`
	Email          string         `json:"email,omitempty"`
	ExternalID     string         `json:"external_id,omitempty"`
	Phone          string         `json:"phone,omitempty"`
	Role           string         `json:"role,omitempty"` // end-user (default), agent or admin
	OrganizationID int64          `json:"organization_id,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	UserFields     map[string]any `json:"user_fields,omitempty"`
	Details        string         `json:"details,omitempty"`
	Notes          string         `json:"notes,omitempty"`
	Alias          string         `json:"alias,omitempty"`
	Verified       bool           `json:"verified,omitempty"`
	Deleted        bool           `json:"deleted,omitempty"`
	CreatedAt      time.Time      `json:"created_at,omitzero"`
	UpdatedAt      time.Time      `json:"updated_at,omitzero"`
	// Change numbers the user's last write (see State.LastUserChange);
	// hand-written users leave it out.
	Change int64 `json:"change,omitempty"`
}

// StateOrganization is an organization in a State.
type StateOrganization struct {
	ID                 int64          `json:"id,omitempty"`
	Name               string         `json:"name"`
	ExternalID         string         `json:"external_id,omitempty"`
	Details            string         `json:"details,omitempty"`
	Notes              string         `json:"notes,omitempty"`
	DomainNames        []string       `json:"domain_names,omitempty"`
	Tags               []string       `json:"tags,omitempty"`
	OrganizationFields map[string]any `json:"organization_fields,omitempty"`
	SharedTickets      bool           `json:"shared_tickets,omitempty"`
	SharedComments     bool           `json:"shared_comments,omitempty"`
	CreatedAt          time.Time      `json:"created_at,omitzero"`
	UpdatedAt          time.Time      `json:"updated_at,omitzero"`
}

// StateField is a user, organization or ticket field definition in a
// State.
type StateField struct {
	ID          int64         `json:"id,omitempty"`
	Key         string        `json:"key,omitempty"`
	Type        string        `json:"type"`
	Title       string        `json:"title"`
	Description string        `json:"description,omitempty"`
	Active      *bool         `json:"active,omitempty"` // true when left out
	System      bool          `json:"system,omitempty"`
	Position    int           `json:"position"`
	Options     []fieldOption `json:"custom_field_options,omitempty"`
	CreatedAt   time.Time     `json:"created_at,omitzero"`
	UpdatedAt   time.Time     `json:"updated_at,omitzero"`
}

// StateGroup is an agent group in a State.
type StateGroup struct {
	ID          int64     `json:"id,omitempty"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// StateTicket is a ticket in a State, with its comments (the first is the
// description), metrics and satisfaction rating.
type StateTicket struct {
	ID             int64          `json:"id,omitempty"`
	ExternalID     string         `json:"external_id,omitempty"`
	Subject        string         `json:"subject"`
	Priority       string         `json:"priority,omitempty"`
	Status         string         `json:"status,omitempty"` // new by default
	Type           string         `json:"type,omitempty"`
	RequesterID    int64          `json:"requester_id,omitempty"` // the admin by default
	SubmitterID    int64          `json:"submitter_id,omitempty"`
	AssigneeID     int64          `json:"assignee_id,omitempty"`
	GroupID        int64          `json:"group_id,omitempty"`
	OrganizationID int64          `json:"organization_id,omitempty"`
	Tags           []string       `json:"tags,omitempty"`
	CustomFields   []customField  `json:"custom_fields,omitempty"`
	Comments       []StateComment `json:"comments"`
	Metrics        StateMetrics   `json:"metrics,omitzero"`
	Rating         *StateRating   `json:"satisfaction_rating,omitempty"`
	CreatedAt      time.Time      `json:"created_at,omitzero"`
	UpdatedAt      time.Time      `json:"updated_at,omitzero"`
	// Change numbers the ticket's last write (see State.LastTicketChange).
	Change int64 `json:"change,omitempty"`
}

// StateComment is a ticket comment in a State.
type StateComment struct {
	ID        int64          `json:"id,omitempty"`
	AuthorID  int64          `json:"author_id,omitempty"` // the requester by default
	AuditID   int64          `json:"audit_id,omitempty"`
	Body      string         `json:"body"`
	HTMLBody  string         `json:"html_body,omitempty"`
	Public    *bool          `json:"public,omitempty"` // true when left out
	Metadata  map[string]any `json:"metadata,omitempty"`
	CreatedAt time.Time      `json:"created_at,omitzero"`
}

// StateMetrics are a ticket's metric events in a State.
type StateMetrics struct {
	ID                  int64     `json:"id,omitempty"`
	AssignedAt          time.Time `json:"assigned_at,omitzero"`
	InitiallyAssignedAt time.Time `json:"initially_assigned_at,omitzero"`
	AssigneeUpdatedAt   time.Time `json:"assignee_updated_at,omitzero"`
	StatusUpdatedAt     time.Time `json:"status_updated_at,omitzero"`
	LatestCommentAt     time.Time `json:"latest_comment_added_at,omitzero"`
	FirstReplyAt        time.Time `json:"first_reply_at,omitzero"`
	FirstSolvedAt       time.Time `json:"first_solved_at,omitzero"`
	SolvedAt            time.Time `json:"solved_at,omitzero"`
	Reopens             int       `json:"reopens,omitempty"`
	Replies             int       `json:"replies,omitempty"`
	AssigneeStations    int       `json:"assignee_stations,omitempty"`
}

// StateRating is a ticket's satisfaction rating in a State.
type StateRating struct {
	ID        int64     `json:"id,omitempty"`
	Score     string    `json:"score"` // good or bad
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// StateWebhook is a webhook in a State, with its signing secret and
// credentials: a State of an account with webhooks is a secret.
type StateWebhook struct {
	ID             string            `json:"id,omitempty"`
	Name           string            `json:"name"`
	Description    string            `json:"description,omitempty"`
	Endpoint       string            `json:"endpoint"`
	HTTPMethod     string            `json:"http_method"`
	RequestFormat  string            `json:"request_format"`
	Status         string            `json:"status"`
	Subscriptions  []string          `json:"subscriptions,omitempty"`
	Authentication *webhookAuth      `json:"authentication,omitempty"`
	CustomHeaders  map[string]string `json:"custom_headers,omitempty"`
	SigningSecret  string            `json:"signing_secret,omitempty"`
	CreatedBy      string            `json:"created_by,omitempty"`
	CreatedAt      time.Time         `json:"created_at,omitzero"`
	UpdatedAt      time.Time         `json:"updated_at,omitzero"`
	// Order places the webhook in the list (creation order); hand-written
	// webhooks leave it out and keep the document's order.
	Order int64 `json:"order,omitempty"`
}

// StateTriggerCategory is a trigger category in a State.
type StateTriggerCategory struct {
	ID        string    `json:"id,omitempty"`
	Name      string    `json:"name"`
	Position  int64     `json:"position"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// StateTrigger is a trigger in a State.
type StateTrigger struct {
	ID          int64          `json:"id,omitempty"`
	Title       string         `json:"title"`
	Description string         `json:"description,omitempty"`
	Active      *bool          `json:"active,omitempty"` // true when left out
	Position    int64          `json:"position"`
	CategoryID  string         `json:"category_id,omitempty"`
	Conditions  conditionsJSON `json:"conditions"`
	Actions     []action       `json:"actions"`
	CreatedAt   time.Time      `json:"created_at,omitzero"`
	UpdatedAt   time.Time      `json:"updated_at,omitzero"`
}

// StateMacro is a macro in a State.
type StateMacro struct {
	ID          int64     `json:"id,omitempty"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Active      *bool     `json:"active,omitempty"` // true when left out
	Position    int64     `json:"position"`
	Restriction any       `json:"restriction,omitempty"`
	Actions     []action  `json:"actions"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// StateApp is an app in a State, with its package and its private key:
// a State of an account with apps is a secret.
type StateApp struct {
	ID               int64  `json:"id,omitempty"`
	Name             string `json:"name"`
	ShortDescription string `json:"short_description,omitempty"`
	// Package is the app's zip as uploaded (base64 in JSON). It must pass
	// the checks of a build.
	Package []byte `json:"package"`
	// PrivateKey is the app's RSA key, PEM-encoded PKCS #8; an app without
	// one gets a new key.
	PrivateKey string    `json:"private_key,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at,omitzero"`
}

// StateInstallation is an installed app in a State, with the records its
// requirements created (ids of ticket and user fields).
type StateInstallation struct {
	ID           int64          `json:"id,omitempty"`
	AppID        int64          `json:"app_id"`
	Settings     map[string]any `json:"settings,omitempty"`
	Enabled      *bool          `json:"enabled,omitempty"` // true when left out
	Requirements []requirement  `json:"requirements,omitempty"`
	CreatedAt    time.Time      `json:"created_at,omitzero"`
	UpdatedAt    time.Time      `json:"updated_at,omitzero"`
}

// ParseState reads a State document: JSON with numbers kept as written
// (as request bodies are), and unknown names refused, so that a typo in a
// hand-written seed is an error that names it.
func ParseState(data []byte) (*State, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var st State
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("not a sandbox account: %s", jsonProblem(data, err))
	}
	if dec.More() {
		return nil, errors.New("not a sandbox account: more than one JSON document")
	}
	if st.Version != StateVersion {
		return nil, fmt.Errorf("account format version %d: this sandbox reads version %d", st.Version, StateVersion)
	}
	return &st, nil
}

// jsonProblem says in plain words what is wrong with a JSON document, and
// at which line.
func jsonProblem(data []byte, err error) string {
	line := func(offset int64) int { return bytes.Count(data[:min(offset, int64(len(data)))], []byte("\n")) + 1 }
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("line %d: %s", line(syntax.Offset), syntax.Error())
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: %s: want %s, not %s", line(typ.Offset), typ.Field, kindName(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the document ends too soon"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// kindName names what a JSON value of Go type t is, in plain words.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// State returns the account as a document Restore loads again. It holds
// copies, except of the apps' packages, which the account never changes:
// those are shared, and must not be written to.
func (s *Server) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Version: StateVersion, APIToken: s.cfg.APIToken, AdminEmail: s.cfg.Email, LastID: s.seq, LastTicketID: s.ticketSeq,
		LastUserChange: s.changeSeq, LastTicketChange: s.ticketChanges}
	for _, id := range s.userOrder {
		u := s.users[id]
		st.Users = append(st.Users, StateUser{ID: u.id, Name: u.name, Email: u.email, ExternalID: u.externalID, Phone: u.phone,
			Role: u.role, OrganizationID: u.organizationID, Tags: slices.Clone(u.tags), UserFields: maps.Clone(u.userFields),
			Details: u.details, Notes: u.notes, Alias: u.alias, Verified: u.verified, Deleted: u.deleted,
			CreatedAt: u.createdAt, UpdatedAt: u.updatedAt, Change: u.change})
	}
	for _, id := range s.orgOrder {
		o := s.orgs[id]
		st.Organizations = append(st.Organizations, StateOrganization{ID: o.id, Name: o.name, ExternalID: o.externalID,
			Details: o.details, Notes: o.notes, DomainNames: slices.Clone(o.domainNames), Tags: slices.Clone(o.tags),
			OrganizationFields: maps.Clone(o.fields), SharedTickets: o.sharedTickets, SharedComments: o.sharedComments,
			CreatedAt: o.createdAt, UpdatedAt: o.updatedAt})
	}
	st.UserFields, st.OrganizationFields, st.TicketFields = stateFields(s.userFields), stateFields(s.orgFields), stateFields(s.ticketFields)
	for _, g := range sortedByID(s.groups) {
		st.Groups = append(st.Groups, StateGroup{ID: g.id, Name: g.name, Description: g.description, CreatedAt: g.createdAt})
	}
	for _, t := range sortedByID(s.tickets) {
		st.Tickets = append(st.Tickets, stateTicket(t))
	}
	hooks := slices.Collect(maps.Values(s.webhooks))
	slices.SortFunc(hooks, func(a, b *webhook) int { return int(a.seq - b.seq) })
	for _, h := range hooks {
		st.Webhooks = append(st.Webhooks, StateWebhook{ID: h.id, Name: h.name, Description: h.description, Endpoint: h.endpoint,
			HTTPMethod: h.httpMethod, RequestFormat: h.requestFormat, Status: h.status, Subscriptions: slices.Clone(h.subscriptions),
			Authentication: cloneJSON(h.auth), CustomHeaders: maps.Clone(h.customHeaders), SigningSecret: h.secret, CreatedBy: h.createdBy,
			CreatedAt: h.createdAt, UpdatedAt: h.updatedAt, Order: h.seq})
	}
	for _, id := range slices.Sorted(maps.Keys(s.categories)) {
		c := s.categories[id]
		st.TriggerCategories = append(st.TriggerCategories, StateTriggerCategory{ID: c.id, Name: c.name, Position: c.position,
			CreatedAt: c.createdAt, UpdatedAt: c.updatedAt})
	}
	for _, tr := range sortedByID(s.triggers) {
		st.Triggers = append(st.Triggers, StateTrigger{ID: tr.id, Title: tr.title, Description: tr.description, Active: new(tr.active),
			Position: tr.position, CategoryID: tr.categoryID, Conditions: cloneJSON(conditionsJSON{All: tr.all, Any: tr.any}),
			Actions: cloneJSON(tr.actions), CreatedAt: tr.createdAt, UpdatedAt: tr.updatedAt})
	}
	for _, m := range sortedByID(s.macros) {
		st.Macros = append(st.Macros, StateMacro{ID: m.id, Title: m.title, Description: m.description, Active: new(m.active),
			Position: m.position, Restriction: cloneJSON(m.restriction), Actions: cloneJSON(m.actions), CreatedAt: m.createdAt, UpdatedAt: m.updatedAt})
	}
	for _, a := range sortedByID(s.apps) {
		st.Apps = append(st.Apps, StateApp{ID: a.id, Name: a.name, ShortDescription: a.shortDescription, Package: a.zip,
			PrivateKey: privateKeyPEM(a.key), CreatedAt: a.createdAt, UpdatedAt: a.updatedAt})
	}
	for _, inst := range sortedByID(s.installations) {
		st.Installations = append(st.Installations, StateInstallation{ID: inst.id, AppID: inst.appID, Settings: cloneJSON(inst.settings),
			Enabled: new(inst.enabled), Requirements: slices.Clone(inst.requirements), CreatedAt: inst.createdAt, UpdatedAt: inst.updatedAt})
	}
	return st
}

// privateKeyPEM returns key PEM-encoded as PKCS #8.
func privateKeyPEM(key *rsa.PrivateKey) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err) // an RSA key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// parsePrivateKeyPEM reads an RSA key PEM-encoded as PKCS #8.
func parsePrivateKeyPEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM-encoded private key (-----BEGIN PRIVATE KEY-----)")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rsaKey, nil
}

// sortedByID returns m's values by id.
func sortedByID[V any](m map[int64]V) []V {
	out := make([]V, 0, len(m))
	for _, id := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[id])
	}
	return out
}

func stateFields(defs []*fieldDef) []StateField {
	var out []StateField
	for _, f := range defs {
		out = append(out, StateField{ID: f.id, Key: f.key, Type: f.typ, Title: f.title, Description: f.description, Active: new(f.active),
			System: f.system, Position: f.position, Options: slices.Clone(f.options), CreatedAt: f.createdAt, UpdatedAt: f.updatedAt})
	}
	return out
}

func stateTicket(t *ticket) StateTicket {
	st := StateTicket{ID: t.id, ExternalID: t.externalID, Subject: t.subject, Priority: t.priority, Status: t.status, Type: t.typ,
		RequesterID: t.requesterID, SubmitterID: t.submitterID, AssigneeID: t.assigneeID, GroupID: t.groupID,
		OrganizationID: t.organizationID, Tags: slices.Clone(t.tags), CustomFields: cloneJSON(t.customFields),
		CreatedAt: t.createdAt, UpdatedAt: t.updatedAt, Change: t.change}
	for _, c := range t.comments {
		st.Comments = append(st.Comments, StateComment{ID: c.id, AuthorID: c.authorID, AuditID: c.auditID, Body: c.body,
			HTMLBody: c.htmlBody, Public: new(c.public), Metadata: cloneJSON(c.custom), CreatedAt: c.createdAt})
	}
	m := t.metrics
	st.Metrics = StateMetrics{ID: m.id, AssignedAt: m.assignedAt, InitiallyAssignedAt: m.initiallyAssignedAt,
		AssigneeUpdatedAt: m.assigneeUpdatedAt, StatusUpdatedAt: m.statusUpdatedAt, LatestCommentAt: m.latestCommentAt,
		FirstReplyAt: m.firstReplyAt, FirstSolvedAt: m.firstSolvedAt, SolvedAt: m.solvedAt, Reopens: m.reopens,
		Replies: m.replies, AssigneeStations: m.assigneeStations}
	if r := t.rating; r.id != 0 {
		st.Rating = &StateRating{ID: r.id, Score: r.score, Comment: r.comment, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	}
	return st
}

// cloneJSON returns a copy of v that shares nothing with it (see
// convertJSON): records hold values of any type.
func cloneJSON[T any](v T) T {
	return convertJSON[T](v)
}

// convertJSON returns v as a T by way of JSON, numbers kept as written.
func convertJSON[T any](v any) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records and views are plain data, from JSON
	}
	var out T
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		panic(err)
	}
	return out
}

// Restore replaces the account with st, checked as a whole first: a
// document with a bad record changes nothing and the error names the
// record. It checks each record's own shape and the references a write
// could not have made (a ticket's requester, a user's organization); not
// those the account lets go stale (a trigger's deleted category or
// webhook, a macro's demoted assignee), so that any account State wrote
// loads again. The admin of Config.Email is kept an admin, or added; an
// account with no ticket fields or trigger categories gets the ones a new
// account has. Nothing of st is kept: the account holds copies. Call it
// before clients use the server: webhook deliveries and jobs in flight
// are dropped.
func (s *Server) Restore(st *State) error {
	if st == nil {
		return errors.New("no account to load")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// The account is built in an empty server of the same configuration,
	// then moved in.
	fresh := &Server{cfg: s.cfg, users: map[int64]*user{}, orgs: map[int64]*organization{}, tickets: map[int64]*ticket{},
		webhooks: map[string]*webhook{}, triggers: map[int64]*trigger{}, categories: map[string]*triggerCategory{},
		macros: map[int64]*macro{}, groups: map[int64]*group{}, jobs: map[string]*job{}, uploads: map[int64][]byte{},
		apps: map[int64]*app{}, appJobs: map[string]*appJob{}, installations: map[int64]*installation{}}
	r := &restore{into: fresh, st: cloneJSON(st), now: s.now(), ids: map[int64]string{}}
	if err := r.run(); err != nil {
		return err
	}
	s.seq, s.ticketSeq, s.changeSeq, s.ticketChanges = fresh.seq, fresh.ticketSeq, fresh.changeSeq, fresh.ticketChanges
	s.users, s.userOrder, s.orgs, s.orgOrder = fresh.users, fresh.userOrder, fresh.orgs, fresh.orgOrder
	s.userFields, s.orgFields, s.ticketFields, s.groups = fresh.userFields, fresh.orgFields, fresh.ticketFields, fresh.groups
	s.tickets, s.webhooks, s.hookOrder, s.triggers = fresh.tickets, fresh.webhooks, fresh.hookOrder, fresh.triggers
	s.categories, s.macros, s.jobs, s.deliveries, s.adminID = fresh.categories, fresh.macros, fresh.jobs, fresh.deliveries, fresh.adminID
	s.uploads, s.apps, s.appJobs, s.installations = fresh.uploads, fresh.apps, fresh.appJobs, fresh.installations
	s.notifyLocked()
	return nil
}

// restore loads a State into an empty server (into).
type restore struct {
	into *Server
	st   *State
	now  time.Time
	ids  map[int64]string // the account-wide ids given so far, and what has each
}

// at is t, or now for the zero time.
func (r *restore) at(t time.Time) time.Time {
	if t.IsZero() {
		return r.now
	}
	return t.UTC().Truncate(time.Second)
}

// claim returns id, or the next of the account's sequence for 0, after
// checking that no other record of the document has it; where names the
// record for the error.
func (r *restore) claim(id int64, where string) (int64, error) {
	switch {
	case id < 0:
		return 0, fmt.Errorf("%s: id %d is not an id", where, id)
	case id == 0:
		id = r.into.nextID()
	}
	if other, taken := r.ids[id]; taken {
		return 0, fmt.Errorf("%s: id %d is also %s's", where, id, other)
	}
	r.ids[id] = where
	return id, nil
}

// flag is *b, or true when the document leaves it out.
func flag(b *bool) bool {
	return b == nil || *b
}

func (r *restore) run() error {
	st, s := r.st, r.into
	if st.Version != StateVersion {
		return fmt.Errorf("account format version %d: this sandbox reads version %d", st.Version, StateVersion)
	}
	s.seq, s.ticketSeq = max(st.LastID, firstID), st.LastTicketID
	s.changeSeq, s.ticketChanges = st.LastUserChange, st.LastTicketChange
	for _, id := range r.givenIDs() {
		s.seq = max(s.seq, id)
	}
	for _, t := range st.Tickets {
		s.ticketSeq = max(s.ticketSeq, t.ID)
		s.ticketChanges = max(s.ticketChanges, t.Change)
	}
	for _, u := range st.Users {
		s.changeSeq = max(s.changeSeq, u.Change)
	}
	for _, step := range []func() error{r.organizations, r.users, r.fields, r.groups, r.categories, r.webhooks, r.triggers, r.macros, r.tickets,
		r.apps, r.installations} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// givenIDs are the numeric ids the document names, category ids among
// them (ticket ids have their own sequence).
func (r *restore) givenIDs() []int64 {
	st := r.st
	var ids []int64
	for _, u := range st.Users {
		ids = append(ids, u.ID)
	}
	for _, o := range st.Organizations {
		ids = append(ids, o.ID)
	}
	for _, f := range slices.Concat(st.UserFields, st.OrganizationFields, st.TicketFields) {
		ids = append(ids, f.ID)
		for _, o := range f.Options {
			ids = append(ids, o.ID)
		}
	}
	for _, g := range st.Groups {
		ids = append(ids, g.ID)
	}
	for _, c := range st.TriggerCategories {
		if id, err := strconv.ParseInt(c.ID, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	for _, t := range st.Triggers {
		ids = append(ids, t.ID)
	}
	for _, m := range st.Macros {
		ids = append(ids, m.ID)
	}
	for _, a := range st.Apps {
		ids = append(ids, a.ID)
	}
	for _, inst := range st.Installations {
		ids = append(ids, inst.ID)
	}
	for _, t := range st.Tickets {
		ids = append(ids, t.Metrics.ID)
		if t.Rating != nil {
			ids = append(ids, t.Rating.ID)
		}
		for _, c := range t.Comments {
			ids = append(ids, c.ID, c.AuditID)
		}
	}
	return ids
}

func (r *restore) organizations() error {
	s := r.into
	for i, in := range r.st.Organizations {
		where := fmt.Sprintf("organizations[%d] (%s)", i, in.Name)
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("organizations[%d]: name is required", i)
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		o := &organization{id: id, name: in.Name, externalID: in.ExternalID, details: in.Details, notes: in.Notes,
			domainNames: in.DomainNames, tags: normalizeTags(in.Tags), fields: mergeFields(nil, in.OrganizationFields),
			sharedTickets: in.SharedTickets, sharedComments: in.SharedComments, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
		s.orgs[o.id] = o
		s.orgOrder = append(s.orgOrder, o.id)
	}
	return nil
}

func (r *restore) users() error {
	s := r.into
	for i, in := range r.st.Users {
		where := fmt.Sprintf("users[%d] (%s)", i, cmp.Or(in.Email, in.Name))
		role := cmp.Or(in.Role, roleEndUser)
		switch {
		case strings.TrimSpace(in.Name) == "":
			return fmt.Errorf("users[%d]: name is required", i)
		case !slices.Contains(userRoles, role):
			return fmt.Errorf("%s: role %q is not end-user, agent or admin", where, in.Role)
		case in.Email != "" && !validEmail(in.Email):
			return fmt.Errorf("%s: email %q is not valid", where, in.Email)
		case in.OrganizationID != 0 && s.orgs[in.OrganizationID] == nil:
			return fmt.Errorf("%s: organization_id %d is not an organization of the account", where, in.OrganizationID)
		case in.Email != "" && !in.Deleted && s.userByEmailLocked(in.Email) != nil:
			return fmt.Errorf("%s: another user has email %s", where, in.Email)
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		u := &user{id: id, name: in.Name, email: normalizeEmail(in.Email), externalID: in.ExternalID, phone: in.Phone,
			role: role, organizationID: in.OrganizationID, tags: normalizeTags(in.Tags), userFields: mergeFields(nil, in.UserFields),
			details: in.Details, notes: in.Notes, alias: in.Alias, verified: in.Verified, deleted: in.Deleted,
			createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
		if strings.EqualFold(u.email, s.cfg.Email) && !u.deleted {
			u.role, s.adminID = roleAdmin, u.id
		}
		s.userOrder = append(s.userOrder, u.id)
		if in.Change > 0 {
			u.change = in.Change
			s.users[u.id] = u
		} else {
			s.storeUserLocked(u)
		}
	}
	if s.adminID == 0 {
		admin := &user{id: s.nextID(), name: AdminName, email: strings.ToLower(s.cfg.Email), role: roleAdmin, verified: true,
			createdAt: r.now, updatedAt: r.now}
		s.addUser(admin)
		s.adminID = admin.id
	}
	return nil
}

func (r *restore) fields() error {
	s := r.into
	for _, k := range []struct {
		kind fieldKind
		in   []StateField
	}{{userFieldKind, r.st.UserFields}, {orgFieldKind, r.st.OrganizationFields}, {ticketFieldKind, r.st.TicketFields}} {
		defs := k.kind.defs(s)
		for i, in := range k.in {
			where := fmt.Sprintf("%s[%d] (%s)", k.kind.plural, i, in.Title)
			system := in.System && k.kind.plural == ticketFieldKind.plural && slices.ContainsFunc(systemTicketFields, func(f [2]string) bool { return f[0] == in.Type })
			switch {
			case k.kind.keyed && !fieldKey.MatchString(in.Key):
				return fmt.Errorf("%s: key %q must be letters, digits and underscores", where, in.Key)
			case k.kind.keyed && slices.ContainsFunc(*defs, func(f *fieldDef) bool { return f.key == in.Key }):
				return fmt.Errorf("%s: another field has key %q", where, in.Key)
			case !system && !slices.Contains(k.kind.types, in.Type):
				return fmt.Errorf("%s: type %q is not a field type", where, in.Type)
			}
			id, err := r.claim(in.ID, where)
			if err != nil {
				return err
			}
			f := &fieldDef{id: id, key: in.Key, typ: in.Type, title: in.Title, description: in.Description, active: flag(in.Active),
				system: system, position: in.Position, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
			for j, o := range in.Options {
				if o.ID, err = r.claim(o.ID, fmt.Sprintf("%s option %d", where, j)); err != nil {
					return err
				}
				o.RawName = cmp.Or(o.RawName, o.Name)
				f.options = append(f.options, o)
			}
			*defs = append(*defs, f)
		}
	}
	if len(s.ticketFields) == 0 {
		s.addSystemTicketFields(r.now)
	}
	return nil
}

func (r *restore) groups() error {
	s := r.into
	for i, in := range r.st.Groups {
		where := fmt.Sprintf("groups[%d] (%s)", i, in.Name)
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("groups[%d]: name is required", i)
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		s.groups[id] = &group{id: id, name: in.Name, description: in.Description, createdAt: r.at(in.CreatedAt)}
	}
	return nil
}

func (r *restore) categories() error {
	s := r.into
	for i, in := range r.st.TriggerCategories {
		where := fmt.Sprintf("trigger_categories[%d] (%s)", i, in.Name)
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("trigger_categories[%d]: name is required", i)
		}
		c := &triggerCategory{id: in.ID, name: in.Name, position: in.Position, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
		if c.id == "" {
			c.id = strconv.FormatInt(s.nextID(), 10)
		}
		if s.categories[c.id] != nil {
			return fmt.Errorf("%s: id %s is also another category's", where, c.id)
		}
		s.categories[c.id] = c
	}
	if len(s.categories) == 0 {
		if _, err := s.addCategoryLocked(DefaultTriggerCategory, nil); err != nil {
			return err
		}
	}
	return nil
}

func (r *restore) webhooks() error {
	s := r.into
	for i, in := range r.st.Webhooks {
		where := fmt.Sprintf("webhooks[%d] (%s)", i, in.Name)
		input := webhookInput{Name: in.Name, Description: in.Description, Endpoint: in.Endpoint, HTTPMethod: in.HTTPMethod,
			RequestFormat: in.RequestFormat, Status: in.Status, Subscriptions: in.Subscriptions, Authentication: in.Authentication,
			CustomHeaders: in.CustomHeaders}
		if err := input.validate(); err != nil {
			return fmt.Errorf("%s: %v", where, apiErrorText(err))
		}
		created := r.at(in.CreatedAt)
		h := &webhook{id: in.ID, seq: cmp.Or(in.Order, int64(i+1)), name: in.Name, description: in.Description,
			endpoint: in.Endpoint, httpMethod: in.HTTPMethod, requestFormat: in.RequestFormat, status: in.Status,
			subscriptions: in.Subscriptions, auth: input.Authentication, customHeaders: in.CustomHeaders,
			secret: in.SigningSecret, createdBy: cmp.Or(in.CreatedBy, strconv.FormatInt(s.adminID, 10)),
			createdAt: created, updatedAt: r.at(in.UpdatedAt)}
		if h.id == "" {
			h.id = newULID(created)
		}
		if h.secret == "" {
			h.secret = newSigningSecret()
		}
		if s.webhooks[h.id] != nil {
			return fmt.Errorf("%s: id %s is also another webhook's", where, h.id)
		}
		s.webhooks[h.id] = h
		s.hookOrder = append(s.hookOrder, h.id)
	}
	slices.SortStableFunc(s.hookOrder, func(a, b string) int { return cmp.Compare(s.webhooks[a].seq, s.webhooks[b].seq) })
	return nil
}

func (r *restore) triggers() error {
	s := r.into
	for i, in := range r.st.Triggers {
		where := fmt.Sprintf("triggers[%d] (%s)", i, in.Title)
		input := triggerInput{Title: in.Title, Description: in.Description, CategoryID: in.CategoryID, Actions: in.Actions,
			Conditions: &in.Conditions}
		if err := s.validateTriggerLocked(&input, triggerRefs{}); err != nil {
			return fmt.Errorf("%s: %v", where, apiErrorText(err))
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		s.triggers[id] = &trigger{id: id, title: in.Title, description: in.Description, active: flag(in.Active), position: in.Position,
			categoryID: cmp.Or(in.CategoryID, s.firstCategoryLocked()), all: in.Conditions.All, any: in.Conditions.Any,
			actions: in.Actions, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
	}
	return nil
}

func (r *restore) macros() error {
	s := r.into
	for i, in := range r.st.Macros {
		where := fmt.Sprintf("macros[%d] (%s)", i, in.Title)
		if strings.TrimSpace(in.Title) == "" {
			return fmt.Errorf("macros[%d]: title is required", i)
		}
		for _, a := range in.Actions {
			if err := s.validateMacroActionLocked(a, false); err != nil {
				return fmt.Errorf("%s: %v", where, apiErrorText(err))
			}
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		s.macros[id] = &macro{id: id, title: in.Title, description: in.Description, active: flag(in.Active), position: in.Position,
			restriction: in.Restriction, actions: in.Actions, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
	}
	return nil
}

func (r *restore) tickets() error {
	s := r.into
	for i, in := range r.st.Tickets {
		where := fmt.Sprintf("tickets[%d] (%s)", i, in.Subject)
		t := &ticket{id: in.ID, externalID: in.ExternalID, subject: in.Subject, priority: in.Priority, status: cmp.Or(in.Status, statusNew),
			typ: in.Type, requesterID: cmp.Or(in.RequesterID, s.adminID), submitterID: cmp.Or(in.SubmitterID, in.RequesterID, s.adminID),
			assigneeID: in.AssigneeID, groupID: in.GroupID, organizationID: in.OrganizationID, tags: normalizeTags(in.Tags),
			createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
		if err := r.checkTicket(t, in, where); err != nil {
			return err
		}
		if t.id == 0 {
			s.ticketSeq++
			t.id = s.ticketSeq
		}
		if _, dup := s.tickets[t.id]; dup {
			return fmt.Errorf("%s: id %d is taken", where, t.id)
		}
		for _, f := range in.CustomFields {
			raw, _ := json.Marshal(f.Value)
			v, err := customFieldValue(raw)
			if err != nil {
				return fmt.Errorf("%s: custom field %d: %v", where, f.ID, err)
			}
			t.setCustomField(f.ID, v)
		}
		for j, c := range in.Comments {
			id, err := r.claim(c.ID, fmt.Sprintf("%s comment %d", where, j))
			if err != nil {
				return err
			}
			audit, err := r.claim(c.AuditID, fmt.Sprintf("%s comment %d's audit", where, j))
			if err != nil {
				return err
			}
			t.comments = append(t.comments, comment{id: id, authorID: cmp.Or(c.AuthorID, t.requesterID), auditID: audit,
				body: c.Body, htmlBody: c.HTMLBody, public: flag(c.Public), custom: c.Metadata, createdAt: cmpTime(c.CreatedAt, t.createdAt)})
		}
		m := in.Metrics
		metricsID, err := r.claim(m.ID, where+" metrics")
		if err != nil {
			return err
		}
		t.metrics = ticketMetrics{id: metricsID, assignedAt: m.AssignedAt, initiallyAssignedAt: m.InitiallyAssignedAt,
			assigneeUpdatedAt: m.AssigneeUpdatedAt, statusUpdatedAt: m.StatusUpdatedAt, latestCommentAt: m.LatestCommentAt,
			firstReplyAt: m.FirstReplyAt, firstSolvedAt: m.FirstSolvedAt, solvedAt: m.SolvedAt, reopens: m.Reopens,
			replies: m.Replies, assigneeStations: m.AssigneeStations}
		if rt := in.Rating; rt != nil {
			if rt.Score != scoreGood && rt.Score != scoreBad {
				return fmt.Errorf("%s: satisfaction_rating score %q is not good or bad", where, rt.Score)
			}
			ratingID, err := r.claim(rt.ID, where+" satisfaction rating")
			if err != nil {
				return err
			}
			t.rating = satisfaction{id: ratingID, score: rt.Score, comment: rt.Comment, createdAt: r.at(rt.CreatedAt), updatedAt: r.at(rt.UpdatedAt)}
		}
		if in.Change > 0 {
			t.change = in.Change
			s.tickets[t.id] = t
		} else {
			s.storeTicketLocked(t)
		}
	}
	return nil
}

func (r *restore) apps() error {
	s := r.into
	for i, in := range r.st.Apps {
		where := fmt.Sprintf("apps[%d] (%s)", i, in.Name)
		if strings.TrimSpace(in.Name) == "" {
			return fmt.Errorf("apps[%d]: name is required", i)
		}
		pkg, err := zafapp.ReadZip(in.Package)
		if err != nil {
			return fmt.Errorf("%s: package: %v", where, err)
		}
		if err := zafapp.Errors(pkg.Check()); err != nil {
			return fmt.Errorf("%s: package: %s", where, strings.ReplaceAll(err.Error(), "\n", "; "))
		}
		var key *rsa.PrivateKey
		if in.PrivateKey == "" {
			key, err = rsa.GenerateKey(rand.Reader, appKeyBits)
		} else {
			key, err = parsePrivateKeyPEM(in.PrivateKey)
		}
		if err != nil {
			return fmt.Errorf("%s: private_key: %v", where, err)
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		s.apps[id] = &app{id: id, name: in.Name, shortDescription: in.ShortDescription, pkg: pkg, zip: in.Package,
			key: key, createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
	}
	return nil
}

// installations loads the installed apps. Their requirements are not
// checked against the fields: an admin may have deleted one.
func (r *restore) installations() error {
	s := r.into
	for i, in := range r.st.Installations {
		where := fmt.Sprintf("installations[%d]", i)
		a := s.apps[in.AppID]
		if a == nil {
			return fmt.Errorf("%s: app_id %d is not an app of the account", where, in.AppID)
		}
		where += " (" + a.name + ")"
		if other := s.singleInstallationLocked(a); other != nil {
			return fmt.Errorf("%s: the app can be installed once only (singleInstall), and installation %d has it", where, other.id)
		}
		for _, req := range in.Requirements {
			if _, ok := requirementKind(req.Type); !ok {
				return fmt.Errorf("%s: requirement %q: requirement_type %q is not ticket_fields or user_fields", where, req.Identifier, req.Type)
			}
		}
		id, err := r.claim(in.ID, where)
		if err != nil {
			return err
		}
		s.installations[id] = &installation{id: id, appID: a.id, settings: mergeFields(nil, in.Settings), enabled: flag(in.Enabled),
			requirements: slices.Clone(in.Requirements), createdAt: r.at(in.CreatedAt), updatedAt: r.at(in.UpdatedAt)}
	}
	return nil
}

// checkTicket checks a ticket's values and the records it names, which a
// write could not have left dangling.
func (r *restore) checkTicket(t *ticket, in StateTicket, where string) error {
	s := r.into
	isUser := func(id int64) bool { return s.users[id] != nil }
	switch {
	case t.id < 0:
		return fmt.Errorf("%s: id %d is not an id", where, t.id)
	case !slices.Contains(ticketStatuses, t.status):
		return fmt.Errorf("%s: status %q is not a ticket status", where, t.status)
	case !slices.Contains(ticketPriorities, t.priority):
		return fmt.Errorf("%s: priority %q is not a ticket priority", where, t.priority)
	case !slices.Contains(ticketTypes, t.typ):
		return fmt.Errorf("%s: type %q is not a ticket type", where, t.typ)
	case !isUser(t.requesterID):
		return fmt.Errorf("%s: requester_id %d is not a user of the account", where, t.requesterID)
	case !isUser(t.submitterID):
		return fmt.Errorf("%s: submitter_id %d is not a user of the account", where, t.submitterID)
	case t.assigneeID != 0 && !isUser(t.assigneeID):
		return fmt.Errorf("%s: assignee_id %d is not a user of the account", where, t.assigneeID)
	case t.groupID != 0 && s.groups[t.groupID] == nil:
		return fmt.Errorf("%s: group_id %d is not a group of the account", where, t.groupID)
	case t.organizationID != 0 && s.orgs[t.organizationID] == nil:
		return fmt.Errorf("%s: organization_id %d is not an organization of the account", where, t.organizationID)
	case len(in.Comments) == 0:
		return fmt.Errorf("%s: a ticket needs its first comment (the description)", where)
	}
	for j, c := range in.Comments {
		if c.AuthorID != 0 && !isUser(c.AuthorID) {
			return fmt.Errorf("%s comment %d: author_id %d is not a user of the account", where, j, c.AuthorID)
		}
	}
	return nil
}

// cmpTime returns t, or def when t is zero.
func cmpTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t.UTC()
}

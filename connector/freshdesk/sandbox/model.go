package sandbox

import "time"

// The account's records. They are exported, with JSON names as Freshdesk's
// where it has them, because State is made of them; the API answers views
// of them (tickets.go and the others), not the records themselves.

// Agent is an agent; the sandbox has one, the API key's owner.
type Agent struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Ticket is a ticket with its stats. Status, Priority and Source are
// Freshdesk's integers (§10.2).
type Ticket struct {
	ID              int64          `json:"id"`
	Subject         string         `json:"subject"`
	Description     string         `json:"description"` // HTML
	Status          int            `json:"status"`
	Priority        int            `json:"priority"`
	Source          int            `json:"source"`
	Type            string         `json:"type,omitempty"`
	RequesterID     int64          `json:"requester_id"`
	ResponderID     int64          `json:"responder_id,omitempty"`
	GroupID         int64          `json:"group_id,omitempty"`
	CompanyID       int64          `json:"company_id,omitempty"`
	ProductID       int64          `json:"product_id,omitempty"`
	CCEmails        []string       `json:"cc_emails,omitempty"`
	Tags            []string       `json:"tags,omitempty"`
	CustomFields    map[string]any `json:"custom_fields,omitempty"`
	DueBy           time.Time      `json:"due_by"`
	FrDueBy         time.Time      `json:"fr_due_by"`
	Spam            bool           `json:"spam,omitempty"`
	Deleted         bool           `json:"deleted,omitempty"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	Stats           TicketStats    `json:"stats"`
	ConversationIDs []int64        `json:"conversation_ids,omitempty"`
}

// TicketStats are a ticket's include=stats timestamps. The sheets name
// first_responded_at, resolved_at and closed_at (the brief) under §10.2's
// include=stats; the other fields are UNCONFIRMED (recalled from
// Freshdesk's documentation).
type TicketStats struct {
	AgentRespondedAt     time.Time `json:"agent_responded_at,omitzero"`
	RequesterRespondedAt time.Time `json:"requester_responded_at,omitzero"`
	FirstRespondedAt     time.Time `json:"first_responded_at,omitzero"`
	StatusUpdatedAt      time.Time `json:"status_updated_at,omitzero"`
	ReopenedAt           time.Time `json:"reopened_at,omitzero"`
	ResolvedAt           time.Time `json:"resolved_at,omitzero"`
	ClosedAt             time.Time `json:"closed_at,omitzero"`
	PendingSince         time.Time `json:"pending_since,omitzero"`
}

// Conversation is a note or a reply on a ticket (§10.3).
type Conversation struct {
	ID         int64     `json:"id"`
	TicketID   int64     `json:"ticket_id"`
	Body       string    `json:"body"` // HTML
	UserID     int64     `json:"user_id"`
	Private    bool      `json:"private"`
	Incoming   bool      `json:"incoming"`
	Reply      bool      `json:"reply"` // a reply, else a note
	NotifiedTo []string  `json:"notified_to,omitempty"`
	FromEmail  string    `json:"from_email,omitempty"`
	CCEmails   []string  `json:"cc_emails,omitempty"`
	BCCEmails  []string  `json:"bcc_emails,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Contact is a contact (§10.4). CustomFields are keyed by the field's name
// without the cf_ prefix (UNCONFIRMED, §10.4).
type Contact struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	Email            string         `json:"email,omitempty"`
	Phone            string         `json:"phone,omitempty"`
	Mobile           string         `json:"mobile,omitempty"`
	UniqueExternalID string         `json:"unique_external_id,omitempty"`
	CompanyID        int64          `json:"company_id,omitempty"`
	OtherEmails      []string       `json:"other_emails,omitempty"`
	Tags             []string       `json:"tags,omitempty"`
	JobTitle         string         `json:"job_title,omitempty"`
	Description      string         `json:"description,omitempty"`
	CustomFields     map[string]any `json:"custom_fields,omitempty"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
}

// Company is a company (§10.4), custom fields keyed as a contact's.
type Company struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name"`
	Description  string         `json:"description,omitempty"`
	Note         string         `json:"note,omitempty"`
	Domains      []string       `json:"domains,omitempty"`
	HealthScore  string         `json:"health_score,omitempty"`
	AccountTier  string         `json:"account_tier,omitempty"`
	RenewalDate  string         `json:"renewal_date,omitempty"`
	Industry     string         `json:"industry,omitempty"`
	CustomFields map[string]any `json:"custom_fields,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

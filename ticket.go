package cohort

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Ticket is a helpdesk ticket as cohort sees it when it enriches one.
type Ticket struct {
	ID           int64
	Subject      string
	Description  string
	Priority     Priority
	Status       string
	Tags         []string
	Channel      string    // "web", "email", "api", … (lowercase)
	UpdatedAt    time.Time // zero when unknown; used for collision-safe updates
	CreatedAt    time.Time // zero when unknown
	Requester    Requester
	Organization Organization
}

// Requester is the person who asked. The helpdesk may send only the ID; the
// enrich job then looks up the rest.
type Requester struct {
	ID         int64
	Email      string
	Name       string
	ExternalID string
}

// Organization is the requester's organization in the helpdesk, if any.
type Organization struct {
	ID         int64
	Name       string
	ExternalID string
}

// HasTag reports whether t carries tag.
func (t *Ticket) HasTag(tag string) bool {
	for _, have := range t.Tags {
		if have == tag {
			return true
		}
	}
	return false
}

// TicketUpdate is the one change cohort makes to a ticket: it adds tags
// (never removes one), raises the priority (never lowers it), sets cohort's
// fields, adds one private note, and carries the actions of the macros it
// applies.
type TicketUpdate struct {
	TicketID int64
	// Tags is the full tag set to write: the ticket's tags as last read plus
	// AddTags. Helpdesks whose API only sets tags need it; it is only safe to
	// send together with UpdatedStamp.
	Tags    []string
	AddTags []string
	// Priority is the new priority, or PriorityNone to leave it unchanged.
	Priority Priority
	Fields   []FieldValue
	Note     string // private (internal) note; empty for none
	// Reply is a public reply from an applied macro. An update carries one
	// comment: with a Reply, Note goes to the update's audit instead.
	Reply string
	// Status, Type and GroupID are set by applied macros; zero leaves
	// them unchanged.
	Status  string
	Type    string
	GroupID int64
	// Macros are the keys of the macros applied, for the audit.
	Macros []string
	// UpdatedStamp is the ticket's updated_at as last read. When set, the
	// helpdesk rejects the update with a Conflict error if the ticket changed
	// since, so cohort never overwrites an agent's edit.
	UpdatedStamp time.Time
}

// FieldValue sets one custom ticket field. Values are strings: helpdesks
// take numbers and dates as text.
type FieldValue struct {
	ID    int64
	Value string
}

// Delivery is one webhook delivery announcing a new ticket.
type Delivery struct {
	Helpdesk     string // "zendesk"
	InvocationID string // the helpdesk's delivery id; "" when it sent none
	Ticket       Ticket
	ReceivedAt   time.Time
}

// CleanText returns s as every store can keep it: valid UTF-8 (a bad byte
// becomes U+FFFD) with no NUL character, which PostgreSQL's text cannot
// hold. Text from outside that must not be lost, such as a webhook's
// ticket, is cleaned rather than refused.
func CleanText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

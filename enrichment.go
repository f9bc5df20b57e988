package cohort

import "time"

// EnrichmentStatus is where a ticket is on its way through cohort.
type EnrichmentStatus string

// The states of an enrichment record.
const (
	EnrichmentPending EnrichmentStatus = "pending" // accepted, not yet applied
	EnrichmentDone    EnrichmentStatus = "done"    // the update reached the helpdesk
	EnrichmentFailed  EnrichmentStatus = "failed"  // gave up; Error says why
)

// Enrichment is the audit record of one ticket's enrichment: what arrived,
// what cohort decided and whether the helpdesk took the update.
type Enrichment struct {
	Helpdesk       string
	TicketID       int64
	Status         EnrichmentStatus
	Subject        string
	RequesterEmail string
	CustomerID     int64 // 0 when no CRM record matched
	MatchedBy      MatchedBy
	Segments       []string
	Escalations    []string
	PriorityBefore Priority
	PriorityAfter  Priority
	Reasons        []string
	Macros         []string // keys of the macros applied with the update
	Error          string
	Attempts       int
	ReceivedAt     time.Time
	FinishedAt     time.Time // zero while pending
}

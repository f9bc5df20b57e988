package cohort

// SidebarView is what the helpdesk app's sidebar shows an agent about one
// ticket's requester: the segments and escalations that matched with what
// each means, the priority decision, the customer facts the rules read
// with the source of each, how the primary segment is served beside all
// customers, and the macros that fit, best first.
type SidebarView struct {
	TicketID int64 `json:"ticket_id,omitempty"` // 0 for a preview
	// Preview is true when cohort decided now, for a ticket it has not
	// enriched (a new ticket being written): nothing was written to it.
	Preview bool `json:"preview"`
	// Status is where the ticket's enrichment is; empty for a preview.
	Status      EnrichmentStatus  `json:"status,omitempty"`
	Segments    []SidebarRule     `json:"segments"` // the primary first
	Escalations []SidebarRule     `json:"escalations"`
	Priority    SidebarPriority   `json:"priority"`
	Customer    SidebarCustomer   `json:"customer"`
	Measures    *SidebarMeasures  `json:"measures"` // nil: no figures stored yet
	Macros      []MacroSuggestion `json:"macros"`
}

// SidebarRule is a segment or escalation that matched, as the segments
// file states it.
type SidebarRule struct {
	Name string `json:"name"`
	// Description is the file's plain-language description; empty when
	// the rule has none.
	Description string `json:"description"`
	// Rule is the rule's expression; empty when the rule is no longer in
	// the segments file (the ticket was decided under older rules).
	Rule     string `json:"rule"`
	Priority string `json:"priority"` // the priority it asks for; "" for none
	Primary  bool   `json:"primary,omitempty"`
}

// SidebarPriority is the priority decision: before and after cohort, and
// why.
type SidebarPriority struct {
	Before string `json:"before"`
	After  string `json:"after"`
	Raised bool   `json:"raised"`
	Why    string `json:"why"`
}

// SidebarCustomer is the requester as cohort knows them.
type SidebarCustomer struct {
	Known     bool           `json:"known"` // false: no CRM record matched
	MatchedBy MatchedBy      `json:"matched_by,omitempty"`
	Name      string         `json:"name,omitempty"`
	Email     string         `json:"email,omitempty"`
	Facts     []CustomerFact `json:"facts"`
}

// CustomerFact is one field of the merged customer the rules read, with
// the source its value came from.
type CustomerFact struct {
	Field  string `json:"field"` // as rules name it: "plan", "arr", …
	Label  string `json:"label"`
	Value  string `json:"value"`
	Source string `json:"source"`
}

// SidebarMeasures are the primary segment's support measures over a recent
// window beside all customers' over the same window.
type SidebarMeasures struct {
	From    string          `json:"from"` // YYYY-MM-DD
	To      string          `json:"to"`   // YYYY-MM-DD, inclusive
	Segment SegmentMeasures `json:"segment"`
	All     SegmentMeasures `json:"all"`
}

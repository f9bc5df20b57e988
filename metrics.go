package cohort

import "time"

// TicketMetrics is one helpdesk ticket with the times and counts support
// metrics are made of, as a helpdesk's history reports it.
type TicketMetrics struct {
	ID             int64
	RequesterID    int64
	RequesterEmail string // "" when unknown
	RequesterExtID string
	CreatedAt      time.Time
	SolvedAt       time.Time // zero while unsolved
	Status         string
	AgentReplies   int
	Reopens        int
	Rating         string // "good", "bad" or "" when not rated
	FirstReply     *Minutes
	FullResolution *Minutes
}

// Minutes is a duration in calendar minutes and in business minutes (the
// helpdesk's schedule).
type Minutes struct {
	Calendar float64
	Business float64
}

// TicketMetricsPage is a page of tickets changed in a helpdesk's history and
// the checkpoint that follows it.
type TicketMetricsPage struct {
	Tickets    []TicketMetrics
	Checkpoint string
}

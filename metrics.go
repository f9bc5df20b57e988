package cohort

import "time"

// TicketMetrics is one helpdesk ticket with the times and counts support
// metrics are made of, as a helpdesk's history reports it.
type TicketMetrics struct {
	ID             int64
	RequesterID    int64 // the helpdesk's user id
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

// SegmentDay is one segment's support figures for one UTC day, as the
// syncer keeps them: counts over the tickets created that day (by their
// state now), the minutes behind their percentiles, and the backlog at the
// day's end. Weeks and months are rolled up from days exactly, since the
// minutes are kept, not only their percentiles.
type SegmentDay struct {
	Segment  string
	Day      time.Time // midnight UTC
	Tickets  int
	Good     int // rated good
	Bad      int // rated bad
	Solved   int
	FCR      int // solved with at most one agent reply and never reopened
	Reopened int // solved and reopened at least once
	Backlog  int // created before the day's end and not solved by then
	// The day's first reply and full resolution times, one per ticket that
	// has them, in the order the tickets were created.
	FirstReply     MinuteLists
	FullResolution MinuteLists
}

// MinuteLists are durations in calendar minutes and in business minutes.
type MinuteLists struct {
	Calendar []float64
	Business []float64
}

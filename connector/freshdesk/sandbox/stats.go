package sandbox

import (
	"maps"
	"net/http"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Stats counts what the sandbox's API served since New, for tests and
// benchmarks (API calls per enriched ticket, 429s received…). Every request
// under /api/v2 that reached the server counts, whatever became of it:
// refused by authentication or a rate limit, faulted, or served.
type Stats struct {
	// Requests is the number of API requests.
	Requests int
	// RequestsByRoute counts the API requests by method and endpoint
	// pattern, such as "PUT /api/v2/tickets/{id}". Requests for endpoints
	// the sandbox does not emulate count under "<METHOD> /api/v2/*".
	RequestsByRoute map[string]int
	// Responses counts the API responses by status code. A dropped
	// connection has none.
	Responses map[int]int
	// RateLimited is the number of 429 answers (Responses[429]).
	RateLimited int
	// Credits is the number of rate-limit credits the admitted requests
	// and webhook deliveries used (see "Rate limits").
	Credits int
	// Faults counts the injected faults by kind.
	Faults map[FaultKind]int
	// TicketUpdates is the number of ticket updates applied: successful
	// PUT /tickets/{id} and bulk-update items. Creates are not counted.
	TicketUpdates int
	// TicketUpdatesByID counts TicketUpdates per ticket id.
	TicketUpdatesByID map[int64]int
	// WebhookAttempts is the number of webhook requests the automation
	// rules sent, retries included.
	WebhookAttempts int
	// Jobs is the number of bulk-update jobs created.
	Jobs int
}

// Stats returns a snapshot of the counters; its maps are copies.
func (s *Server) Stats() Stats {
	t, st := s.stats.Snapshot(func(st Stats) Stats {
		st.Faults = maps.Clone(st.Faults)
		st.TicketUpdatesByID = maps.Clone(st.TicketUpdatesByID)
		return st
	})
	st.Requests, st.RequestsByRoute, st.Responses = t.Requests, t.RequestsByRoute, t.Responses
	st.RateLimited = t.Responses[http.StatusTooManyRequests]
	return st
}

// counters are a Server's Stats: emulator.Counters counts the requests and
// responses, and keeps the other fields in a Stats of their own.
type counters struct {
	*emulator.Counters[Stats]
}

func newCounters() counters {
	return counters{emulator.NewCounters(Stats{
		Faults:            map[FaultKind]int{},
		TicketUpdatesByID: map[int64]int{},
	})}
}

func (c counters) fault(kind FaultKind) { c.Add(func(s *Stats) { s.Faults[kind]++ }) }

func (c counters) credits(n int) { c.Add(func(s *Stats) { s.Credits += n }) }

func (c counters) ticketUpdated(id int64) {
	c.Add(func(s *Stats) {
		s.TicketUpdates++
		s.TicketUpdatesByID[id]++
	})
}

func (c counters) webhookAttempt() { c.Add(func(s *Stats) { s.WebhookAttempts++ }) }

func (c counters) jobCreated() { c.Add(func(s *Stats) { s.Jobs++ }) }

package sandbox

import (
	"maps"
	"net/http"
	"sync"
)

// Stats counts what the sandbox's API served since New, for tests and
// benchmarks (API calls per enriched ticket, 429s received…). Every request
// under /api/v2 that reached the server counts, whatever became of it:
// refused by authentication or a rate limit, faulted, or served.
type Stats struct {
	// Requests is the number of API requests.
	Requests int
	// RequestsByRoute counts the API requests by method and endpoint
	// pattern, such as "PUT /api/v2/tickets/{id}" or
	// "GET /api/v2/job_statuses/show_many" (".json" suffixes removed).
	// Requests for endpoints the sandbox does not emulate count under
	// "<METHOD> /api/v2/*".
	RequestsByRoute map[string]int
	// Responses counts the API responses by status code. A dropped
	// connection has none.
	Responses map[int]int
	// RateLimited is the number of 429 answers: rate limits and
	// TooManyJobs alike (Responses[429]).
	RateLimited int
	// Faults counts the injected faults by kind.
	Faults map[FaultKind]int
	// TicketUpdates is the number of ticket updates applied: successful
	// PUT /tickets/{id}, tag writes and update_many items, whether or not
	// they changed anything. Creates and trigger actions are not counted.
	TicketUpdates int
	// TicketUpdatesByID counts TicketUpdates per ticket id.
	TicketUpdatesByID map[int64]int
	// JobStatuses is the number of jobs (job statuses) created.
	JobStatuses int
}

// Stats returns a snapshot of the counters; its maps are copies.
func (s *Server) Stats() Stats {
	return s.stats.snapshot()
}

// counters are a Server's Stats.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	return &counters{s: Stats{
		RequestsByRoute:   make(map[string]int),
		Responses:         make(map[int]int),
		Faults:            make(map[FaultKind]int),
		TicketUpdatesByID: make(map[int64]int),
	}}
}

func (c *counters) add(f func(*Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *counters) request(key string) {
	c.add(func(s *Stats) {
		s.Requests++
		s.RequestsByRoute[key]++
	})
}

func (c *counters) response(status int) {
	c.add(func(s *Stats) {
		s.Responses[status]++
		if status == http.StatusTooManyRequests {
			s.RateLimited++
		}
	})
}

func (c *counters) fault(kind FaultKind) {
	c.add(func(s *Stats) { s.Faults[kind]++ })
}

func (c *counters) ticketUpdated(id int64) {
	c.add(func(s *Stats) {
		s.TicketUpdates++
		s.TicketUpdatesByID[id]++
	})
}

func (c *counters) jobCreated() {
	c.add(func(s *Stats) { s.JobStatuses++ })
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.RequestsByRoute = maps.Clone(c.s.RequestsByRoute)
	s.Responses = maps.Clone(c.s.Responses)
	s.Faults = maps.Clone(c.s.Faults)
	s.TicketUpdatesByID = maps.Clone(c.s.TicketUpdatesByID)
	return s
}

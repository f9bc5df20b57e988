package sandbox

import (
	"maps"
	"net/http"
	"sync"
)

// Stats counts what the sandbox served since New, for tests: every
// request that reached it, whatever became of it (refused by
// authentication or a rate limit, faulted, or served).
type Stats struct {
	// Requests is the number of requests.
	Requests int
	// RequestsByRoute counts the requests by method and endpoint, the
	// object types filled in and ids not, such as
	// "GET /crm/v3/objects/contacts", "POST /crm/v3/objects/companies/search"
	// or "GET /crm/v4/objects/companies/{id}/associations/contacts".
	// Date-versioned paths count under their /crm/v3 route; endpoints the
	// sandbox does not emulate under "<METHOD> /*".
	RequestsByRoute map[string]int
	// Responses counts the answers by status code. A dropped connection
	// has none.
	Responses map[int]int
	// RateLimited is the number of 429 answers, injected ones included.
	RateLimited int
	// RateLimitedByPolicy counts the 429 answers by policy: DAILY,
	// TEN_SECONDLY_ROLLING, SECONDLY.
	RateLimitedByPolicy map[string]int
	// Faults counts the injected faults.
	Faults map[Fault]int
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
		RequestsByRoute:     map[string]int{},
		Responses:           map[int]int{},
		RateLimitedByPolicy: map[string]int{},
		Faults:              map[Fault]int{},
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

func (c *counters) rateLimited(policy string) {
	c.add(func(s *Stats) { s.RateLimitedByPolicy[policy]++ })
}

func (c *counters) fault(f Fault) {
	c.add(func(s *Stats) { s.Faults[f]++ })
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.RequestsByRoute = maps.Clone(c.s.RequestsByRoute)
	s.Responses = maps.Clone(c.s.Responses)
	s.RateLimitedByPolicy = maps.Clone(c.s.RateLimitedByPolicy)
	s.Faults = maps.Clone(c.s.Faults)
	return s
}

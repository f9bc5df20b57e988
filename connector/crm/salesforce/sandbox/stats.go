package sandbox

import (
	"maps"
	"sync"
)

// Stats counts what the sandbox served since New, for tests: every request
// that reached it, refused and faulted ones included.
type Stats struct {
	// Requests is the number of requests.
	Requests int
	// RequestsByRoute counts the requests by method and endpoint pattern,
	// such as "GET /services/data/{version}/query" or
	// "POST /services/oauth2/token"; requests for endpoints the sandbox
	// does not emulate count under "<METHOD> /*".
	RequestsByRoute map[string]int
	// Responses counts the responses by status code.
	Responses map[int]int
	// Faults is the number of 503 answers injected by Faults.
	Faults int
	// TokensIssued is the number of access tokens the token endpoint issued.
	TokensIssued int
	// APIUsage is the number of API requests counted against the daily
	// limit in the current window, as Sforce-Limit-Info reports it.
	APIUsage int
}

// Stats returns a snapshot of the counters; its maps are copies.
func (s *Server) Stats() Stats {
	st := s.stats.snapshot()
	s.mu.Lock()
	s.rollUsageLocked()
	st.APIUsage = s.usage.count
	s.mu.Unlock()
	return st
}

// counters are a Server's Stats but APIUsage.
type counters struct {
	mu sync.Mutex
	s  Stats
}

func newCounters() *counters {
	return &counters{s: Stats{RequestsByRoute: map[string]int{}, Responses: map[int]int{}}}
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

func (c *counters) response(status int) { c.add(func(s *Stats) { s.Responses[status]++ }) }

func (c *counters) fault() { c.add(func(s *Stats) { s.Faults++ }) }

func (c *counters) tokenIssued() { c.add(func(s *Stats) { s.TokensIssued++ }) }

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.s
	s.RequestsByRoute = maps.Clone(c.s.RequestsByRoute)
	s.Responses = maps.Clone(c.s.Responses)
	return s
}

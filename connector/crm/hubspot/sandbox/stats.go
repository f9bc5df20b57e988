package sandbox

import (
	"maps"
	"net/http"

	"github.com/cohortdesk/cohort/internal/emulator"
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
	t, st := s.stats.Snapshot(func(st Stats) Stats {
		st.RateLimitedByPolicy = maps.Clone(st.RateLimitedByPolicy)
		st.Faults = maps.Clone(st.Faults)
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
		RateLimitedByPolicy: map[string]int{},
		Faults:              map[Fault]int{},
	})}
}

func (c counters) rateLimited(policy string) {
	c.Add(func(s *Stats) { s.RateLimitedByPolicy[policy]++ })
}

func (c counters) fault(f Fault) {
	c.Add(func(s *Stats) { s.Faults[f]++ })
}

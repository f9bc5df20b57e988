package sandbox

import "github.com/cohortdesk/cohort/internal/emulator"

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
	t, st := s.stats.Snapshot(func(st Stats) Stats { return st })
	st.Requests, st.RequestsByRoute, st.Responses = t.Requests, t.RequestsByRoute, t.Responses
	s.mu.Lock()
	s.rollUsageLocked()
	st.APIUsage = s.usage.count
	s.mu.Unlock()
	return st
}

// counters are a Server's Stats but APIUsage: emulator.Counters counts the
// requests and responses, and keeps Faults and TokensIssued in a Stats of
// their own.
type counters struct {
	*emulator.Counters[Stats]
}

func newCounters() counters {
	return counters{emulator.NewCounters(Stats{})}
}

func (c counters) fault() { c.Add(func(s *Stats) { s.Faults++ }) }

func (c counters) tokenIssued() { c.Add(func(s *Stats) { s.TokensIssued++ }) }

package emulator

import (
	"maps"
	"sync"
)

// Traffic is what Counters counts of every request it is told of.
type Traffic struct {
	// Requests is the number of requests.
	Requests int
	// RequestsByRoute counts the requests by route, named as the emulator
	// names its routes.
	RequestsByRoute map[string]int
	// Responses counts the answers by status code.
	Responses map[int]int
}

// Counters counts an emulator's requests by route and its answers by
// status, and keeps the emulator's own counts S under the same lock, so
// that a snapshot of both is consistent. It is safe for concurrent use.
type Counters[S any] struct {
	mu      sync.Mutex
	traffic Traffic
	own     S
}

// NewCounters returns Counters with no traffic counted and own as the
// emulator's counts, maps made.
func NewCounters[S any](own S) *Counters[S] {
	return &Counters[S]{
		traffic: Traffic{RequestsByRoute: map[string]int{}, Responses: map[int]int{}},
		own:     own,
	}
}

// Request counts a request for route.
func (c *Counters[S]) Request(route string) {
	c.mu.Lock()
	c.traffic.Requests++
	c.traffic.RequestsByRoute[route]++
	c.mu.Unlock()
}

// Response counts an answer with status.
func (c *Counters[S]) Response(status int) {
	c.mu.Lock()
	c.traffic.Responses[status]++
	c.mu.Unlock()
}

// Add updates the emulator's own counts with f, under the lock.
func (c *Counters[S]) Add(f func(*S)) {
	c.mu.Lock()
	f(&c.own)
	c.mu.Unlock()
}

// Snapshot returns a copy of the traffic, with maps of its own, and clone's
// copy of the emulator's counts, both taken under the lock. clone copies
// what the emulator's counts share, such as maps.
func (c *Counters[S]) Snapshot(clone func(S) S) (Traffic, S) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.traffic
	t.RequestsByRoute = maps.Clone(t.RequestsByRoute)
	t.Responses = maps.Clone(t.Responses)
	return t, clone(c.own)
}

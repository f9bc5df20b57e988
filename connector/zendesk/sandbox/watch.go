package sandbox

import (
	"errors"
	"strconv"
)

// WatchTag returns a channel that receives the id of each ticket that gains
// tag from then on (by any write: an API update, a batch job, a trigger),
// and a function that stops the watch. Tests and benchmarks use it to learn
// that an update landed without polling. The channel holds 100,000 ids; a
// watcher that falls further behind misses ids.
func (s *Server) WatchTag(tag string) (<-chan int64, func()) {
	return s.tagWatch.Watch(tag)
}

// Render renders template as a trigger on ticket id would, placeholders
// JSON-escaped when asJSON: it gives tests and benchmarks the very body
// Zendesk would send, without a trigger firing.
func (s *Server) Render(id int64, template string, asJSON bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[id]
	if !ok {
		return "", errors.New("sandbox: no ticket " + strconv.FormatInt(id, 10))
	}
	return renderTemplate(template, s.placeholderValuesLocked(t, s.adminID), asJSON), nil
}

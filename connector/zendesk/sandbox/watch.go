package sandbox

import (
	"errors"
	"slices"
	"strconv"
	"sync"
)

// tagWatchers are the channels of WatchTag.
type tagWatchers struct {
	mu       sync.Mutex
	watchers map[string][]chan int64
}

// WatchTag returns a channel that receives the id of each ticket that gains
// tag from then on (by any write: an API update, a batch job, a trigger),
// and a function that stops the watch. Tests and benchmarks use it to learn
// that an update landed without polling. The channel holds 100,000 ids; a
// watcher that falls further behind misses ids.
func (s *Server) WatchTag(tag string) (<-chan int64, func()) {
	ch := make(chan int64, 100_000)
	w := &s.tagWatch
	w.mu.Lock()
	if w.watchers == nil {
		w.watchers = map[string][]chan int64{}
	}
	w.watchers[tag] = append(w.watchers[tag], ch)
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.watchers[tag] = slices.DeleteFunc(w.watchers[tag], func(c chan int64) bool { return c == ch })
	}
}

// tagsAdded tells the watchers of the tags that after has and before had
// not.
func (w *tagWatchers) tagsAdded(before, after *ticket) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for tag, chans := range w.watchers {
		if slices.Contains(after.tags, tag) && !slices.Contains(before.tags, tag) {
			for _, ch := range chans {
				select {
				case ch <- after.id:
				default:
				}
			}
		}
	}
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

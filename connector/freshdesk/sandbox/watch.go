package sandbox

import (
	"slices"
	"sync"
)

// tagWatchers are the channels of WatchTag.
type tagWatchers struct {
	mu       sync.Mutex
	watchers map[string][]chan int64
}

// WatchTag returns a channel that receives the id of each ticket that gains
// tag from then on (by a create, an update or a bulk update), and a
// function that stops the watch. The channel holds 100,000 ids; a watcher
// that falls further behind misses ids.
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

// tagsAdded tells the watchers of the tags that after has and before (nil
// for a new ticket) had not.
func (w *tagWatchers) tagsAdded(before, after *Ticket) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for tag, chans := range w.watchers {
		if !slices.Contains(after.Tags, tag) || before != nil && slices.Contains(before.Tags, tag) {
			continue
		}
		for _, ch := range chans {
			select {
			case ch <- after.ID:
			default:
			}
		}
	}
}

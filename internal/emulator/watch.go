package emulator

import (
	"slices"
	"sync"
)

// TagWatchers are the channels of an emulated helpdesk's WatchTag: each
// receives the id of every ticket that gains its tag. The zero TagWatchers
// has none; it is safe for concurrent use.
type TagWatchers struct {
	mu       sync.Mutex
	watchers map[string][]chan int64
}

// Watch returns a channel that receives the id of each ticket that gains
// tag from then on, and a function that stops the watch. The channel holds
// 100,000 ids; a watcher that falls further behind misses ids.
func (w *TagWatchers) Watch(tag string) (<-chan int64, func()) {
	ch := make(chan int64, 100_000)
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

// TagsAdded tells the watchers of the tags that ticket id has after a write
// and had not before it (before is nil for a new ticket). It never blocks.
func (w *TagWatchers) TagsAdded(id int64, before, after []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for tag, chans := range w.watchers {
		if !slices.Contains(after, tag) || slices.Contains(before, tag) {
			continue
		}
		for _, ch := range chans {
			select {
			case ch <- id:
			default:
			}
		}
	}
}

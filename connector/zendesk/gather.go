package zendesk

import (
	"context"
	"sync"
	"time"
)

// gatherer collects the items that concurrent callers add into batches:
// the first item opens a window of wait, and the batch goes to send when the
// window closes or size items are in it. Each batch is sent in its own
// goroutine; items carry their own way of answering their caller.
type gatherer[T any] struct {
	size int
	wait time.Duration
	send func([]T)

	in   chan T
	quit chan struct{}
	wg   sync.WaitGroup
}

func newGatherer[T any](size int, wait time.Duration, send func([]T)) *gatherer[T] {
	g := &gatherer[T]{size: size, wait: wait, send: send, in: make(chan T), quit: make(chan struct{})}
	g.wg.Add(1)
	go g.run()
	return g
}

// add hands item to the next batch. It returns false if ctx ended first or
// the gatherer is closed; the caller then handles the item itself.
func (g *gatherer[T]) add(ctx context.Context, item T) bool {
	select {
	case g.in <- item:
		return true
	case <-g.quit:
		return false
	case <-ctx.Done():
		return false
	}
}

// close stops gathering and waits for the batches being sent.
func (g *gatherer[T]) close() {
	close(g.quit)
	g.wg.Wait()
}

func (g *gatherer[T]) run() {
	defer g.wg.Done()
	for {
		var batch []T
		select {
		case item := <-g.in:
			batch = append(batch, item)
		case <-g.quit:
			return
		}
		timer := time.NewTimer(g.wait)
	gather:
		for len(batch) < g.size {
			select {
			case item := <-g.in:
				batch = append(batch, item)
			case <-timer.C:
				break gather
			case <-g.quit:
				break gather
			}
		}
		timer.Stop()
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.send(batch)
		}()
	}
}

package zendesk

import (
	"context"
	"sync"
	"time"
)

// gatherer collects the items that concurrent callers add into batches:
// the first item opens a window of wait; then, if ready is set, the batch
// keeps filling while ready waits (for a rate budget, say), and it goes to
// send when both are done or size items are in it. So batches grow as the
// budget tightens instead of queueing behind it. Each batch is sent in its
// own goroutine; items carry their own way of answering their caller.
type gatherer[T any] struct {
	size int
	wait time.Duration
	// ready, if set, waits for the batch's turn and returns the context to
	// send it with.
	ready func(ctx context.Context) (context.Context, error)
	send  func(ctx context.Context, batch []T, readyErr error)

	in   chan T
	quit chan struct{}
	wg   sync.WaitGroup
}

func newGatherer[T any](size int, wait time.Duration, ready func(context.Context) (context.Context, error),
	send func(ctx context.Context, batch []T, readyErr error)) *gatherer[T] {
	g := &gatherer[T]{size: size, wait: wait, ready: ready, send: send, in: make(chan T), quit: make(chan struct{})}
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
		// ctx lives as long as the batch: ready's wait and the sending.
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.NewTimer(g.wait)
		type turn struct {
			ctx context.Context
			err error
		}
		windowOpen, readyDone := true, make(chan turn, 1)
		if g.ready == nil {
			readyDone <- turn{ctx: ctx}
		} else {
			go func() {
				c, err := g.ready(ctx)
				readyDone <- turn{c, err}
			}()
		}
		var got turn
		waitingReady := true
	gather:
		for {
			if !windowOpen && !waitingReady || len(batch) == g.size {
				break
			}
			select {
			case item := <-g.in:
				batch = append(batch, item)
			case <-timer.C:
				windowOpen = false
			case got = <-readyDone:
				waitingReady = false
			case <-g.quit:
				break gather
			}
		}
		timer.Stop()
		if waitingReady { // full, or closing: the batch still needs its turn
			select {
			case got = <-readyDone:
			case <-g.quit:
				cancel()
				got = <-readyDone
			}
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			defer cancel()
			g.send(got.ctx, batch, got.err)
		}()
	}
}

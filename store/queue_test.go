package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// runQueue runs q until the test ends.
func runQueue(t *testing.T, q *store.Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = q.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
}

func delivery(id int64) cohort.Delivery {
	return cohort.Delivery{Helpdesk: "zendesk", InvocationID: fmt.Sprint("inv-", id), Ticket: cohort.Ticket{ID: id,
		Requester: cohort.Requester{Email: "a@b.example"}}}
}

func waitFinished(t *testing.T, finished <-chan cohort.Enrichment) cohort.Enrichment {
	t.Helper()
	select {
	case e := <-finished:
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no job finished within 20s")
		return cohort.Enrichment{}
	}
}

func TestQueueRetriesThenRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		calls := map[int64]int{}
		finished := make(chan cohort.Enrichment, 10)
		q := db.NewQueue(store.QueueConfig{
			Workers: 2, MaxAttempts: 3, Backoff: time.Millisecond,
			OnFinish: func(e cohort.Enrichment) { finished <- e },
			Handler: func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
				mu.Lock()
				calls[d.Ticket.ID]++
				n := calls[d.Ticket.ID]
				mu.Unlock()
				rec := cohort.Enrichment{Segments: []string{"basic"}}
				switch d.Ticket.ID {
				case 1: // fails once with a retryable error, then succeeds
					if n == 1 {
						return rec, cohort.Errorf("test", cohort.KindUnavailable, "zendesk answered 503")
					}
				case 2: // a deleted ticket: final at once
					return rec, cohort.Errorf("test", cohort.KindNotFound, "zendesk answered 404")
				case 3: // always fails: gives up after MaxAttempts
					return rec, errors.New("boom")
				}
				return rec, nil
			},
		})
		runQueue(t, q)
		for id := int64(1); id <= 3; id++ {
			if created, err := q.Enqueue(ctx, delivery(id)); err != nil || !created {
				t.Fatalf("enqueue %d: %v %v", id, created, err)
			}
		}
		got := map[int64]cohort.Enrichment{}
		for range 3 {
			e := waitFinished(t, finished)
			got[e.TicketID] = e
		}
		want := map[int64]struct {
			status   cohort.EnrichmentStatus
			attempts int
		}{1: {cohort.EnrichmentDone, 2}, 2: {cohort.EnrichmentFailed, 1}, 3: {cohort.EnrichmentFailed, 3}}
		for id, w := range want {
			rec, err := db.Enrichment(ctx, "zendesk", id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Status != w.status || rec.Attempts != w.attempts || got[id].Status != w.status {
				t.Errorf("ticket %d: %s after %d attempts, want %s after %d (error %q)", id, rec.Status, rec.Attempts, w.status, w.attempts, rec.Error)
			}
			if w.status == cohort.EnrichmentFailed && rec.Error == "" {
				t.Errorf("ticket %d failed without saying why", id)
			}
			if len(rec.Segments) != 1 {
				t.Errorf("ticket %d: decision not recorded: %+v", id, rec)
			}
		}
	})
}

func TestQueueResumesPendingJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// Accepted before a crash: stored, never run.
		if _, err := db.AcceptDelivery(ctx, delivery(7)); err != nil {
			t.Fatal(err)
		}
		finished := make(chan cohort.Enrichment, 1)
		q := db.NewQueue(store.QueueConfig{
			OnFinish: func(e cohort.Enrichment) { finished <- e },
			Handler: func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
				return cohort.Enrichment{}, nil
			},
		})
		runQueue(t, q)
		if e := waitFinished(t, finished); e.TicketID != 7 || e.Status != cohort.EnrichmentDone {
			t.Errorf("resumed job = %+v", e)
		}
		if created, err := q.Enqueue(ctx, delivery(7)); err != nil || created {
			t.Errorf("re-delivery after the job ran: created=%v err=%v, want ignored", created, err)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

func delivery(id int64) cohort.Delivery {
	return cohort.Delivery{Helpdesk: "zendesk", InvocationID: fmt.Sprint("inv-", id), Ticket: cohort.Ticket{ID: id,
		Requester: cohort.Requester{Email: "a@b.example"}}}
}

func waitFinished(t *testing.T, finished <-chan cohort.Enrichment) cohort.Enrichment {
	t.Helper()
	select {
	case e := <-finished:
		return e
	case <-time.After(60 * time.Second):
		t.Fatal("no job finished within 60s")
		return cohort.Enrichment{}
	}
}

func TestQueueRetriesThenRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		calls := map[int64]int{}
		outcomes := map[string]int{} // as Observe hears them
		finished := make(chan cohort.Enrichment, 10)
		q := storetest.StartQueue(t, db, store.QueueConfig{
			MaxAttempts: 3, Backoff: time.Millisecond,
			OnFinish: func(e cohort.Enrichment) { finished <- e },
			Observe: func(helpdesk, outcome string, _ time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				outcomes[helpdesk+" "+outcome]++
			},
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
				case 3: // always fails: dead after MaxAttempts
					return rec, errors.New("boom")
				}
				return rec, nil
			},
		})
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
			mu.Lock()
			if calls[id] != w.attempts {
				t.Errorf("ticket %d: handler ran %d times, want %d", id, calls[id], w.attempts)
			}
			mu.Unlock()
		}

		mu.Lock()
		// Ticket 1: retry, done; 2: dead; 3: retry, retry, dead.
		if want := map[string]int{"zendesk retry": 3, "zendesk done": 1, "zendesk dead": 2}; !maps.Equal(outcomes, want) {
			t.Errorf("Observe heard %v, want %v", outcomes, want)
		}
		mu.Unlock()

		// Both failures are dead jobs, listed with their last error.
		dead, err := q.DeadJobs(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		states := map[int64]store.DeadJob{}
		for _, j := range dead {
			states[j.TicketID] = j
		}
		if j := states[2]; j.State != "cancelled" || j.Attempts != 1 || j.LastError == "" {
			t.Errorf("dead job for the 404 = %+v", j)
		}
		if j := states[3]; j.State != "discarded" || j.Attempts != 3 || j.LastError == "" {
			t.Errorf("dead job after 3 attempts = %+v", j)
		}
		if _, ok := states[1]; ok || len(dead) != 2 {
			t.Errorf("dead jobs = %+v, want tickets 2 and 3", dead)
		}
	})
}

func TestRetryDeadJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var fixed sync.Mutex
		broken := true
		finished := make(chan cohort.Enrichment, 10)
		q := storetest.StartQueue(t, db, store.QueueConfig{
			OnFinish: func(e cohort.Enrichment) { finished <- e },
			Handler: func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
				fixed.Lock()
				defer fixed.Unlock()
				if broken {
					return cohort.Enrichment{}, cohort.Errorf("test", cohort.KindUnauthorized, "zendesk answered 401")
				}
				return cohort.Enrichment{}, nil
			},
		})
		if _, err := q.Enqueue(ctx, delivery(5)); err != nil {
			t.Fatal(err)
		}
		if e := waitFinished(t, finished); e.Status != cohort.EnrichmentFailed {
			t.Fatalf("first run = %+v, want failed", e)
		}
		dead, err := q.DeadJobs(ctx, 10)
		if err != nil || len(dead) != 1 {
			t.Fatalf("dead = %+v, %v", dead, err)
		}
		fixed.Lock()
		broken = false // the admin fixed the API token
		fixed.Unlock()
		if _, err := q.RetryJob(ctx, dead[0].ID); err != nil {
			t.Fatal(err)
		}
		if e := waitFinished(t, finished); e.Status != cohort.EnrichmentDone {
			t.Fatalf("retried run = %+v, want done", e)
		}
		if _, err := q.RetryJob(ctx, dead[0].ID); cohort.KindOf(err) != cohort.KindInvalid {
			t.Errorf("retrying a completed job: err = %v, want invalid", err)
		}
		if _, err := q.RetryJob(ctx, 987654); cohort.KindOf(err) != cohort.KindNotFound {
			t.Errorf("retrying no job: err = %v, want not found", err)
		}
	})
}

func TestJobsOutliveTheProcessThatTookThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A process that only took deliveries in, then stopped.
		intake, err := db.NewQueue(store.QueueConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := intake.Start(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := intake.Enqueue(ctx, delivery(7)); err != nil {
			t.Fatal(err)
		}
		if err := intake.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := intake.Enqueue(ctx, delivery(8)); !errors.Is(err, store.ErrStopped) {
			t.Errorf("enqueue after stop: err = %v, want ErrStopped", err)
		}
		// The next process works the job.
		finished := make(chan cohort.Enrichment, 1)
		storetest.StartQueue(t, db, store.QueueConfig{
			OnFinish: func(e cohort.Enrichment) { finished <- e },
			Handler: func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
				return cohort.Enrichment{}, nil
			},
		})
		if e := waitFinished(t, finished); e.TicketID != 7 || e.Status != cohort.EnrichmentDone {
			t.Errorf("job from the earlier process = %+v", e)
		}
	})
}

func TestConcurrentEnqueueGroupCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := storetest.StartQueue(t, db, store.QueueConfig{})
		const n = 300
		var wg sync.WaitGroup
		created := make([]bool, 2*n)
		errs := make([]error, 2*n)
		for i := range 2 * n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every ticket is delivered twice, with two invocation ids.
				d := delivery(int64(i%n + 1))
				d.InvocationID = fmt.Sprint("inv-", i)
				created[i], errs[i] = q.Enqueue(ctx, d)
			}()
		}
		wg.Wait()
		count := 0
		for i := range created {
			if errs[i] != nil {
				t.Fatalf("enqueue %d: %v", i, errs[i])
			}
			if created[i] {
				count++
			}
		}
		if count != n {
			t.Errorf("%d jobs created for %d tickets delivered twice", count, n)
		}
		counts, err := db.CountEnrichments(ctx)
		if err != nil || counts[cohort.EnrichmentPending] != n {
			t.Errorf("pending enrichments = %v, %v; want %d", counts, err, n)
		}
	})
}

package store

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
)

// Handler enriches one delivered ticket. It returns the record of what it
// did; on error the record may be partial. Errors of kind KindInvalid,
// KindNotFound or KindUnauthorized are final; others are retried.
type Handler func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error)

// QueueConfig configures a Queue.
type QueueConfig struct {
	Handler Handler
	// Workers is how many jobs run at once (default 4).
	Workers int
	// MaxAttempts is how many times a job is tried before it fails for good
	// (default 5).
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles each attempt
	// (default 1 s).
	Backoff time.Duration
	// OnFinish, if set, is called after each job's outcome is recorded.
	OnFinish func(cohort.Enrichment)
	Logger   *slog.Logger
}

// Queue runs enrichment jobs stored in the enrichments table. Enqueue
// records a delivery and returns once it is committed, so a job survives a
// crash; Run works the pending jobs, including those left by an earlier run.
//
// Known limits: jobs are claimed in memory, so only one process may Run a
// queue on a database, and retry timing is not persisted. A later issue
// moves the queue onto River for several replicas.
type Queue struct {
	db  *DB
	cfg QueueConfig

	wake chan struct{}

	mu       sync.Mutex
	inFlight map[int64]bool      // ticket ids handed to a worker
	notUntil map[int64]time.Time // ticket ids waiting to retry
	// finishes counts finished attempts; finished maps a ticket id to the
	// count at its last finish. A pending list read before that finish is
	// stale for that ticket.
	finishes uint64
	finished map[int64]uint64
}

// NewQueue returns a queue over s's enrichments.
func (s *DB) NewQueue(cfg QueueConfig) *Queue {
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = s.logger
	}
	return &Queue{db: s, cfg: cfg, wake: make(chan struct{}, 1),
		inFlight: map[int64]bool{}, notUntil: map[int64]time.Time{}, finished: map[int64]uint64{}}
}

// Enqueue durably records d and wakes the workers. It reports false for a
// delivery already seen (same invocation id or same ticket), which needs no
// work.
func (q *Queue) Enqueue(ctx context.Context, d cohort.Delivery) (bool, error) {
	created, err := q.db.AcceptDelivery(ctx, d)
	if created {
		q.poke()
	}
	return created, err
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run works jobs until ctx is cancelled, then waits for running jobs to
// finish and returns. Jobs not started stay pending for the next Run.
func (q *Queue) Run(ctx context.Context) error {
	jobs := make(chan Job)
	var wg sync.WaitGroup
	for range q.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				q.work(context.WithoutCancel(ctx), j)
			}
		}()
	}
	defer wg.Wait()
	defer close(jobs)

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next, err := q.dispatch(ctx, jobs)
		if err != nil && ctx.Err() == nil {
			q.cfg.Logger.Error("queue: reading pending jobs failed", "err", err)
			next = time.Now().Add(q.cfg.Backoff)
		}
		if ctx.Err() != nil {
			return nil
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return nil
		case <-q.wake:
		case <-timer.C:
		}
	}
}

// dispatch hands every ready pending job to a worker and returns when the
// next retry is due (or in a minute, as a safety net).
func (q *Queue) dispatch(ctx context.Context, jobs chan<- Job) (time.Time, error) {
	next := time.Now().Add(time.Minute)
	q.mu.Lock()
	snapshot := q.finishes
	clear(q.finished) // every entry predates this read
	held := len(q.inFlight) + len(q.notUntil)
	q.mu.Unlock()
	pending, err := q.db.PendingJobs(ctx, 4*q.cfg.Workers+held)
	if err != nil {
		return next, err
	}
	for _, j := range pending {
		id := j.Delivery.Ticket.ID
		q.mu.Lock()
		// A job that finished while the list was read is not pending any more.
		busy := q.inFlight[id] || q.finished[id] > snapshot
		wait, waiting := q.notUntil[id]
		if !busy && (!waiting || !time.Now().Before(wait)) {
			q.inFlight[id] = true
			delete(q.notUntil, id)
		}
		q.mu.Unlock()
		switch {
		case busy:
			continue
		case waiting && time.Now().Before(wait):
			if wait.Before(next) {
				next = wait
			}
			continue
		}
		select {
		case jobs <- j:
		case <-ctx.Done():
			q.release(id)
			return next, nil
		}
	}
	return next, nil
}

func (q *Queue) release(id int64) {
	q.mu.Lock()
	delete(q.inFlight, id)
	q.mu.Unlock()
}

// work runs one job and records its outcome.
func (q *Queue) work(ctx context.Context, j Job) {
	d := j.Delivery
	id := d.Ticket.ID
	log := q.cfg.Logger.With("helpdesk", d.Helpdesk, "ticket_id", id, "attempt", j.Attempts+1)
	rec, err := q.cfg.Handler(ctx, d)
	rec.Helpdesk, rec.TicketID = d.Helpdesk, id
	if rec.RequesterEmail == "" {
		rec.RequesterEmail = d.Ticket.Requester.Email
	}
	retry := false
	switch {
	case err == nil:
		rec.Status = cohort.EnrichmentDone
	case isFinal(err) || j.Attempts+1 >= q.cfg.MaxAttempts:
		rec.Status, rec.Error = cohort.EnrichmentFailed, err.Error()
		log.Error("enrichment failed", "err", err)
	default:
		rec.Status, rec.Error, retry = cohort.EnrichmentPending, err.Error(), true
		log.Warn("enrichment attempt failed; will retry", "err", err)
	}
	if err := q.db.FinishEnrichment(ctx, rec); err != nil {
		// The job stays pending and runs again; its ticket update is safe
		// to repeat (see enrich).
		log.Error("recording enrichment failed", "err", err)
		retry = true
	}
	q.mu.Lock()
	delete(q.inFlight, id)
	q.finishes++
	q.finished[id] = q.finishes
	if retry {
		q.notUntil[id] = time.Now().Add(q.cfg.Backoff << min(j.Attempts, 10))
	}
	q.mu.Unlock()
	if rec.Status != cohort.EnrichmentPending && q.cfg.OnFinish != nil {
		q.cfg.OnFinish(rec)
	}
	q.poke()
}

// isFinal reports whether retrying cannot fix err.
func isFinal(err error) bool {
	switch cohort.KindOf(err) {
	case cohort.KindInvalid, cohort.KindNotFound, cohort.KindUnauthorized:
		return true
	}
	return false
}

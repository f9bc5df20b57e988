package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/cohortdesk/cohort"
)

// Handler enriches one delivered ticket. It returns the record of what it
// did; on error the record may be partial. Errors of kind KindInvalid,
// KindNotFound or KindUnauthorized are final; others are retried.
type Handler func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error)

// QueueConfig configures a Queue.
type QueueConfig struct {
	// Handler works jobs. Without one the queue only takes deliveries in
	// (and lists and retries jobs): Start runs no workers.
	Handler Handler
	// Workers is how many jobs run at once in this process (default 100:
	// they mostly wait on the helpdesk, and bulk updates want many).
	Workers int
	// MaxAttempts is how many times a job is tried before it is dead
	// (default 5).
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles with each
	// attempt, with ±25% jitter, up to an hour (default 5 s).
	Backoff time.Duration
	// JobTimeout bounds one attempt (default 5 min). A job left running by a
	// crashed process is retried once JobTimeout plus 30 s have passed.
	JobTimeout time.Duration
	// OnFinish, if set, is called with the enrichment record once River has
	// finalized a job of this process (completed, cancelled or discarded).
	OnFinish func(cohort.Enrichment)
	// Observe, if set, is told the outcome of each attempt of this
	// process: "done" (the ticket was updated; sinceWebhook is the time
	// from the webhook's arrival), "retry" or "dead".
	Observe func(helpdesk, outcome string, sinceWebhook time.Duration)
	Logger  *slog.Logger
}

// Queue is the durable job queue on River: riverpgxv5 on PostgreSQL,
// riversqlite on SQLite.
//
// Enqueue group-commits: concurrent deliveries share one transaction that
// records each delivery (deduplicated by the helpdesk's invocation id and by
// ticket) and inserts a River job for each new ticket, and each caller
// returns only after that commit. River then works each job once, across
// every process sharing a PostgreSQL database, retrying failures with
// backoff until MaxAttempts; a final failure leaves the job dead
// (cancelled or discarded), listed by DeadJobs and revived by RetryJob.
type Queue struct {
	db      *DB
	cfg     QueueConfig
	backend jobBackend

	intake    chan intakeRequest
	startOnce sync.Once
	stopOnce  sync.Once
	quit      chan struct{} // closed by Stop: no new deliveries
	batcher   sync.WaitGroup
	notifier  sync.WaitGroup
}

// EnrichArgs is the River job that enriches one delivered ticket. It names
// the ticket only: the delivery itself is in the enrichments table, written
// in the same transaction.
type EnrichArgs struct {
	Helpdesk string `json:"helpdesk"`
	TicketID int64  `json:"ticket_id"`
}

// Kind names the job in River's tables.
func (EnrichArgs) Kind() string { return "enrich_ticket" }

type enrichWorker struct {
	river.WorkerDefaults[EnrichArgs]
	q *Queue
}

func (w *enrichWorker) Timeout(*river.Job[EnrichArgs]) time.Duration { return w.q.cfg.JobTimeout }

func (w *enrichWorker) Work(ctx context.Context, job *river.Job[EnrichArgs]) error {
	return w.q.work(ctx, job.Args, job.Attempt, job.MaxAttempts)
}

// retryPolicy waits Backoff·2^(attempt-1), ±25%, at most an hour.
type retryPolicy struct{ base time.Duration }

func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	wait := p.base << min(max(job.Attempt-1, 0), 20)
	if wait <= 0 || wait > time.Hour {
		wait = time.Hour
	}
	jitter := time.Duration((rand.Float64() - 0.5) * 0.5 * float64(wait))
	return time.Now().Add(wait + jitter)
}

// NewQueue builds the queue on s.
func (s *DB) NewQueue(cfg QueueConfig) (*Queue, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 100
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = s.logger
	}
	q := &Queue{db: s, cfg: cfg, intake: make(chan intakeRequest), quit: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker(workers, &enrichWorker{q: q})
	rc := &river.Config{
		Logger:               slog.New(warnAndAbove{cfg.Logger.Handler()}).With("component", "river"),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.JobTimeout + 30*time.Second,
		RetryPolicy:          retryPolicy{base: cfg.Backoff},
		Workers:              workers,
	}
	if cfg.Handler != nil {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}}
	}
	backend, err := s.newJobBackend(rc)
	if err != nil {
		return nil, fmt.Errorf("store: job queue: %w", err)
	}
	q.backend = backend
	return q, nil
}

// Start starts taking deliveries in and, with a Handler, working jobs. It
// returns at once; Stop ends both.
func (q *Queue) Start(ctx context.Context) error {
	var err error
	q.startOnce.Do(func() {
		// One committer: SQLite has one writer, and on PostgreSQL four
		// committers measured no faster than one (docs/benchmarks.md).
		q.batcher.Add(1)
		go q.runIntake()
		if q.cfg.Handler == nil {
			return
		}
		if q.cfg.OnFinish != nil {
			events, cancel := q.backend.subscribe(river.EventKindJobCompleted, river.EventKindJobCancelled, river.EventKindJobFailed)
			q.notifier.Add(1)
			go q.notify(events, cancel)
		}
		err = q.backend.start(context.WithoutCancel(ctx))
	})
	return err
}

// Stop stops taking deliveries, then lets running jobs finish until ctx is
// done, when it cancels them; jobs not started stay queued for the next
// start. Call it once.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	q.stopOnce.Do(func() {
		close(q.quit)
		q.batcher.Wait()
		if q.cfg.Handler == nil {
			return
		}
		if err = q.backend.stop(ctx); err != nil && ctx.Err() != nil {
			q.cfg.Logger.Warn("queue: stop timeout reached; cancelling running jobs (they will be retried)")
			cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			err = q.backend.stopAndCancel(cancelCtx)
		}
		q.notifier.Wait() // River closes the event channel once stopped
	})
	return err
}

// notify calls OnFinish for each job River finalized, with its record.
func (q *Queue) notify(events <-chan *river.Event, cancel func()) {
	defer q.notifier.Done()
	defer cancel()
	for ev := range events {
		if ev.Job == nil || ev.Kind == river.EventKindJobFailed && ev.Job.State != rivertype.JobStateDiscarded {
			continue // a failed attempt that River will retry
		}
		var args EnrichArgs
		if err := json.Unmarshal(ev.Job.EncodedArgs, &args); err != nil {
			continue // not one of ours
		}
		rec, err := q.db.Enrichment(context.Background(), args.Helpdesk, args.TicketID)
		if err != nil {
			q.cfg.Logger.Error("queue: read finished enrichment", "ticket_id", args.TicketID, "err", err)
			continue
		}
		q.cfg.OnFinish(rec)
	}
}

// ErrStopped is returned by Enqueue once the queue is stopping.
var ErrStopped = errors.New("store: queue stopped")

type intakeRequest struct {
	d    cohort.Delivery
	done chan intakeResult
}

type intakeResult struct {
	created bool
	err     error
}

// maxIntakeBatch is the most deliveries one intake transaction takes.
const maxIntakeBatch = 256

// Enqueue durably records d and its job. It returns once they are
// committed, reporting false for a delivery already seen (same invocation
// id, or a ticket already accepted), which needs no work.
func (q *Queue) Enqueue(ctx context.Context, d cohort.Delivery) (bool, error) {
	req := intakeRequest{d: d, done: make(chan intakeResult, 1)}
	select {
	case q.intake <- req:
	case <-q.quit:
		return false, ErrStopped
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case r := <-req.done:
		return r.created, r.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// runIntake commits deliveries in batches: it takes what is waiting (up to
// maxIntakeBatch), writes it in one transaction and answers each caller.
func (q *Queue) runIntake() {
	defer q.batcher.Done()
	batch := make([]intakeRequest, 0, maxIntakeBatch)
	for {
		select {
		case req := <-q.intake:
			batch = append(batch[:0], req)
		case <-q.quit:
			q.drainIntake()
			return
		}
	fill:
		for len(batch) < maxIntakeBatch {
			select {
			case req := <-q.intake:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		q.commitIntake(batch)
	}
}

// drainIntake refuses what is still waiting once Stop began.
func (q *Queue) drainIntake() {
	for {
		select {
		case req := <-q.intake:
			req.done <- intakeResult{err: ErrStopped}
		default:
			return
		}
	}
}

func (q *Queue) commitIntake(batch []intakeRequest) {
	var created []bool
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := q.backend.insert(ctx, func(query txQuery) ([]river.InsertManyParams, error) {
		ds := make([]cohort.Delivery, len(batch))
		for i, req := range batch {
			ds[i] = req.d
		}
		var err error
		if created, err = q.db.acceptDeliveries(ctx, query, ds); err != nil {
			return nil, err
		}
		var jobs []river.InsertManyParams
		for i, ok := range created {
			if ok {
				jobs = append(jobs, river.InsertManyParams{Args: EnrichArgs{Helpdesk: ds[i].Helpdesk, TicketID: ds[i].Ticket.ID}})
			}
		}
		return jobs, nil
	})
	if err != nil {
		err = fmt.Errorf("store: accept %d deliveries: %w", len(batch), err)
	}
	for i, req := range batch {
		req.done <- intakeResult{created: err == nil && created[i], err: err}
	}
}

// work runs one attempt of a job and records its outcome. It returns what
// River should do: nil when done, river.JobCancel for a final failure, the
// error otherwise (River retries it, or discards the job after its last
// attempt).
func (q *Queue) work(ctx context.Context, args EnrichArgs, attempt, maxAttempts int) error {
	id := args.TicketID
	log := q.cfg.Logger.With("helpdesk", args.Helpdesk, "ticket_id", id, "attempt", attempt)
	d, err := q.db.delivery(ctx, args.Helpdesk, id)
	if err != nil {
		log.Error("enrichment job without its delivery", "err", err)
		q.observe(args.Helpdesk, "dead", 0)
		return river.JobCancel(err)
	}
	rec, err := q.cfg.Handler(ctx, d)
	rec.Helpdesk, rec.TicketID, rec.Attempts = d.Helpdesk, id, attempt
	if rec.RequesterEmail == "" {
		rec.RequesterEmail = d.Ticket.Requester.Email
	}
	final := err != nil && isFinal(err)
	switch {
	case err == nil:
		rec.Status = cohort.EnrichmentDone
	case final || attempt >= maxAttempts:
		rec.Status, rec.Error = cohort.EnrichmentFailed, err.Error()
		log.Error("enrichment failed; job is dead", "err", err, "op", cohort.Op(err), "final", final)
	default:
		rec.Status, rec.Error = cohort.EnrichmentPending, err.Error()
		log.Warn("enrichment attempt failed; will retry", "err", err, "op", cohort.Op(err))
	}
	recCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	recErr := q.db.FinishEnrichment(recCtx, rec)
	q.observe(d.Helpdesk, attemptOutcome(rec.Status, recErr, attempt >= maxAttempts), time.Since(d.ReceivedAt))
	if recErr != nil {
		// Retry the job: its ticket update is safe to repeat (see enrich).
		log.Error("recording enrichment failed", "err", recErr)
		return fmt.Errorf("record enrichment: %w", recErr)
	}
	switch {
	case err == nil:
		return nil
	case final:
		return river.JobCancel(err)
	}
	return err
}

// attemptOutcome names what became of an attempt that left its record in
// status: done, retry, or dead. An attempt whose record could not be
// written is retried (its update is safe to repeat), whatever it did,
// unless it was the last.
func attemptOutcome(status cohort.EnrichmentStatus, recErr error, last bool) string {
	switch {
	case recErr != nil && last:
		return "dead"
	case recErr != nil || status == cohort.EnrichmentPending:
		return "retry"
	case status == cohort.EnrichmentFailed:
		return "dead"
	}
	return "done"
}

// observe tells Observe, if set, of an attempt's outcome.
func (q *Queue) observe(helpdesk, outcome string, sinceWebhook time.Duration) {
	if q.cfg.Observe != nil {
		q.cfg.Observe(helpdesk, outcome, sinceWebhook)
	}
}

// warnAndAbove passes on River's warnings and errors only: River logs every
// failed attempt and periodic counts at info, which cohort logs itself.
type warnAndAbove struct{ slog.Handler }

func (h warnAndAbove) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnAndAbove) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnAndAbove{h.Handler.WithAttrs(attrs)}
}

func (h warnAndAbove) WithGroup(name string) slog.Handler {
	return warnAndAbove{h.Handler.WithGroup(name)}
}

// isFinal reports whether retrying cannot fix err.
func isFinal(err error) bool {
	switch cohort.KindOf(err) {
	case cohort.KindInvalid, cohort.KindNotFound, cohort.KindUnauthorized:
		return true
	}
	return false
}

// DeadJob is a job that will not run again unless retried.
type DeadJob struct {
	ID        int64
	Helpdesk  string
	TicketID  int64
	State     string // "cancelled" (final error) or "discarded" (attempts used up)
	Attempts  int
	LastError string
	DiedAt    time.Time
}

// DeadJobs lists up to limit dead jobs, most recent first.
func (q *Queue) DeadJobs(ctx context.Context, limit int) ([]DeadJob, error) {
	params := river.NewJobListParams().Kinds(EnrichArgs{}.Kind()).
		States(rivertype.JobStateCancelled, rivertype.JobStateDiscarded).
		OrderBy(river.JobListOrderByFinalizedAt, river.SortOrderDesc).First(limit)
	rows, err := q.backend.list(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("store: list dead jobs: %w", err)
	}
	dead := make([]DeadJob, 0, len(rows))
	for _, row := range rows {
		var args EnrichArgs
		if err := json.Unmarshal(row.EncodedArgs, &args); err != nil {
			return nil, fmt.Errorf("store: dead job %d: %w", row.ID, err)
		}
		j := DeadJob{ID: row.ID, Helpdesk: args.Helpdesk, TicketID: args.TicketID,
			State: string(row.State), Attempts: row.Attempt}
		if n := len(row.Errors); n > 0 {
			j.LastError = row.Errors[n-1].Error
		}
		if row.FinalizedAt != nil {
			j.DiedAt = row.FinalizedAt.UTC()
		}
		dead = append(dead, j)
	}
	return dead, nil
}

// RetryJob makes a dead job available again, with one more attempt, and
// marks its enrichment pending. A KindNotFound error says there is no such
// job; a KindInvalid one that it is not dead.
func (q *Queue) RetryJob(ctx context.Context, id int64) (DeadJob, error) {
	const op = "store.RetryJob"
	rows, err := q.backend.list(ctx, river.NewJobListParams().IDs(id).Kinds(EnrichArgs{}.Kind()))
	if err != nil {
		return DeadJob{}, fmt.Errorf("store: job %d: %w", id, err)
	}
	if len(rows) == 0 {
		return DeadJob{}, cohort.Errorf(op, cohort.KindNotFound, "no job %d", id)
	}
	if s := rows[0].State; s != rivertype.JobStateCancelled && s != rivertype.JobStateDiscarded {
		return DeadJob{}, cohort.Errorf(op, cohort.KindInvalid, "job %d is %s, not dead", id, s)
	}
	var args EnrichArgs
	if err := json.Unmarshal(rows[0].EncodedArgs, &args); err != nil {
		return DeadJob{}, fmt.Errorf("store: job %d: %w", id, err)
	}
	if _, err := q.backend.retry(ctx, id); err != nil {
		return DeadJob{}, fmt.Errorf("store: retry job %d: %w", id, err)
	}
	if err := q.db.reopenEnrichment(ctx, args.Helpdesk, args.TicketID); err != nil {
		return DeadJob{}, err
	}
	return DeadJob{ID: id, Helpdesk: args.Helpdesk, TicketID: args.TicketID,
		State: string(rows[0].State), Attempts: rows[0].Attempt}, nil
}

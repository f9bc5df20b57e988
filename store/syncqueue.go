package store

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// SyncTask is one scheduled piece of the syncer's work, run as a River job
// on the "sync" queue. Its Tick is the cron time it was scheduled for: jobs
// are unique by their arguments, so however many syncers schedule the same
// task for the same tick, it runs once.
type SyncTask struct {
	Task   string    `json:"task"`             // what to run, e.g. "crm"
	Source string    `json:"source,omitempty"` // which source, for source tasks
	Full   bool      `json:"full,omitempty"`
	Tick   time.Time `json:"tick"`
}

// Kind names the River job kind.
func (SyncTask) Kind() string { return "sync_task" }

// SyncQueueName is the River queue the syncer works.
const SyncQueueName = "sync"

// SyncQueueConfig configures a SyncQueue.
type SyncQueueConfig struct {
	// Run works one task. An error retries it (up to MaxAttempts) with
	// backoff.
	Run func(ctx context.Context, t SyncTask) error
	// Workers is how many tasks run at once in this process (default 2).
	Workers int
	// MaxAttempts is how many times a task is tried (default 3).
	MaxAttempts int
	// Timeout bounds one attempt (default 1 h). A task left running by a
	// crashed syncer is retried once Timeout plus a minute have passed.
	Timeout time.Duration
	Logger  *slog.Logger
}

// SyncQueue is the syncer's durable task queue on River, shared by every
// syncer on a PostgreSQL database.
type SyncQueue struct {
	backend jobBackend
	cfg     SyncQueueConfig
}

type syncWorker struct {
	river.WorkerDefaults[SyncTask]
	q *SyncQueue
}

func (w *syncWorker) Timeout(*river.Job[SyncTask]) time.Duration { return w.q.cfg.Timeout }

func (w *syncWorker) Work(ctx context.Context, job *river.Job[SyncTask]) error {
	return w.q.cfg.Run(ctx, job.Args)
}

// NewSyncQueue builds the syncer's queue on s.
func (s *DB) NewSyncQueue(cfg SyncQueueConfig) (*SyncQueue, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = s.logger
	}
	q := &SyncQueue{cfg: cfg}
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{q: q})
	backend, err := s.newJobBackend(&river.Config{
		Logger:               slog.New(warnAndAbove{cfg.Logger.Handler()}).With("component", "river"),
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.Timeout,
		RescueStuckJobsAfter: cfg.Timeout + time.Minute,
		RetryPolicy:          retryPolicy{base: 30 * time.Second},
		Queues:               map[string]river.QueueConfig{SyncQueueName: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
	})
	if err != nil {
		return nil, fmt.Errorf("store: sync queue: %w", err)
	}
	q.backend = backend
	return q, nil
}

// Schedule enqueues t unless a job with the same arguments exists already
// (scheduled, running or done), and reports whether it did.
func (q *SyncQueue) Schedule(ctx context.Context, t SyncTask) (bool, error) {
	t.Tick = t.Tick.UTC()
	results, err := q.backend.insert(ctx, func(txQuery) ([]river.InsertManyParams, error) {
		return []river.InsertManyParams{{Args: t, InsertOpts: &river.InsertOpts{
			Queue:      SyncQueueName,
			UniqueOpts: river.UniqueOpts{ByArgs: true},
		}}}, nil
	})
	if err != nil {
		return false, fmt.Errorf("store: schedule %s: %w", t.Task, err)
	}
	return len(results) == 1 && !results[0].UniqueSkippedAsDuplicate, nil
}

// Start starts working tasks; it returns at once.
func (q *SyncQueue) Start(ctx context.Context) error {
	return q.backend.start(context.WithoutCancel(ctx))
}

// Stop lets running tasks finish until ctx is done, then cancels them
// (they are retried on the next start).
func (q *SyncQueue) Stop(ctx context.Context) error {
	err := q.backend.stop(ctx)
	if err != nil && ctx.Err() != nil {
		cancelCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = q.backend.stopAndCancel(cancelCtx)
	}
	return err
}

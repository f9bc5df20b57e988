// Package syncer is cohort's syncer: the cron daemon that runs, on their
// schedules, the CRM syncs (package crmsync) each followed by
// re-segmenting the customers they changed and writing changed segments
// back to the helpdesk (package resegment), the support metrics sync
// (package metricsync), and the macro sync. Each tick's tasks go through
// the store's sync queue, unique per task and tick, so that with several
// syncers on one PostgreSQL database each runs once; leases (package
// lease) keep two runs of one job apart.
//
// The syncer's own rooms hold the work; this package only schedules it.
package syncer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/lease"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
)

// MacrosLease is the lease a macro sync holds, on the schedule or from
// cohort macros sync: two at once could both create the same macro.
const MacrosLease = "macros"

// The syncer's tasks.
const (
	TaskCRM      = "crm"      // sync one source, then re-segment what changed
	TaskSegments = "segments" // re-segment as needed (rules, day or data changed)
	TaskMetrics  = "metrics"  // sync the helpdesk's ticket history for support metrics
	TaskMacros   = "macros"   // make the helpdesk's macros match the macro files
)

// DB is what the syncer needs of the store: sync runs, membership, ticket
// facts and its task queue.
type DB interface {
	crmsync.Store
	resegment.Store
	resegment.WriteStore
	metricsync.FactStore
	NewSyncQueue(cfg store.SyncQueueConfig) (*store.SyncQueue, error)
}

var _ DB = (*store.DB)(nil)

// Config configures a Syncer.
type Config struct {
	DB      DB
	Sources []crmsync.Source
	// Rules returns the current segment rules (a playbook.Provider's),
	// asked for at every re-segmenting.
	Rules func() *rules.Set
	// Schedule is a cron expression (five fields, or a descriptor such as
	// @hourly) for CRM syncs.
	Schedule string
	// Writer, if set, writes each customer's primary segment back to the
	// helpdesk after re-segmenting.
	Writer resegment.Writer
	// Tickets, if set, is the helpdesk's ticket history, synced on
	// MetricsSchedule for support metrics; a first run back-fills
	// BackfillDays.
	Tickets         metricsync.TicketSource
	MetricsSchedule string
	BackfillDays    int
	// SyncMacros, if set, makes the helpdesk's macros match the macro
	// files, on MacrosSchedule, and returns a line saying what it did.
	SyncMacros     func(ctx context.Context) (string, error)
	MacrosSchedule string
	// Observe, if set, is told of each task run from the queue: its task,
	// source, outcome (succeeded, failed, or skipped when another run of
	// it was under way) and duration.
	Observe func(task, source, outcome string, took time.Duration)
	Logger  *slog.Logger
	Now     func() time.Time
}

// Syncer runs CRM syncs and re-segmentation: now (RunSource, Resegment) or
// on a schedule (Start), as tasks on the store's sync queue, so that with
// several syncers on one PostgreSQL database each tick's work runs once.
type Syncer struct {
	cfg     Config
	sources map[string]crmsync.Source
	holder  string

	mu    sync.Mutex
	queue *store.SyncQueue
	cron  *cron.Cron
}

// New checks cfg and returns a Syncer.
func New(cfg Config) (*Syncer, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Syncer{cfg: cfg, sources: map[string]crmsync.Source{}, holder: lease.NewHolder()}
	for _, src := range cfg.Sources {
		if _, dup := s.sources[src.Name()]; dup {
			return nil, fmt.Errorf("syncer: two sources named %q", src.Name())
		}
		s.sources[src.Name()] = src
	}
	return s, nil
}

// SourceNames returns the configured sources' names, in order.
func (s *Syncer) SourceNames() []string {
	names := make([]string, len(s.cfg.Sources))
	for i, src := range s.cfg.Sources {
		names[i] = src.Name()
	}
	return names
}

// RunSource syncs the source called name now, then re-segments the
// customers it changed and writes changed primary segments back.
func (s *Syncer) RunSource(ctx context.Context, name string, opts crmsync.Options) (crmsync.Summary, resegment.Summary, error) {
	src, ok := s.sources[name]
	if !ok {
		return crmsync.Summary{}, resegment.Summary{}, fmt.Errorf("no source named %q is configured", name)
	}
	if opts.Holder == "" {
		opts.Holder = s.holder
	}
	if opts.Logger == nil {
		opts.Logger = s.cfg.Logger
	}
	sum, err := crmsync.Run(ctx, s.cfg.DB, src, opts)
	if err != nil {
		return sum, resegment.Summary{}, err
	}
	rs, err := s.Resegment(ctx)
	return sum, rs, err
}

// Resegment brings segment membership up to date (see resegment.All)
// under a lease, so two syncers do not both recompute
// everyone, then writes changed primary segments to the helpdesk if a
// Writer is set.
func (s *Syncer) Resegment(ctx context.Context) (resegment.Summary, error) {
	release, err := lease.Hold(ctx, s.cfg.DB, "segments", s.holder, s.cfg.Logger)
	if err != nil {
		return resegment.Summary{}, err
	}
	defer release()
	rs, err := resegment.All(ctx, s.cfg.DB, s.cfg.Rules(), s.cfg.Now())
	if err != nil || s.cfg.Writer == nil {
		return rs, err
	}
	rs.WrittenBack, err = resegment.WriteBack(ctx, s.cfg.DB, s.cfg.Writer)
	return rs, err
}

// Start schedules the syncs on the cron schedule and starts working the
// sync queue; it returns at once. Call Stop to end both.
func (s *Syncer) Start(ctx context.Context) error {
	queue, err := s.cfg.DB.NewSyncQueue(store.SyncQueueConfig{Run: s.runTask, Logger: s.cfg.Logger})
	if err != nil {
		return err
	}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(cron.DiscardLogger))
	if _, err := c.AddFunc(s.cfg.Schedule, func() { s.tick(ctx) }); err != nil {
		return fmt.Errorf("COHORT_SYNC_SCHEDULE %q: %w", s.cfg.Schedule, err)
	}
	if s.cfg.Tickets != nil {
		metricsTick := func() {
			s.schedule(ctx, store.SyncTask{Task: TaskMetrics, Source: s.cfg.Tickets.Name(), Tick: s.cfg.Now().UTC().Truncate(time.Minute)})
		}
		if _, err := c.AddFunc(s.cfg.MetricsSchedule, metricsTick); err != nil {
			return fmt.Errorf("COHORT_METRICS_SCHEDULE %q: %w", s.cfg.MetricsSchedule, err)
		}
	}
	if s.cfg.SyncMacros != nil && s.cfg.MacrosSchedule != "" {
		macrosTick := func() {
			s.schedule(ctx, store.SyncTask{Task: TaskMacros, Tick: s.cfg.Now().UTC().Truncate(time.Minute)})
		}
		if _, err := c.AddFunc(s.cfg.MacrosSchedule, macrosTick); err != nil {
			return fmt.Errorf("COHORT_MACROS_SCHEDULE %q: %w", s.cfg.MacrosSchedule, err)
		}
	}
	if err := queue.Start(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.queue, s.cron = queue, c
	s.mu.Unlock()
	c.Start()
	s.cfg.Logger.Info("syncer started", "schedule", s.cfg.Schedule, "sources", s.SourceNames())
	// Rules may have changed while no syncer ran: catch up at once.
	if _, err := queue.Schedule(ctx, store.SyncTask{Task: TaskSegments, Tick: s.cfg.Now().Truncate(time.Minute)}); err != nil {
		s.cfg.Logger.Warn("syncer: schedule re-segmenting", "err", err)
	}
	return nil
}

// tick schedules one sync task per source, and a re-segmenting, for the
// cron time just reached.
func (s *Syncer) tick(ctx context.Context) {
	tick := s.cfg.Now().UTC().Truncate(time.Minute)
	tasks := []store.SyncTask{{Task: TaskSegments, Tick: tick}}
	for _, name := range s.SourceNames() {
		tasks = append(tasks, store.SyncTask{Task: TaskCRM, Source: name, Tick: tick})
	}
	for _, t := range tasks {
		s.schedule(ctx, t)
	}
}

// schedule enqueues t, once per tick across syncers.
func (s *Syncer) schedule(ctx context.Context, t store.SyncTask) {
	inserted, err := s.queue.Schedule(ctx, t)
	switch {
	case err != nil:
		s.cfg.Logger.Error("syncer: schedule", "task", t.Task, "source", t.Source, "err", err)
	case inserted:
		s.cfg.Logger.Debug("syncer: scheduled", "task", t.Task, "source", t.Source, "tick", t.Tick)
	}
}

// SyncMetrics syncs the helpdesk's ticket history now (see
// metricsync.Sync).
func (s *Syncer) SyncMetrics(ctx context.Context, opts metricsync.Options) (metricsync.Summary, error) {
	if s.cfg.Tickets == nil {
		return metricsync.Summary{}, errors.New("no helpdesk ticket history is configured")
	}
	if opts.BackfillDays == 0 {
		opts.BackfillDays = s.cfg.BackfillDays
	}
	if opts.Now == nil {
		opts.Now = s.cfg.Now
	}
	return metricsync.Sync(ctx, s.cfg.DB, s.cfg.Tickets, opts)
}

// runTask works one task from the queue; a failure is logged and the
// queue retries the task.
func (s *Syncer) runTask(ctx context.Context, t store.SyncTask) error {
	start := time.Now()
	err := s.doTask(ctx, t)
	outcome := "succeeded"
	switch {
	case errors.Is(err, lease.ErrBusy):
		s.cfg.Logger.Info("syncer: task skipped: another run of it is under way", "task", t.Task, "source", t.Source)
		outcome, err = "skipped", nil
	case err != nil:
		s.cfg.Logger.Error("syncer: task failed; it will be retried", "task", t.Task, "source", t.Source,
			"err", err, "op", cohort.Op(err))
		outcome = "failed"
	}
	if s.cfg.Observe != nil {
		s.cfg.Observe(t.Task, t.Source, outcome, time.Since(start))
	}
	return err
}

// doTask works one task. lease.ErrBusy says another run of it was under
// way.
func (s *Syncer) doTask(ctx context.Context, t store.SyncTask) error {
	switch t.Task {
	case TaskCRM:
		sum, rs, err := s.RunSource(ctx, t.Source, crmsync.Options{Full: t.Full})
		if err != nil {
			return err
		}
		s.cfg.Logger.Info("sync done", "source", sum.Source, "read", sum.Read, "inserted", sum.Inserted,
			"updated", sum.Updated, "unchanged", sum.Unchanged, "rejected", sum.Rejected, "deleted", sum.Deleted,
			"resegmented", rs.Computed, "segments_changed", rs.Changed, "seconds", sum.Duration.Seconds())
		for _, r := range sum.Rejects {
			s.cfg.Logger.Warn("sync: record rejected", "source", r.Source, "ref", r.Ref, "field", r.Field, "reason", r.Reason)
		}
		return nil
	case TaskMetrics:
		sum, err := s.SyncMetrics(ctx, metricsync.Options{})
		if err != nil {
			return err
		}
		s.cfg.Logger.Info("metrics synced", "source", sum.Source, "tickets", sum.Tickets,
			"from_enrichment", sum.FromEnrichment, "from_membership", sum.FromMembership,
			"days_from", sum.Days.From.Format(time.DateOnly), "days_tickets", sum.Days.Tickets, "seconds", sum.Duration.Seconds())
		return nil
	case TaskMacros:
		if s.cfg.SyncMacros == nil {
			return errors.New("syncer: no macro sync is configured")
		}
		release, err := lease.Hold(ctx, s.cfg.DB, MacrosLease, s.holder, s.cfg.Logger)
		if err != nil {
			return err
		}
		defer release()
		done, err := s.cfg.SyncMacros(ctx)
		if err != nil {
			return err
		}
		s.cfg.Logger.Info("macros synced", "result", done)
		return nil
	case TaskSegments:
		rs, err := s.Resegment(ctx)
		if err != nil {
			return err
		}
		if rs.Computed > 0 {
			s.cfg.Logger.Info("segments recomputed", "all", rs.All, "customers", rs.Computed, "changed", rs.Changed,
				"written_back", rs.WrittenBack, "seconds", rs.Duration.Seconds())
		}
		for seg, f := range rs.Failed {
			s.cfg.Logger.Warn("segment rule failed; those customers are not members", "segment", seg,
				"customers", f.Customers, "err", f.First)
		}
		return nil
	default:
		return fmt.Errorf("syncer: unknown task %q", t.Task)
	}
}

// Stop stops scheduling, then lets running tasks finish until ctx is done.
func (s *Syncer) Stop(ctx context.Context) error {
	s.mu.Lock()
	queue, c := s.queue, s.cron
	s.mu.Unlock()
	if c == nil {
		return nil
	}
	<-c.Stop().Done()
	return queue.Stop(ctx)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync"
	"github.com/cohortdesk/cohort/web"
)

// app is the receiver and its workers, wired: the one place that lists
// everything the binary puts together.
type app struct {
	cfg     Config
	logger  *slog.Logger
	db      *store.DB
	zendesk *zendesk.Client
	queue   *store.Queue
	web     *web.Server
	syncer  *sync.Syncer // nil unless serve --with-syncer
}

// appOptions carry what differs between `cohort serve` and `cohort demo`.
type appOptions struct {
	rules    *rules.Set
	macros   *macros.Set // bound to rules; nil: COHORT_MACROS_DIR
	onFinish func(cohort.Enrichment)
}

// newApp opens the store and wires the Zendesk client, the enricher, the
// queue and the HTTP server from cfg.
func newApp(ctx context.Context, cfg Config, logger *slog.Logger, opts appOptions) (*app, error) {
	set := opts.rules
	if set == nil {
		var err error
		if set, err = rules.Load(cfg.SegmentsFile); err != nil {
			return nil, fmt.Errorf("COHORT_SEGMENTS_FILE: %w", err)
		}
	}
	ms := opts.macros
	if ms == nil {
		var err error
		if ms, err = loadMacros(cfg, set); err != nil {
			return nil, err
		}
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	zc, err := newZendeskClient(ctx, cfg, db, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	applier := macros.NewApplier(ms, zc, db, logger)
	enricher := enrich.New(zc, db, set, enrich.Options{
		TagPrefix: cfg.TagPrefix, SegmentFieldID: cfg.ZendeskSegmentFieldID, Macros: applier, Logger: logger,
	})
	queue, err := db.NewQueue(store.QueueConfig{
		Handler: enricher.Enrich, Workers: cfg.Workers, MaxAttempts: cfg.MaxAttempts,
		Backoff: cfg.RetryBackoff, JobTimeout: cfg.JobTimeout, OnFinish: opts.onFinish, Logger: logger,
	})
	if err != nil {
		zc.Close()
		db.Close()
		return nil, err
	}
	pushMapping, err := mappingOr(cfg.PushMapping, "COHORT_PUSH_MAPPING", csv.DefaultMapping)
	if err != nil {
		queue.Stop(context.Background())
		zc.Close()
		db.Close()
		return nil, err
	}
	srv := web.New(web.Config{
		Receivers:  map[string]web.Receiver{zendesk.Name: &zendesk.Receiver{Secret: cfg.ZendeskWebhookSecret}},
		Intake:     queue,
		Records:    db,
		Ping:       db.Ping,
		AdminToken: cfg.AdminToken,
		Customers:  &sync.Pusher{DB: db, Mapping: pushMapping, Rules: func() *rules.Set { return set }},
		PushToken:  cfg.PushToken,
		Metrics:    sync.MetricsReader{DB: db},
		Macros:     applier,
		App:        cfg.appAuth(),
		Logger:     logger,
	})
	logger.Info("cohort ready", "database", store.Redact(cfg.DatabaseURL), "engine", db.Engine(),
		"segments", len(set.Segments), "escalations", len(set.Escalations), "macros", len(ms.Macros))
	return &app{cfg: cfg, logger: logger, db: db, zendesk: zc, queue: queue, web: srv}, nil
}

// newZendeskClient builds the Zendesk client from cfg. On PostgreSQL its
// request budgets live in the database, shared by every replica.
func newZendeskClient(ctx context.Context, cfg Config, db *store.DB, logger *slog.Logger) (*zendesk.Client, error) {
	zcfg := zendesk.Config{
		Subdomain: cfg.ZendeskSubdomain, URL: cfg.ZendeskURL, Email: cfg.ZendeskEmail, APIToken: cfg.ZendeskAPIToken,
		RateLimit: cfg.ZendeskRateLimit, UpdateRateLimit: cfg.ZendeskUpdateRateLimit, BatchSize: cfg.ZendeskBatchSize,
		JobTimeout: cfg.JobTimeout, Logger: logger,
	}
	if db != nil && db.Engine() == store.Postgres {
		var err error
		if zcfg.Budget, err = db.Budget(ctx, "zendesk", cfg.ZendeskRateLimit); err != nil {
			return nil, err
		}
		if zcfg.UpdateBudget, err = db.Budget(ctx, "zendesk_ticket_updates", cfg.ZendeskUpdateRateLimit); err != nil {
			return nil, err
		}
	}
	return zendesk.NewClient(zcfg)
}

// run serves ln and works the queue until ctx is done, then stops
// gracefully: readiness fails first, intake stops, running jobs get up to
// COHORT_SHUTDOWN_TIMEOUT to finish, and jobs not started stay queued.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	if err := a.queue.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	if a.syncer != nil {
		if err := a.syncer.Start(ctx); err != nil {
			return fmt.Errorf("start syncer: %w", err)
		}
	}
	srv := &http.Server{Handler: a.web, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.logger.Info("listening", "addr", ln.Addr().String())

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.logger.Info("stopping: no new webhooks; waiting for running jobs", "timeout", a.cfg.ShutdownTimeout)
	a.web.Drain()
	deadline, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if shutdownErr := srv.Shutdown(deadline); shutdownErr != nil {
		a.logger.Warn("http shutdown", "err", shutdownErr)
	}
	if stopErr := a.queue.Stop(deadline); stopErr != nil {
		a.logger.Warn("job queue stop", "err", stopErr)
	}
	if a.syncer != nil {
		if stopErr := a.syncer.Stop(deadline); stopErr != nil {
			a.logger.Warn("syncer stop", "err", stopErr)
		}
	}
	a.logger.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the Zendesk client and the database.
func (a *app) Close() error {
	a.zendesk.Close()
	return a.db.Close()
}

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
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/web"
)

// app is the receiver and its workers, wired: the one place that lists
// everything the binary puts together.
type app struct {
	cfg    Config
	logger *slog.Logger
	db     *store.DB
	queue  *store.Queue
	web    *web.Server
}

// appOptions carry what differs between `cohort serve` and `cohort demo`.
type appOptions struct {
	rules    *rules.Set
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
	zc, err := zendesk.NewClient(zendesk.Config{
		Subdomain: cfg.ZendeskSubdomain, URL: cfg.ZendeskURL, Email: cfg.ZendeskEmail,
		APIToken: cfg.ZendeskAPIToken, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	enricher := enrich.New(zc, db, set, enrich.Options{
		TagPrefix: cfg.TagPrefix, SegmentFieldID: cfg.ZendeskSegmentFieldID, Logger: logger,
	})
	queue := db.NewQueue(store.QueueConfig{
		Handler: enricher.Enrich, Workers: cfg.Workers, MaxAttempts: cfg.MaxAttempts,
		OnFinish: opts.onFinish, Logger: logger,
	})
	srv := web.New(web.Config{
		Receivers:  map[string]web.Receiver{zendesk.Name: &zendesk.Receiver{Secret: cfg.ZendeskWebhookSecret}},
		Intake:     queue,
		Records:    db,
		Ping:       db.Ping,
		AdminToken: cfg.AdminToken,
		Logger:     logger,
	})
	logger.Info("cohort ready", "database", store.Redact(cfg.DatabaseURL), "engine", db.Engine(),
		"segments", len(set.Segments), "escalations", len(set.Escalations))
	return &app{cfg: cfg, logger: logger, db: db, queue: queue, web: srv}, nil
}

// run serves ln and works the queue until ctx is done, then stops
// gracefully: readiness fails first, intake stops, running jobs get up to
// COHORT_SHUTDOWN_TIMEOUT to finish, and jobs not started stay queued.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.web, ReadHeaderTimeout: 10 * time.Second}
	queueCtx, stopQueue := context.WithCancel(context.WithoutCancel(ctx))
	queueDone := make(chan struct{})
	go func() {
		defer close(queueDone)
		_ = a.queue.Run(queueCtx)
	}()
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
	stopQueue()
	select {
	case <-queueDone:
		a.logger.Info("stopped")
	case <-deadline.Done():
		a.logger.Warn("shutdown timeout reached; unfinished jobs stay queued for the next start")
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases the database.
func (a *app) Close() error { return a.db.Close() }

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/connector/freshdesk"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/manifests"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/sidebar"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/telemetry"
	"github.com/cohortdesk/cohort/web"
)

// app is the receiver and its workers, wired: the one place that lists
// everything the binary puts together.
type app struct {
	cfg       Config
	logger    *slog.Logger
	db        *store.DB
	zendesk   *zendesk.Client
	book      *playbook.Provider // the rules and macros every part uses
	queue     *store.Queue
	web       *web.Server
	telemetry *telemetry.Metrics
	syncer    *syncer.Syncer // nil unless serve --with-syncer
}

// appOptions carry what differs between `cohort serve` and `cohort demo`.
type appOptions struct {
	book     *playbook.Provider // nil: COHORT_SEGMENTS_FILE and COHORT_MACROS_DIR
	onFinish func(cohort.Enrichment)
}

// newApp opens the store and wires the Zendesk client, the enricher, the
// queue and the HTTP server from cfg.
func newApp(ctx context.Context, cfg Config, logger *slog.Logger, opts appOptions) (*app, error) {
	book := opts.book
	if book == nil {
		var err error
		if book, err = newPlaybook(cfg, logger); err != nil {
			return nil, err
		}
	}
	pushMapping, err := mappingOr(cfg.PushMapping, "COHORT_PUSH_MAPPING", csv.DefaultMapping)
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	tm := newTelemetry(db, book, logger)
	zc, err := newZendeskClient(ctx, cfg, db, zendeskHooks(tm), logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	applier := macros.NewApplier(book.Macros, zc, db, logger)
	enricher := enrich.New(zc, db, book, enrich.Options{
		TagPrefix: cfg.TagPrefix, SegmentFieldID: cfg.ZendeskSegmentFieldID, Macros: applier, Logger: logger,
	})
	enrichers := map[string]*enrich.Enricher{zendesk.Name: enricher}
	receivers := map[string]web.Receiver{zendesk.Name: &zendesk.Receiver{Secret: cfg.ZendeskWebhookSecret}}
	if cfg.freshdeskConfigured() {
		fd, err := newFreshdeskClient(cfg)
		if err != nil {
			zc.Close()
			db.Close()
			return nil, err
		}
		enrichers[freshdesk.Name] = enrich.New(fd, db, book, enrich.Options{TagPrefix: cfg.TagPrefix, Logger: logger})
		receivers[freshdesk.Name] = &freshdesk.Receiver{Secret: cfg.FreshdeskWebhookSecret}
	}
	queue, err := db.NewQueue(store.QueueConfig{
		Handler: enrichByHelpdesk(enrichers), Workers: cfg.Workers, MaxAttempts: cfg.MaxAttempts,
		Backoff: cfg.RetryBackoff, JobTimeout: cfg.JobTimeout, OnFinish: opts.onFinish, Observe: tm.EnrichmentAttempt,
		Logger: logger,
	})
	if err != nil {
		zc.Close()
		db.Close()
		return nil, err
	}
	assets, err := fs.Sub(manifests.ZendeskApp, "zendesk-app/assets")
	if err != nil {
		zc.Close()
		db.Close()
		return nil, err
	}
	views := &sidebar.Builder{Records: db, Profiles: db, Decider: enricher, Macros: applier, Rules: currentRules(book),
		Measures: func(ctx context.Context, from, to time.Time) ([]cohort.SegmentMeasures, error) {
			return metricsync.Window(ctx, db, from, to, cohort.CalendarMinutes)
		}}
	srv := web.New(web.Config{
		Receivers:  receivers,
		Intake:     queue,
		Records:    db,
		Ping:       db.Ping,
		AdminToken: cfg.AdminToken,
		Customers:  &crmsync.Pusher{DB: db, Mapping: pushMapping, Rules: book.Rules},
		PushToken:  cfg.PushToken,
		Profiles:   db,
		Metrics:    metricsync.Reader{DB: db},
		Macros:     applier,
		Sidebar:    views,
		AppAssets:  assets,
		App:        cfg.appAuth(),
		MaxBodies:  cfg.HTTPMaxBodies, TrustedProxies: cfg.TrustedProxies,
		Registry: tm.Registry, MetricsElsewhere: cfg.MetricsAddr != "",
		Logger: logger,
	})
	pb := book.Current()
	logger.Info("cohort ready", "database", store.Redact(cfg.DatabaseURL), "engine", db.Engine(),
		"segments", len(pb.Rules.Segments), "escalations", len(pb.Rules.Escalations), "macros", len(pb.Macros.Macros))
	return &app{cfg: cfg, logger: logger, db: db, zendesk: zc, book: book, queue: queue, web: srv, telemetry: tm}, nil
}

// enrichByHelpdesk is the queue's handler: each delivery goes to the
// enricher of its helpdesk. A process that does not talk to a delivery's
// helpdesk (a replica without its variables, during a rollout) fails the
// attempt as unavailable, so that the job waits for one that does.
func enrichByHelpdesk(enrichers map[string]*enrich.Enricher) store.Handler {
	return func(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
		e, ok := enrichers[d.Helpdesk]
		if !ok {
			return cohort.Enrichment{}, cohort.Errorf("enrich", cohort.KindUnavailable,
				"a %s ticket, but no %s account is configured (COHORT_%s_*)", d.Helpdesk, d.Helpdesk, strings.ToUpper(d.Helpdesk))
		}
		return e.Enrich(ctx, d)
	}
}

// newFreshdeskClient builds the Freshdesk client from cfg.
func newFreshdeskClient(cfg Config) (*freshdesk.Client, error) {
	c, err := freshdesk.NewClient(freshdesk.Config{Domain: cfg.FreshdeskDomain, URL: cfg.FreshdeskURL,
		APIKey: cfg.FreshdeskAPIKey, RateLimit: cfg.FreshdeskRateLimit})
	if cohort.KindOf(err) == cohort.KindInvalid {
		return nil, configError(err)
	}
	return c, err
}

// currentRules reads the segments and escalations of book's current rules,
// for the sidebar.
func currentRules(book *playbook.Provider) sidebar.Rules {
	return func() ([]cohort.Segment, []cohort.Escalation) {
		set := book.Rules()
		segs := make([]cohort.Segment, len(set.Segments))
		for i, s := range set.Segments {
			segs[i] = s.Segment
		}
		escs := make([]cohort.Escalation, len(set.Escalations))
		for i, e := range set.Escalations {
			escs[i] = e.Escalation
		}
		return segs, escs
	}
}

// openStore opens COHORT_DATABASE_URL and has it merge customers' records
// in the order of COHORT_SOURCE_PRECEDENCE (merging every customer again
// when that order changed).
func openStore(ctx context.Context, cfg Config, logger *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		return nil, err
	}
	p, _ := cohort.ParseSourcePrecedence(cfg.SourcePrecedence) // checked by validate
	if _, err := db.UsePrecedence(ctx, p); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// newPlaybook loads COHORT_SEGMENTS_FILE and COHORT_MACROS_DIR (whose
// default folder may be missing: no macros) into the process's one
// provider. Problems in the files are configuration errors.
func newPlaybook(cfg Config, logger *slog.Logger) (*playbook.Provider, error) {
	book, err := playbook.NewProvider(playbookFiles(cfg), logger)
	if err != nil {
		return nil, configError(err)
	}
	return book, nil
}

// playbookFiles are where cfg's rules and macros are.
func playbookFiles(cfg Config) playbook.Files {
	return playbook.Files{SegmentsFile: cfg.SegmentsFile, MacrosDir: cfg.MacrosDir, MacrosOptional: cfg.MacrosDir == defaultMacrosDir}
}

// defaultMacrosDir is COHORT_MACROS_DIR's default.
const defaultMacrosDir = "manifests/macros"

// newZendeskClient builds the Zendesk client from cfg, reporting to obs
// (nil: nobody). On PostgreSQL its request budgets live in the database,
// shared by every replica.
func newZendeskClient(ctx context.Context, cfg Config, db *store.DB, obs zendesk.Observer, logger *slog.Logger) (*zendesk.Client, error) {
	zcfg := zendesk.Config{
		Subdomain: cfg.ZendeskSubdomain, URL: cfg.ZendeskURL, Email: cfg.ZendeskEmail, APIToken: cfg.ZendeskAPIToken,
		RateLimit: cfg.ZendeskRateLimit, UpdateRateLimit: cfg.ZendeskUpdateRateLimit, BatchSize: cfg.ZendeskBatchSize,
		JobTimeout: cfg.JobTimeout, Observer: obs, Logger: logger,
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
	c, err := zendesk.NewClient(zcfg)
	if cohort.KindOf(err) == cohort.KindInvalid {
		return nil, configError(err)
	}
	return c, err
}

// run serves ln and works the queue until ctx is done, then stops
// gracefully: readiness fails first, intake stops, running jobs get up to
// COHORT_SHUTDOWN_TIMEOUT to finish, and jobs not started stay queued.
func (a *app) run(ctx context.Context, ln, metricsLn net.Listener) error {
	defer serveMetrics(a.cfg, metricsLn, a.telemetry, a.web.Ready, a.logger)()
	if err := a.queue.Start(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("start job queue: %w", err)
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	watched := make(chan struct{})
	go func() { a.book.Watch(watchCtx, playbook.WatchInterval, hup); close(watched) }()
	defer func() { stopWatch(); <-watched }()
	if a.syncer != nil {
		if err := a.syncer.Start(ctx); err != nil {
			ln.Close()
			a.stopWork(context.Background())
			return fmt.Errorf("start syncer: %w", err)
		}
	}
	srv := newHTTPServer(a.cfg, a.web)
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
	a.stopWork(deadline)
	a.logger.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// stopWork stops the job queue and the syncer (if any) together: running
// jobs and syncs get until deadline, then are cancelled (retried later).
func (a *app) stopWork(deadline context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.queue.Stop(deadline); err != nil {
			a.logger.Warn("job queue stop", "err", err)
		}
	})
	if a.syncer != nil {
		wg.Go(func() {
			if err := a.syncer.Stop(deadline); err != nil {
				a.logger.Warn("syncer stop", "err", err)
			}
		})
	}
	wg.Wait()
}

// newHTTPServer serves h with cfg's timeouts: a client gets
// COHORT_HTTP_READ_TIMEOUT to send a whole request and
// COHORT_HTTP_WRITE_TIMEOUT to take the answer, and an idle keep-alive
// connection closes after COHORT_HTTP_IDLE_TIMEOUT, so that slow or
// silent clients cannot hold connections and memory without end.
func newHTTPServer(cfg Config, h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: min(10*time.Second, cfg.HTTPReadTimeout),
		ReadTimeout: cfg.HTTPReadTimeout, WriteTimeout: cfg.HTTPWriteTimeout, IdleTimeout: cfg.HTTPIdleTimeout}
}

// Close releases the Zendesk client and the database.
func (a *app) Close() error {
	a.zendesk.Close()
	return a.db.Close()
}

package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/cohortdesk/cohort/playbook"
)

func runSyncer(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "syncer", "syncer", `Runs the CRM sources that COHORT_* variables turn on, on COHORT_SYNC_SCHEDULE
(cron; default every 15 minutes), each incrementally from its checkpoint,
and keeps segment membership current (for everyone when the segments file
changes; the file is reloaded on SIGHUP and when it changes). With
PostgreSQL, any number of syncers may run: each tick's work runs once.
SIGTERM lets running syncs finish within COHORT_SHUTDOWN_TIMEOUT; an
interrupted sync goes on from its last checkpoint.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	s, err := c.setup(ctx, needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer s.close()
	cfg, logger, book := s.cfg, s.logger, s.book
	tm := newTelemetry(s.db, book, logger)
	parts, err := newSyncParts(ctx, cfg, s.db, nil, book, tm, logger)
	if err != nil {
		return err
	}
	defer parts.close()
	if len(parts.sources) == 0 {
		logger.Warn("no CRM source is configured: the syncer only keeps segments current")
	}
	syncer, err := newSyncer(cfg, s.db, parts, book, logger)
	if err != nil {
		return err
	}
	metricsLn, err := listenMetrics(cfg)
	if err != nil {
		return err
	}
	var stopping atomic.Bool
	defer serveMetrics(cfg, metricsLn, tm, func(ctx context.Context) error {
		if stopping.Load() {
			return errors.New("stopping")
		}
		if err := s.db.Ping(ctx); err != nil {
			return errors.New("database unreachable")
		}
		return nil
	}, logger)()
	if err := syncer.Start(ctx); err != nil {
		return err
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	book.Watch(ctx, playbook.WatchInterval, hup) // until ctx is done
	stopping.Store(true)
	logger.Info("stopping: letting running syncs finish", "timeout", cfg.ShutdownTimeout)
	deadline, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := syncer.Stop(deadline); err != nil {
		logger.Warn("syncer stop", "err", err)
	}
	logger.Info("stopped")
	return nil
}

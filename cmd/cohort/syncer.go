package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cohortdesk/cohort/store"
)

func runSyncer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("syncer", "syncer", `Runs the CRM sources that COHORT_* variables turn on, on COHORT_SYNC_SCHEDULE
(cron; default every 15 minutes), each incrementally from its checkpoint,
and keeps segment membership current (for everyone when the segments file
changes). With PostgreSQL, any number of syncers may run: each tick's work
runs once. SIGTERM lets running syncs finish within COHORT_SHUTDOWN_TIMEOUT;
an interrupted sync goes on from its last checkpoint.`, stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cohort syncer: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort syncer:", err)
		return exitUsage
	}
	logger := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort syncer:", err)
		return exitFailure
	}
	defer db.Close()
	parts, err := newSyncParts(ctx, cfg, db, nil, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort syncer:", err)
		return exitUsage
	}
	defer parts.close()
	if len(parts.sources) == 0 {
		logger.Warn("no CRM source is configured: the syncer only keeps segments current")
	}
	syncer, err := newSyncer(cfg, db, parts, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort syncer:", err)
		return exitUsage
	}
	if err := syncer.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "cohort syncer:", err)
		return exitFailure
	}
	<-ctx.Done()
	logger.Info("stopping: letting running syncs finish", "timeout", cfg.ShutdownTimeout)
	deadline, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := syncer.Stop(deadline); err != nil {
		logger.Warn("syncer stop", "err", err)
	}
	logger.Info("stopped")
	return exitOK
}

package main

import (
	"context"
	"fmt"
	"net"
)

func runServe(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "serve", "serve", `Receives helpdesk webhooks on COHORT_LISTEN_ADDR (POST /webhooks/zendesk) and
enriches each new ticket: segment tags, priority, fields and a private note.
Needs COHORT_ZENDESK_SUBDOMAIN (or COHORT_ZENDESK_URL), COHORT_ZENDESK_EMAIL,
COHORT_ZENDESK_API_TOKEN and COHORT_ZENDESK_WEBHOOK_SECRET. SIGTERM stops it
gracefully within COHORT_SHUTDOWN_TIMEOUT. With COHORT_PUSH_TOKEN set it also
takes customers on POST /api/v1/customers. --with-syncer runs the syncer
(see cohort syncer --help) in the same process, for one machine.

The segments file and the macros folder are reloaded on SIGHUP and when they
change (checked every few seconds); files that do not load leave the last
good rules in use, and the problems are logged with their file and line.`)
	withSyncer := fs.Bool("with-syncer", false, "also run the CRM syncer in this process")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.requireZendesk(true); err != nil {
		return err
	}
	if err := cfg.requireFreshdesk(); err != nil {
		return err
	}
	logger := newLogger(cfg, c.stderr)
	a, err := newApp(ctx, cfg, logger, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	if *withSyncer {
		parts, err := newSyncParts(ctx, cfg, a.db, a.zendesk, a.book, a.telemetry, logger)
		if err != nil {
			return err
		}
		if a.syncer, err = newSyncer(cfg, a.db, parts, a.book, logger); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return configError(fmt.Errorf("COHORT_LISTEN_ADDR %s: %w", cfg.ListenAddr, err))
	}
	metricsLn, err := listenMetrics(cfg)
	if err != nil {
		ln.Close()
		return err
	}
	return a.run(ctx, ln, metricsLn)
}

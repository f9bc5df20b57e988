package main

import (
	"context"
	"fmt"
	"io"
	"net"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("serve", "serve", `Receives helpdesk webhooks on COHORT_LISTEN_ADDR (POST /webhooks/zendesk) and
enriches each new ticket: segment tags, priority, fields and a private note.
Needs COHORT_ZENDESK_SUBDOMAIN (or COHORT_ZENDESK_URL), COHORT_ZENDESK_EMAIL,
COHORT_ZENDESK_API_TOKEN and COHORT_ZENDESK_WEBHOOK_SECRET. SIGTERM stops it
gracefully within COHORT_SHUTDOWN_TIMEOUT. With COHORT_PUSH_TOKEN set it also
takes customers on POST /api/v1/customers. --with-syncer runs the syncer
(see cohort syncer --help) in the same process, for one machine.`, stderr)
	withSyncer := fs.Bool("with-syncer", false, "also run the CRM syncer in this process")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cohort serve: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := loadConfig()
	if err == nil {
		err = cfg.requireZendesk(true)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort serve:", err)
		return exitUsage
	}
	logger := newLogger(cfg, stderr)
	a, err := newApp(ctx, cfg, logger, appOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "cohort serve:", err)
		return exitFailure
	}
	defer a.Close()
	if *withSyncer {
		parts, err := newSyncParts(ctx, cfg, a.db, a.zendesk, logger)
		if err == nil {
			a.syncer, err = newSyncer(cfg, a.db, parts, logger)
		}
		if err != nil {
			fmt.Fprintln(stderr, "cohort serve:", err)
			return exitUsage
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		fmt.Fprintf(stderr, "cohort serve: COHORT_LISTEN_ADDR %s: %v\n", cfg.ListenAddr, err)
		return exitFailure
	}
	if err := a.run(ctx, ln); err != nil {
		fmt.Fprintln(stderr, "cohort serve:", err)
		return exitFailure
	}
	return exitOK
}

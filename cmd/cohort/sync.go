package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/metricsync"
)

func runSyncCmd(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "sync", "sync crm [--source NAME] [--full] | sync metrics [--backfill-days N] [--recompute]", `sync crm syncs customers from the CRM sources that COHORT_* variables turn on (see
.env.example: COHORT_CSV_SOURCE, COHORT_HUBSPOT_TOKEN, COHORT_SALESFORCE_*,
COHORT_ZENDESK_SYNC_USERS), now, then recomputes the segments of the
customers that changed. Incremental by default: each source goes on from the
checkpoint its last run committed. --full re-reads everything and removes
the source's records of the customers it no longer has (a customer other
sources still have stays). Prints a summary per source (read, inserted,
updated, unchanged, rejected, deleted, seconds) and each rejected record.
Exit status: 0 done, 3 some records rejected, 1 failure.

sync metrics reads the Zendesk account's ticket history (the incremental
ticket export, with metric sets and ratings) for per-segment support
metrics: a first run back-fills COHORT_BACKFILL_DAYS (or --backfill-days)
days, later runs only what changed since, then brings the stored per-segment
days up to date. --recompute recomputes every day from the stored tickets.
See cohort metrics export.`)
	backfill := fs.Int("backfill-days", 0, "days a first run reads back (default COHORT_BACKFILL_DAYS)")
	only := fs.String("source", "", "sync only the source with this `name` (csv, hubspot, salesforce, zendesk)")
	full := fs.Bool("full", false, "re-read everything and drop the source's records of customers it no longer has")
	recompute := fs.Bool("recompute", false, "metrics: recompute every stored segment day, not only those whose tickets changed")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "crm" && fs.Arg(0) != "metrics") {
		return usageError(fs, "")
	}
	if *backfill < 0 || *backfill > 3660 {
		return usageError(fs, "--backfill-days %d: want 1 to 3660", *backfill)
	}
	if fs.Arg(0) == "metrics" {
		return runSyncMetrics(ctx, c, *backfill, *recompute)
	}
	pick := func(all []crmsync.Source) ([]crmsync.Source, error) {
		if len(all) == 0 {
			return nil, configError(errors.New("no CRM source is configured; set COHORT_CSV_SOURCE, COHORT_HUBSPOT_TOKEN, " +
				"COHORT_SALESFORCE_URL (or _CLIENT_ID) or COHORT_ZENDESK_SYNC_USERS (see .env.example)"))
		}
		if *only == "" {
			return all, nil
		}
		for _, s := range all {
			if s.Name() == *only {
				return []crmsync.Source{s}, nil
			}
		}
		return nil, usageError(nil, "--source %s: not configured (configured: %s)", *only, sourceNames(all))
	}
	return runSync(ctx, c, pick, crmsync.Options{Full: *full})
}

// runSync opens the store and the configured sync parts, runs once each
// source that pick chooses among them, then re-segments, printing
// summaries. It returns errPartial when records were rejected.
func runSync(ctx context.Context, c *cli, pick func([]crmsync.Source) ([]crmsync.Source, error), opts crmsync.Options) error {
	// The rules are needed after the sync: a broken segments file stops
	// the command before it changes anything.
	s, err := c.setup(ctx, needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer s.close()
	parts, err := newSyncParts(ctx, s.cfg, s.db, nil, s.book, nil, s.logger)
	if err != nil {
		return err
	}
	defer parts.close()
	if parts.sources, err = pick(parts.sources); err != nil {
		return err
	}
	syncer, err := newSyncer(s.cfg, s.db, parts, s.book, s.logger)
	if err != nil {
		return err
	}
	var result error
	for _, src := range parts.sources {
		o := opts
		bar := newProgress(ctx, src, opts, c.stderr)
		if bar != nil {
			o.OnBatch = func(s crmsync.Summary) { _ = bar.Set(s.Read) }
		}
		sum, rs, err := syncer.RunSource(ctx, src.Name(), o)
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(c.stderr)
		}
		printSummary(c.stdout, sum)
		if rs.Computed > 0 {
			fmt.Fprintf(c.stdout, "segments: computed %d customers, %d changed (%.2fs)\n", rs.Computed, rs.Changed, rs.Duration.Seconds())
		}
		printRuleFailures(c.stdout, rs)
		if rs.WrittenBack > 0 {
			fmt.Fprintf(c.stdout, "segments: written to %d helpdesk users\n", rs.WrittenBack)
		}
		switch {
		case err != nil:
			return err
		case sum.Rejected > 0:
			result = errPartial
		}
	}
	members, _, _, err := s.db.SegmentCounts(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "segments up to date: %s (cohort segments stats for more)\n", formatCounts(members))
	return result
}

// newSyncer builds the syncer of cfg's schedules, book's rules and parts'
// sources and write-back (parts may be nil: no sources).
func newSyncer(cfg Config, db *store.DB, parts *syncParts, book *playbook.Provider, logger *slog.Logger) (*syncer.Syncer, error) {
	if parts == nil {
		parts = &syncParts{}
	}
	var observe func(task, source, outcome string, took time.Duration)
	if tm := parts.telemetry; tm != nil {
		observe = tm.SyncRun
		watched := make([]string, 0, len(parts.sources)+1)
		for _, src := range parts.sources {
			watched = append(watched, src.Name())
		}
		if parts.tickets != nil {
			watched = append(watched, metricsync.SourceName(parts.tickets))
		}
		tm.WatchSyncs(watched)
	}
	return syncer.New(syncer.Config{
		DB:      db,
		Sources: parts.sources,
		Writer:  parts.writer,
		Tickets: parts.tickets,

		MetricsSchedule: cfg.MetricsSchedule,
		BackfillDays:    cfg.BackfillDays,
		SyncMacros:      parts.macros,
		MacrosSchedule:  cfg.MacrosSchedule,
		Rules:           book.Rules,
		Schedule:        cfg.SyncSchedule,
		Observe:         observe,
		Logger:          logger,
	})
}

// newProgress returns a progress bar on stderr when it is a terminal, with
// the number of records to read when the source can tell; nil otherwise.
func newProgress(ctx context.Context, src crmsync.Source, opts crmsync.Options, stderr io.Writer) *progressbar.ProgressBar {
	total := int64(-1)
	if p, ok := src.Source.(crm.Progress); ok {
		if n, err := p.Total(ctx, "", opts.Full || opts.FromStart); err == nil && n > 0 {
			total = n
		}
	}
	return newBar(src.Name(), total, stderr)
}

// newSpinner is a progress bar of unknown length, on a terminal only.
func newSpinner(what string, stderr io.Writer) *progressbar.ProgressBar {
	return newBar(what, -1, stderr)
}

// newBar returns a progress bar counting records toward total (-1:
// unknown) when stderr is a terminal, else nil.
func newBar(what string, total int64, stderr io.Writer) *progressbar.ProgressBar {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("records"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// printSummary prints a sync run's rejects and counts.
func printSummary(w io.Writer, s crmsync.Summary) {
	for _, r := range s.Rejects {
		what := r.Reason
		if r.Field != "" {
			what = r.Field + ": " + r.Reason
		}
		fmt.Fprintf(w, "%s: %s: rejected: %s\n", r.Source, r.Ref, what)
	}
	if more := s.Rejected - len(s.Rejects); more > 0 {
		fmt.Fprintf(w, "%s: … and %d more rejected records\n", s.Source, more)
	}
	fmt.Fprintf(w, "%s: read %d, inserted %d, updated %d, unchanged %d, rejected %d, deleted %d (%.2fs)\n",
		s.Source, s.Read, s.Inserted, s.Updated, s.Unchanged, s.Rejected, s.Deleted, s.Duration.Seconds())
}

func sourceNames(sources []crmsync.Source) string {
	var b []byte
	for i, s := range sources {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, s.Name()...)
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// runSyncMetrics syncs the helpdesk's ticket history now and prints what
// it did.
func runSyncMetrics(ctx context.Context, c *cli, backfillDays int, recompute bool) error {
	s, err := c.setup(ctx, needZendesk|needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer s.close()
	parts, err := newSyncParts(ctx, s.cfg, s.db, nil, s.book, nil, s.logger)
	if err != nil {
		return err
	}
	defer parts.close()
	syncer, err := newSyncer(s.cfg, s.db, parts, s.book, s.logger)
	if err != nil {
		return err
	}
	if recompute {
		if err := s.db.MarkSegmentDaysStale(ctx, time.Time{}); err != nil {
			return err
		}
	}
	opts := metricsync.Options{BackfillDays: backfillDays}
	if bar := newSpinner("zendesk tickets", c.stderr); bar != nil {
		opts.OnPage = func(s metricsync.Summary) { _ = bar.Set(s.Tickets) }
		defer func() { _ = bar.Finish(); fmt.Fprintln(c.stderr) }()
	}
	sum, err := syncer.SyncMetrics(ctx, opts)
	if err != nil {
		return err
	}
	from := "incremental"
	if !sum.BackfilledSince.IsZero() {
		from = "back-filled since " + sum.BackfilledSince.Format(time.DateOnly)
	}
	fmt.Fprintf(c.stdout, "%s: %d tickets (%s); segments from enrichment %d, from membership %d (%.2fs)\n",
		sum.Source, sum.Tickets, from, sum.FromEnrichment, sum.FromMembership, sum.Duration.Seconds())
	if d := sum.Days; !d.From.IsZero() {
		fmt.Fprintf(c.stdout, "segment days: %s to %s recomputed from %d tickets (%.2fs)\n",
			d.From.Format(time.DateOnly), d.Through.Format(time.DateOnly), d.Tickets, d.Duration.Seconds())
	}
	return nil
}

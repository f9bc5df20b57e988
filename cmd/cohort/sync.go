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
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync"
)

func runSyncCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("sync", "sync crm [--source NAME] [--full] | sync metrics [--backfill-days N] [--recompute]", `sync crm syncs customers from the CRM sources that COHORT_* variables turn on (see
.env.example: COHORT_CSV_SOURCE, COHORT_HUBSPOT_TOKEN, COHORT_SALESFORCE_*,
COHORT_ZENDESK_SYNC_USERS), now, then recomputes the segments of the
customers that changed. Incremental by default: each source goes on from the
checkpoint its last run committed. --full re-reads everything and
soft-deletes the customers a source no longer has. Prints a summary per
source (read, inserted, updated, unchanged, rejected, deleted, seconds) and
each rejected record. Exit status: 0 done, 3 some records rejected,
1 failure.

sync metrics reads the Zendesk account's ticket history (the incremental
ticket export, with metric sets and ratings) for per-segment support
metrics: a first run back-fills COHORT_BACKFILL_DAYS (or --backfill-days)
days, later runs only what changed since, then brings the stored per-segment
days up to date. --recompute recomputes every day from the stored tickets.
See cohort metrics export.`, stderr)
	backfill := fs.Int("backfill-days", 0, "days a first run reads back (default COHORT_BACKFILL_DAYS)")
	only := fs.String("source", "", "sync only the source with this `name` (csv, hubspot, salesforce, zendesk)")
	full := fs.Bool("full", false, "re-read everything and soft-delete customers the source no longer has")
	recompute := fs.Bool("recompute", false, "metrics: recompute every stored segment day, not only those whose tickets changed")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "crm" && fs.Arg(0) != "metrics") {
		fs.Usage()
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitUsage
	}
	if fs.Arg(0) == "metrics" {
		return runSyncMetrics(ctx, cfg, *backfill, *recompute, stdout, stderr)
	}
	pick := func(all []sync.Source) ([]sync.Source, error) {
		if len(all) == 0 {
			return nil, errors.New("no CRM source is configured; set COHORT_CSV_SOURCE, COHORT_HUBSPOT_TOKEN, " +
				"COHORT_SALESFORCE_URL (or _CLIENT_ID) or COHORT_ZENDESK_SYNC_USERS (see .env.example)")
		}
		if *only == "" {
			return all, nil
		}
		for _, s := range all {
			if s.Name() == *only {
				return []sync.Source{s}, nil
			}
		}
		return nil, fmt.Errorf("--source %s: not configured (configured: %s)", *only, sourceNames(all))
	}
	return runSync(ctx, cfg, pick, sync.Options{Full: *full}, stdout, stderr)
}

// runSync opens the store and the configured sync parts, runs once each
// source that pick chooses among them, then re-segments, printing
// summaries.
func runSync(ctx context.Context, cfg Config, pick func([]sync.Source) ([]sync.Source, error), opts sync.Options, stdout, stderr io.Writer) int {
	// The rules are needed after the sync: a broken segments file stops
	// the command before it changes anything.
	if _, err := loadRules(cfg); err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitUsage
	}
	logger := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitFailure
	}
	defer db.Close()
	parts, err := newSyncParts(ctx, cfg, db, nil, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitUsage
	}
	defer parts.close()
	sources, err := pick(parts.sources)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitUsage
	}
	parts.sources = sources
	syncer, err := newSyncer(cfg, db, parts, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitUsage
	}
	code := exitOK
	for _, src := range sources {
		o := opts
		bar := newProgress(ctx, src, opts, stderr)
		if bar != nil {
			o.OnBatch = func(s sync.Summary) { _ = bar.Set(s.Read) }
		}
		sum, rs, err := syncer.RunSource(ctx, src.Name(), o)
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(stderr)
		}
		printSummary(stdout, sum)
		if rs.Computed > 0 {
			fmt.Fprintf(stdout, "segments: computed %d customers, %d changed (%.2fs)\n", rs.Computed, rs.Changed, rs.Duration.Seconds())
		}
		if rs.WrittenBack > 0 {
			fmt.Fprintf(stdout, "segments: written to %d helpdesk users\n", rs.WrittenBack)
		}
		switch {
		case err != nil:
			fmt.Fprintln(stderr, "cohort sync:", err)
			return exitFailure
		case sum.Rejected > 0:
			code = exitPartial
		}
	}
	members, _, _, err := db.SegmentCounts(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "segments up to date: %s (cohort segments stats for more)\n", formatCounts(members))
	return code
}

// newSyncer builds the syncer of cfg's rules and schedule and parts'
// sources and write-back (parts may be nil: no sources).
func newSyncer(cfg Config, db *store.DB, parts *syncParts, logger *slog.Logger) (*sync.Syncer, error) {
	if parts == nil {
		parts = &syncParts{}
	}
	return sync.NewSyncer(sync.SyncerConfig{
		DB:      db,
		Sources: parts.sources,
		Writer:  parts.writer,
		Tickets: parts.tickets,

		MetricsSchedule: cfg.MetricsSchedule,
		BackfillDays:    cfg.BackfillDays,
		SyncMacros:      parts.macros,
		MacrosSchedule:  cfg.MacrosSchedule,
		Rules:           func() (*rules.Set, error) { return loadRules(cfg) },
		Schedule:        cfg.SyncSchedule,
		Logger:          logger,
	})
}

// loadRules loads COHORT_SEGMENTS_FILE, naming the variable in errors.
func loadRules(cfg Config) (*rules.Set, error) {
	set, err := rules.Load(cfg.SegmentsFile)
	if err != nil {
		return nil, fmt.Errorf("COHORT_SEGMENTS_FILE: %w", err)
	}
	return set, nil
}

// newProgress returns a progress bar on stderr when it is a terminal, with
// the number of records to read when the source can tell; nil otherwise.
func newProgress(ctx context.Context, src sync.Source, opts sync.Options, stderr io.Writer) *progressbar.ProgressBar {
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
func printSummary(w io.Writer, s sync.Summary) {
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

func sourceNames(sources []sync.Source) string {
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
func runSyncMetrics(ctx context.Context, cfg Config, backfillDays int, recompute bool, stdout, stderr io.Writer) int {
	if err := cfg.requireZendesk(false); err != nil {
		fmt.Fprintln(stderr, "cohort sync metrics:", err)
		return exitUsage
	}
	if backfillDays < 0 || backfillDays > 3660 {
		fmt.Fprintf(stderr, "cohort sync metrics: --backfill-days %d: want 1 to 3660\n", backfillDays)
		return exitUsage
	}
	logger := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync metrics:", err)
		return exitFailure
	}
	defer db.Close()
	parts, err := newSyncParts(ctx, cfg, db, nil, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync metrics:", err)
		return exitUsage
	}
	defer parts.close()
	syncer, err := newSyncer(cfg, db, parts, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync metrics:", err)
		return exitUsage
	}
	if recompute {
		if err := db.MarkSegmentDaysStale(ctx, time.Time{}); err != nil {
			fmt.Fprintln(stderr, "cohort sync metrics:", err)
			return exitFailure
		}
	}
	opts := sync.MetricsOptions{BackfillDays: backfillDays}
	if bar := newSpinner("zendesk tickets", stderr); bar != nil {
		opts.OnPage = func(s sync.MetricsSummary) { _ = bar.Set(s.Tickets) }
		defer func() { _ = bar.Finish(); fmt.Fprintln(stderr) }()
	}
	sum, err := syncer.SyncMetrics(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "cohort sync metrics:", err)
		return exitFailure
	}
	from := "incremental"
	if !sum.BackfilledSince.IsZero() {
		from = "back-filled since " + sum.BackfilledSince.Format(time.DateOnly)
	}
	fmt.Fprintf(stdout, "%s: %d tickets (%s); segments from enrichment %d, from membership %d (%.2fs)\n",
		sum.Source, sum.Tickets, from, sum.FromEnrichment, sum.FromMembership, sum.Duration.Seconds())
	if d := sum.Days; !d.From.IsZero() {
		fmt.Fprintf(stdout, "segment days: %s to %s recomputed from %d tickets (%.2fs)\n",
			d.From.Format(time.DateOnly), d.Through.Format(time.DateOnly), d.Tickets, d.Duration.Seconds())
	}
	return exitOK
}

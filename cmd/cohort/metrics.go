package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync"
	"github.com/cohortdesk/cohort/sync/metrics"
)

func runMetrics(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("metrics", "metrics export --from YYYY-MM-DD --to YYYY-MM-DD [--granularity day|week|month] [--minutes calendar|business] [--format csv|json]",
		`Prints the support measures of every segment and of all customers ("all"),
one row per segment and period, from the ticket history the syncer keeps:
tickets, csat, csat_responses, first reply and full resolution minutes (p50,
p90), fcr_rate, reopen_rate, backlog, retention, avg_ltv. A measure with no
data is empty (csv) or null (json), never 0. Times are calendar minutes, or
business minutes (the helpdesk's schedule) with --minutes business.`, stderr)
	from := fs.String("from", "", "first `day` (YYYY-MM-DD)")
	to := fs.String("to", "", "last `day` (YYYY-MM-DD), included")
	gran := fs.String("granularity", "day", "day, week (ISO, from Monday) or month")
	format := fs.String("format", "csv", "csv or json")
	minutesFlag := fs.String("minutes", "calendar", "calendar or business")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 1 || fs.Arg(0) != "export" {
		fs.Usage()
		return exitUsage
	}
	g, err := metrics.ParseGranularity(*gran)
	var minutes metrics.Minutes
	if err == nil {
		minutes, err = metrics.ParseMinutes(*minutesFlag)
	}
	if err == nil && *format != "csv" && *format != "json" {
		err = fmt.Errorf("--format %q: want csv or json", *format)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort metrics:", err)
		return exitUsage
	}
	start, end, err := metrics.ParseRange(*from, *to, 100*366)
	if err != nil {
		fmt.Fprintln(stderr, "cohort metrics: --", err)
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort metrics:", err)
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "cohort metrics:", err)
		return exitFailure
	}
	defer db.Close()
	rows, err := sync.Measures(ctx, db, start, end, g, minutes)
	if err == nil {
		if *format == "json" {
			err = metrics.WriteJSON(stdout, g, minutes, start, end, rows)
		} else {
			err = metrics.WriteCSV(stdout, rows)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort metrics:", err)
		return exitFailure
	}
	return exitOK
}

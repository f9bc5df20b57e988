package main

import (
	"context"
	"encoding/json"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/syncer/metrics"
	"github.com/cohortdesk/cohort/syncer/metricsync"
)

func runMetrics(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "metrics", "metrics export --from YYYY-MM-DD --to YYYY-MM-DD [--granularity day|week|month] [--minutes calendar|business] [--format csv|json]",
		`Prints the support measures of every segment and of all customers ("all"),
one row per segment and period, from the ticket history the syncer keeps:
tickets, csat, csat_responses, first reply and full resolution minutes (p50,
p90), fcr_rate, reopen_rate, backlog, retention, avg_ltv. A measure with no
data is empty (csv) or null (json), never 0. Times are calendar minutes, or
business minutes (the helpdesk's schedule) with --minutes business.`)
	from := fs.String("from", "", "first `day` (YYYY-MM-DD)")
	to := fs.String("to", "", "last `day` (YYYY-MM-DD), included")
	gran := fs.String("granularity", "day", "day, week (ISO, from Monday) or month")
	format := fs.String("format", "csv", "csv or json")
	minutesFlag := fs.String("minutes", "calendar", "calendar or business")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "export" {
		return usageError(fs, "")
	}
	g, err := cohort.ParseGranularity(*gran)
	if err != nil {
		return usageError(nil, "--%v", err)
	}
	minutes, err := cohort.ParseMinuteKind(*minutesFlag)
	if err != nil {
		return usageError(nil, "--%v", err)
	}
	if *format != "csv" && *format != "json" {
		return usageError(nil, "--format %q: want csv or json", *format)
	}
	start, end, err := cohort.ParseDayRange(*from, *to, 100*366)
	if err != nil {
		return usageError(nil, "--%v", err)
	}
	s, err := c.setup(ctx, needStore)
	if err != nil {
		return err
	}
	defer s.close()
	rows, err := metricsync.Measures(ctx, s.db, start, end, g, minutes)
	if err != nil {
		return err
	}
	if *format == "json" {
		return json.NewEncoder(c.stdout).Encode(cohort.NewMeasuresReport(g, minutes, start, end, rows))
	}
	return metrics.WriteCSV(c.stdout, rows)
}

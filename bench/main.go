// Command bench measures cohort against the figures issues 3, 4 and 5 ask for and
// prints them as Markdown tables for docs/benchmarks.md:
//
//	go run ./bench intake   # webhook intake vs a no-op gin handler, with wrk
//	go run ./bench burst    # 2,000 tickets at once against a 700/min sandbox
//	go run ./bench latency  # webhook-to-update latency at 20 tickets/s, 100 ms API latency
//	go run ./bench import   # CSV import of 100k and 1M customers vs the sqlite3 CLI's .import
//	go run ./bench metrics  # support metrics: a year of 100k and 1M tickets into segment days
//	go run ./bench backfill # helpdesk API calls to back-fill N tickets vs the export's minimum
//	go run ./bench replicas # throughput of 1, 2 and 3 cohort serve replicas on one PostgreSQL
//
// Each runs several interleaved rounds and reports medians. PostgreSQL runs
// use COHORT_TEST_POSTGRES_URL (a fresh schema each round); without it they
// are skipped. intake needs wrk on the PATH (Debian: apt-get install wrk).
// It is a tool, not part of the product: it imports cohort's packages and
// drives the real binary, but nothing imports it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"time"

	"github.com/cohortdesk/cohort/internal/proc"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	rounds := fs.Int("rounds", 3, "interleaved rounds; medians are reported")
	var run func(context.Context, *int, *flag.FlagSet) error
	switch os.Args[1] {
	case "intake":
		run = runIntake
	case "burst":
		run = runBurst
	case "latency":
		run = runLatency
	case "import":
		run = runImportBench
	case "metrics":
		run = runMetricsBench
	case "backfill":
		run = runBackfillBench
	case "replicas":
		run = runReplicas
	case "metrics-aggregate": // the metrics benchmark's child process
		if err := runMetricsAggregate(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	default:
		usage()
	}
	err := run(ctx, rounds, fs)
	_ = proc.Cleanup() // the cohort binary the burst and import benchmarks built
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go run ./bench intake|burst|latency|import|metrics|backfill|replicas [-rounds N] [flags]")
	os.Exit(2)
}

// median returns the median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// percentile returns the p-th percentile (0-100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p/100*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

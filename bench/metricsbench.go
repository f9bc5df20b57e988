package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/samplehistory"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/metricsync"
)

// The metrics benchmark (issue 5): N ticket facts over a year are stored,
// then, in rounds, every segment day is recomputed from them in a child
// process (wall time and peak resident memory, at two sizes to show memory
// flat in ticket count); then 10,000 new tickets arrive and the days are
// brought up to date; and the API's queries over the year are timed, as
// they now read stored days where before this change each computed the
// year from every ticket fact.

// metricsCustomers is how many customers the generated tickets come from.
const metricsCustomers = 20_000

func runMetricsBench(ctx context.Context, rounds *int, fs *flag.FlagSet) error {
	sizes := fs.String("tickets", "100000,1000000", "comma-separated ticket counts, each over a year")
	newTickets := fs.Int("new", 10_000, "tickets of the incremental run")
	_ = fs.Parse(os.Args[2:])
	var ns []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 365 {
			return fmt.Errorf("-tickets %q: want counts of at least 365", s)
		}
		ns = append(ns, n)
	}
	dir, err := os.MkdirTemp("", "cohort-bench-metrics-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("| engine | tickets | storing the facts s | recomputing every day s (median, min–max) | peak RSS MB | %d new: storing s | %d new: days up to date s (median, min–max) | year by day, from days s | year by month, from days s |\n|---|---|---|---|---|---|---|---|---|\n", *newTickets, *newTickets)
	for _, engine := range engines() {
		for _, n := range ns {
			if err := metricsBenchOne(ctx, self, engine, n, *newTickets, *rounds, dir); err != nil {
				return fmt.Errorf("%s, %d tickets: %w", engine, n, err)
			}
		}
	}
	return nil
}

func metricsBenchOne(ctx context.Context, self, engine string, n, newTickets, rounds int, dir string) error {
	url, cleanup, err := engineURL(ctx, engine, dir, n)
	if err != nil {
		return err
	}
	defer cleanup()
	if engine == "sqlite" {
		defer removeDB(strings.TrimPrefix(url, "sqlite:"))
	}
	db, err := store.Open(ctx, url, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now().UTC()
	start := time.Now()
	next, err := storeFacts(ctx, db, n, n/365, now.AddDate(0, 0, -365), now.Add(-time.Hour), 1, 1)
	if err != nil {
		return err
	}
	storing, stored := time.Since(start), next-1
	fmt.Fprintf(os.Stderr, "%s %d: stored %d facts in %.1fs\n", engine, n, stored, storing.Seconds())
	// The customers, for the queries' retention and lifetime value.
	customers, _ := benchCustomers()
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "bench"}, customers); err != nil {
		return err
	}

	var full, rss, incr []float64
	var incrStore time.Duration
	for round := range rounds {
		if err := db.MarkSegmentDaysStale(ctx, time.Time{}); err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, self, "metrics-aggregate", url)
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("aggregate: %w", err)
		}
		var sum metricsync.AggregateSummary
		if err := json.Unmarshal(out, &sum); err != nil {
			return fmt.Errorf("aggregate said %q: %w", out, err)
		}
		maxrss := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		fmt.Fprintf(os.Stderr, "%s %d round %d: every day from %s: %d tickets in %.2fs, peak RSS %.1f MB\n", engine, n, round+1,
			sum.From.Format(time.DateOnly), sum.Tickets, sum.Duration.Seconds(), maxrss)
		full, rss = append(full, sum.Duration.Seconds()), append(rss, maxrss)
	}
	for round := range rounds {
		// A day's new tickets arrive, as a sync reads them. Each round's
		// have the same ids: the first round inserts them, later rounds
		// replace them, so every round starts from the same history.
		start := time.Now()
		next, err := storeFacts(ctx, db, newTickets, 2*newTickets, now.AddDate(0, 0, -1), now.Add(-time.Minute), stored+1, uint64(round+2))
		if err != nil {
			return err
		}
		if added := int(next - stored - 1); added != newTickets {
			return fmt.Errorf("generated %d new tickets, want %d", added, newTickets)
		}
		incrStore += time.Since(start)
		s, err := metricsync.Aggregate(ctx, db, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s %d round %d: %d new tickets: days from %s up to date in %.3fs (%d tickets read)\n", engine, n,
			round+1, newTickets, s.From.Format(time.DateOnly), s.Duration.Seconds(), s.Tickets)
		incr = append(incr, s.Duration.Seconds())
	}
	var queries [2]time.Duration
	for i, g := range []cohort.Granularity{cohort.ByDay, cohort.ByMonth} {
		start := time.Now()
		rows, err := metricsync.Measures(ctx, db, now.AddDate(0, 0, -364), now, g, cohort.CalendarMinutes)
		if err != nil {
			return err
		}
		queries[i] = time.Since(start)
		fmt.Fprintf(os.Stderr, "%s %d: a year by %s: %d rows in %.3fs\n", engine, n, g, len(rows), queries[i].Seconds())
	}
	fmt.Printf("| %s | %d | %.1f | **%.2f** (%.2f–%.2f) | **%.1f** | %.2f | **%.3f** (%.3f–%.3f) | %.3f | %.3f |\n", engine, stored,
		storing.Seconds(), median(full), minOf(full), maxOf(full), median(rss),
		incrStore.Seconds()/float64(rounds), median(incr), minOf(incr), maxOf(incr), queries[0].Seconds(), queries[1].Seconds())
	return nil
}

// runMetricsAggregate is the child process of the metrics benchmark: it
// brings the stored segment days of the database at os.Args[2] up to date
// and prints what it did as JSON.
func runMetricsAggregate(ctx context.Context) error {
	if len(os.Args) != 3 {
		return fmt.Errorf("usage: bench metrics-aggregate DATABASE_URL")
	}
	db, err := store.Open(ctx, os.Args[2], nil)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := metricsync.Aggregate(ctx, db, time.Now())
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(sum)
}

// storeFacts stores at most n ticket facts created between from and to,
// perDay a day on average (the earliest n when there are more), from
// metricsCustomers generated customers with the sample's mix of segments,
// with ids from firstID, in batches as a metrics sync does. It returns the
// next free id.
func storeFacts(ctx context.Context, db *store.DB, n, perDay int, from, to time.Time, firstID int64, seed uint64) (int64, error) {
	customers, segments := benchCustomers()
	days := max(1, int(to.Sub(from).Hours()/24+0.5))
	const batch = 5000
	facts := make([]store.TicketFact, 0, batch)
	id := firstID
	flush := func() error {
		err := db.UpsertTicketFacts(ctx, facts, "", "")
		facts = facts[:0]
		return err
	}
	minutes := func(from, to time.Time, share float64) (*float64, *float64) {
		if to.IsZero() {
			return nil, nil
		}
		calendar := float64(int(to.Sub(from).Minutes()))
		business := float64(int(calendar * share))
		return &calendar, &business
	}
	err := samplehistory.Generate(customers, samplehistory.Options{End: to, Days: days, PerDay: perDay, Seed: seed},
		func(t samplehistory.Ticket) error {
			if int(id-firstID) >= n || t.CreatedAt.Before(from) {
				return nil
			}
			f := store.TicketFact{Helpdesk: "zendesk", TicketID: id, RequesterID: int64(t.Customer + 1), CreatedAt: t.CreatedAt,
				SolvedAt: t.SolvedAt, Status: "open", AgentReplies: t.Replies, Reopens: t.Reopens, Rating: t.Rating,
				Segments: segments[t.Customer], SegmentsFrom: store.SegmentsFromMembership}
			if !t.SolvedAt.IsZero() {
				f.Status = "solved"
			}
			f.FirstReplyMinutes, f.FirstReplyBusiness = minutes(t.CreatedAt, t.FirstReplyAt, 0.4)
			f.FullResolutionMinutes, f.FullResolutionBusiness = minutes(t.CreatedAt, t.SolvedAt, 0.3)
			id++
			facts = append(facts, f)
			if len(facts) == batch {
				return flush()
			}
			return nil
		})
	if err == nil {
		err = flush()
	}
	return id, err
}

// benchCustomers returns metricsCustomers customers with the sample's
// plans and technical levels, and each one's segments under the sample
// rules' logic.
func benchCustomers() ([]cohort.Customer, [][]string) {
	plans := []string{"free", "starter", "business", "business", "enterprise"}
	levels := []string{"beginner", "basic", "intermediate", "advanced", "developer"}
	customers := make([]cohort.Customer, metricsCustomers)
	segments := make([][]string, metricsCustomers)
	for i := range customers {
		c := cohort.Customer{Email: fmt.Sprintf("customer%d@bench.example", i), Name: fmt.Sprint("Customer ", i),
			Plan: plans[i%len(plans)], TechLevel: levels[(i/5)%len(levels)], Products: []string{"dashboard"}}
		var segs []string
		if c.Plan == "enterprise" {
			segs = append(segs, "enterprise")
		}
		switch c.TechLevel {
		case "advanced", "developer":
			segs = append(segs, "technical")
		case "beginner", "basic":
			segs = append(segs, "basic")
		}
		customers[i], segments[i] = c, segs
	}
	return customers, segments
}

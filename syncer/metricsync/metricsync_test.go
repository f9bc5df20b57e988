package metricsync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
	"github.com/cohortdesk/cohort/syncer/synctest"
	zd "github.com/nukosuke/go-zendesk/zendesk"
)

// clock is a sandbox clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// history imports n backdated tickets, created from first onwards, into
// the sandbox: a mix of requesters, replies, solves, reopens and ratings.
// It returns the ids of those left open.
func importHistory(t *testing.T, sb *sandbox.Server, seed uint64, n int, first time.Time) []int64 {
	t.Helper()
	var open []int64
	rng := rand.New(rand.NewPCG(seed, 2))
	for i := range n {
		created := first.Add(time.Duration(i) * 37 * time.Minute)
		it := sandbox.ImportedTicket{Subject: fmt.Sprint("ticket ", i), Description: "help",
			RequesterEmail: fmt.Sprintf("user%d@acme.example", rng.IntN(6)), RequesterName: "User", CreatedAt: created, Status: "open"}
		if rng.IntN(5) > 0 {
			it.FirstReplyAt = created.Add(time.Duration(5+rng.IntN(300)) * time.Minute)
			it.Replies = 1 + rng.IntN(3)
			if rng.IntN(4) > 0 {
				it.Status = "solved"
				it.SolvedAt = it.FirstReplyAt.Add(time.Duration(rng.IntN(2000)) * time.Minute)
				it.Reopens = rng.IntN(3) / 2
				it.Rating = []string{"", "good", "bad"}[rng.IntN(3)]
			}
		}
		id, err := sb.ImportTicket(it)
		if err != nil {
			t.Fatalf("import ticket %d: %v", i, err)
		}
		if it.Status == "open" {
			open = append(open, id)
		}
	}
	return open
}

// TestMetricsIncrementalEqualsBackfill: a back-fill, then an incremental
// run after more tickets, gives the same figures as one back-fill over
// everything; and tickets cohort enriched are attributed to the segments
// recorded then.
func TestMetricsIncrementalEqualsBackfill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
		clk := &clock{now: now}
		sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: "tok", Now: clk.Now}, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: "tok",
			RateLimit: 100000, ExportRateLimit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		defer zc.Close()
		// Customers with segments: user0 and user1 are enterprise.
		var customers []cohort.Customer
		for i := range 6 {
			plan := "pro"
			if i < 2 {
				plan = "enterprise"
			}
			customers = append(customers, cohort.Customer{Email: fmt.Sprintf("user%d@acme.example", i), Plan: plan})
		}
		if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, customers); err != nil {
			t.Fatal(err)
		}
		if _, err := resegment.All(ctx, db, synctest.Rules(t, synctest.Segments), now); err != nil {
			t.Fatal(err)
		}

		open := importHistory(t, sb, 1, 120, now.AddDate(0, 0, -20))
		clk.Set(now.Add(2 * time.Minute)) // the export holds back the last minute
		src := zendesk.TicketHistory{Client: zc, PerPage: 50}
		sum, err := metricsync.Sync(ctx, db, src, metricsync.Options{BackfillDays: 30, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Tickets != 120 || sum.BackfilledSince.IsZero() {
			t.Fatalf("back-fill: %+v", sum)
		}
		if sum.Requesters != 6 {
			t.Errorf("back-fill looked up %d requesters; the history has 6, each to be looked up once", sum.Requesters)
		}
		// Four days on: 40 new tickets, and old ones solved (changing
		// the backlog of days already computed).
		later := now.AddDate(0, 0, 4)
		clk.Set(later)
		importHistory(t, sb, 2, 40, now.Add(time.Hour))
		if len(open) < 3 {
			t.Fatalf("only %d open tickets in the history", len(open))
		}
		for _, id := range open[:3] {
			if _, err := zc.API().UpdateTicket(ctx, id, zd.Ticket{Status: "solved"}); err != nil {
				t.Fatal(err)
			}
		}
		clk.Set(later.Add(2 * time.Minute))
		sum, err = metricsync.Sync(ctx, db, src, metricsync.Options{BackfillDays: 30, Now: clk.Now})
		if err != nil || sum.Tickets != 43 || !sum.BackfilledSince.IsZero() {
			t.Fatalf("incremental: %+v, %v", sum, err)
		}
		if sum.Days.From.After(now.AddDate(0, 0, -19)) {
			t.Fatalf("incremental run recomputed from %s, after the day of a changed ticket", sum.Days.From)
		}

		// The same history, back-filled once into a fresh store.
		fresh := storetest.Open(t, db.Engine())
		if _, err := fresh.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, customers); err != nil {
			t.Fatal(err)
		}
		if _, err := resegment.All(ctx, fresh, synctest.Rules(t, synctest.Segments), now); err != nil {
			t.Fatal(err)
		}
		if _, err := metricsync.Sync(ctx, fresh, src, metricsync.Options{BackfillDays: 30, Now: clk.Now}); err != nil {
			t.Fatal(err)
		}
		for _, g := range []cohort.Granularity{cohort.ByDay, cohort.ByWeek, cohort.ByMonth} {
			a, err := metricsync.Measures(ctx, db, now.AddDate(0, 0, -25), now.AddDate(0, 0, 4), g, cohort.CalendarMinutes)
			if err != nil {
				t.Fatal(err)
			}
			b, err := metricsync.Measures(ctx, fresh, now.AddDate(0, 0, -25), now.AddDate(0, 0, 4), g, cohort.CalendarMinutes)
			if err != nil {
				t.Fatal(err)
			}
			if len(a) != len(b) || len(a) == 0 {
				t.Fatalf("%s: %d rows incremental, %d back-filled", g, len(a), len(b))
			}
			for i := range a {
				if fmt.Sprint(show(a[i])) != fmt.Sprint(show(b[i])) {
					t.Errorf("%s row %d: incremental %s, back-fill %s", g, i, show(a[i]), show(b[i]))
				}
			}
			total, enterprise := 0, 0
			for _, r := range a {
				switch r.Segment {
				case cohort.AllCustomers:
					total += r.Tickets
				case "enterprise":
					enterprise += r.Tickets
				}
			}
			if total != 160 || enterprise == 0 || enterprise == total {
				t.Errorf("%s: %d tickets counted (want 160), %d of them enterprise", g, total, enterprise)
			}
		}
	})
}

// show renders a row's values, for comparisons and messages.
func show(r cohort.SegmentMeasures) string {
	f := func(p *float64) string {
		if p == nil {
			return "null"
		}
		return fmt.Sprintf("%.6f", *p)
	}
	backlog := "null"
	if r.Backlog != nil {
		backlog = fmt.Sprint(*r.Backlog)
	}
	return fmt.Sprint(r.Segment, " ", r.Period, " t=", r.Tickets, " csat=", f(r.CSAT), "/", r.CSATResponses,
		" fr=", f(r.FirstReplyMinutesP50), ",", f(r.FirstReplyMinutesP90), " res=", f(r.FullResolutionMinutesP50), ",",
		f(r.FullResolutionMinutesP90), " fcr=", f(r.FCRRate), " reopen=", f(r.ReopenRate), " backlog=", backlog,
		" ret=", f(r.Retention), " ltv=", f(r.AvgLTV))
}

package metrics_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/sync/metrics"
)

// history generates n tickets over days days from a seed, in created order.
func history(seed uint64, n, days int) []metrics.Ticket {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	segNames := []string{"enterprise", "technical", "new_customer", "basic"}
	var out []metrics.Ticket
	for i := range n {
		created := start.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour))))
		t := metrics.Ticket{ID: int64(i + 1), CreatedAt: created, FirstReplyMinutes: -1, FullResolutionMinutes: -1}
		for _, s := range segNames {
			if rng.IntN(3) == 0 {
				t.Segments = append(t.Segments, s)
			}
		}
		if rng.IntN(5) > 0 {
			t.FirstReplyMinutes = float64(rng.IntN(600))
		}
		if rng.IntN(4) > 0 {
			minutes := rng.IntN(10 * 24 * 60)
			t.SolvedAt = created.Add(time.Duration(minutes) * time.Minute)
			t.FullResolutionMinutes = float64(minutes)
			t.AgentReplies = rng.IntN(4)
			t.Reopens = rng.IntN(3) / 2
			switch rng.IntN(3) {
			case 0:
				t.Rating = "good"
			case 1:
				t.Rating = "bad"
			}
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b metrics.Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

// expected computes a segment's row for the period [from, to) straight
// from all the tickets, independently of the Aggregator.
func expected(all []metrics.Ticket, seg string, from, to time.Time) metrics.Row {
	in := func(t metrics.Ticket) bool { return seg == metrics.All || slices.Contains(t.Segments, seg) }
	r := metrics.Row{Segment: seg, Period: from.Format(time.DateOnly)}
	var good, bad, solved, fcr, reopened, backlog int
	var reply, resolution []float64
	for _, t := range all {
		if !in(t) {
			continue
		}
		if t.CreatedAt.Before(to) && (t.SolvedAt.IsZero() || !t.SolvedAt.Before(to)) {
			backlog++
		}
		if t.CreatedAt.Before(from) || !t.CreatedAt.Before(to) {
			continue
		}
		r.Tickets++
		good += b2i(t.Rating == "good")
		bad += b2i(t.Rating == "bad")
		if t.FirstReplyMinutes >= 0 {
			reply = append(reply, t.FirstReplyMinutes)
		}
		if !t.SolvedAt.IsZero() {
			solved++
			fcr += b2i(t.AgentReplies <= 1 && t.Reopens == 0)
			reopened += b2i(t.Reopens > 0)
			resolution = append(resolution, t.FullResolutionMinutes)
		}
	}
	r.CSATResponses = good + bad
	r.CSAT = frac(good, good+bad)
	r.FCRRate, r.ReopenRate = frac(fcr, solved), frac(reopened, solved)
	r.FirstReplyMinutesP50, r.FirstReplyMinutesP90 = rank(reply, 0.5), rank(reply, 0.9)
	r.FullResolutionMinutesP50, r.FullResolutionMinutesP90 = rank(resolution, 0.5), rank(resolution, 0.9)
	r.Backlog = &backlog
	return r
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func frac(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// rank is the nearest-rank percentile q (0-1) of vs.
func rank(vs []float64, q float64) *float64 {
	if len(vs) == 0 {
		return nil
	}
	s := slices.Sorted(slices.Values(vs))
	i := int(math.Ceil(q*float64(len(s)))) - 1
	v := s[max(i, 0)]
	return &v
}

func TestAggregatorMatchesAComputationFromRawRows(t *testing.T) {
	tickets := history(7, 3000, 75)
	for _, g := range []metrics.Granularity{metrics.Day, metrics.Week, metrics.Month} {
		t.Run(string(g), func(t *testing.T) {
			// Rows from the tenth day: earlier tickets count toward the backlog only.
			from, to := tickets[0].CreatedAt.AddDate(0, 0, 10), tickets[len(tickets)-1].CreatedAt
			var rows []metrics.Row
			agg := metrics.NewAggregator(g, from, to, func(r metrics.Row) { rows = append(rows, r) })
			for _, tk := range tickets {
				if err := agg.Add(tk); err != nil {
					t.Fatal(err)
				}
			}
			agg.Close()
			first, last := metrics.PeriodStart(from, g), metrics.PeriodStart(to, g)
			periods := 0
			for _, r := range rows {
				from, err := time.Parse(time.DateOnly, r.Period)
				if err != nil {
					t.Fatal(err)
				}
				if from.Before(first) || from.After(last) {
					t.Fatalf("row for period %s outside %s..%s", r.Period, first, last)
				}
				next := metrics.PeriodEnd(from, g)
				want := expected(tickets, r.Segment, from, next)
				if !sameRow(r, want) {
					t.Fatalf("%s %s:\n got %s\nwant %s", r.Segment, r.Period, show(r), show(want))
				}
				if r.Segment == metrics.All {
					periods++
				}
			}
			if periods == 0 {
				t.Fatal("no rows")
			}
		})
	}
}

func TestNoDataIsNullNotZero(t *testing.T) {
	var rows []metrics.Row
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	agg := metrics.NewAggregator(metrics.Day, day, day.AddDate(0, 0, 1), func(r metrics.Row) { rows = append(rows, r) })
	if err := agg.Add(metrics.Ticket{ID: 1, CreatedAt: day, FirstReplyMinutes: -1, FullResolutionMinutes: -1}); err != nil {
		t.Fatal(err)
	}
	agg.Close()
	if len(rows) != 2 || rows[1].Tickets != 0 || rows[1].CSAT != nil || *rows[1].Backlog != 1 {
		t.Fatalf("the empty next day: %d rows", len(rows))
	}
	r := rows[0]
	if r.Tickets != 1 || r.CSAT != nil || r.FirstReplyMinutesP50 != nil || r.FullResolutionMinutesP90 != nil ||
		r.FCRRate != nil || r.ReopenRate != nil || r.Backlog == nil || *r.Backlog != 1 {
		t.Errorf("row = %s", show(r))
	}
	if err := agg.Add(metrics.Ticket{ID: 2, CreatedAt: day.Add(-time.Hour)}); !errors.Is(err, metrics.ErrOrder) {
		t.Errorf("out of order: err = %v", err)
	}
}

func TestPeriodsWithoutTickets(t *testing.T) {
	var rows []metrics.Row
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	agg := metrics.NewAggregator(metrics.Day, day, day.AddDate(0, 0, 2), func(r metrics.Row) { rows = append(rows, r) })
	agg.Close()
	if len(rows) != 3 || rows[0].Segment != metrics.All || rows[0].Tickets != 0 || *rows[0].Backlog != 0 || rows[0].CSAT != nil {
		t.Errorf("rows = %v", rows)
	}
}

func TestPeriodStart(t *testing.T) {
	wed := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	for g, want := range map[metrics.Granularity]string{metrics.Day: "2026-11-25", metrics.Week: "2026-11-23", metrics.Month: "2026-11-01"} {
		if got := metrics.PeriodStart(wed, g).Format(time.DateOnly); got != want {
			t.Errorf("%s: %s, want %s", g, got, want)
		}
	}
	sunday := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	if got := metrics.PeriodStart(sunday, metrics.Week).Format(time.DateOnly); got != "2026-11-23" {
		t.Errorf("sunday's week starts %s", got)
	}
}

func sameRow(a, b metrics.Row) bool {
	eqf := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || math.Abs(*x-*y) < 1e-9) }
	eqi := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Segment == b.Segment && a.Period == b.Period && a.Tickets == b.Tickets && a.CSATResponses == b.CSATResponses &&
		eqf(a.CSAT, b.CSAT) && eqf(a.FirstReplyMinutesP50, b.FirstReplyMinutesP50) && eqf(a.FirstReplyMinutesP90, b.FirstReplyMinutesP90) &&
		eqf(a.FullResolutionMinutesP50, b.FullResolutionMinutesP50) && eqf(a.FullResolutionMinutesP90, b.FullResolutionMinutesP90) &&
		eqf(a.FCRRate, b.FCRRate) && eqf(a.ReopenRate, b.ReopenRate) && eqi(a.Backlog, b.Backlog)
}

func show(r metrics.Row) string {
	f := func(p *float64) any {
		if p == nil {
			return "null"
		}
		return *p
	}
	i := func(p *int) any {
		if p == nil {
			return "null"
		}
		return *p
	}
	return fmt.Sprint(r.Segment, r.Period, r.Tickets, f(r.CSAT), r.CSATResponses, f(r.FirstReplyMinutesP50), f(r.FirstReplyMinutesP90),
		f(r.FullResolutionMinutesP50), f(r.FullResolutionMinutesP90), f(r.FCRRate), f(r.ReopenRate), i(r.Backlog))
}

func TestRetentionAndLTV(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	r := metrics.NewRetention(metrics.Week, day(5), day(18))                                         // weeks of Jan 5 and Jan 12
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(1), LTV: 1000})              // stays
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(1), Gone: day(7), LTV: 500}) // leaves in week 1
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(8), LTV: 300})               // joins in week 1
	r.Add(metrics.Customer{Segments: []string{"basic"}, Since: day(14), Gone: day(16), LTV: 50})     // joins and leaves in week 2
	week1 := metrics.Row{Segment: "enterprise", Period: "2026-01-05"}
	r.Fill(&week1)
	if week1.Retention == nil || *week1.Retention != 0.5 || week1.AvgLTV == nil || *week1.AvgLTV != 650 {
		t.Errorf("enterprise week 1: %s", show(week1))
	}
	week2 := metrics.Row{Segment: "basic", Period: "2026-01-12"}
	r.Fill(&week2)
	if week2.Retention != nil || week2.AvgLTV != nil {
		t.Errorf("basic week 2 (nobody active at start or end): %s", show(week2))
	}
	all := metrics.Row{Segment: metrics.All, Period: "2026-01-12"}
	r.Fill(&all)
	if all.Retention == nil || *all.Retention != 1 || *all.AvgLTV != 650 {
		t.Errorf("all week 2: %s", show(all))
	}
}

package metrics_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/syncer/metrics"
)

// history generates n tickets over days days from a seed, in created order.
func history(seed uint64, n, days int) []metrics.Ticket {
	rng := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	segNames := []string{"enterprise", "technical", "new_customer", "basic"}
	var out []metrics.Ticket
	for i := range n {
		created := start.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour))))
		t := metrics.Ticket{ID: int64(i + 1), CreatedAt: created}
		for _, s := range segNames {
			if rng.IntN(3) == 0 {
				t.Segments = append(t.Segments, s)
			}
		}
		if rng.IntN(5) > 0 {
			m := float64(rng.IntN(600))
			t.FirstReply = &cohort.Minutes{Calendar: m, Business: math.Floor(m / 3)}
		}
		if rng.IntN(4) > 0 {
			minutes := rng.IntN(10 * 24 * 60)
			t.SolvedAt = created.Add(time.Duration(minutes) * time.Minute)
			t.FullResolution = &cohort.Minutes{Calendar: float64(minutes), Business: float64(minutes / 4)}
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
// from all the tickets, independently of the Aggregator and Rollup.
func expected(all []metrics.Ticket, seg string, from, to time.Time, minutes cohort.MinuteKind) cohort.SegmentMeasures {
	pick := func(m *cohort.Minutes) float64 {
		if minutes == cohort.BusinessMinutes {
			return m.Business
		}
		return m.Calendar
	}
	in := func(t metrics.Ticket) bool { return seg == cohort.AllCustomers || slices.Contains(t.Segments, seg) }
	r := cohort.SegmentMeasures{Segment: seg, Period: from.Format(time.DateOnly)}
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
		if t.FirstReply != nil {
			reply = append(reply, pick(t.FirstReply))
		}
		if !t.SolvedAt.IsZero() {
			solved++
			fcr += b2i(t.AgentReplies <= 1 && t.Reopens == 0)
			reopened += b2i(t.Reopens > 0)
			resolution = append(resolution, pick(t.FullResolution))
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

// aggregate runs tickets through an Aggregator from day from to day to and
// returns the days it emits.
func aggregate(t *testing.T, tickets []metrics.Ticket, from, to time.Time) []cohort.SegmentDay {
	t.Helper()
	var days []cohort.SegmentDay
	agg := metrics.NewAggregator(from, to, func(d cohort.SegmentDay) error { days = append(days, d); return nil })
	for _, tk := range tickets {
		if err := agg.Add(tk); err != nil {
			t.Fatal(err)
		}
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	return days
}

// rollup rolls days up into rows.
func rollup(t *testing.T, days []cohort.SegmentDay, g cohort.Granularity, m cohort.MinuteKind, from, to time.Time) []cohort.SegmentMeasures {
	t.Helper()
	var rows []cohort.SegmentMeasures
	r := metrics.NewRollup(g, m, from, to, func(row cohort.SegmentMeasures) { rows = append(rows, row) })
	for i := range days {
		if err := r.Add(&days[i]); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	return rows
}

func TestAggregatorAndRollupMatchAComputationFromRawRows(t *testing.T) {
	tickets := history(7, 3000, 75)
	// Days from the first ticket; rows from the tenth day: earlier periods
	// count toward the backlog only.
	days := aggregate(t, tickets, tickets[0].CreatedAt, tickets[len(tickets)-1].CreatedAt)
	for _, g := range []cohort.Granularity{cohort.ByDay, cohort.ByWeek, cohort.ByMonth} {
		for _, m := range []cohort.MinuteKind{cohort.CalendarMinutes, cohort.BusinessMinutes} {
			t.Run(string(g)+"/"+string(m), func(t *testing.T) {
				from, to := tickets[0].CreatedAt.AddDate(0, 0, 10), tickets[len(tickets)-1].CreatedAt
				rows := rollup(t, days, g, m, from, to)
				first, last := g.PeriodStart(from), g.PeriodStart(to)
				periods := 0
				for _, r := range rows {
					from, err := time.Parse(time.DateOnly, r.Period)
					if err != nil {
						t.Fatal(err)
					}
					if from.Before(first) || from.After(last) {
						t.Fatalf("row for period %s outside %s..%s", r.Period, first, last)
					}
					next := g.PeriodEnd(from)
					// A period may end after the last day aggregated:
					// its backlog is the last day's.
					want := expected(tickets, r.Segment, from, next, m)
					if next.After(cohort.ByDay.PeriodEnd(cohort.ByDay.PeriodStart(to))) {
						want.Backlog = expected(tickets, r.Segment, from, cohort.ByDay.PeriodEnd(cohort.ByDay.PeriodStart(to)), m).Backlog
					}
					if !sameRow(r, want) {
						t.Fatalf("%s %s:\n got %s\nwant %s", r.Segment, r.Period, show(r), show(want))
					}
					if r.Segment == cohort.AllCustomers {
						periods++
					}
				}
				if want := int(g.PeriodEnd(last).Sub(first).Hours()/24) / map[cohort.Granularity]int{cohort.ByDay: 1, cohort.ByWeek: 7, cohort.ByMonth: 30}[g]; g != cohort.ByMonth && periods != want {
					t.Fatalf("%d periods with an all row, want %d", periods, want)
				}
			})
		}
	}
}

// TestDaysFromTheMiddle: an Aggregator that starts on a later day, given
// the tickets still open then and the segments seen before, emits the same
// days as one that saw everything, as the syncer's incremental runs need.
func TestDaysFromTheMiddle(t *testing.T) {
	tickets := history(11, 2000, 60)
	first, last := tickets[0].CreatedAt, tickets[len(tickets)-1].CreatedAt
	all := aggregate(t, tickets, first, last)
	mid := cohort.ByDay.PeriodStart(first.AddDate(0, 0, 30))
	var later []cohort.SegmentDay
	agg := metrics.NewAggregator(mid, last, func(d cohort.SegmentDay) error { later = append(later, d); return nil })
	seen := map[string]bool{}
	for _, tk := range tickets {
		if tk.CreatedAt.Before(mid) {
			for _, s := range tk.Segments {
				seen[s] = true
			}
			if !tk.SolvedAt.IsZero() && tk.SolvedAt.Before(mid) {
				continue // not open at mid: not passed
			}
		}
		if err := agg.Add(tk); err != nil {
			t.Fatal(err)
		}
	}
	for s := range seen {
		agg.Known(s)
	}
	if err := agg.Close(); err != nil {
		t.Fatal(err)
	}
	var want []cohort.SegmentDay
	for _, d := range all {
		if !d.Day.Before(mid) {
			want = append(want, d)
		}
	}
	if len(later) != len(want) {
		t.Fatalf("%d days from the middle, want %d", len(later), len(want))
	}
	for i := range want {
		if fmt.Sprint(later[i]) != fmt.Sprint(want[i]) {
			t.Fatalf("day %d:\n got %v\nwant %v", i, later[i], want[i])
		}
	}
}

func TestNoDataIsNullNotZero(t *testing.T) {
	day := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	days := aggregate(t, []metrics.Ticket{{ID: 1, CreatedAt: day}}, day, day.AddDate(0, 0, 1))
	rows := rollup(t, days, cohort.ByDay, cohort.CalendarMinutes, day, day.AddDate(0, 0, 2))
	if len(rows) != 3 || rows[1].Tickets != 0 || rows[1].CSAT != nil || *rows[1].Backlog != 1 {
		t.Fatalf("the empty next day: %d rows: %v", len(rows), rows)
	}
	r := rows[0]
	if r.Tickets != 1 || r.CSAT != nil || r.FirstReplyMinutesP50 != nil || r.FullResolutionMinutesP90 != nil ||
		r.FCRRate != nil || r.ReopenRate != nil || r.Backlog == nil || *r.Backlog != 1 {
		t.Errorf("row = %s", show(r))
	}
	if r := rows[2]; r.Segment != cohort.AllCustomers || r.Tickets != 0 || r.Backlog != nil {
		t.Errorf("a day not aggregated has no backlog: %s", show(r))
	}
	agg := metrics.NewAggregator(day, day, func(cohort.SegmentDay) error { return nil })
	if err := agg.Add(metrics.Ticket{ID: 2, CreatedAt: day}); err != nil {
		t.Fatal(err)
	}
	if err := agg.Add(metrics.Ticket{ID: 3, CreatedAt: day.Add(-time.Hour)}); !errors.Is(err, metrics.ErrOrder) {
		t.Errorf("out of order: err = %v", err)
	}
}

func TestDaysWithoutTickets(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	days := aggregate(t, nil, day, day.AddDate(0, 0, 2))
	if len(days) != 3 || days[0].Segment != cohort.AllCustomers || days[0].Tickets != 0 || days[0].Backlog != 0 {
		t.Errorf("days = %v", days)
	}
}

func TestPeriodStart(t *testing.T) {
	wed := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	for g, want := range map[cohort.Granularity]string{cohort.ByDay: "2026-11-25", cohort.ByWeek: "2026-11-23", cohort.ByMonth: "2026-11-01"} {
		if got := g.PeriodStart(wed).Format(time.DateOnly); got != want {
			t.Errorf("%s: %s, want %s", g, got, want)
		}
	}
	sunday := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	if got := cohort.ByWeek.PeriodStart(sunday).Format(time.DateOnly); got != "2026-11-23" {
		t.Errorf("sunday's week starts %s", got)
	}
}

func sameRow(a, b cohort.SegmentMeasures) bool {
	eqf := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || math.Abs(*x-*y) < 1e-9) }
	eqi := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Segment == b.Segment && a.Period == b.Period && a.Tickets == b.Tickets && a.CSATResponses == b.CSATResponses &&
		eqf(a.CSAT, b.CSAT) && eqf(a.FirstReplyMinutesP50, b.FirstReplyMinutesP50) && eqf(a.FirstReplyMinutesP90, b.FirstReplyMinutesP90) &&
		eqf(a.FullResolutionMinutesP50, b.FullResolutionMinutesP50) && eqf(a.FullResolutionMinutesP90, b.FullResolutionMinutesP90) &&
		eqf(a.FCRRate, b.FCRRate) && eqf(a.ReopenRate, b.ReopenRate) && eqi(a.Backlog, b.Backlog)
}

func show(r cohort.SegmentMeasures) string {
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
	r := metrics.NewRetention(cohort.ByWeek, day(5), day(18))                                        // weeks of Jan 5 and Jan 12
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(1), LTV: 1000})              // stays
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(1), Gone: day(7), LTV: 500}) // leaves in week 1
	r.Add(metrics.Customer{Segments: []string{"enterprise"}, Since: day(8), LTV: 300})               // joins in week 1
	r.Add(metrics.Customer{Segments: []string{"basic"}, Since: day(14), Gone: day(16), LTV: 50})     // joins and leaves in week 2
	week1 := cohort.SegmentMeasures{Segment: "enterprise", Period: "2026-01-05"}
	r.Fill(&week1)
	if week1.Retention == nil || *week1.Retention != 0.5 || week1.AvgLTV == nil || *week1.AvgLTV != 650 {
		t.Errorf("enterprise week 1: %s", show(week1))
	}
	week2 := cohort.SegmentMeasures{Segment: "basic", Period: "2026-01-12"}
	r.Fill(&week2)
	if week2.Retention != nil || week2.AvgLTV != nil {
		t.Errorf("basic week 2 (nobody active at start or end): %s", show(week2))
	}
	all := cohort.SegmentMeasures{Segment: cohort.AllCustomers, Period: "2026-01-12"}
	r.Fill(&all)
	if all.Retention == nil || *all.Retention != 1 || *all.AvgLTV != 650 {
		t.Errorf("all week 2: %s", show(all))
	}
}

// TestRetentionMatchesCountingEachPeriod compares Retention with a direct
// count, customer by customer and period by period.
func TestRetentionMatchesCountingEachPeriod(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func() time.Time { return start.Add(time.Duration(rng.Int64N(int64(200 * 24 * time.Hour)))) }
	var customers []metrics.Customer
	for range 500 {
		c := metrics.Customer{Since: at(), LTV: float64(rng.IntN(10000))}
		if rng.IntN(3) == 0 {
			c.Gone = c.Since.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		}
		if rng.IntN(2) == 0 {
			c.Segments = []string{"enterprise"}
		}
		customers = append(customers, c)
	}
	active := func(c metrics.Customer, t time.Time) bool {
		return !c.Since.After(t) && (c.Gone.IsZero() || c.Gone.After(t))
	}
	for _, g := range []cohort.Granularity{cohort.ByDay, cohort.ByWeek, cohort.ByMonth} {
		from, to := start.AddDate(0, 0, 20), start.AddDate(0, 0, 180)
		r := metrics.NewRetention(g, from, to)
		for _, c := range customers {
			r.Add(c)
		}
		for p := g.PeriodStart(from); !p.After(to); p = g.PeriodEnd(p) {
			last := g.PeriodEnd(p).Add(-time.Nanosecond)
			for _, seg := range []string{cohort.AllCustomers, "enterprise"} {
				var atStart, stayed, atEnd int
				var ltv float64
				for _, c := range customers {
					if seg != cohort.AllCustomers && len(c.Segments) == 0 {
						continue
					}
					if active(c, p) {
						atStart++
						stayed += b2i(active(c, last))
					}
					if active(c, last) {
						atEnd++
						ltv += c.LTV
					}
				}
				row := cohort.SegmentMeasures{Segment: seg, Period: p.Format(time.DateOnly)}
				r.Fill(&row)
				want := cohort.SegmentMeasures{Retention: frac(stayed, atStart)}
				if atEnd > 0 {
					v := math.Round(ltv/float64(atEnd)*100) / 100
					want.AvgLTV = &v
				}
				eq := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || math.Abs(*x-*y) < 1e-9) }
				if !eq(row.Retention, want.Retention) || !eq(row.AvgLTV, want.AvgLTV) {
					t.Fatalf("%s %s %s: retention %v avg_ltv %v, want %v %v", g, seg, row.Period,
						show(row), row.AvgLTV, want.Retention, want.AvgLTV)
				}
			}
		}
	}
}

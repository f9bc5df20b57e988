package metricsync

import (
	"context"
	"math"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/metrics"
)

// Store is what computing support measures needs of the store.
type Store interface {
	StaleSegmentDays(ctx context.Context) (time.Time, bool, error)
	SegmentsBefore(ctx context.Context, day time.Time) ([]string, error)
	TicketFactsOpenAt(ctx context.Context, t time.Time) ([]store.TicketFact, error)
	EachTicketFact(ctx context.Context, from, to time.Time, fn func(store.TicketFact) error) error
	WriteSegmentDays(ctx context.Context, from, to time.Time, days []cohort.SegmentDay) error
	EachSegmentDay(ctx context.Context, from, to time.Time, business bool, fn func(*cohort.SegmentDay) error) error
	EachCustomerSpan(ctx context.Context, fn func(store.CustomerSpan) error) error
}

var _ Store = (*store.DB)(nil)

// AggregateSummary says what Aggregate did.
type AggregateSummary struct {
	From     time.Time // the first day recomputed; zero when there was nothing to do
	Through  time.Time // the last day recomputed (now's)
	Tickets  int       // ticket facts read
	Duration time.Duration
}

// flushMinutes is how many minute values Aggregate holds before it
// writes the days computed so far: what bounds its memory, whatever the
// number of tickets.
const flushMinutes = 400_000

// Aggregate brings the stored segment days up to date through the
// day of now: it recomputes every day from the first stale one (see
// store.StaleSegmentDays), reading the tickets created since then and
// those still open then. Days are written in chunks as they are computed,
// each with the checkpoint after it, so an interrupted run leaves the
// store consistent and the next run finishes the job.
func Aggregate(ctx context.Context, db Store, now time.Time) (AggregateSummary, error) {
	start := time.Now()
	var sum AggregateSummary
	from, ok, err := db.StaleSegmentDays(ctx)
	if err != nil || !ok {
		return sum, err
	}
	today := cohort.ByDay.PeriodStart(now)
	if from.After(today) {
		from = today
	}
	sum.From, sum.Through = from, today

	var (
		buf       []cohort.SegmentDay
		bufFrom   = from
		bufValues int
	)
	flush := func(through time.Time) error {
		if err := db.WriteSegmentDays(ctx, bufFrom, through, buf); err != nil {
			return err
		}
		buf, bufValues, bufFrom = buf[:0], 0, cohort.ByDay.PeriodEnd(through)
		return nil
	}
	agg := metrics.NewAggregator(from, today, func(d cohort.SegmentDay) error {
		// A day's figures come All first: the days before are complete.
		if d.Segment == cohort.AllCustomers && bufValues >= flushMinutes {
			if err := flush(d.Day.AddDate(0, 0, -1)); err != nil {
				return err
			}
		}
		buf = append(buf, d)
		bufValues += len(d.FirstReply.Calendar) + len(d.FullResolution.Calendar)
		return nil
	})
	segs, err := db.SegmentsBefore(ctx, from)
	if err != nil {
		return sum, err
	}
	agg.Known(segs...)
	open, err := db.TicketFactsOpenAt(ctx, from)
	if err != nil {
		return sum, err
	}
	for i := range open {
		if err := agg.Add(ticketOf(&open[i])); err != nil {
			return sum, err
		}
	}
	sum.Tickets = len(open)
	err = db.EachTicketFact(ctx, from, cohort.ByDay.PeriodEnd(today), func(f store.TicketFact) error {
		sum.Tickets++
		return agg.Add(ticketOf(&f))
	})
	if err == nil {
		err = agg.Close()
	}
	if err == nil {
		err = flush(today)
	}
	sum.Duration = time.Since(start)
	return sum, err
}

// Measures returns the support measures of every segment, and of all
// customers, for each period of g from the one holding from to the one
// holding to, with times in minutes (see package metrics for the
// definitions). It reads the stored segment days (see Aggregate)
// and, for retention and lifetime value, every customer once.
func Measures(ctx context.Context, db Store, from, to time.Time, g cohort.Granularity, minutes cohort.MinuteKind) ([]cohort.SegmentMeasures, error) {
	var rows []cohort.SegmentMeasures
	rollup := metrics.NewRollup(g, minutes, from, to, func(r cohort.SegmentMeasures) { rows = append(rows, r) })
	first, end := g.PeriodStart(from), g.PeriodEnd(g.PeriodStart(to))
	if err := db.EachSegmentDay(ctx, first, end, minutes == cohort.BusinessMinutes, rollup.Add); err != nil {
		return nil, err
	}
	rollup.Close()
	ret := metrics.NewRetention(g, from, to)
	err := db.EachCustomerSpan(ctx, func(c store.CustomerSpan) error {
		ret.Add(metrics.Customer{Segments: c.Segments, Since: c.Since, Gone: c.Gone, LTV: c.LTV})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range rows {
		ret.Fill(&rows[i])
	}
	return rows, nil
}

// ticketOf is a stored ticket fact as the aggregator takes it.
func ticketOf(f *store.TicketFact) metrics.Ticket {
	minutes := func(calendar, business *float64) *cohort.Minutes {
		if calendar == nil {
			return nil
		}
		m := &cohort.Minutes{Calendar: *calendar, Business: math.NaN()}
		if business != nil {
			m.Business = *business
		}
		return m
	}
	return metrics.Ticket{ID: f.TicketID, Segments: f.Segments, CreatedAt: f.CreatedAt, SolvedAt: f.SolvedAt,
		FirstReply:     minutes(f.FirstReplyMinutes, f.FirstReplyBusiness),
		FullResolution: minutes(f.FullResolutionMinutes, f.FullResolutionBusiness),
		AgentReplies:   f.AgentReplies, Reopens: f.Reopens, Rating: f.Rating}
}

// Window returns the support measures of every segment, and of all
// customers, over the days from from up to to (excluded) taken as one
// period, with times in minutes: the "recent" figures the helpdesk app
// shows beside a ticket. It reads only the stored segment days, so it has
// no retention or lifetime value.
func Window(ctx context.Context, db Store, from, to time.Time, minutes cohort.MinuteKind) ([]cohort.SegmentMeasures, error) {
	var rows []cohort.SegmentMeasures
	rollup := metrics.NewRollup(cohort.ByDay, minutes, from, from, func(r cohort.SegmentMeasures) { rows = append(rows, r) })
	err := db.EachSegmentDay(ctx, from, to, minutes == cohort.BusinessMinutes, func(d *cohort.SegmentDay) error {
		day := *d
		day.Day = from // every day of the window counts in its one period
		return rollup.Add(&day)
	})
	if err != nil {
		return nil, err
	}
	rollup.Close()
	return rows, nil
}

package metrics

import (
	"slices"
	"time"
)

// Customer is what retention and lifetime value need of one customer.
type Customer struct {
	Segments []string  // its segments now (membership at sync time)
	Since    time.Time // when it became a customer: its signup date, else when cohort first saw it
	Gone     time.Time // when it stopped being one (deleted in the CRM); zero while active
	LTV      float64
}

// active reports whether c was a customer at t.
func (c *Customer) active(t time.Time) bool {
	return !c.Since.After(t) && (c.Gone.IsZero() || c.Gone.After(t))
}

// Retention computes, per segment and period, the share of customers active
// at the period's start who are still active at its end, and the average
// lifetime value of those active at its end. Customers are streamed in,
// once; it holds counters per segment and period only.
type Retention struct {
	g       Granularity
	periods []time.Time // period starts, ascending
	counts  map[string][]retentionCount
}

type retentionCount struct {
	atStart, stayed, atEnd int
	ltv                    float64
}

// NewRetention prepares the periods of g from the one holding from to the
// one holding to.
func NewRetention(g Granularity, from, to time.Time) *Retention {
	r := &Retention{g: g, counts: map[string][]retentionCount{}}
	for p := PeriodStart(from, g); !p.After(to); p = PeriodEnd(p, g) {
		r.periods = append(r.periods, p)
	}
	return r
}

// Add counts one customer, for All and for each of its segments.
func (r *Retention) Add(c Customer) {
	for _, seg := range append([]string{All}, c.Segments...) {
		counts := r.counts[seg]
		if counts == nil {
			counts = make([]retentionCount, len(r.periods))
			r.counts[seg] = counts
		}
		for i, start := range r.periods {
			end := PeriodEnd(start, r.g)
			// Active at the start: became a customer before the period.
			atStart := c.active(start)
			atEnd := c.active(end.Add(-time.Nanosecond))
			if atStart {
				counts[i].atStart++
				if atEnd {
					counts[i].stayed++
				}
			}
			if atEnd {
				counts[i].atEnd++
				counts[i].ltv += c.LTV
			}
		}
	}
}

// Fill sets row's Retention and AvgLTV (nil where no customer counts).
func (r *Retention) Fill(row *Row) {
	counts := r.counts[row.Segment]
	if counts == nil {
		return
	}
	i := slices.IndexFunc(r.periods, func(p time.Time) bool { return p.Format(time.DateOnly) == row.Period })
	if i < 0 {
		return
	}
	c := counts[i]
	row.Retention = ratio(c.stayed, c.atStart)
	if c.atEnd > 0 {
		v := c.ltv / float64(c.atEnd)
		row.AvgLTV = &v
	}
}

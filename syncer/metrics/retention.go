package metrics

import (
	"math"
	"sort"
	"time"

	"github.com/cohortdesk/cohort"
)

// Customer is what retention and lifetime value need of one customer.
type Customer struct {
	Segments []string  // its segments now (membership at sync time)
	Since    time.Time // when it became a customer: its signup date, else when cohort first saw it
	Gone     time.Time // when it stopped being one (deleted in the CRM); zero while active
	LTV      float64
}

// Retention computes, per segment and period, the share of customers active
// at the period's start who are still active at its end, and the average
// lifetime value of those active at its end (to the cent). A customer is active at t when
// Since ≤ t < Gone. Customers are streamed in, once; each costs a few
// binary searches whatever the number of periods, since the periods it is
// counted in are a contiguous run, kept as differences and summed by Fill.
type Retention struct {
	starts []time.Time // period starts, ascending
	lasts  []time.Time // the last instant of each period
	counts map[string]*retentionCounts
	index  map[string]int // period (YYYY-MM-DD) to its index
}

// retentionCounts holds, per period, differences: the count for period i
// is the sum of the entries up to i.
type retentionCounts struct {
	atStart, stayed, atEnd []int
	ltv                    []float64
	summed                 bool
}

// NewRetention prepares the periods of g from the one holding from to the
// one holding to.
func NewRetention(g cohort.Granularity, from, to time.Time) *Retention {
	r := &Retention{counts: map[string]*retentionCounts{}, index: map[string]int{}}
	for p := g.PeriodStart(from); !p.After(to); p = g.PeriodEnd(p) {
		r.index[p.Format(time.DateOnly)] = len(r.starts)
		r.starts = append(r.starts, p)
		r.lasts = append(r.lasts, g.PeriodEnd(p).Add(-time.Nanosecond))
	}
	return r
}

// Add counts one customer, for cohort.AllCustomers and for each of its segments.
func (r *Retention) Add(c Customer) {
	n := len(r.starts)
	// Periods are ascending, so each condition holds over a run [lo, hi).
	firstAfter := func(ts []time.Time, t time.Time) int { // first i with ts[i] ≥ t
		return sort.Search(n, func(i int) bool { return !ts[i].Before(t) })
	}
	activeUntil := func(ts []time.Time) int { // first i with ts[i] ≥ Gone
		if c.Gone.IsZero() {
			return n
		}
		return firstAfter(ts, c.Gone)
	}
	startLo, startHi := firstAfter(r.starts, c.Since), activeUntil(r.starts)
	endLo, endHi := firstAfter(r.lasts, c.Since), activeUntil(r.lasts)
	// Stayed: active at the start and at the end; the start comes first.
	stayLo, stayHi := startLo, endHi
	for i := -1; i < len(c.Segments); i++ {
		seg := cohort.AllCustomers
		if i >= 0 {
			seg = c.Segments[i]
		}
		rc := r.counts[seg]
		if rc == nil {
			rc = &retentionCounts{atStart: make([]int, n+1), stayed: make([]int, n+1), atEnd: make([]int, n+1), ltv: make([]float64, n+1)}
			r.counts[seg] = rc
		}
		if startLo < startHi {
			rc.atStart[startLo]++
			rc.atStart[startHi]--
		}
		if stayLo < stayHi {
			rc.stayed[stayLo]++
			rc.stayed[stayHi]--
		}
		if endLo < endHi {
			rc.atEnd[endLo]++
			rc.atEnd[endHi]--
			rc.ltv[endLo] += c.LTV
			rc.ltv[endHi] -= c.LTV
		}
	}
}

// Fill sets row's Retention and AvgLTV (nil where no customer counts).
// Call it after the last Add.
func (r *Retention) Fill(row *cohort.SegmentMeasures) {
	rc := r.counts[row.Segment]
	i, ok := r.index[row.Period]
	if rc == nil || !ok {
		return
	}
	if !rc.summed {
		for j := 1; j < len(r.starts); j++ {
			rc.atStart[j] += rc.atStart[j-1]
			rc.stayed[j] += rc.stayed[j-1]
			rc.atEnd[j] += rc.atEnd[j-1]
			rc.ltv[j] += rc.ltv[j-1]
		}
		rc.summed = true
	}
	row.Retention = ratio(rc.stayed[i], rc.atStart[i])
	if rc.atEnd[i] > 0 {
		// To the cent: the sums above are differences of sums.
		v := math.Round(rc.ltv[i]/float64(rc.atEnd[i])*100) / 100
		row.AvgLTV = &v
	}
}

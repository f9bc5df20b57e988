package metrics

import (
	"fmt"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
)

// Rollup turns days (cohort.SegmentDay) into cohort.SegmentMeasures of a granularity.
type Rollup struct {
	g       cohort.Granularity
	minutes cohort.MinuteKind
	emit    func(cohort.SegmentMeasures)
	period  time.Time // the open period
	last    time.Time // the last period to emit
	groups  map[string]*rollGroup
	lastDay time.Time
}

// rollGroup accumulates one segment's days of the open period.
type rollGroup struct {
	tickets, good, bad, solved, fcr, reopened int
	backlog                                   int // of the latest day seen
	firstReply, fullResolution                []float64
}

// NewRollup returns a Rollup of granularity g, with times in minutes, for
// the periods from the one holding from to the one holding to. It hands
// each period's rows to emit as the period closes: cohort.AllCustomers first, then each
// segment that has a day in the period, in name order. A period with no
// days at all still has an cohort.AllCustomers row, with no data.
func NewRollup(g cohort.Granularity, minutes cohort.MinuteKind, from, to time.Time, emit func(cohort.SegmentMeasures)) *Rollup {
	return &Rollup{g: g, minutes: minutes, emit: emit, period: g.PeriodStart(from), last: g.PeriodStart(to),
		groups: map[string]*rollGroup{}}
}

// Add counts one day. Days must come in non-decreasing day order; days
// outside the periods are ignored.
func (r *Rollup) Add(d *cohort.SegmentDay) error {
	if d.Day.Before(r.lastDay) {
		return fmt.Errorf("%w: day %s after %s", ErrOrder, d.Day.Format(time.DateOnly), r.lastDay.Format(time.DateOnly))
	}
	r.lastDay = d.Day
	p := r.g.PeriodStart(d.Day)
	if p.Before(r.period) || p.After(r.last) {
		return nil
	}
	for r.period.Before(p) {
		r.closePeriod()
	}
	g := r.groups[d.Segment]
	if g == nil {
		g = &rollGroup{}
		r.groups[d.Segment] = g
	}
	g.tickets += d.Tickets
	g.good += d.Good
	g.bad += d.Bad
	g.solved += d.Solved
	g.fcr += d.FCR
	g.reopened += d.Reopened
	g.backlog = d.Backlog
	reply, resolution := d.FirstReply.Calendar, d.FullResolution.Calendar
	if r.minutes == cohort.BusinessMinutes {
		reply, resolution = d.FirstReply.Business, d.FullResolution.Business
	}
	g.firstReply = append(g.firstReply, reply...)
	g.fullResolution = append(g.fullResolution, resolution...)
	return nil
}

// closePeriod emits the open period's rows and opens the next period.
func (r *Rollup) closePeriod() {
	segs := make([]string, 0, len(r.groups))
	for seg := range r.groups {
		if seg != cohort.AllCustomers {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	if g := r.groups[cohort.AllCustomers]; g != nil {
		r.emit(g.row(cohort.AllCustomers, r.period))
	} else {
		r.emit(cohort.SegmentMeasures{Segment: cohort.AllCustomers, Period: r.period.Format(time.DateOnly)})
	}
	for _, seg := range segs {
		r.emit(r.groups[seg].row(seg, r.period))
	}
	clear(r.groups)
	r.period = r.g.PeriodEnd(r.period)
}

// Close emits the rows of the periods not yet closed, through the last.
func (r *Rollup) Close() {
	for !r.period.After(r.last) {
		r.closePeriod()
	}
}

func (g *rollGroup) row(seg string, period time.Time) cohort.SegmentMeasures {
	backlog := g.backlog
	r := cohort.SegmentMeasures{Segment: seg, Period: period.Format(time.DateOnly), Tickets: g.tickets, CSATResponses: g.good + g.bad, Backlog: &backlog}
	r.CSAT = ratio(g.good, g.good+g.bad)
	slices.Sort(g.firstReply)
	slices.Sort(g.fullResolution)
	r.FirstReplyMinutesP50 = percentile(g.firstReply, 50)
	r.FirstReplyMinutesP90 = percentile(g.firstReply, 90)
	r.FullResolutionMinutesP50 = percentile(g.fullResolution, 50)
	r.FullResolutionMinutesP90 = percentile(g.fullResolution, 90)
	r.FCRRate = ratio(g.fcr, g.solved)
	r.ReopenRate = ratio(g.reopened, g.solved)
	return r
}

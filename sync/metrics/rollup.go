package metrics

import (
	"fmt"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
)

// Row is one segment's measures for one period.
type Row struct {
	Segment                  string   `json:"segment"`
	Period                   string   `json:"period"` // first day of the period, YYYY-MM-DD
	Tickets                  int      `json:"tickets"`
	CSAT                     *float64 `json:"csat"`
	CSATResponses            int      `json:"csat_responses"`
	FirstReplyMinutesP50     *float64 `json:"first_reply_minutes_p50"`
	FirstReplyMinutesP90     *float64 `json:"first_reply_minutes_p90"`
	FullResolutionMinutesP50 *float64 `json:"full_resolution_minutes_p50"`
	FullResolutionMinutesP90 *float64 `json:"full_resolution_minutes_p90"`
	FCRRate                  *float64 `json:"fcr_rate"`
	ReopenRate               *float64 `json:"reopen_rate"`
	Backlog                  *int     `json:"backlog"`
	Retention                *float64 `json:"retention"`
	AvgLTV                   *float64 `json:"avg_ltv"`
}

// Rollup turns days (cohort.SegmentDay) into Rows of a granularity.
type Rollup struct {
	g       Granularity
	minutes Minutes
	emit    func(Row)
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
// each period's rows to emit as the period closes: All first, then each
// segment that has a day in the period, in name order. A period with no
// days at all still has an All row, with no data.
func NewRollup(g Granularity, minutes Minutes, from, to time.Time, emit func(Row)) *Rollup {
	return &Rollup{g: g, minutes: minutes, emit: emit, period: PeriodStart(from, g), last: PeriodStart(to, g),
		groups: map[string]*rollGroup{}}
}

// Add counts one day. Days must come in non-decreasing day order; days
// outside the periods are ignored.
func (r *Rollup) Add(d *cohort.SegmentDay) error {
	if d.Day.Before(r.lastDay) {
		return fmt.Errorf("%w: day %s after %s", ErrOrder, d.Day.Format(time.DateOnly), r.lastDay.Format(time.DateOnly))
	}
	r.lastDay = d.Day
	p := PeriodStart(d.Day, r.g)
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
	if r.minutes == Business {
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
		if seg != All {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	if g := r.groups[All]; g != nil {
		r.emit(g.row(All, r.period))
	} else {
		r.emit(Row{Segment: All, Period: r.period.Format(time.DateOnly)})
	}
	for _, seg := range segs {
		r.emit(r.groups[seg].row(seg, r.period))
	}
	clear(r.groups)
	r.period = PeriodEnd(r.period, r.g)
}

// Close emits the rows of the periods not yet closed, through the last.
func (r *Rollup) Close() {
	for !r.period.After(r.last) {
		r.closePeriod()
	}
}

func (g *rollGroup) row(seg string, period time.Time) Row {
	backlog := g.backlog
	r := Row{Segment: seg, Period: period.Format(time.DateOnly), Tickets: g.tickets, CSATResponses: g.good + g.bad, Backlog: &backlog}
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

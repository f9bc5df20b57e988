// Package metrics turns ticket facts into the per-segment support measures
// that issue 5 asks for, per day, week or month: ticket volume, CSAT, first
// reply and full resolution times (median and p90), first-contact
// resolution, reopens and backlog, each for every segment and for all
// customers ("all").
//
// It is pure computation, with no I/O: the syncer feeds it tickets in the
// order they were created, and it emits one Row per segment and period as
// each period closes. It holds only the open period's values and the
// still-open tickets, so memory does not grow with the number of tickets.
//
// Definitions:
//   - A ticket belongs to the period it was created in, and to the segments
//     its requester had when it was created.
//   - CSAT is good / (good + bad) over the period's rated tickets.
//   - Percentiles are exact, by nearest rank over the period's tickets that
//     have the time (the p-th percentile of n sorted values is the
//     ceil(p/100·n)-th), never averages of shorter periods.
//   - First-contact resolution: solved with at most one agent reply and
//     never reopened, over the period's solved tickets. Reopen rate:
//     reopened at least once, over the period's solved tickets.
//   - Backlog: tickets created before the period's end and not solved by
//     then (a period ends at midnight UTC after its last day).
//
// A measure with no data is nil (null, empty in CSV), never 0.
package metrics

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// All is the segment name of the figures for every customer.
const All = "all"

// Granularity is the length of a period.
type Granularity string

// The granularities.
const (
	Day   Granularity = "day"
	Week  Granularity = "week" // ISO weeks, starting on Monday
	Month Granularity = "month"
)

// ParseGranularity reads "day", "week" or "month".
func ParseGranularity(s string) (Granularity, error) {
	switch g := Granularity(s); g {
	case Day, Week, Month:
		return g, nil
	}
	return "", fmt.Errorf("granularity %q: want day, week or month", s)
}

// PeriodStart returns the first day (midnight UTC) of the period of g that
// t falls in.
func PeriodStart(t time.Time, g Granularity) time.Time {
	y, m, d := t.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	switch g {
	case Week:
		return day.AddDate(0, 0, -(int(day.Weekday())+6)%7)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	}
	return day
}

// PeriodEnd returns the start of the period after the one of g starting at p.
func PeriodEnd(p time.Time, g Granularity) time.Time {
	switch g {
	case Week:
		return p.AddDate(0, 0, 7)
	case Month:
		return p.AddDate(0, 1, 0)
	}
	return p.AddDate(0, 0, 1)
}

// Ticket is what the measures need of one ticket.
type Ticket struct {
	ID        int64
	Segments  []string  // the requester's segments when the ticket was created
	CreatedAt time.Time //
	SolvedAt  time.Time // zero while unsolved
	// FirstReplyMinutes and FullResolutionMinutes are calendar minutes,
	// negative when the event has not happened.
	FirstReplyMinutes     float64
	FullResolutionMinutes float64
	AgentReplies          int
	Reopens               int
	Rating                string // "good", "bad", or "" when not rated
}

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

// Aggregator computes Rows from tickets given in created order.
type Aggregator struct {
	g      Granularity
	emit   func(Row)
	period time.Time // the open period
	last   time.Time // the last period to emit
	groups map[string]*group
	// Per segment, the tickets created so far and not solved by the open
	// period's start: the solve times of those solved later, and the
	// count of those not solved at all.
	solving  map[string]*solveHeap
	unsolved map[string]int
	lastSeen time.Time
}

// group accumulates one segment's values in the open period.
type group struct {
	tickets, good, bad, solved, fcr, reopened int
	firstReply, fullResolution                []float64
}

// NewAggregator returns an Aggregator of granularity g for the periods
// from the one holding from to the one holding to. It hands each period's
// rows to emit as the period closes, segments in name order with All
// first, empty periods included. Tickets created before from count only
// toward the backlog, so pass them all (the backlog at a period's end
// depends on every ticket still open); tickets after to are ignored.
func NewAggregator(g Granularity, from, to time.Time, emit func(Row)) *Aggregator {
	return &Aggregator{g: g, emit: emit, period: PeriodStart(from, g), last: PeriodStart(to, g),
		groups: map[string]*group{}, solving: map[string]*solveHeap{}, unsolved: map[string]int{}}
}

// ErrOrder is returned when tickets do not come in created order.
var ErrOrder = errors.New("metrics: tickets must come in the order they were created")

// Add counts t. Tickets must come in non-decreasing CreatedAt order.
func (a *Aggregator) Add(t Ticket) error {
	if t.CreatedAt.Before(a.lastSeen) {
		return fmt.Errorf("%w: ticket %d created %s after one created %s", ErrOrder, t.ID,
			t.CreatedAt.UTC().Format(time.RFC3339), a.lastSeen.UTC().Format(time.RFC3339))
	}
	a.lastSeen = t.CreatedAt
	p := PeriodStart(t.CreatedAt, a.g)
	if p.After(a.last) {
		return nil
	}
	for a.period.Before(p) {
		a.closePeriod()
	}
	counted := !p.Before(a.period)
	for _, seg := range append([]string{All}, t.Segments...) {
		if counted {
			a.count(seg, &t)
		}
		a.open(seg, &t)
	}
	return nil
}

func (a *Aggregator) count(seg string, t *Ticket) {
	g := a.groups[seg]
	if g == nil {
		g = &group{}
		a.groups[seg] = g
	}
	g.tickets++
	switch t.Rating {
	case "good":
		g.good++
	case "bad":
		g.bad++
	}
	if t.FirstReplyMinutes >= 0 {
		g.firstReply = append(g.firstReply, t.FirstReplyMinutes)
	}
	if !t.SolvedAt.IsZero() {
		g.solved++
		if t.AgentReplies <= 1 && t.Reopens == 0 {
			g.fcr++
		}
		if t.Reopens > 0 {
			g.reopened++
		}
		if t.FullResolutionMinutes >= 0 {
			g.fullResolution = append(g.fullResolution, t.FullResolutionMinutes)
		}
	}
}

// open counts t, still open at its creation, toward seg's backlog.
func (a *Aggregator) open(seg string, t *Ticket) {
	h := a.solving[seg]
	if h == nil {
		h = &solveHeap{}
		a.solving[seg] = h
	}
	if t.SolvedAt.IsZero() {
		a.unsolved[seg]++
	} else {
		heap.Push(h, t.SolvedAt)
	}
}

// closePeriod emits the open period's rows, if it is not past the last,
// and opens the next period.
func (a *Aggregator) closePeriod() {
	end := PeriodEnd(a.period, a.g)
	segs := make([]string, 0, len(a.solving))
	for seg := range a.solving {
		if seg != All {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	for _, seg := range append([]string{All}, segs...) {
		backlog := a.unsolved[seg]
		if h := a.solving[seg]; h != nil {
			for h.Len() > 0 && (*h)[0].Before(end) {
				heap.Pop(h)
			}
			backlog += h.Len()
		}
		g := a.groups[seg]
		if g == nil {
			g = &group{}
		}
		if !a.period.After(a.last) {
			a.emit(g.row(seg, a.period, backlog))
		}
	}
	a.groups = map[string]*group{}
	a.period = end
}

// Close emits the rows of the periods not yet closed, through the last.
func (a *Aggregator) Close() {
	for !a.period.After(a.last) {
		a.closePeriod()
	}
}

func (g *group) row(seg string, period time.Time, backlog int) Row {
	r := Row{Segment: seg, Period: period.Format(time.DateOnly), Tickets: g.tickets, CSATResponses: g.good + g.bad, Backlog: &backlog}
	r.CSAT = ratio(g.good, g.good+g.bad)
	r.FirstReplyMinutesP50 = percentile(g.firstReply, 50)
	r.FirstReplyMinutesP90 = percentile(g.firstReply, 90)
	r.FullResolutionMinutesP50 = percentile(g.fullResolution, 50)
	r.FullResolutionMinutesP90 = percentile(g.fullResolution, 90)
	r.FCRRate = ratio(g.fcr, g.solved)
	r.ReopenRate = ratio(g.reopened, g.solved)
	return r
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// percentile returns the p-th percentile of values by nearest rank, nil
// for none. It sorts values in place.
func percentile(values []float64, p float64) *float64 {
	if len(values) == 0 {
		return nil
	}
	slices.Sort(values)
	rank := int(math.Ceil(p / 100 * float64(len(values))))
	v := values[min(max(rank, 1), len(values))-1]
	return &v
}

// solveHeap is a min-heap of solve times.
type solveHeap []time.Time

func (h solveHeap) Len() int           { return len(h) }
func (h solveHeap) Less(i, j int) bool { return h[i].Before(h[j]) }
func (h solveHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *solveHeap) Push(x any)        { *h = append(*h, x.(time.Time)) }
func (h *solveHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Package metrics turns ticket facts into the per-segment support measures
// that issue 5 asks for, per day, week or month: ticket volume, CSAT, first
// reply and full resolution times (median and p90), first-contact
// resolution, reopens and backlog, each for every segment and for all
// customers ("all"), plus retention and lifetime value from customers.
//
// It is pure computation, with no I/O, in two steps:
//   - An Aggregator takes tickets in the order they were created and emits
//     one cohort.SegmentDay per segment and day as each day closes. It
//     holds only the open day's values and the still-open tickets, so
//     memory does not grow with the number of tickets. The syncer stores
//     the days.
//   - A Rollup takes stored days in day order and emits one cohort.SegmentMeasures per
//     segment and period of any granularity. Days keep every ticket's
//     minutes, so a week's or month's percentiles are exact over its
//     tickets, never averages of days.
//
// Definitions:
//   - A ticket belongs to the day it was created, and to the segments its
//     requester had when it was created.
//   - CSAT is good / (good + bad) over the period's rated tickets.
//   - Percentiles are exact, by nearest rank over the period's tickets that
//     have the time (the p-th percentile of n sorted values is the
//     ceil(p/100·n)-th).
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

	"github.com/cohortdesk/cohort"
)

// Ticket is what the measures need of one ticket.
type Ticket struct {
	ID        int64
	Segments  []string  // the requester's segments when the ticket was created
	CreatedAt time.Time //
	SolvedAt  time.Time // zero while unsolved
	// FirstReply and FullResolution are minutes, nil when the event has not
	// happened; Business is NaN when the helpdesk did not say.
	FirstReply     *cohort.Minutes
	FullResolution *cohort.Minutes
	AgentReplies   int
	Reopens        int
	Rating         string // "good", "bad", or "" when not rated
}

// Aggregator computes each day's cohort.SegmentDay of every segment from
// tickets given in created order.
type Aggregator struct {
	emit func(cohort.SegmentDay) error
	day  time.Time // the open day
	last time.Time // the last day to emit
	// The open day's figures per segment.
	days map[string]*cohort.SegmentDay
	// Per segment, the tickets created so far and not solved by the open
	// day's start: the solve times of those solved later, and the count of
	// those not solved at all.
	solving  map[string]*solveHeap
	unsolved map[string]int
	lastSeen time.Time
}

// NewAggregator returns an Aggregator for the days from the one holding
// from to the one holding to. It hands each day's figures to emit as the
// day closes: cohort.AllCustomers first, then every segment seen so far in name order,
// days without tickets included. Tickets created before from count only
// toward the backlog, so pass every ticket still open at from (the backlog
// depends on them); tickets after to are ignored.
func NewAggregator(from, to time.Time, emit func(cohort.SegmentDay) error) *Aggregator {
	a := &Aggregator{emit: emit, day: cohort.ByDay.PeriodStart(from), last: cohort.ByDay.PeriodStart(to),
		days: map[string]*cohort.SegmentDay{}, solving: map[string]*solveHeap{}, unsolved: map[string]int{}}
	a.Known(cohort.AllCustomers)
	return a
}

// Known makes segs appear in every day's figures from now on, even while
// they have no tickets: pass the segments of tickets created before from
// that are no longer open.
func (a *Aggregator) Known(segs ...string) {
	for _, seg := range segs {
		if a.solving[seg] == nil {
			a.solving[seg] = &solveHeap{}
		}
	}
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
	day := cohort.ByDay.PeriodStart(t.CreatedAt)
	if day.After(a.last) {
		return nil
	}
	for a.day.Before(day) {
		if err := a.closeDay(); err != nil {
			return err
		}
	}
	counted := !day.Before(a.day)
	for i := -1; i < len(t.Segments); i++ {
		seg := cohort.AllCustomers
		if i >= 0 {
			seg = t.Segments[i]
		}
		if counted {
			a.count(seg, &t)
		}
		a.open(seg, &t)
	}
	return nil
}

func (a *Aggregator) count(seg string, t *Ticket) {
	d := a.days[seg]
	if d == nil {
		d = &cohort.SegmentDay{Segment: seg, Day: a.day}
		a.days[seg] = d
	}
	d.Tickets++
	switch t.Rating {
	case "good":
		d.Good++
	case "bad":
		d.Bad++
	}
	if m := t.FirstReply; m != nil {
		addMinutes(&d.FirstReply, m)
	}
	if !t.SolvedAt.IsZero() {
		d.Solved++
		if t.AgentReplies <= 1 && t.Reopens == 0 {
			d.FCR++
		}
		if t.Reopens > 0 {
			d.Reopened++
		}
		if m := t.FullResolution; m != nil {
			addMinutes(&d.FullResolution, m)
		}
	}
}

// addMinutes adds m to l; a business time the helpdesk did not give (NaN)
// is left out.
func addMinutes(l *cohort.MinuteLists, m *cohort.Minutes) {
	l.Calendar = append(l.Calendar, m.Calendar)
	if !math.IsNaN(m.Business) {
		l.Business = append(l.Business, m.Business)
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

// closeDay emits the open day's figures and opens the next day.
func (a *Aggregator) closeDay() error {
	end := cohort.ByDay.PeriodEnd(a.day)
	segs := make([]string, 0, len(a.solving))
	for seg := range a.solving {
		if seg != cohort.AllCustomers {
			segs = append(segs, seg)
		}
	}
	slices.Sort(segs)
	for _, seg := range append([]string{cohort.AllCustomers}, segs...) {
		backlog := a.unsolved[seg]
		h := a.solving[seg]
		for h.Len() > 0 && (*h)[0].Before(end) {
			heap.Pop(h)
		}
		backlog += h.Len()
		d := a.days[seg]
		if d == nil {
			d = &cohort.SegmentDay{Segment: seg, Day: a.day}
		}
		d.Backlog = backlog
		if err := a.emit(*d); err != nil {
			return err
		}
	}
	clear(a.days)
	a.day = end
	return nil
}

// Close emits the figures of the days not yet closed, through the last.
func (a *Aggregator) Close() error {
	for !a.day.After(a.last) {
		if err := a.closeDay(); err != nil {
			return err
		}
	}
	return nil
}

func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	v := float64(n) / float64(d)
	return &v
}

// percentile returns the p-th percentile of sorted values by nearest rank,
// nil for none.
func percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	v := sorted[min(max(rank, 1), len(sorted))-1]
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

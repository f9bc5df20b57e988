// Package resegment keeps each customer's stored segment membership current
// with the segment rules: everyone after the rules (or, for rules that read
// the date, the day) changed, else only the customers changed since their
// membership was computed. WriteBack then hands each changed primary
// segment to the helpdesk (a user field) through a SegmentWriter.
//
// The store is reached through the small interfaces declared here;
// *store.DB satisfies them.
package resegment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
)

// Store is what re-segmenting needs of the store.
type Store interface {
	CustomersAfter(ctx context.Context, afterID int64, limit int, onlyDirty bool) ([]store.MemberCustomer, error)
	SetMemberships(ctx context.Context, changed []store.Membership, clean []int64) error
	SegmentState(ctx context.Context) (store.SegmentState, error)
	SetSegmentState(ctx context.Context, st store.SegmentState) error
}

var _ Store = (*store.DB)(nil)

// Summary says what a re-segmentation did.
type Summary struct {
	All      bool // every customer was recomputed (the rules or the day changed)
	Computed int  // customers whose membership was computed
	Changed  int  // customers whose membership changed
	// WrittenBack counts customers whose primary segment was written to
	// the helpdesk afterwards (syncer.Syncer.Resegment with a Writer).
	WrittenBack int
	// Failed counts, per segment, the customers whose rule failed at run
	// time (such as a division by zero): they are not members of it.
	Failed   map[string]Failures
	Duration time.Duration
}

// Failures is how many customers a segment's rule failed for, and the
// first failure's error.
type Failures struct {
	Customers int
	First     error
}

// pageSize is how many customers are read, computed and written in
// one step.
const pageSize = 5000

// All brings the stored segment membership up to date with set at
// time now: every customer when the rules changed since the last full
// computation (or, for rules that read days_since_signup, when the day
// did), else only the customers changed since theirs. It writes only
// memberships that changed. Interrupted, it leaves each customer either
// computed or still marked, and the next run finishes the job.
func All(ctx context.Context, db Store, set *rules.Set, now time.Time) (Summary, error) {
	st, err := db.SegmentState(ctx)
	if err != nil {
		return Summary{}, err
	}
	today := now.UTC().Truncate(24 * time.Hour)
	hash := set.Hash()
	all := st.RulesHash != hash || (set.DependsOnDate() && st.ComputedOn.Before(today))
	sum, err := resegment(ctx, db, set, now, all)
	if err != nil || !all {
		return sum, err
	}
	return sum, db.SetSegmentState(ctx, store.SegmentState{RulesHash: hash, ComputedOn: today})
}

// Changed computes the membership of the customers changed since
// theirs was computed, and no others: quick enough to follow a pushed
// batch of customers. The next All catches up on anything else.
func Changed(ctx context.Context, db Store, set *rules.Set, now time.Time) (Summary, error) {
	return resegment(ctx, db, set, now, false)
}

// resegment computes the membership of every live customer (all) or of
// the dirty ones, a page at a time. The store is used by one goroutine
// (SQLite has one connection), which reads a page and writes the changes
// of the page before it while other goroutines compute the page just
// read.
func resegment(ctx context.Context, db Store, set *rules.Set, now time.Time, all bool) (Summary, error) {
	start := time.Now()
	sum := Summary{All: all, Failed: map[string]Failures{}}
	compute := func(page []store.MemberCustomer) chan pageMemberships {
		computed := make(chan pageMemberships, 1)
		go func() { computed <- computePage(ctx, set, page, now) }()
		return computed
	}
	page, err := db.CustomersAfter(ctx, 0, pageSize, !all)
	if err != nil {
		return sum, err
	}
	computed := compute(page)
	for len(page) > 0 {
		next, err := db.CustomersAfter(ctx, page[len(page)-1].ID, pageSize, !all)
		res := <-computed
		if err == nil {
			err = res.err
		}
		if err != nil {
			return sum, err
		}
		for seg, f := range res.failed {
			prev := sum.Failed[seg]
			sum.Failed[seg] = Failures{Customers: prev.Customers + f.Customers, First: cmp.Or(prev.First, f.First)}
		}
		computed = compute(next)
		if err := db.SetMemberships(ctx, res.changed, res.clean); err != nil {
			<-computed
			return sum, err
		}
		sum.Computed += len(page)
		sum.Changed += len(res.changed)
		page = next
	}
	<-computed
	sum.Duration = time.Since(start)
	return sum, nil
}

// pageMemberships is what computing a page found: the memberships that
// changed, the dirty customers whose membership did not, the rules that
// failed, and the error that stopped the page: a rule over its budget, or
// ctx done.
type pageMemberships struct {
	changed []store.Membership
	clean   []int64
	failed  map[string]Failures
	err     error
}

// computePage computes the membership of a page of customers, split
// across the CPUs but the one the store's goroutine keeps busy. A rule
// over its budget stops the page: so slow a rule would hold every
// customer up; fix the rule (cohort segments check finds most).
func computePage(ctx context.Context, set *rules.Set, page []store.MemberCustomer, now time.Time) pageMemberships {
	segs := make([][]string, len(page))
	fails := make([][]rules.RuleFailure, len(page))
	workers := max(1, min(runtime.GOMAXPROCS(0)-1, (len(page)+255)/256))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(page)/workers, (w+1)*len(page)/workers
		wg.Go(func() {
			budget := rules.NewBudget(ctx)
			for i := lo; i < hi && ctx.Err() == nil; i++ {
				segs[i], fails[i] = set.Membership(ctx, &page[i].Customer, now, budget)
				if slices.ContainsFunc(fails[i], func(f rules.RuleFailure) bool { return errors.Is(f.Err, rules.ErrBudget) }) {
					return
				}
			}
		})
	}
	wg.Wait()
	res := pageMemberships{failed: map[string]Failures{}}
	if err := ctx.Err(); err != nil {
		res.err = err
		return res
	}
	for i := range page {
		for _, f := range fails[i] {
			if errors.Is(f.Err, rules.ErrBudget) {
				res.err = fmt.Errorf("segment %s: %w (customer %d); simplify the rule", f.Segment, f.Err, page[i].ID)
				return res
			}
			prev := res.failed[f.Segment]
			res.failed[f.Segment] = Failures{Customers: prev.Customers + 1, First: cmp.Or(prev.First, f.Err)}
		}
	}
	for i := range page {
		c := &page[i]
		switch {
		case !slices.Equal(segs[i], c.Segments):
			res.changed = append(res.changed, store.Membership{CustomerID: c.ID, Segments: segs[i]})
		case c.Dirty:
			res.clean = append(res.clean, c.ID)
		}
	}
	return res
}

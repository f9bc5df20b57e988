package sync

import (
	"context"
	"slices"
	"time"

	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
)

// MembershipStore is what re-segmenting needs of the store.
type MembershipStore interface {
	CustomersAfter(ctx context.Context, afterID int64, limit int, onlyDirty bool) ([]store.MemberCustomer, error)
	SetMemberships(ctx context.Context, changed []store.Membership, clean []int64) error
	SegmentState(ctx context.Context) (store.SegmentState, error)
	SetSegmentState(ctx context.Context, st store.SegmentState) error
}

var _ MembershipStore = (*store.DB)(nil)

// ResegmentSummary says what a re-segmentation did.
type ResegmentSummary struct {
	All      bool // every customer was recomputed (the rules or the day changed)
	Computed int  // customers whose membership was computed
	Changed  int  // customers whose membership changed
	// WrittenBack counts customers whose primary segment was written to
	// the helpdesk afterwards (Syncer.Resegment with a Writer).
	WrittenBack int
	Duration    time.Duration
}

// resegmentPage is how many customers are read, computed and written in
// one step.
const resegmentPage = 5000

// Resegment brings the stored segment membership up to date with set at
// time now: every customer when the rules changed since the last full
// computation (or, for rules that read days_since_signup, when the day
// did), else only the customers changed since theirs. It writes only
// memberships that changed. Interrupted, it leaves each customer either
// computed or still marked, and the next run finishes the job.
func Resegment(ctx context.Context, db MembershipStore, set *rules.Set, now time.Time) (ResegmentSummary, error) {
	st, err := db.SegmentState(ctx)
	if err != nil {
		return ResegmentSummary{}, err
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

// ResegmentChanged computes the membership of the customers changed since
// theirs was computed, and no others: quick enough to follow a pushed
// batch of customers. The next Resegment catches up on anything else.
func ResegmentChanged(ctx context.Context, db MembershipStore, set *rules.Set, now time.Time) (ResegmentSummary, error) {
	return resegment(ctx, db, set, now, false)
}

func resegment(ctx context.Context, db MembershipStore, set *rules.Set, now time.Time, all bool) (ResegmentSummary, error) {
	start := time.Now()
	sum := ResegmentSummary{All: all}
	var after int64
	for {
		page, err := db.CustomersAfter(ctx, after, resegmentPage, !all)
		if err != nil {
			return sum, err
		}
		if len(page) == 0 {
			break
		}
		var changed []store.Membership
		var clean []int64
		for i := range page {
			c := &page[i]
			segs := set.Membership(&c.Customer, now)
			switch {
			case !slices.Equal(segs, c.Segments):
				changed = append(changed, store.Membership{CustomerID: c.ID, Segments: segs})
			case c.Dirty:
				clean = append(clean, c.ID)
			}
		}
		if err := db.SetMemberships(ctx, changed, clean); err != nil {
			return sum, err
		}
		sum.Computed += len(page)
		sum.Changed += len(changed)
		after = page[len(page)-1].ID
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

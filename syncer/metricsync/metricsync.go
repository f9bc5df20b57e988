// Package metricsync keeps the support metrics per segment: it syncs a
// helpdesk's ticket history (tickets with their times, replies, reopens
// and ratings) into stored ticket facts, each attributed to the segments
// its requester had, then brings the stored per-segment days up to date
// (package metrics computes them) and reads measures of any period from
// them.
//
// The store is reached through the small interfaces declared here;
// *store.DB satisfies them. A run holds the "metrics" lease (package
// lease), so two syncers do not both run it.
package metricsync

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/lease"
)

// TicketSource reads a helpdesk's tickets changed since a checkpoint, or
// since a time when there is none, page by page, and the requesters behind
// them.
type TicketSource interface {
	Name() string
	Tickets(ctx context.Context, checkpoint string, since time.Time, emit func(cohort.TicketMetricsPage) error) error
	// Requesters returns the keys that find the customer behind each of the
	// helpdesk's user ids, leaving out the users it no longer has.
	Requesters(ctx context.Context, userIDs []int64) (map[int64]cohort.CustomerQuery, error)
}

// FactStore is what syncing metrics needs of the store.
type FactStore interface {
	Checkpoint(ctx context.Context, source string) (string, error)
	UpsertTicketFacts(ctx context.Context, facts []store.TicketFact, source, checkpoint string) error
	EnrichedSegments(ctx context.Context, helpdesk string, ticketIDs []int64) (map[int64][]string, error)
	CustomerSegments(ctx context.Context, q cohort.CustomerQuery) ([]string, bool, error)
	StartSyncRun(ctx context.Context, source string, full bool) (store.SyncRun, error)
	FinishSyncRun(ctx context.Context, run store.SyncRun, c store.SyncCounts, runErr error) error
	Store
	lease.Leaser
}

var _ FactStore = (*store.DB)(nil)

// Summary says what a metrics sync did.
type Summary struct {
	Source          string
	Tickets         int // ticket versions read
	FromEnrichment  int // attributed from cohort's enrichment record
	FromMembership  int // attributed from the requester's segments at sync time
	Requesters      int // requesters looked up in the helpdesk
	Duration        time.Duration
	BackfilledSince time.Time // zero for an incremental run
	// Days is what bringing the stored segment days up to date did.
	Days AggregateSummary
}

// Options tune Sync.
type Options struct {
	// BackfillDays is how far back a first run (no checkpoint) reads.
	BackfillDays int
	// OnPage, if set, is called after each page is stored.
	OnPage func(Summary)
	Now    func() time.Time
}

// Sync reads src's tickets changed since its checkpoint (a first
// run: the last BackfillDays days), attributes each to the segments its
// requester had when it was created — cohort's enrichment record of the
// ticket when there is one, else the requester's segments now, marked so
// — and stores the facts with the checkpoint after them, page by page: an
// interrupted run resumes where it stopped. Then it brings the stored
// segment days up to date (Aggregate). Each run is recorded as a sync run
// of the source "metrics:<helpdesk>". Metrics syncs of every source take
// turns, holding one lease.
func Sync(ctx context.Context, db FactStore, src TicketSource, opts Options) (Summary, error) {
	start := time.Now()
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sum := Summary{Source: src.Name()}
	release, err := lease.Hold(ctx, db, metricsLease, "", slog.New(slog.DiscardHandler))
	if err != nil {
		return sum, err
	}
	defer release()
	cpSource := SourceName(src)
	cp, err := db.Checkpoint(ctx, cpSource)
	if err != nil {
		return sum, err
	}
	run, err := db.StartSyncRun(ctx, cpSource, cp == "")
	if err != nil {
		return sum, err
	}
	since := time.Time{}
	if cp == "" {
		since = opts.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -opts.BackfillDays)
		sum.BackfilledSince = since
	}
	segments := map[int64][]string{} // by requester, matched once a run
	err = src.Tickets(ctx, cp, since, func(p cohort.TicketMetricsPage) error {
		facts, err := attribute(ctx, db, src, segments, p.Tickets, &sum)
		if err != nil {
			return err
		}
		if err := db.UpsertTicketFacts(ctx, facts, cpSource, p.Checkpoint); err != nil {
			return err
		}
		sum.Tickets += len(p.Tickets)
		if opts.OnPage != nil {
			opts.OnPage(sum)
		}
		return nil
	})
	if err == nil {
		sum.Days, err = Aggregate(ctx, db, opts.Now())
	}
	sum.Duration = time.Since(start)
	if ferr := db.FinishSyncRun(ctx, run, store.SyncCounts{Read: sum.Tickets}, err); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return sum, fmt.Errorf("sync metrics from %s: %w", src.Name(), err)
	}
	return sum, nil
}

// SourceName is the name src's metrics syncs go by, as a sync run and a
// checkpoint: "metrics:zendesk".
func SourceName(src TicketSource) string { return "metrics:" + src.Name() }

// metricsLease is the lease metrics syncs hold: one at a time, so that
// the segment days are computed by one of them.
const metricsLease = "metrics"

// attribute turns a page of tickets into facts with their segments. For
// the tickets cohort did not enrich, each requester is looked up in the
// helpdesk and matched to a customer once a run: segments holds the
// segments of those already matched (nil: no customer).
func attribute(ctx context.Context, db FactStore, src TicketSource, segments map[int64][]string,
	tickets []cohort.TicketMetrics, sum *Summary) ([]store.TicketFact, error) {
	ids := make([]int64, len(tickets))
	for i, t := range tickets {
		ids[i] = t.ID
	}
	enriched, err := db.EnrichedSegments(ctx, src.Name(), ids)
	if err != nil {
		return nil, err
	}
	if err := matchRequesters(ctx, db, src, segments, tickets, enriched, sum); err != nil {
		return nil, err
	}
	facts := make([]store.TicketFact, len(tickets))
	for i, t := range tickets {
		f := store.TicketFact{Helpdesk: src.Name(), TicketID: t.ID, RequesterID: t.RequesterID, CreatedAt: t.CreatedAt,
			SolvedAt: t.SolvedAt, Status: t.Status, AgentReplies: t.AgentReplies, Reopens: t.Reopens, Rating: t.Rating}
		if m := t.FirstReply; m != nil {
			f.FirstReplyMinutes, f.FirstReplyBusiness = &m.Calendar, &m.Business
		}
		if m := t.FullResolution; m != nil {
			f.FullResolutionMinutes, f.FullResolutionBusiness = &m.Calendar, &m.Business
		}
		if segs, ok := enriched[t.ID]; ok {
			f.Segments, f.SegmentsFrom = segs, store.SegmentsFromEnrichment
			sum.FromEnrichment++
		} else {
			f.Segments, f.SegmentsFrom = segments[t.RequesterID], store.SegmentsFromMembership
			sum.FromMembership++
		}
		facts[i] = f
	}
	return facts, nil
}

// matchRequesters adds to segments the requesters of the tickets not in
// enriched that it does not hold yet: looked up in the helpdesk in one
// batch, then matched to customers.
func matchRequesters(ctx context.Context, db FactStore, src TicketSource, segments map[int64][]string,
	tickets []cohort.TicketMetrics, enriched map[int64][]string, sum *Summary) error {
	var unknown []int64
	for _, t := range tickets {
		if _, ok := enriched[t.ID]; ok || t.RequesterID == 0 {
			continue
		}
		if _, ok := segments[t.RequesterID]; !ok {
			segments[t.RequesterID] = nil
			unknown = append(unknown, t.RequesterID)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	queries, err := src.Requesters(ctx, unknown)
	if err != nil {
		for _, id := range unknown {
			delete(segments, id)
		}
		return err
	}
	sum.Requesters += len(unknown)
	for _, id := range unknown {
		q, ok := queries[id]
		if !ok { // a user gone from the helpdesk matches no customer
			continue
		}
		segs, found, err := db.CustomerSegments(ctx, q)
		if err != nil {
			return err
		}
		if found {
			segments[id] = segs
		}
	}
	return nil
}

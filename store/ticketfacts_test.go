package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

func minutes(m float64) *float64 { return &m }

func TestTicketFactsRoundTripInCreatedOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		facts := []store.TicketFact{
			{Helpdesk: "zendesk", TicketID: 3, CreatedAt: day.Add(2 * time.Hour), Status: "open",
				Segments: []string{"basic"}, SegmentsFrom: store.SegmentsFromMembership},
			{Helpdesk: "zendesk", TicketID: 1, RequesterID: 77, CreatedAt: day, SolvedAt: day.Add(90 * time.Minute), Status: "solved",
				FirstReplyMinutes: minutes(12), FirstReplyBusiness: minutes(12), FullResolutionMinutes: minutes(90),
				FullResolutionBusiness: minutes(60), AgentReplies: 1, Reopens: 0, Rating: "good",
				Segments: []string{"enterprise", "technical"}, SegmentsFrom: store.SegmentsFromEnrichment},
			{Helpdesk: "zendesk", TicketID: 2, CreatedAt: day, Status: "new"}, // same second as ticket 1
			{Helpdesk: "zendesk", TicketID: 4, CreatedAt: day.AddDate(0, 0, 1)},
		}
		if err := db.UpsertTicketFacts(ctx, facts, "zendesk_tickets", `{"cursor":"abc"}`); err != nil {
			t.Fatal(err)
		}
		// A later version of ticket 3 replaces the first.
		facts[0].Status, facts[0].SolvedAt = "solved", day.Add(5*time.Hour)
		if err := db.UpsertTicketFacts(ctx, facts[:1], "zendesk_tickets", ""); err != nil {
			t.Fatal(err)
		}
		if cp, err := db.Checkpoint(ctx, "zendesk_tickets"); err != nil || cp != `{"cursor":"abc"}` {
			t.Errorf("checkpoint = %q, %v", cp, err)
		}
		var got []store.TicketFact
		err := db.EachTicketFact(ctx, day, day.AddDate(0, 0, 1), func(f store.TicketFact) error {
			got = append(got, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, f := range got {
			ids = append(ids, f.TicketID)
		}
		if !slices.Equal(ids, []int64{1, 2, 3}) { // ticket 4 is created on the next day: outside
			t.Fatalf("ids = %v, want [1 2 3]", ids)
		}
		one := got[0]
		if one.RequesterID != 77 || !one.SolvedAt.Equal(day.Add(90*time.Minute)) || *one.FirstReplyMinutes != 12 ||
			*one.FullResolutionBusiness != 60 || one.AgentReplies != 1 || one.Rating != "good" ||
			!slices.Equal(one.Segments, []string{"enterprise", "technical"}) || one.SegmentsFrom != store.SegmentsFromEnrichment {
			t.Errorf("ticket 1 = %+v", one)
		}
		if got[1].FirstReplyMinutes != nil || !got[1].SolvedAt.IsZero() {
			t.Errorf("ticket 2 has times it never had: %+v", got[1])
		}
		if got[2].Status != "solved" || !got[2].SolvedAt.Equal(day.Add(5*time.Hour)) {
			t.Errorf("ticket 3 not replaced: %+v", got[2])
		}
	})
}

func TestEnrichedSegments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q, err := db.NewQueue(store.QueueConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		for _, id := range []int64{10, 11} {
			if _, err := q.Enqueue(ctx, cohort.Delivery{Helpdesk: "zendesk", Ticket: cohort.Ticket{ID: id}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.FinishEnrichment(ctx, cohort.Enrichment{Helpdesk: "zendesk", TicketID: 10, Status: cohort.EnrichmentDone,
			Segments: []string{"enterprise"}}); err != nil {
			t.Fatal(err)
		}
		got, err := db.EnrichedSegments(ctx, "zendesk", []int64{10, 11, 12})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || !slices.Equal(got[10], []string{"enterprise"}) {
			t.Errorf("enriched segments = %v, want only ticket 10's", got)
		}
	})
}

// TestSegmentDays: stored days come back as written; which days are stale
// follows the facts written and the days computed; the tickets open at a
// moment are found.
func TestSegmentDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
		if _, ok, err := db.StaleSegmentDays(ctx); ok || err != nil {
			t.Fatalf("no facts yet: stale %v, %v", ok, err)
		}
		facts := []store.TicketFact{
			{Helpdesk: "zendesk", TicketID: 1, CreatedAt: day(3).Add(9 * time.Hour), SolvedAt: day(5), Segments: []string{"enterprise"}},
			{Helpdesk: "zendesk", TicketID: 2, CreatedAt: day(2).Add(23 * time.Hour), Segments: []string{"basic"}},
			{Helpdesk: "zendesk", TicketID: 3, CreatedAt: day(1), SolvedAt: day(2), Segments: []string{}},
		}
		if err := db.UpsertTicketFacts(ctx, facts, "", ""); err != nil {
			t.Fatal(err)
		}
		if from, ok, err := db.StaleSegmentDays(ctx); !ok || err != nil || !from.Equal(day(1)) {
			t.Fatalf("stale from %v %v %v, want the first fact's day", from, ok, err)
		}
		open, err := db.TicketFactsOpenAt(ctx, day(4))
		if err != nil || len(open) != 2 || open[0].TicketID != 2 || open[1].TicketID != 1 {
			t.Fatalf("open on day 4: %+v, %v", open, err)
		}

		days := []cohort.SegmentDay{
			{Segment: "all", Day: day(3), Tickets: 2, Good: 1, Solved: 1, FCR: 1, Backlog: 1,
				FirstReply:     cohort.MinuteLists{Calendar: []float64{5, 12.5}, Business: []float64{0, 3}},
				FullResolution: cohort.MinuteLists{Calendar: []float64{60}, Business: []float64{30}}},
			{Segment: "enterprise", Day: day(3), Tickets: 1, Backlog: 1},
			{Segment: "all", Day: day(4), Backlog: 1},
		}
		if err := db.WriteSegmentDays(ctx, day(1), day(4), days); err != nil {
			t.Fatal(err)
		}
		if from, ok, err := db.StaleSegmentDays(ctx); !ok || err != nil || !from.Equal(day(4)) {
			t.Fatalf("after computing through day 4: stale from %v %v %v, want day 4 (still running then)", from, ok, err)
		}
		for _, business := range []bool{false, true} {
			var got []cohort.SegmentDay
			if err := db.EachSegmentDay(ctx, day(3), day(5), business, func(d *cohort.SegmentDay) error {
				got = append(got, *d)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(days)
			for i := range want {
				if business {
					want[i].FirstReply.Calendar, want[i].FullResolution.Calendar = nil, nil
				} else {
					want[i].FirstReply.Business, want[i].FullResolution.Business = nil, nil
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("business %v:\n got %v\nwant %v", business, got, want)
			}
		}
		if segs, err := db.SegmentsBefore(ctx, day(4)); err != nil || !slices.Equal(segs, []string{"all", "enterprise"}) {
			t.Errorf("segments before day 4: %v, %v", segs, err)
		}
		// A changed ticket of day 2 makes day 2 stale again; so does
		// marking everything stale.
		if err := db.UpsertTicketFacts(ctx, facts[1:2], "", ""); err != nil {
			t.Fatal(err)
		}
		if from, _, _ := db.StaleSegmentDays(ctx); !from.Equal(day(2)) {
			t.Errorf("after a day-2 ticket changed: stale from %v", from)
		}
		if err := db.MarkSegmentDaysStale(ctx, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if from, _, _ := db.StaleSegmentDays(ctx); !from.Equal(day(1)) {
			t.Errorf("after marking everything stale: from %v", from)
		}
	})
}

// TestTwoVersionsOfATicketInOneBatch: the export can carry a ticket twice
// in one page; the later version is the one stored.
func TestTwoVersionsOfATicketInOneBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		created := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		if err := db.UpsertTicketFacts(ctx, []store.TicketFact{
			{Helpdesk: "zendesk", TicketID: 7, CreatedAt: created, Status: "open"},
			{Helpdesk: "zendesk", TicketID: 8, CreatedAt: created, Status: "new"},
			{Helpdesk: "zendesk", TicketID: 7, CreatedAt: created, Status: "solved", SolvedAt: created.Add(time.Hour)},
		}, "", ""); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := db.EachTicketFact(ctx, created, created.Add(time.Minute), func(f store.TicketFact) error {
			got = append(got, fmt.Sprint(f.TicketID, f.Status))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"7solved", "8new"}) {
			t.Errorf("stored %v", got)
		}
	})
}

// A next page that cannot be read is an error, not a panic: the page query
// fails here because fn cancels the context after the first page.
func TestEachTicketFactReportsAFailedNextPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		day := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		facts := make([]store.TicketFact, store.TicketFactPage+1)
		for i := range facts {
			facts[i] = store.TicketFact{Helpdesk: "zendesk", TicketID: int64(i + 1), CreatedAt: day.Add(time.Duration(i) * time.Second)}
		}
		if err := db.UpsertTicketFacts(context.Background(), facts, "zendesk_tickets", ""); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n := 0
		err := db.EachTicketFact(ctx, day, day.AddDate(0, 0, 1), func(store.TicketFact) error {
			if n++; n == store.TicketFactPage {
				cancel()
			}
			return nil
		})
		if err == nil {
			t.Fatalf("read %d facts and no error, want the next page's failure", n)
		}
		if n != store.TicketFactPage {
			t.Errorf("fn saw %d facts, want the first page's %d", n, store.TicketFactPage)
		}
	})
}

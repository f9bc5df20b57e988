package store_test

import (
	"context"
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

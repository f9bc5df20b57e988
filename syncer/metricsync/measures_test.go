package metricsync_test

import (
	"context"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
	"github.com/cohortdesk/cohort/syncer/synctest"
)

func TestMeasuresFromStoredFacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		at := func(day, hour int) time.Time { return time.Date(2026, 10, day, hour, 0, 0, 0, time.UTC) }
		m := func(v float64) *float64 { return &v }
		facts := []store.TicketFact{
			// Before the range: open until Oct 3, so in the first day's backlog.
			{Helpdesk: "zendesk", TicketID: 1, CreatedAt: time.Date(2026, 9, 30, 12, 0, 0, 0, time.UTC), SolvedAt: at(3, 9),
				Segments: []string{"enterprise"}, SegmentsFrom: store.SegmentsFromEnrichment},
			{Helpdesk: "zendesk", TicketID: 2, CreatedAt: at(1, 9), SolvedAt: at(1, 11), FirstReplyMinutes: m(10),
				FullResolutionMinutes: m(120), AgentReplies: 1, Rating: "good", Segments: []string{"enterprise"}},
			{Helpdesk: "zendesk", TicketID: 3, CreatedAt: at(1, 10), FirstReplyMinutes: m(30), Rating: "",
				Segments: []string{"basic"}, SegmentsFrom: store.SegmentsFromMembership},
			{Helpdesk: "zendesk", TicketID: 4, CreatedAt: at(2, 8), SolvedAt: at(2, 9), FirstReplyMinutes: m(20),
				FullResolutionMinutes: m(60), AgentReplies: 2, Reopens: 1, Rating: "bad", Segments: []string{"enterprise"}},
		}
		if err := db.UpsertTicketFacts(ctx, facts, "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{
			{Email: "a@x.example", Plan: "enterprise", LTV: 1000, SignupDate: at(1, 0).AddDate(-1, 0, 0)},
			{Email: "b@x.example", Plan: "enterprise", LTV: 3000, SignupDate: at(1, 0).AddDate(-1, 0, 0)},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := resegment.All(ctx, db, synctest.Rules(t, synctest.Segments), at(1, 0)); err != nil {
			t.Fatal(err)
		}
		if _, err := metricsync.Aggregate(ctx, db, at(2, 12)); err != nil {
			t.Fatal(err)
		}
		rows, err := metricsync.Measures(ctx, db, at(1, 0), at(2, 0), cohort.ByDay, cohort.CalendarMinutes)
		if err != nil {
			t.Fatal(err)
		}
		get := func(seg, day string) cohort.SegmentMeasures {
			for _, r := range rows {
				if r.Segment == seg && r.Period == day {
					return r
				}
			}
			t.Fatalf("no row for %s %s in %d rows", seg, day, len(rows))
			return cohort.SegmentMeasures{}
		}
		ent1 := get("enterprise", "2026-10-01")
		if ent1.Tickets != 1 || *ent1.CSAT != 1 || ent1.CSATResponses != 1 || *ent1.FirstReplyMinutesP50 != 10 ||
			*ent1.FCRRate != 1 || *ent1.Backlog != 1 || *ent1.Retention != 1 || *ent1.AvgLTV != 2000 {
			t.Errorf("enterprise Oct 1: %+v", ent1)
		}
		ent2 := get("enterprise", "2026-10-02")
		if ent2.Tickets != 1 || *ent2.CSAT != 0 || *ent2.ReopenRate != 1 || *ent2.FCRRate != 0 || *ent2.Backlog != 1 {
			t.Errorf("enterprise Oct 2: %+v", ent2)
		}
		all1 := get(cohort.AllCustomers, "2026-10-01")
		if all1.Tickets != 2 || *all1.Backlog != 2 || *all1.FirstReplyMinutesP90 != 30 {
			t.Errorf("all Oct 1: %+v", all1)
		}
		basic1 := get("basic", "2026-10-01")
		if basic1.CSAT != nil || basic1.FCRRate != nil || basic1.Retention != nil {
			t.Errorf("basic Oct 1 should have no CSAT, FCR or retention data: %+v", basic1)
		}
	})
}

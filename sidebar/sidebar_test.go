package sidebar_test

import (
	"context"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/sidebar"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/metricsync"
)

const segmentsYAML = `segments:
  - name: enterprise
    description: Enterprise accounts get urgent handling
    when: customer.plan == "enterprise"
    priority: high
  - name: technical
    description: Technically savvy users get in-depth troubleshooting
    when: customer.tech_level == "advanced"
escalations:
  - name: outage
    when: ticket.subject contains "down"
    priority: urgent
`

const macrosYAML = `
- key: enterprise_path
  title: Enterprise escalation path
  segments: [enterprise]
  actions: {priority: high}
- key: tech_deep_dive
  title: Technical deep dive
  segments: [technical]
  actions: {comment: {body: "Logs please"}}
`

// records is the one enrichment record of the test.
type records map[int64]cohort.Enrichment

func (r records) Enrichment(_ context.Context, _ string, id int64) (cohort.Enrichment, error) {
	rec, ok := r[id]
	if !ok {
		return cohort.Enrichment{}, cohort.Errorf("test", cohort.KindNotFound, "no record")
	}
	return rec, nil
}

var today = time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)

// builder wires a Builder as cohort serve does, over db holding Ann
// (enterprise from the CSV, advanced from HubSpot) and 30 days of figures.
func builder(t *testing.T, db *store.DB) (*sidebar.Builder, int64) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "csv"}, []cohort.Customer{{Email: "ann@acme.example",
		Name: "Ann Lee", Plan: "enterprise", ARR: 120000, SignupDate: today.AddDate(0, 0, -400), Products: []string{"payments-api"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "hubspot"}, []cohort.Customer{{Email: "ann@acme.example",
		TechLevel: "advanced"}}); err != nil {
		t.Fatal(err)
	}
	c, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "ann@acme.example"})
	if err != nil || c == nil {
		t.Fatalf("find Ann: %v %v", c, err)
	}
	day := func(n int) time.Time { return time.Date(2026, 12, 7-n, 0, 0, 0, 0, time.UTC) }
	days := []cohort.SegmentDay{
		{Segment: cohort.AllCustomers, Day: day(40), Tickets: 50, Good: 1, FirstReply: cohort.MinuteLists{Calendar: []float64{999}}}, // outside the window
		{Segment: cohort.AllCustomers, Day: day(10), Tickets: 4, Good: 3, Bad: 1, FirstReply: cohort.MinuteLists{Calendar: []float64{60, 120, 180, 240}}},
		{Segment: cohort.AllCustomers, Day: day(2), Tickets: 2, Good: 1, Bad: 1, FirstReply: cohort.MinuteLists{Calendar: []float64{300, 360}}},
		{Segment: "enterprise", Day: day(10), Tickets: 1, Good: 1, FirstReply: cohort.MinuteLists{Calendar: []float64{30}}},
		{Segment: "enterprise", Day: day(2), Tickets: 1, Good: 1, FirstReply: cohort.MinuteLists{Calendar: []float64{50}}},
	}
	if err := db.WriteSegmentDays(ctx, day(45), day(0), days); err != nil {
		t.Fatal(err)
	}
	set, err := rules.Parse("segments.yaml", []byte(segmentsYAML))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := macros.Parse(macros.File{Name: "macros.yaml", Data: []byte(macrosYAML)})
	if err == nil {
		err = ms.Bind(set)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOwnedMacro(ctx, cohort.OwnedMacro{Helpdesk: "zendesk", Key: "tech_deep_dive", MacroID: 901, Active: true}); err != nil {
		t.Fatal(err)
	}
	book := playbook.Fixed(&playbook.Playbook{Rules: set, Macros: ms})
	now := func() time.Time { return today }
	b := &sidebar.Builder{
		Records: records{42: {Helpdesk: "zendesk", TicketID: 42, Status: cohort.EnrichmentDone, CustomerID: c.ID,
			MatchedBy: cohort.MatchedByEmail, RequesterEmail: "ann@acme.example", Segments: []string{"enterprise", "technical"},
			Escalations: []string{"outage"}, PriorityBefore: cohort.PriorityNormal, PriorityAfter: cohort.PriorityUrgent}},
		Profiles: db, Decider: enrich.New(nil, db, book, enrich.Options{Now: now}),
		Macros: macros.NewApplier(book.Macros, nil, db, nil), Now: now,
		Rules: func() ([]cohort.Segment, []cohort.Escalation) {
			var segs []cohort.Segment
			for _, s := range set.Segments {
				segs = append(segs, s.Segment)
			}
			var escs []cohort.Escalation
			for _, e := range set.Escalations {
				escs = append(escs, e.Escalation)
			}
			return segs, escs
		},
		Measures: func(ctx context.Context, from, to time.Time) ([]cohort.SegmentMeasures, error) {
			return metricsync.Window(ctx, db, from, to, cohort.CalendarMinutes)
		},
	}
	return b, c.ID
}

func TestTicketView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b, _ := builder(t, db)
		v, err := b.Ticket(context.Background(), "zendesk", 42)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Segments) != 2 || v.Segments[0].Name != "enterprise" || !v.Segments[0].Primary ||
			v.Segments[0].Description != "Enterprise accounts get urgent handling" || v.Segments[0].Rule != `customer.plan == "enterprise"` ||
			v.Segments[0].Priority != "high" || v.Segments[1].Primary {
			t.Errorf("segments: %+v", v.Segments)
		}
		if len(v.Escalations) != 1 || v.Escalations[0].Rule != `ticket.subject contains "down"` {
			t.Errorf("escalations: %+v", v.Escalations)
		}
		if p := v.Priority; p.Before != "normal" || p.After != "urgent" || !p.Raised || p.Why != "Raised to urgent by escalation outage." {
			t.Errorf("priority: %+v", p)
		}
		facts := map[string]cohort.CustomerFact{}
		for _, f := range v.Customer.Facts {
			facts[f.Field] = f
		}
		if !v.Customer.Known || v.Customer.Name != "Ann Lee" || facts["plan"].Value != "enterprise" || facts["plan"].Source != "csv" ||
			facts["tech_level"].Source != "hubspot" || facts["arr"].Value != "120,000" || facts["signup_date"].Value != "2025-11-02 (400 days ago)" {
			t.Errorf("customer: %+v", v.Customer)
		}
		m := v.Measures // the 30 days to today, the day 40 days ago left out; medians by nearest rank
		if m == nil || m.From != "2026-11-08" || m.To != "2026-12-07" || m.Segment.Segment != "enterprise" || m.Segment.Tickets != 2 ||
			m.All.Tickets != 6 || *m.Segment.FirstReplyMinutesP50 != 30 || *m.All.FirstReplyMinutesP50 != 180 || *m.All.CSAT < 0.66 {
			t.Errorf("measures: %+v", m)
		}
		if len(v.Macros) != 2 || v.Macros[0].Key != "enterprise_path" || v.Macros[1].MacroID != 901 {
			t.Errorf("macros: %+v", v.Macros)
		}
		if _, err := b.Ticket(context.Background(), "zendesk", 43); cohort.KindOf(err) != cohort.KindNotFound {
			t.Errorf("a ticket with no record: %v, want not found", err)
		}
	})
}

func TestPreviewDecidesWithoutARecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		b, _ := builder(t, db)
		v, err := b.Preview(context.Background(), "zendesk", cohort.Requester{Email: "ANN@acme.example"}, cohort.PriorityLow)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Preview || len(v.Segments) != 2 || v.Priority.Before != "low" || v.Priority.After != "high" ||
			v.Priority.Why != "Raised to high by segment enterprise." || !v.Customer.Known || v.Customer.MatchedBy != cohort.MatchedByEmail {
			t.Errorf("preview: %+v", v)
		}
		v, err = b.Preview(context.Background(), "zendesk", cohort.Requester{Email: "nobody@else.example"}, cohort.PriorityNone)
		if err != nil {
			t.Fatal(err)
		}
		if v.Customer.Known || len(v.Segments) != 0 || v.Measures != nil || v.Priority.Why != "No matching rule sets a priority." {
			t.Errorf("unknown requester: %+v", v)
		}
		if _, err := b.Preview(context.Background(), "zendesk", cohort.Requester{}, cohort.PriorityNone); cohort.KindOf(err) != cohort.KindInvalid {
			t.Errorf("no requester: %v, want invalid", err)
		}
	})
}

package enrich_test

import (
	"context"
	"slices"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

const testRules = `
segments:
  - name: enterprise
    when: customer.plan == "enterprise"
    priority: high
    tags: [vip]
  - name: unknown
    when: not customer.known
escalations:
  - name: outage
    when: lower(ticket.subject) contains "outage"
    priority: urgent
`

type fixture struct {
	ctx      context.Context
	sandbox  *sandbox.Server
	zc       *zendesk.Client
	api      *zd.Client
	db       *store.DB
	enricher *enrich.Enricher
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := startFixture(t, []cohort.Customer{{Email: "ann@acme.example", Name: "Ann", Plan: "enterprise"}})
	set, err := rules.Parse("test.yaml", []byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	f.enricher = enrich.New(f.zc, f.db, playbook.Fixed(&playbook.Playbook{Rules: set, Macros: &macros.Set{}}), enrich.Options{})
	return f
}

// startFixture starts a sandbox, a client of it and a store holding
// customers; the caller makes the enricher.
func startFixture(t *testing.T, customers []cohort.Customer) *fixture {
	t.Helper()
	ctx := context.Background()
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: "tok"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zc.Close() })
	db := storetest.Open(t, store.SQLite)
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, customers); err != nil {
		t.Fatal(err)
	}
	return &fixture{ctx: ctx, sandbox: sb, zc: zc, api: zc.API(), db: db}
}

// createTicket creates a ticket in the sandbox and returns the delivery its
// webhook would carry: the ticket as it was at creation.
func (f *fixture) createTicket(t *testing.T, tk zd.Ticket) cohort.Delivery {
	t.Helper()
	created, err := f.api.CreateTicket(f.ctx, tk)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := cohort.ParsePriority(created.Priority)
	return cohort.Delivery{Helpdesk: "zendesk", InvocationID: "inv", Ticket: cohort.Ticket{
		ID: created.ID, Subject: created.Subject, Priority: p, Tags: created.Tags, UpdatedAt: *created.UpdatedAt,
		Requester: cohort.Requester{ID: created.RequesterID, Email: tk.Requester.Email, Name: tk.Requester.Name},
	}}
}

func (f *fixture) privateNotes(t *testing.T, id int64) []string {
	t.Helper()
	res, err := f.api.ListTicketComments(f.ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, c := range res.TicketComments {
		if c.Public != nil && !*c.Public {
			notes = append(notes, c.Body)
		}
	}
	return notes
}

func TestEnrichWritesOneUpdate(t *testing.T) {
	f := newFixture(t)
	d := f.createTicket(t, zd.Ticket{Subject: "Question", Priority: "low", Tags: []string{"agent_tag"},
		Comment: &zd.TicketComment{Body: "hi"}, Requester: &zd.Requester{Name: "Ann", Email: "ann@acme.example"}})
	rec, err := f.enricher.Enrich(f.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Segments, []string{"enterprise"}) || rec.PriorityBefore != cohort.PriorityLow ||
		rec.PriorityAfter != cohort.PriorityHigh || rec.MatchedBy != cohort.MatchedByEmail || rec.CustomerID == 0 {
		t.Errorf("record = %+v", rec)
	}
	got, err := f.api.GetTicket(f.ctx, d.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"agent_tag", "cohort_enriched", "seg_enterprise", "vip"}; !sameSet(got.Tags, want) || got.Priority != "high" {
		t.Errorf("ticket tags %v priority %q, want %v high", got.Tags, got.Priority, want)
	}
	if notes := f.privateNotes(t, d.Ticket.ID); len(notes) != 1 {
		t.Errorf("%d private notes, want 1", len(notes))
	}
}

func TestRedeliveryAddsNoSecondNote(t *testing.T) {
	f := newFixture(t)
	d := f.createTicket(t, zd.Ticket{Subject: "Outage!", Comment: &zd.TicketComment{Body: "down"},
		Requester: &zd.Requester{Name: "Ann", Email: "ann@acme.example"}})
	for i := range 3 {
		// The same delivery each time, as a retried job would run it: its
		// updated_at is stale after the first update.
		if _, err := f.enricher.Enrich(f.ctx, d); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
	if notes := f.privateNotes(t, d.Ticket.ID); len(notes) != 1 {
		t.Errorf("%d private notes after 3 runs, want 1", len(notes))
	}
	got, _ := f.api.GetTicket(f.ctx, d.Ticket.ID)
	if got.Priority != "urgent" {
		t.Errorf("priority %q, want urgent", got.Priority)
	}
}

func TestConflictRereadsAndKeepsAgentChanges(t *testing.T) {
	f := newFixture(t)
	d := f.createTicket(t, zd.Ticket{Subject: "Question", Priority: "normal", Comment: &zd.TicketComment{Body: "q"},
		Requester: &zd.Requester{Name: "Ann", Email: "ann@acme.example"}})
	// An agent edits the ticket after the webhook left: a tag and urgent.
	if _, err := f.api.UpdateTicket(f.ctx, d.Ticket.ID, zd.Ticket{Tags: []string{"agent_added"}, Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	rec, err := f.enricher.Enrich(f.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.api.GetTicket(f.ctx, d.Ticket.ID)
	if !slices.Contains(got.Tags, "agent_added") || !slices.Contains(got.Tags, "seg_enterprise") {
		t.Errorf("tags %v: the agent's tag and cohort's must both be there", got.Tags)
	}
	if got.Priority != "urgent" || rec.PriorityBefore != cohort.PriorityUrgent || rec.PriorityAfter != cohort.PriorityUrgent {
		t.Errorf("priority %q (record %v → %v): an agent's urgent must never be lowered", got.Priority, rec.PriorityBefore, rec.PriorityAfter)
	}
}

func TestEventWebhookRequesterIsLookedUp(t *testing.T) {
	f := newFixture(t)
	d := f.createTicket(t, zd.Ticket{Subject: "Hello", Comment: &zd.TicketComment{Body: "x"},
		Requester: &zd.Requester{Name: "Ann", Email: "ann@acme.example"}})
	// An event webhook names the requester by id only, and no updated_at.
	d.Ticket.Requester = cohort.Requester{ID: d.Ticket.Requester.ID}
	d.Ticket.UpdatedAt = time.Time{}
	rec, err := f.enricher.Enrich(f.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if rec.RequesterEmail != "ann@acme.example" || rec.MatchedBy != cohort.MatchedByEmail {
		t.Errorf("record = %+v; want the requester looked up by id and matched by email", rec)
	}
}

func TestDeletedTicketIsFinal(t *testing.T) {
	f := newFixture(t)
	_, err := f.enricher.Enrich(f.ctx, cohort.Delivery{Helpdesk: "zendesk", Ticket: cohort.Ticket{ID: 999999,
		Requester: cohort.Requester{Email: "ann@acme.example"}}})
	if cohort.KindOf(err) != cohort.KindNotFound {
		t.Errorf("err = %v (kind %v), want not found", err, cohort.KindOf(err))
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

package enrich_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/enrich"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/playbook"
)

const macroRules = `
segments:
  - name: enterprise
    when: customer.plan == "enterprise"
    priority: normal
  - name: new_customer
    when: customer.plan == "trial"
escalations:
  - name: outage
    when: lower(ticket.subject) contains "outage"
    priority: high
`

const macroFiles = `
- key: enterprise_escalation
  title: "Enterprise: escalation path"
  segments: [enterprise]
  auto: true
  actions:
    comment: {body: "Escalation path for {{ticket.organization.name}}: call {{ticket.requester.first_name}} back within the hour.", public: false}
    add_tags: [escalation_path]
    priority: urgent
    status: open
    type: incident
- key: enterprise_suggested
  title: Suggested only
  segments: [enterprise]
  actions: {status: solved}
- key: welcome
  title: Welcome
  segments: [new_customer]
  auto: true
  actions:
    comment: {body: "Welcome aboard, {{ticket.requester.first_name}}! {{current_user.first_name}} will guide you.", public: true}
    add_tags: [onboarding]
`

type macroFixture struct{ *fixture }

func newMacroFixture(t *testing.T, synced bool) *macroFixture {
	t.Helper()
	f := startFixture(t, []cohort.Customer{
		{Email: "ann@acme.example", Name: "Ann Lee", Plan: "enterprise", Organization: "Acme"},
		{Email: "tom@new.example", Name: "Tom Park", Plan: "trial"},
	})
	set, err := rules.Parse("segments.yaml", []byte(macroRules))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := macros.Parse(macros.File{Name: "macros.yaml", Data: []byte(macroFiles)})
	if err == nil {
		err = ms.Bind(set)
	}
	if err == nil && synced {
		_, _, err = macros.Sync(f.ctx, f.zc, f.db, ms)
	}
	if err != nil {
		t.Fatal(err)
	}
	book := playbook.Fixed(&playbook.Playbook{Rules: set, Macros: ms})
	f.enricher = enrich.New(f.zc, f.db, book, enrich.Options{Macros: macros.NewApplier(book.Macros, f.zc, f.db, nil)})
	return &macroFixture{fixture: f}
}

func (f *macroFixture) comments(t *testing.T, id int64) []zd.TicketComment {
	t.Helper()
	res, err := f.api.ListTicketComments(f.ctx, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res.TicketComments
}

// TestAutoMacroAppliedInTheSameUpdate: the primary segment's automatic
// macro rides in cohort's one update: its tags, status, type, priority
// (never lowering) and its internal note, rendered by cohort; a macro
// only suggested is not applied.
func TestAutoMacroAppliedInTheSameUpdate(t *testing.T) {
	f := newMacroFixture(t, false)
	d := f.createTicket(t, zd.Ticket{Subject: "Question", Priority: "low", Comment: &zd.TicketComment{Body: "hi"},
		Requester: &zd.Requester{Name: "Ann Lee", Email: "ann@acme.example"}})
	rec, err := f.enricher.Enrich(f.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Macros, []string{"enterprise_escalation"}) || rec.PriorityAfter != cohort.PriorityUrgent {
		t.Errorf("record = %+v", rec)
	}
	got, err := f.api.GetTicket(f.ctx, d.Ticket.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "open" || got.Type != "incident" || got.Priority != "urgent" || !slices.Contains(got.Tags, "escalation_path") ||
		!slices.Contains(got.Tags, "seg_enterprise") {
		t.Errorf("ticket = status %s type %s priority %s tags %v", got.Status, got.Type, got.Priority, got.Tags)
	}
	if n := f.sandbox.Stats().TicketUpdatesByID[d.Ticket.ID]; n != 1 {
		t.Errorf("%d updates of the ticket, want 1", n)
	}
	notes := f.privateNotes(t, d.Ticket.ID)
	if len(notes) != 1 || !strings.Contains(notes[0], "Macros applied: enterprise_escalation") ||
		!strings.Contains(notes[0], "Escalation path for Acme: call Ann back within the hour.") {
		t.Errorf("notes = %q", notes)
	}

	// Re-delivery applies nothing twice.
	if _, err := f.enricher.Enrich(f.ctx, d); err != nil {
		t.Fatal(err)
	}
	if n := f.sandbox.Stats().TicketUpdatesByID[d.Ticket.ID]; n != 1 || len(f.comments(t, d.Ticket.ID)) != 2 {
		t.Errorf("after re-delivery: %d updates, %d comments", n, len(f.comments(t, d.Ticket.ID)))
	}
}

// TestPublicReplyMacro: a macro's public reply is the update's comment,
// rendered by Zendesk when it needs what only Zendesk knows; cohort's note
// goes to the audit's metadata.
func TestPublicReplyMacro(t *testing.T) {
	f := newMacroFixture(t, true)
	d := f.createTicket(t, zd.Ticket{Subject: "How do I start?", Comment: &zd.TicketComment{Body: "hi"},
		Requester: &zd.Requester{Name: "Tom Park", Email: "tom@new.example"}})
	rec, err := f.enricher.Enrich(f.ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Macros, []string{"welcome"}) {
		t.Errorf("record = %+v", rec)
	}
	comments := f.comments(t, d.Ticket.ID)
	if len(comments) != 2 {
		t.Fatalf("%d comments", len(comments))
	}
	reply := comments[1]
	first, _, _ := strings.Cut(sandbox.AdminName, " ")
	if want := fmt.Sprintf("Welcome aboard, Tom! %s will guide you.", first); reply.Body != want || !*reply.Public {
		t.Errorf("reply = %q (public %v), want %q", reply.Body, *reply.Public, want)
	}
	custom, _ := reply.Metadata["custom"].(map[string]any)
	audit, _ := custom["cohort"].(map[string]any)
	if note, _ := audit["note"].(string); !strings.Contains(note, "Segments: new_customer (primary)") {
		t.Errorf("metadata = %v", reply.Metadata)
	}
	if n := f.sandbox.Stats().RequestsByRoute["GET /api/v2/tickets/{ticket_id}/macros/{id}/apply"]; n != 1 {
		t.Errorf("%d apply requests, want 1 (Zendesk renders current_user)", n)
	}
}

// TestMacroNotSyncedLeavesItsCommentOut: a comment only Zendesk can render,
// of a macro Zendesk does not have yet, is left out; the rest applies.
func TestMacroNotSyncedLeavesItsCommentOut(t *testing.T) {
	f := newMacroFixture(t, false)
	d := f.createTicket(t, zd.Ticket{Subject: "Hello", Comment: &zd.TicketComment{Body: "hi"},
		Requester: &zd.Requester{Name: "Tom Park", Email: "tom@new.example"}})
	if _, err := f.enricher.Enrich(f.ctx, d); err != nil {
		t.Fatal(err)
	}
	comments := f.comments(t, d.Ticket.ID)
	got, _ := f.api.GetTicket(f.ctx, d.Ticket.ID)
	if len(comments) != 2 || *comments[1].Public || !slices.Contains(got.Tags, "onboarding") {
		t.Errorf("comments %d (last public %v), tags %v", len(comments), *comments[len(comments)-1].Public, got.Tags)
	}
}

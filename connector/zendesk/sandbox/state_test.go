package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestStateRoundTrips: an account written with State and loaded with
// Restore is the same account, down to the document, and keeps working:
// its trigger still sends new tickets to its webhook.
func TestStateRoundTrips(t *testing.T) {
	var hits int
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer receiver.Close()

	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme", ExternalID: "org-1", Tags: []string{"enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann Lee", Email: "ann@acme.example", OrganizationID: org.ID, ExternalID: "crm-1",
		UserFields: zendesk.UserFields{"plan": "enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	_, field := adminSend(t, srv, http.MethodPost, "/api/v2/ticket_fields.json", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Segment"}})
	fieldID := field["ticket_field"].(map[string]any)["id"]
	createTicket(t, c, zendesk.Ticket{Subject: "Checkout down", RequesterID: ann.ID, Tags: []string{"outage"}, Priority: "high",
		Comment: &zendesk.TicketComment{Body: "Payments fail"}, CustomFields: []zendesk.CustomField{{ID: int64(fieldID.(float64)), Value: "enterprise"}}})
	if _, err := srv.ImportTicket(sandbox.ImportedTicket{Subject: "Old one", RequesterEmail: "ann@acme.example", CreatedAt: testNow.Add(-48 * time.Hour),
		FirstReplyAt: testNow.Add(-47 * time.Hour), Replies: 1, SolvedAt: testNow.Add(-40 * time.Hour), Rating: "good"}); err != nil {
		t.Fatal(err)
	}
	resp, hook := adminSend(t, srv, http.MethodPost, "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
		"name": "cohort", "endpoint": receiver.URL, "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions": []string{"conditional_ticket_events"}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("webhook: %d %v", resp.StatusCode, hook)
	}
	hookID := hook["webhook"].(map[string]any)["id"].(string)
	tr := zendesk.Trigger{Title: "Notify", Actions: []zendesk.TriggerAction{{Field: "notification_webhook", Value: []string{hookID, `{"id":"{{ticket.id}}"}`}}}}
	tr.Conditions.All = []zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}}
	if _, err := c.CreateTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMacro(ctx, zendesk.Macro{Title: "Billing::Refund", Actions: []zendesk.MacroAction{{Field: "status", Value: "solved"}}}); err != nil {
		t.Fatal(err)
	}

	written := srv.State()
	data, err := json.Marshal(written)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := sandbox.ParseState(data)
	if err != nil {
		t.Fatal(err)
	}
	again := startSandbox(t)
	if err := again.Restore(parsed); err != nil {
		t.Fatal(err)
	}
	reread, _ := json.Marshal(again.State())
	if string(reread) != string(data) {
		t.Errorf("the account changed on its way through a document:\nbefore %s\nafter  %s", data, reread)
	}

	c2 := adminClient(t, again)
	got, err := c2.GetTicket(ctx, 1)
	if err != nil || got.Subject != "Checkout down" || len(got.CustomFields) != 1 || got.CustomFields[0].Value != "enterprise" {
		t.Errorf("ticket 1 after restore = %+v, %v", got, err)
	}
	created := createTicket(t, c2, zendesk.Ticket{Subject: "After restore", Comment: &zendesk.TicketComment{Body: "x"}})
	if created.ID != 3 {
		t.Errorf("a new ticket after restore has id %d, want 3", created.ID)
	}
	if err := again.WaitDeliveries(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if hits != 1 {
		t.Errorf("the restored trigger and webhook delivered %d tickets, want 1", hits)
	}
}

// TestRestoreRefusesABadDocument: a record that is wrong stops the load,
// the error names it, and the account is as it was.
func TestRestoreRefusesABadDocument(t *testing.T) {
	srv := startSandbox(t)
	for _, tt := range []struct {
		doc, want string
	}{
		{`{"version":1,"users":[{"name":"Ann","email":"not an email"}]}`, `users[0] (not an email): email "not an email" is not valid`},
		{`{"version":1,"tickets":[{"subject":"Hi","requester_id":42,"comments":[{"body":"x"}]}]}`, "tickets[0] (Hi): requester_id 42 is not a user"},
		{`{"version":1,"tickets":[{"subject":"Hi","comments":[]}]}`, "tickets[0] (Hi): a ticket needs its first comment"},
		{`{"version":1,"users":[{"name":"Ann","emial":"a@b.example"}]}`, `unknown field "emial"`},
		{`{"version":2}`, "format version 2"},
	} {
		st, err := sandbox.ParseState([]byte(tt.doc))
		if err == nil {
			err = srv.Restore(st)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
	if st := srv.State(); len(st.Users) != 1 || len(st.TriggerCategories) != 1 || len(st.TicketFields) != 7 {
		t.Errorf("after refused loads the account is %+v", st)
	}
}

// TestHandWrittenSeed: a seed may leave out ids and times; records are
// numbered, the admin is added, and the tickets come with their comments.
func TestHandWrittenSeed(t *testing.T) {
	srv := startSandbox(t)
	st, err := sandbox.ParseState([]byte(`{"version":1,
		"organizations":[{"name":"Acme","external_id":"org-1"}],
		"users":[{"name":"Ann Lee","email":"ann@acme.example","external_id":"crm-1"}],
		"tickets":[{"subject":"Hello","comments":[{"body":"First","public":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Restore(st); err != nil {
		t.Fatal(err)
	}
	c := adminClient(t, srv)
	users, _, err := c.GetUsers(t.Context(), &zendesk.UserListOptions{})
	if err != nil || len(users) != 2 {
		t.Fatalf("users = %v, %v; want Ann and the admin", users, err)
	}
	ticket, err := c.GetTicket(t.Context(), 1)
	if err != nil || ticket.Description != "First" || ticket.CreatedAt.IsZero() {
		t.Errorf("ticket 1 = %+v, %v", ticket, err)
	}
}

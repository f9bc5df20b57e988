package sandbox_test

import (
	"encoding/json"
	"fmt"
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

// TestStateOfAStaleAccountLoads: what the API lets go stale (a trigger
// whose category or webhook was deleted, a macro whose assignee is no
// longer an agent) does not stop the account's document from loading.
func TestStateOfAStaleAccountLoads(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	_, hook := adminSend(t, srv, http.MethodPost, "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
		"name": "gone", "endpoint": "https://example.com/hook", "http_method": "POST", "request_format": "json", "status": "active",
		"subscriptions": []string{"conditional_ticket_events"}}})
	hookID := hook["webhook"].(map[string]any)["id"].(string)
	_, category := adminSend(t, srv, http.MethodPost, "/api/v2/trigger_categories.json", map[string]any{"trigger_category": map[string]any{"name": "Old"}})
	categoryID := category["trigger_category"].(map[string]any)["id"].(string)
	tr := zendesk.Trigger{Title: "Notify", CategoryID: categoryID,
		Actions: []zendesk.TriggerAction{{Field: "notification_webhook", Value: []string{hookID, "{}"}}}}
	tr.Conditions.All = []zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}}
	created, err := c.CreateTrigger(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	agent, err := c.CreateUser(ctx, zendesk.User{Name: "Agent", Email: "agent@x.example", Role: "agent"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateMacro(ctx, zendesk.Macro{Title: "Assign", Actions: []zendesk.MacroAction{{Field: "assignee_id", Value: fmt.Sprint(agent.ID)}}}); err != nil {
		t.Fatal(err)
	}
	// Deactivate the trigger, then delete its category and webhook, and
	// demote the agent.
	for _, step := range []struct{ method, path string }{
		{http.MethodDelete, "/api/v2/webhooks/" + hookID},
		{http.MethodDelete, "/api/v2/trigger_categories/" + categoryID + ".json"},
	} {
		if step.method == http.MethodDelete && strings.Contains(step.path, "categories") {
			adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/triggers/%d.json", created.ID), map[string]any{"trigger": map[string]any{"active": false}})
		}
		if resp, body := adminSend(t, srv, step.method, step.path, nil); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("%s %s: %d %v", step.method, step.path, resp.StatusCode, body)
		}
	}
	if resp, body := adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/users/%d.json", agent.ID), map[string]any{"user": map[string]any{"role": "end-user"}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("demote: %d %v", resp.StatusCode, body)
	}
	// The stale trigger can still be updated where it is.
	if resp, body := adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/triggers/%d.json", created.ID), map[string]any{"trigger": map[string]any{"active": true}}); resp.StatusCode != http.StatusOK {
		t.Errorf("activating a trigger whose category and webhook are gone: %d %v", resp.StatusCode, body)
	}
	st := srv.State()
	if err := startSandbox(t).Restore(&st); err != nil {
		t.Errorf("the account's own document does not load: %v", err)
	}
}

// TestExportCursorsSurviveARestore: a cursor of the incremental ticket
// export given before a restart finds the writes made after it.
func TestExportCursorsSurviveARestore(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	tk := createTicket(t, c, zendesk.Ticket{Subject: "One", Comment: &zendesk.TicketComment{Body: "x"}})
	for _, p := range []string{"low", "normal", "high"} {
		if _, err := c.UpdateTicket(t.Context(), tk.ID, zendesk.Ticket{Priority: p}); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Minute)
	_, first := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/incremental/tickets/cursor.json?start_time=%d", testNow.Add(-time.Hour).Unix()))
	cursor := first["after_cursor"].(string)

	st := srv.State()
	again := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	if err := again.Restore(&st); err != nil {
		t.Fatal(err)
	}
	if _, err := adminClient(t, again).UpdateTicket(t.Context(), tk.ID, zendesk.Ticket{Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	_, next := adminRequest(t, again, http.MethodGet, "/api/v2/incremental/tickets/cursor.json?cursor="+cursor)
	if list := next["tickets"].([]any); len(list) != 1 || list[0].(map[string]any)["priority"] != "urgent" {
		t.Errorf("after the restart the old cursor finds %v, want the urgent ticket", list)
	}
}

// TestRestoreChecksIDs: two records with one id, or a negative id, stop
// the load; a seed's category ids are not given again; field options get
// ids.
func TestRestoreChecksIDs(t *testing.T) {
	srv := startSandbox(t)
	for _, tt := range []struct{ doc, want string }{
		{`{"version":1,"groups":[{"id":7,"name":"A"},{"id":7,"name":"B"}]}`, "groups[1] (B): id 7 is also groups[0] (A)'s"},
		{`{"version":1,"macros":[{"id":7,"title":"A","actions":[]}],"triggers":[{"id":7,"title":"B","conditions":{"all":[{"field":"status","operator":"is","value":"new"}]},"actions":[{"field":"priority","value":"high"}]}]}`, "macros[0] (A): id 7 is also triggers[0] (B)'s"},
		{`{"version":1,"webhooks":[{"id":"W","name":"a","endpoint":"https://x.example","http_method":"POST","request_format":"json","status":"active"},{"id":"W","name":"b","endpoint":"https://x.example","http_method":"POST","request_format":"json","status":"active"}]}`, "webhooks[1] (b): id W is also another webhook's"},
		{`{"version":1,"users":[{"id":-3,"name":"Neg"}]}`, "id -3 is not an id"},
	} {
		st, err := sandbox.ParseState([]byte(tt.doc))
		if err == nil {
			err = srv.Restore(st)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
	st, err := sandbox.ParseState([]byte(`{"version":1,"trigger_categories":[{"id":"360000000500","name":"Mine"}],
		"user_fields":[{"key":"plan","type":"dropdown","title":"Plan","custom_field_options":[{"name":"Gold","value":"gold"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Restore(st); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/trigger_categories.json", map[string]any{"trigger_category": map[string]any{"name": "New"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("create category: %d %v", resp.StatusCode, body)
		}
	}
	if _, mine := adminRequest(t, srv, http.MethodGet, "/api/v2/trigger_categories/360000000500.json"); mine["trigger_category"].(map[string]any)["name"] != "Mine" {
		t.Errorf("the seed's category became %v", mine)
	}
	_, fields := adminRequest(t, srv, http.MethodGet, "/api/v2/user_fields.json")
	option := fields["user_fields"].([]any)[0].(map[string]any)["custom_field_options"].([]any)[0].(map[string]any)
	if id, _ := option["id"].(float64); id == 0 || option["raw_name"] != "Gold" {
		t.Errorf("a seeded option = %v, want an id and its raw name", option)
	}
}

// TestCursorsPageASeedInOrder: a seed's records, ids given or not, come
// in each list's order page after page.
func TestCursorsPageASeedInOrder(t *testing.T) {
	srv := startSandbox(t)
	st, err := sandbox.ParseState([]byte(`{"version":1,"organizations":[{"id":1,"name":"Acme"}],
		"users":[{"name":"Ann","organization_id":1},{"id":5,"name":"Bob","organization_id":1}],
		"user_fields":[{"id":9,"key":"a","type":"text","title":"A","position":1},{"id":8,"key":"b","type":"text","title":"B","position":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Restore(st); err != nil {
		t.Fatal(err)
	}
	for path, name := range map[string]string{"/api/v2/organizations/1/users.json": "users", "/api/v2/user_fields.json": "user_fields"} {
		var seen int
		next := path + "?page[size]=1"
		for next != "" && seen < 5 {
			_, page := adminRequest(t, srv, http.MethodGet, strings.TrimPrefix(next, srv.URL()))
			seen += len(page[name].([]any))
			next = ""
			if page["meta"].(map[string]any)["has_more"] == true {
				next = page["links"].(map[string]any)["next"].(string)
			}
		}
		if seen != 2 {
			t.Errorf("%s page by page: %d records, want 2", path, seen)
		}
	}
}

// TestRestoredMacrosAndTriggersByID: after a Restore, the macros and
// triggers of the document are shown and deleted by id, from the account
// Restore put in (they once answered 404: the handlers held the maps of
// the account New made).
func TestRestoredMacrosAndTriggersByID(t *testing.T) {
	st, err := sandbox.ParseState([]byte(`{"version":1,
		"macros":[{"id":7,"title":"Refund","actions":[{"field":"status","value":"solved"}]}],
		"triggers":[{"id":8,"title":"Escalate","conditions":{"all":[{"field":"status","operator":"is","value":"new"}]},"actions":[{"field":"priority","value":"high"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	srv := startSandbox(t)
	if err := srv.Restore(st); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		plural, singular string
		id               int64
		title            string
	}{{"macros", "macro", 7, "Refund"}, {"triggers", "trigger", 8, "Escalate"}} {
		path := fmt.Sprintf("/api/v2/%s/%d.json", tt.plural, tt.id)
		resp, body := adminRequest(t, srv, http.MethodGet, path)
		if rec, _ := body[tt.singular].(map[string]any); resp.StatusCode != http.StatusOK || rec["title"] != tt.title {
			t.Errorf("GET %s after Restore: %d %v, want 200 with %s", path, resp.StatusCode, body, tt.title)
		}
		if resp, body := adminRequest(t, srv, http.MethodDelete, path); resp.StatusCode != http.StatusNoContent {
			t.Errorf("DELETE %s after Restore: %d %v, want 204", path, resp.StatusCode, body)
		}
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			if resp, _ := adminRequest(t, srv, method, path); resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s after deleting it: %d, want 404", method, path, resp.StatusCode)
			}
		}
	}
	if got := srv.State(); len(got.Macros) != 0 || len(got.Triggers) != 0 {
		t.Errorf("the account still has %d macros and %d triggers, want none", len(got.Macros), len(got.Triggers))
	}
}

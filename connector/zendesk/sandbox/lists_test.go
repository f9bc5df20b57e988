package sandbox_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestAccountWideLists: GET /tickets, /users, /organizations and /tags,
// as go-zendesk and others read them.
func TestAccountWideLists(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme", Tags: []string{"enterprise"}})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann Lee", Email: "ann@acme.example", OrganizationID: org.ID, Tags: []string{"vip"}})
	if err != nil {
		t.Fatal(err)
	}
	a := createTicket(t, c, zendesk.Ticket{Subject: "Checkout down", Tags: []string{"outage", "vip"}, Priority: "urgent", RequesterID: ann.ID,
		Comment: &zendesk.TicketComment{Body: "Payments fail"}})
	b := createTicket(t, c, zendesk.Ticket{Subject: "Invoice", Tags: []string{"billing"}, ExternalID: "crm-7", Comment: &zendesk.TicketComment{Body: "Copy please"}})

	tickets, page, err := c.GetTickets(ctx, &zendesk.TicketListOptions{})
	if err != nil || len(tickets) != 2 || tickets[0].ID != a.ID || page.Count != 2 {
		t.Errorf("GetTickets = %d tickets, count %d, %v", len(tickets), page.Count, err)
	}
	_, byExternal := adminRequest(t, srv, http.MethodGet, "/api/v2/tickets.json?external_id=crm-7")
	if list := byExternal["tickets"].([]any); len(list) != 1 || list[0].(map[string]any)["subject"] != "Invoice" {
		t.Errorf("tickets with external_id crm-7 = %v", list)
	}
	_, newest := adminRequest(t, srv, http.MethodGet, "/api/v2/tickets.json?page[size]=1&sort=-id")
	if list := newest["tickets"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != float64(b.ID) || newest["meta"].(map[string]any)["has_more"] != true {
		t.Errorf("newest ticket first = %v", newest)
	}

	users, _, err := c.GetUsers(ctx, &zendesk.UserListOptions{})
	if err != nil || len(users) != 2 {
		t.Errorf("GetUsers = %v, %v; want the admin and Ann", users, err)
	}
	_, endUsers := adminRequest(t, srv, http.MethodGet, "/api/v2/users.json?role=end-user")
	if list := endUsers["users"].([]any); len(list) != 1 || list[0].(map[string]any)["name"] != "Ann Lee" {
		t.Errorf("end users = %v", list)
	}
	orgs, _, err := c.GetOrganizations(ctx, &zendesk.OrganizationListOptions{})
	if err != nil || len(orgs) != 1 || orgs[0].Name != "Acme" {
		t.Errorf("GetOrganizations = %v, %v", orgs, err)
	}

	_, tags := adminRequest(t, srv, http.MethodGet, "/api/v2/tags.json")
	list := tags["tags"].([]any)
	if len(list) != 4 || list[0].(map[string]any)["name"] != "vip" || list[0].(map[string]any)["count"] != float64(2) {
		t.Errorf("tags = %v, want vip (a ticket and a user) first", list)
	}
}

// TestSearch: GET /search and /users/search take Zendesk's search syntax:
// type:, field:value with quotes, < and > on ordered fields, free text.
func TestSearch(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann Lee", Email: "ann@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateUser(ctx, zendesk.User{Name: "Annabel Ortiz", Email: "annabel@umbrella.example"}); err != nil {
		t.Fatal(err)
	}
	urgent := createTicket(t, c, zendesk.Ticket{Subject: "Checkout down", Priority: "urgent", RequesterID: ann.ID, Comment: &zendesk.TicketComment{Body: "Payments fail"}})
	createTicket(t, c, zendesk.Ticket{Subject: "Invoice copy", Priority: "low", Comment: &zendesk.TicketComment{Body: "Please"}})

	count := func(query string) int {
		t.Helper()
		results, _, err := c.Search(ctx, &zendesk.SearchOptions{Query: query})
		if err != nil {
			t.Fatalf("search %q: %v", query, err)
		}
		return len(results.List())
	}
	for query, want := range map[string]int{
		"type:user -name:\"Ann Lee\"":            2,
		"type:ticket\tpriority:urgent":           1,
		"type:ticket order_by:created sort:desc": 2,
		"type:user":                              3, // the admin too
		`type:user name:"Ann Lee"`:               1,
		"type:user ann":                          2,
		"type:ticket priority>normal":            1,
		"type:ticket priority<urgent":            1,
		"type:ticket requester:" + ann.Email:     1,
		"type:ticket checkout":                   1,
		"type:ticket status:new":                 2,
		"type:organization":                      0,
		"payments":                               1,
	} {
		if got := count(query); got != want {
			t.Errorf("search %q: %d results, want %d", query, got, want)
		}
	}
	results, _, err := c.Search(ctx, &zendesk.SearchOptions{Query: "type:ticket priority:urgent"})
	if err != nil {
		t.Fatal(err)
	}
	if list := results.List(); len(list) != 1 || list[0].(zendesk.Ticket).ID != urgent.ID {
		t.Errorf("urgent tickets = %v", list)
	}
	newest, _, err := c.Search(ctx, &zendesk.SearchOptions{Query: "type:ticket order_by:created_at sort:desc"})
	if list := newest.List(); err != nil || len(list) != 2 || list[0].(zendesk.Ticket).ID == urgent.ID {
		t.Errorf("newest tickets first = %v, %v", list, err)
	}
	_, body := adminRequest(t, srv, http.MethodGet, "/api/v2/users/search.json?query="+url.QueryEscape(`name:"Ann Lee"`))
	if users := body["users"].([]any); len(users) != 1 || users[0].(map[string]any)["id"] != float64(ann.ID) {
		t.Errorf("users/search by name = %v", users)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/search.json?query=type:user&page=11&per_page=100"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("search page 11 of 100: status %d, want 422", resp.StatusCode)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/search.json"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("search without a query: status %d, want 400", resp.StatusCode)
	}
}

// TestTimeBasedExports: /incremental/tickets and /incremental/users with
// start_time page by update time, hold back the last minute of tickets,
// and say where the next page starts.
func TestTimeBasedExports(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	createTicket(t, c, zendesk.Ticket{Subject: "Old", Comment: &zendesk.TicketComment{Body: "x"}})
	clock.Advance(2 * time.Minute)
	createTicket(t, c, zendesk.Ticket{Subject: "Fresh", Comment: &zendesk.TicketComment{Body: "x"}})
	start := testNow.Add(-time.Hour).Unix()
	_, body := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/incremental/tickets.json?start_time=%d", start))
	tickets := body["tickets"].([]any)
	if len(tickets) != 1 || tickets[0].(map[string]any)["subject"] != "Old" || body["end_of_stream"] != true ||
		body["end_time"] != float64(testNow.Unix()) || body["count"] != float64(1) {
		t.Errorf("ticket export = %v, want Old only (Fresh is under a minute old)", body)
	}
	_, users := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/incremental/users.json?start_time=%d", start))
	if list := users["users"].([]any); len(list) != 1 || users["next_page"] == nil {
		t.Errorf("user export = %v, want the admin", users)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/incremental/tickets.json"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an export without start_time: %d", resp.StatusCode)
	}
}

// TestMacroSearchAndCategories: /macros/search finds by title,
// /macros/categories lists the "Category::" prefixes of titles.
func TestMacroSearchAndCategories(t *testing.T) {
	srv := startSandbox(t)
	for _, title := range []string{"Billing::Refund", "Billing::Invoice copy", "Triage::Escalate", "Welcome"} {
		resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/macros.json",
			map[string]any{"macro": map[string]any{"title": title, "actions": []any{map[string]any{"field": "status", "value": "open"}}}})
		if resp.StatusCode >= 300 {
			t.Fatalf("create macro: %d %v", resp.StatusCode, body)
		}
	}
	_, found := adminRequest(t, srv, http.MethodGet, "/api/v2/macros/search.json?query=invoice")
	if list := found["macros"].([]any); len(list) != 1 || list[0].(map[string]any)["title"] != "Billing::Invoice copy" {
		t.Errorf("macro search = %v", found)
	}
	_, categories := adminRequest(t, srv, http.MethodGet, "/api/v2/macros/categories.json")
	var names []string
	for _, n := range categories["categories"].([]any) {
		names = append(names, n.(string))
	}
	if !slices.Equal(names, []string{"Billing", "Triage"}) {
		t.Errorf("macro categories = %v", names)
	}
}

package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

func TestAuthentication(t *testing.T) {
	srv, _ := start(t)
	for _, key := range []string{"", "wrong-key"} {
		resp, data := callAs(t, srv, key, "GET", "/api/v2/tickets", nil)
		var e errorBody
		json.Unmarshal(data, &e)
		if resp.StatusCode != http.StatusUnauthorized || e.Code != "invalid_credentials" || e.Message == "" {
			t.Errorf("key %q: %d %s", key, resp.StatusCode, data)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("key %q: Content-Type %q", key, resp.Header.Get("Content-Type"))
		}
	}
	if resp, data := call(t, srv, "GET", "/api/v2/tickets", nil); resp.StatusCode != http.StatusOK || string(data) != "[]\n" {
		t.Errorf("with the key: %d %s", resp.StatusCode, data)
	}
	// A sandbox without a key lets nobody in.
	open, _ := start(t, func(c *sandbox.Config) { c.APIKey = "" })
	if resp, _ := callAs(t, open, "", "GET", "/api/v2/tickets", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key configured: %d", resp.StatusCode)
	}
	st := srv.Stats()
	if st.Requests != 3 || st.Responses[401] != 2 || st.RequestsByRoute["GET /api/v2/tickets"] != 3 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestNotFoundAndJSONOnly(t *testing.T) {
	srv, _ := start(t)
	for _, path := range []string{"/api/v2/tickets/999", "/api/v2/nothing", "/api/v2/contacts/abc"} {
		resp, data := call(t, srv, "GET", path, nil)
		var e errorBody
		if json.Unmarshal(data, &e); resp.StatusCode != http.StatusNotFound || e.Code != "not_found" {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, data)
		}
	}
	req, _ := http.NewRequest("POST", srv.URL()+"/api/v2/tickets", strings.NewReader("subject=x"))
	req.SetBasicAuth(testKey, "X")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body: %d", resp.StatusCode)
	}
	if got := srv.Stats().RequestsByRoute["GET /api/v2/*"]; got != 1 {
		t.Errorf("unknown route counted %d", got)
	}
}

func TestCreateTicketValidation(t *testing.T) {
	srv, _ := start(t)
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/tickets", obj{
		"description": "<p>hi</p>", "priority": 7, "status": "2", "colour": "red", "type": "Nonsense",
	})
	want := []string{
		"colour:invalid_field", "type:invalid_value", "status:datatype_mismatch", "priority:invalid_value",
		"requester_id:missing_field", "subject:missing_field",
	}
	if e.Description != "Validation failed" || !sameSet(e.fieldCodes(), want) {
		t.Errorf("errors = %+v, want %v", e, want)
	}
	for _, fe := range e.Errors {
		if fe.Field == "priority" && fe.Message != "It should be one of these values: '1,2,3,4'" {
			t.Errorf("priority message %q", fe.Message)
		}
	}
	resp, data := call(t, srv, "POST", "/api/v2/tickets", "not an object")
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a string body: %d %s", resp.StatusCode, data)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestCreateAndViewTicket(t *testing.T) {
	srv, _ := start(t)
	co := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/companies", obj{"name": "Acme", "domains": []string{"acme.test"}})
	c := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/contacts", obj{"name": "Ann", "email": "ann@acme.test", "company_id": co["id"]})
	id := createTicket(t, srv, obj{
		"email": "ANN@acme.test", "subject": "Broken", "description": "<p>It &amp; that</p>",
		"priority": 3, "status": 2, "source": 1, "type": "Incident", "tags": []string{"vip"},
	})
	if id != 1 {
		t.Errorf("first ticket id %d", id)
	}
	tk := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d?include=requester,company,stats,conversations", id), nil)
	if tk["requester_id"] != c["id"] || tk["company_id"] != co["id"] || tk["priority"] != 3.0 || tk["type"] != "Incident" ||
		tk["description_text"] != "It & that" || tk["created_at"] != "2024-05-17T09:30:30Z" {
		t.Errorf("ticket = %v", tk)
	}
	req := tk["requester"].(obj)
	if req["email"] != "ann@acme.test" || req["name"] != "Ann" {
		t.Errorf("requester = %v", req)
	}
	if tk["company"].(obj)["name"] != "Acme" {
		t.Errorf("company = %v", tk["company"])
	}
	stats := tk["stats"].(obj)
	if stats["first_responded_at"] != nil || stats["resolved_at"] != nil || stats["status_updated_at"] != "2024-05-17T09:30:30Z" {
		t.Errorf("stats = %v", stats)
	}
	if convs := tk["conversations"].([]any); len(convs) != 0 {
		t.Errorf("conversations = %v", convs)
	}

	// A new email creates a contact.
	id2 := createTicket(t, srv, obj{"email": "bob@new.test", "name": "Bob", "subject": "Hello"})
	tk2 := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d?include=requester", id2), nil)
	if r := tk2["requester"].(obj); r["email"] != "bob@new.test" || r["name"] != "Bob" || tk2["status"] != 2.0 || tk2["priority"] != 1.0 || tk2["source"] != 2.0 {
		t.Errorf("ticket 2 = %v", tk2)
	}
	contacts := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/contacts?email=bob@new.test", nil)
	if len(contacts) != 1 {
		t.Errorf("contacts = %v", contacts)
	}
	// requester_id must exist.
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/tickets", obj{"requester_id": 5, "subject": "x"})
	if !sameSet(e.fieldCodes(), []string{"requester_id:invalid_value"}) {
		t.Errorf("unknown requester: %+v", e)
	}
	if resp, _ := call(t, srv, "GET", "/api/v2/tickets/1?include=bogus", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("include=bogus: %d", resp.StatusCode)
	}
}

func TestUpdateTicket(t *testing.T) {
	srv, clk := start(t)
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Cohort segment", "type": "custom_text"})
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Tier", "type": "custom_dropdown", "choices": []string{"gold", "silver"}})
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s", "tags": []string{"agent_tag", "other"},
		"custom_fields": obj{"cf_tier": "gold"}})
	path := fmt.Sprintf("/api/v2/tickets/%d", id)

	clk.Add(time.Minute)
	tk := must[obj](t, srv, http.StatusOK, "PUT", path, obj{
		"tags": []string{"seg_enterprise"}, "priority": 4, "status": 4,
		"custom_fields": obj{"cf_cohort_segment": "enterprise"},
	})
	if tags := tk["tags"].([]any); len(tags) != 1 || tags[0] != "seg_enterprise" {
		t.Errorf("tags after PUT = %v: a PUT replaces the list", tags)
	}
	cf := tk["custom_fields"].(obj)
	if cf["cf_cohort_segment"] != "enterprise" || cf["cf_tier"] != "gold" {
		t.Errorf("custom_fields = %v: they merge", cf)
	}
	if tk["priority"] != 4.0 || tk["status"] != 4.0 || tk["updated_at"] != "2024-05-17T09:31:30Z" {
		t.Errorf("ticket = %v", tk)
	}
	st := must[obj](t, srv, http.StatusOK, "GET", path+"?include=stats", nil)["stats"].(obj)
	if st["resolved_at"] != "2024-05-17T09:31:30Z" || st["closed_at"] != nil {
		t.Errorf("stats = %v", st)
	}
	clk.Add(time.Minute)
	must[obj](t, srv, http.StatusOK, "PUT", path, obj{"status": 5})
	st = must[obj](t, srv, http.StatusOK, "GET", path+"?include=stats", nil)["stats"].(obj)
	if st["closed_at"] != "2024-05-17T09:32:30Z" || st["resolved_at"] != "2024-05-17T09:31:30Z" {
		t.Errorf("stats after close = %v", st)
	}

	e := must[errorBody](t, srv, http.StatusBadRequest, "PUT", path, obj{
		"priority": 0, "status": 1, "tags": "a,b", "custom_fields": obj{"cf_nope": 1, "cf_tier": "bronze", "cf_cohort_segment": 3},
	})
	want := []string{"priority:invalid_value", "status:invalid_value", "tags:datatype_mismatch",
		"cf_nope:invalid_field", "cf_tier:invalid_value", "cf_cohort_segment:datatype_mismatch"}
	if !sameSet(e.fieldCodes(), want) {
		t.Errorf("errors = %v, want %v", e.fieldCodes(), want)
	}
	if resp, _ := call(t, srv, "PUT", "/api/v2/tickets/99", obj{"priority": 1}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PUT missing ticket: %d", resp.StatusCode)
	}
	if st := srv.Stats(); st.TicketUpdates != 2 || st.TicketUpdatesByID[id] != 2 {
		t.Errorf("TicketUpdates = %d %v", st.TicketUpdates, st.TicketUpdatesByID)
	}
}

func TestDeleteAndRestoreTicket(t *testing.T) {
	srv, _ := start(t)
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s"})
	path := fmt.Sprintf("/api/v2/tickets/%d", id)
	if resp, _ := call(t, srv, "DELETE", path, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %d", resp.StatusCode)
	}
	if tk := must[obj](t, srv, http.StatusOK, "GET", path, nil); tk["deleted"] != true {
		t.Errorf("deleted ticket = %v", tk)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/tickets", nil); len(l) != 0 {
		t.Errorf("list shows a deleted ticket")
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/tickets?filter=deleted", nil); len(l) != 1 {
		t.Errorf("filter=deleted = %v", l)
	}
	if resp, _ := call(t, srv, "PUT", path, obj{"priority": 2}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PUT deleted: %d", resp.StatusCode)
	}
	if resp, _ := call(t, srv, "PUT", path+"/restore", nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("restore: %d", resp.StatusCode)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/tickets", nil); len(l) != 1 {
		t.Errorf("restored ticket not listed")
	}
}

// TestRoutesCounted requests every emulated route and checks that Stats
// counts it under its own pattern, not as an unknown endpoint.
func TestRoutesCounted(t *testing.T) {
	srv, _ := start(t)
	r := strings.NewReplacer("{id}", "1", "{type}", "1")
	for _, route := range srv.Routes() {
		method, pattern, _ := strings.Cut(route, " ")
		var body any
		if method == "POST" || method == "PUT" {
			body = obj{}
		}
		call(t, srv, method, r.Replace(pattern), body)
	}
	st := srv.Stats()
	for _, route := range srv.Routes() {
		if st.RequestsByRoute[route] != 1 {
			t.Errorf("%s counted %d times", route, st.RequestsByRoute[route])
		}
	}
	if len(srv.Routes()) < 40 || st.Requests != len(srv.Routes()) {
		t.Errorf("%d routes, %d requests", len(srv.Routes()), st.Requests)
	}
}

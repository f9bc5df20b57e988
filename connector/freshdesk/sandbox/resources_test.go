package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

func TestContactsAndCompanies(t *testing.T) {
	srv, clk := start(t)
	co := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/companies", obj{"name": "Acme", "custom_fields": obj{"plan": "gold"}})
	coPath := fmt.Sprintf("/api/v2/companies/%d", int64(co["id"].(float64)))
	c := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/contacts", obj{
		"name": "Ann", "email": "Ann@Acme.test", "company_id": co["id"], "unique_external_id": "crm-1",
		"custom_fields": obj{"arr": 1200, "tier": "gold"},
	})
	cPath := fmt.Sprintf("/api/v2/contacts/%d", int64(c["id"].(float64)))
	if c["email"] != "ann@acme.test" || c["custom_fields"].(obj)["arr"] != 1200.0 {
		t.Errorf("contact = %v", c)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/contacts", obj{"email": "ann@acme.test", "company_id": 1})
	if !sameSet(e.fieldCodes(), []string{"email:duplicate_value", "company_id:invalid_value", "name:missing_field"}) {
		t.Errorf("bad contact: %v", e.fieldCodes())
	}
	e = must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/companies", obj{"name": "acme"})
	if !sameSet(e.fieldCodes(), []string{"name:duplicate_value"}) {
		t.Errorf("duplicate company: %v", e.fieldCodes())
	}

	clk.Add(time.Hour)
	since := clk.Now().Format(time.RFC3339)
	up := must[obj](t, srv, http.StatusOK, "PUT", cPath, obj{"custom_fields": obj{"tier": "platinum"}, "job_title": "CTO"})
	if cf := up["custom_fields"].(obj); cf["tier"] != "platinum" || cf["arr"] != 1200.0 || up["job_title"] != "CTO" {
		t.Errorf("updated contact = %v", up)
	}
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/contacts", obj{"name": "Bob", "email": "bob@acme.test"})
	must[obj](t, srv, http.StatusOK, "PUT", coPath, obj{"industry": "Software"})

	for _, param := range []string{"_updated_since", "updated_since"} {
		l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/contacts?"+param+"="+url.QueryEscape(since), nil)
		if len(l) != 2 {
			t.Errorf("contacts %s: %d", param, len(l))
		}
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/contacts?company_id="+fmt.Sprint(int64(co["id"].(float64))), nil); len(l) != 1 {
		t.Errorf("contacts by company: %v", l)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/companies?updated_since="+url.QueryEscape(since), nil); len(l) != 1 || l[0]["industry"] != "Software" {
		t.Errorf("companies since: %v", l)
	}
	if got := must[obj](t, srv, http.StatusOK, "GET", coPath, nil); got["custom_fields"].(obj)["plan"] != "gold" {
		t.Errorf("company = %v", got)
	}
	if me := must[obj](t, srv, http.StatusOK, "GET", "/api/v2/agents/me", nil); me["id"] != float64(srv.AgentID()) {
		t.Errorf("me = %v", me)
	}
	// A ticket by unique_external_id finds the contact.
	id := createTicket(t, srv, obj{"unique_external_id": "crm-1", "subject": "x"})
	if tk := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil); tk["requester_id"] != c["id"] || tk["company_id"] != co["id"] {
		t.Errorf("ticket = %v", tk)
	}
}

func TestTicketFields(t *testing.T) {
	srv, _ := start(t)
	fields := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/ticket_fields", nil)
	if len(fields) != 11 || fields[0]["name"] != "requester" || fields[2]["choices"] == nil {
		t.Errorf("default fields = %v", fields)
	}
	f := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Cohort segment", "type": "custom_text"})
	if f["name"] != "cf_cohort_segment" || f["default"] != false {
		t.Errorf("field = %v", f)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Cohort Segment", "type": "custom_blob"})
	if !sameSet(e.fieldCodes(), []string{"type:invalid_value", "label:duplicate_value"}) {
		t.Errorf("bad field: %v", e.fieldCodes())
	}
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s", "custom_fields": obj{"cf_cohort_segment": "vip"}})
	path := fmt.Sprintf("/api/v2/admin/ticket_fields/%d", int64(f["id"].(float64)))
	if got := must[obj](t, srv, http.StatusOK, "GET", path, nil); got["label"] != "Cohort segment" {
		t.Errorf("GET field = %v", got)
	}
	if resp, _ := call(t, srv, "DELETE", path, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	if tk := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d", id), nil); len(tk["custom_fields"].(obj)) != 0 {
		t.Errorf("custom_fields after delete = %v", tk["custom_fields"])
	}
	def := fmt.Sprintf("/api/v2/admin/ticket_fields/%d", int64(fields[1]["id"].(float64)))
	if resp, _ := call(t, srv, "DELETE", def, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("DELETE a default field: %d", resp.StatusCode)
	}
}

func TestCannedResponses(t *testing.T) {
	srv, _ := start(t)
	folder := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/canned_response_folder", obj{"name": "cohort"})
	fid := int64(folder["id"].(float64))
	if resp, _ := call(t, srv, "POST", "/api/v2/canned_response_folder", obj{"name": "Cohort"}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("duplicate folder: %d", resp.StatusCode)
	}
	cr := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/canned_responses", obj{"title": "Welcome", "content_html": "<p>Hi &amp; welcome</p>", "folder_id": fid})
	if cr["content"] != "Hi & welcome" || cr["folder_id"] != float64(fid) {
		t.Errorf("response = %v", cr)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/canned_responses", obj{"title": "x"})
	if !sameSet(e.fieldCodes(), []string{"content_html:missing_field", "folder_id:missing_field"}) {
		t.Errorf("bad response: %v", e.fieldCodes())
	}
	path := fmt.Sprintf("/api/v2/canned_responses/%d", int64(cr["id"].(float64)))
	must[obj](t, srv, http.StatusOK, "PUT", path, obj{"title": "Welcome v2"})
	if got := must[obj](t, srv, http.StatusOK, "GET", path, nil); got["title"] != "Welcome v2" || got["content_html"] != "<p>Hi &amp; welcome</p>" {
		t.Errorf("updated = %v", got)
	}
	folders := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/canned_response_folders", nil)
	if len(folders) != 1 || folders[0]["responses_count"] != 1.0 {
		t.Errorf("folders = %v", folders)
	}
	rs := must[[]obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/canned_response_folders/%d/responses", fid), nil)
	if len(rs) != 1 || rs[0]["title"] != "Welcome v2" {
		t.Errorf("responses = %v", rs)
	}
	renamed := must[obj](t, srv, http.StatusOK, "PUT", fmt.Sprintf("/api/v2/canned_response_folder/%d", fid), obj{"name": "cohort-macros"})
	if renamed["name"] != "cohort-macros" {
		t.Errorf("renamed = %v", renamed)
	}
	if f := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/canned_response_folders/%d", fid), nil); len(f["canned_responses"].([]any)) != 1 {
		t.Errorf("folder = %v", f)
	}
}

func TestSatisfactionRatings(t *testing.T) {
	srv, clk := start(t)
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s", "responder_id": srv.AgentID()})
	first := must[obj](t, srv, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_ratings", id),
		obj{"ratings": obj{"default_question": 103}, "feedback": "great"})
	if first["ticket_id"] != float64(id) || first["agent_id"] != float64(srv.AgentID()) || first["ratings"].(obj)["default_question"] != 103.0 {
		t.Errorf("rating = %v", first)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_ratings", id), obj{"ratings": obj{"default_question": 5}})
	if !sameSet(e.fieldCodes(), []string{"default_question:invalid_value", "default_question:missing_field"}) {
		t.Errorf("bad rating: %v", e.fieldCodes())
	}
	clk.Add(time.Hour)
	since := clk.Now().Format(time.RFC3339)
	must[obj](t, srv, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_ratings", id), obj{"ratings": obj{"default_question": -103}})
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/surveys/satisfaction_ratings", nil); len(l) != 2 {
		t.Errorf("all ratings: %d", len(l))
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/surveys/satisfaction_ratings?created_since="+url.QueryEscape(since), nil); len(l) != 1 || l[0]["ratings"].(obj)["default_question"] != -103.0 {
		t.Errorf("ratings since: %v", l)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_ratings", id), nil); len(l) != 2 {
		t.Errorf("ticket ratings: %d", len(l))
	}
}

func TestBulkUpdate(t *testing.T) {
	srv, _ := start(t, func(c *sandbox.Config) { c.JobDelay = 10 * time.Millisecond })
	a := createTicket(t, srv, obj{"email": "a@x.test", "subject": "a", "tags": []string{"x"}})
	b := createTicket(t, srv, obj{"email": "b@x.test", "subject": "b"})
	watch, stop := srv.WatchTag("seg_vip")
	defer stop()
	job := must[map[string]string](t, srv, http.StatusAccepted, "POST", "/api/v2/tickets/bulk_update", obj{
		"bulk_action": obj{"ids": []int64{a, b, 99}, "properties": obj{"priority": 3, "tags": []string{"seg_vip"}}},
	})
	jobPath := "/api/v2/jobs/" + job["job_id"]
	if j := must[obj](t, srv, http.StatusOK, "GET", jobPath, nil); j["status"] != sandbox.JobInProgress {
		t.Errorf("job before it ran = %v", j)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	j := must[obj](t, srv, http.StatusOK, "GET", jobPath, nil)
	data := j["data"].([]any)
	if j["status"] != sandbox.JobCompleted || j["progress"] != 100.0 || len(data) != 3 ||
		data[0].(obj)["success"] != true || data[2].(obj)["success"] != false {
		t.Errorf("job = %v", j)
	}
	if tk := must[obj](t, srv, http.StatusOK, "GET", fmt.Sprintf("/api/v2/tickets/%d", a), nil); tk["priority"] != 3.0 || len(tk["tags"].([]any)) != 1 {
		t.Errorf("ticket a = %v", tk)
	}
	for _, want := range []int64{a, b} {
		select {
		case got := <-watch:
			if got != want {
				t.Errorf("WatchTag got %d, want %d", got, want)
			}
		case <-ctx.Done():
			t.Fatal("WatchTag: nothing")
		}
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/tickets/bulk_update", obj{"bulk_action": obj{"ids": []int{}, "properties": obj{"priority": 9}}})
	if !sameSet(e.fieldCodes(), []string{"ids:invalid_value"}) {
		t.Errorf("bad bulk: %v", e.fieldCodes())
	}
	if resp, _ := call(t, srv, "GET", "/api/v2/jobs/nope", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing job: %d", resp.StatusCode)
	}
	if st := srv.Stats(); st.Jobs != 1 || st.TicketUpdates != 2 {
		t.Errorf("Stats: %d jobs, %d updates", st.Jobs, st.TicketUpdates)
	}
}

func TestSearchTickets(t *testing.T) {
	srv, _ := start(t)
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Segment", "type": "custom_text"})
	createTicket(t, srv, obj{"email": "a@x.test", "subject": "a", "priority": 4, "tags": []string{"vip"}, "custom_fields": obj{"cf_segment": "ent"}})
	createTicket(t, srv, obj{"email": "b@x.test", "subject": "b", "priority": 4, "status": 3})
	createTicket(t, srv, obj{"email": "c@x.test", "subject": "c", "priority": 1, "type": "Question"})
	for query, want := range map[string]int{
		`"status:2 AND priority:4"`:                 1,
		`"priority:4"`:                              2,
		`"priority:>2"`:                             2,
		`"tag:'vip' OR type:'Question'"`:            2,
		`"(status:3 OR status:2) AND priority:<2"`:  1,
		`"cf_segment:'ent'"`:                        1,
		`"segment:'ent'"`:                           1,
		`"created_at:>'2024-05-17' AND priority:1"`: 1,
		`"type:null"`:                               2,
	} {
		res := must[obj](t, srv, http.StatusOK, "GET", "/api/v2/search/tickets?query="+url.QueryEscape(query), nil)
		if res["total"] != float64(want) || len(res["results"].([]any)) != want {
			t.Errorf("%s: total %v, want %d", query, res["total"], want)
		}
	}
	for _, query := range []string{`status:2`, `"status"`, `"status:2 AND"`, `"(status:2"`, `"priority:high"`} {
		e := must[errorBody](t, srv, http.StatusBadRequest, "GET", "/api/v2/search/tickets?query="+url.QueryEscape(query), nil)
		if !sameSet(e.fieldCodes(), []string{"query:invalid_value"}) {
			t.Errorf("%s: %v", query, e.fieldCodes())
		}
	}
}

package conformance_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox/conformance"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// Credentials of the emulated account.
const (
	adminEmail = "admin@example.com"
	apiToken   = "tok"
)

// clock is the sandbox's clock: the time now, moved forward by what the
// test asked, so that what it wrote can leave the last minute, which the
// incremental exports hold back.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

// Now returns the clock's time.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// advance moves the clock forward by d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// account is an emulated Zendesk account served through a Recorder on a
// loopback port, with an endpoint that takes its webhook deliveries.
type account struct {
	url      string // the base URL; the API is under url+"/api/v2"
	hookURL  string // answers every webhook delivery 204
	clock    *clock
	recorder *conformance.Recorder
	sandbox  *sandbox.Server
}

// startAccount starts an account; the test's cleanup stops it.
func startAccount(t *testing.T) *account {
	t.Helper()
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	clk := &clock{}
	sb := sandbox.New(sandbox.Config{
		Email:        adminEmail,
		APIToken:     apiToken,
		Now:          clk.Now,
		RetryBackoff: 10 * time.Millisecond,
	})
	rec := conformance.NewRecorder(sb)
	srv := httptest.NewServer(rec)
	t.Cleanup(func() {
		srv.Close()
		if err := sb.Close(); err != nil {
			t.Errorf("closing the sandbox: %v", err)
		}
		hooks.Close()
	})
	return &account{url: srv.URL, hookURL: hooks.URL, clock: clk, recorder: rec, sandbox: sb}
}

// untouched returns the endpoints of the account's sandbox that no request
// has reached: a suite that calls "every endpoint" leaves none.
func (a *account) untouched() []string {
	seen := a.sandbox.Stats().RequestsByRoute
	var out []string
	for _, route := range a.sandbox.Routes() {
		if seen[route] == 0 {
			out = append(out, route)
		}
	}
	return out
}

// answer is a decoded JSON answer.
type answer struct {
	status int
	body   any
}

// get returns the value at path (object keys) in the answer, as a
// string: "" when there is none.
func (a answer) get(path ...string) string {
	node := a.body
	for _, key := range path {
		if list, ok := node.([]any); ok { // a key into an array is an index
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(list) {
				return ""
			}
			node = list[i]
			continue
		}
		obj, _ := node.(map[string]any)
		node = obj[key]
	}
	switch v := node.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// driver sends requests to an account's API as its admin, with API-token
// authentication.
type driver struct {
	t    *testing.T
	base string
}

// call sends method path (under /api/v2, with its query) with body as JSON
// (none for nil) and returns the answer. A failed round trip fails the
// test.
func (d driver) call(method, path string, body any) answer {
	d.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			d.t.Fatalf("encoding the body of %s %s: %v", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+"/api/v2"+path, rd)
	if err != nil {
		d.t.Fatalf("building %s %s: %v", method, path, err)
	}
	req.SetBasicAuth(adminEmail+"/token", apiToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatalf("reading the answer to %s %s: %v", method, path, err)
	}
	a := answer{status: resp.StatusCode}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&a.body) // an empty or non-JSON body stays nil
	return a
}

// id returns the value at path in the answer to a create, or "0" (which
// names nothing, so what uses it is answered 404) after failing the test
// when the create did not answer one.
func (d driver) id(what string, a answer, path ...string) string {
	d.t.Helper()
	if v := a.get(path...); v != "" {
		return v
	}
	d.t.Errorf("%s: no id in the answer (status %d): %s", what, a.status, excerpt(a.body))
	return "0"
}

// await polls the status of job jobID until the job is completed or
// failed, and fails the test if it is neither after 5 seconds.
func (d driver) await(jobID string) {
	d.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		a := d.call("GET", "/job_statuses/"+jobID, nil)
		switch a.get("job_status", "status") {
		case "completed", "failed":
			return
		case "queued", "working":
			time.Sleep(10 * time.Millisecond)
		default:
			d.t.Errorf("job %s: status %d: %s", jobID, a.status, excerpt(a.body))
			return
		}
	}
	d.t.Errorf("job %s did not finish in 5s", jobID)
}

// excerpt is the start of a decoded body, for error messages.
func excerpt(body any) string {
	b, _ := json.Marshal(body)
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// driveEveryEndpoint calls every endpoint the sandbox serves, with the
// data each needs created first, and the answers worth checking for
// errors: 404s of a show of each kind. Each call is recorded by the
// account's Recorder.
func driveEveryEndpoint(t *testing.T, acct *account) {
	d := driver{t: t, base: acct.url}
	start := acct.clock.Now().Add(-time.Hour).Unix()
	var ids made
	d.people(&ids)
	d.groupsAndFields(&ids)
	d.webhookAndTriggers(&ids, acct.hookURL)
	d.tickets(&ids)
	d.metricsAndRatings(&ids)
	d.macros(&ids)
	d.apps(cohortApp(t))
	// The exports hold back the last minute's writes: let them age.
	acct.clock.advance(2 * time.Minute)
	d.searchAndExports(start)
	d.notFound()
	d.call("DELETE", "/webhooks/"+ids.hook, nil)
}

// made holds the ids of what a drive created, for the calls that use it.
type made struct {
	org, requester, agent, group, field, hook, ticket, bare string
}

// people creates, shows, updates, lists and searches users, their fields
// and organizations, runs a bulk user import and deletes a user.
func (d driver) people(ids *made) {
	d.call("GET", "/users/me", nil)
	d.call("POST", "/user_fields", map[string]any{"user_field": map[string]any{
		"type": "text", "key": "plan", "title": "Plan", "description": "The customer's plan"}})
	d.call("GET", "/user_fields", nil)
	d.call("POST", "/organization_fields", map[string]any{"organization_field": map[string]any{
		"type": "dropdown", "key": "tier", "title": "Tier", "custom_field_options": []map[string]any{
			{"name": "Gold", "value": "gold"}, {"name": "Silver", "value": "silver"}}}})
	d.call("GET", "/organization_fields", nil)
	ids.org = d.id("create organization", d.call("POST", "/organizations", map[string]any{"organization": map[string]any{
		"name": "Acme", "external_id": "acme-1", "domain_names": []string{"acme.example"},
		"tags": []string{"enterprise"}, "organization_fields": map[string]any{"tier": "gold"}}}), "organization", "id")
	d.call("GET", "/organizations/"+ids.org, nil)
	d.call("PUT", "/organizations/"+ids.org, map[string]any{"organization": map[string]any{
		"notes": "Renews in March", "organization_fields": map[string]any{"tier": "silver"}}})
	d.call("GET", "/organizations/show_many?ids="+ids.org, nil)
	d.call("GET", "/organizations/search?external_id=acme-1", nil)
	d.call("GET", "/organizations/search?name=Acme", nil)
	d.call("GET", "/organizations", nil)

	ids.requester = d.id("create end-user", d.call("POST", "/users", map[string]any{"user": map[string]any{
		"name": "Jane Customer", "email": "jane@acme.example", "external_id": "cust-1", "organization_id": json.Number(ids.org),
		"phone": "+15555550100", "tags": []string{"vip"}, "user_fields": map[string]any{"plan": "pro"}}}), "user", "id")
	ids.agent = d.id("create agent", d.call("POST", "/users", map[string]any{"user": map[string]any{
		"name": "Alex Agent", "email": "alex@support.example", "role": "agent"}}), "user", "id")
	d.call("POST", "/users/create_or_update", map[string]any{"user": map[string]any{
		"name": "Sam Upsert", "email": "sam@acme.example"}})
	d.call("POST", "/users/create_or_update", map[string]any{"user": map[string]any{
		"name": "Sam Upserted", "email": "sam@acme.example"}})
	d.call("GET", "/users/"+ids.requester, nil)
	d.call("PUT", "/users/"+ids.requester, map[string]any{"user": map[string]any{
		"notes": "Prefers email", "user_fields": map[string]any{"plan": "enterprise"}}})
	d.call("GET", "/users/show_many?ids="+ids.requester+","+ids.agent, nil)
	d.call("GET", "/users/search?query="+url.QueryEscape("email:jane@acme.example"), nil)
	d.call("GET", "/users/search?external_id=cust-1", nil)
	d.call("GET", "/users/search?query="+url.QueryEscape(`name:"Jane Customer"`), nil)
	d.call("GET", "/users", nil)
	d.call("GET", "/organizations/"+ids.org+"/users", nil)
	job := d.id("create_or_update_many", d.call("POST", "/users/create_or_update_many", map[string]any{"users": []map[string]any{
		{"name": "Bulk One", "email": "bulk1@acme.example"}, {"name": "Bulk Two", "email": "bulk2@acme.example"}}}),
		"job_status", "id")
	d.await(job)
	leaving := d.id("create user to delete", d.call("POST", "/users", map[string]any{"user": map[string]any{
		"name": "Leaving User", "email": "leaving@acme.example"}}), "user", "id")
	d.call("DELETE", "/users/"+leaving, nil)
}

// groupsAndFields creates and lists groups and ticket fields.
func (d driver) groupsAndFields(ids *made) {
	ids.group = d.id("create group", d.call("POST", "/groups", map[string]any{"group": map[string]any{
		"name": "Tier 2", "description": "Escalations"}}), "group", "id")
	d.call("GET", "/groups", nil)
	ids.field = d.id("create ticket field", d.call("POST", "/ticket_fields", map[string]any{"ticket_field": map[string]any{
		"type": "text", "title": "Order number"}}), "ticket_field", "id")
	d.call("GET", "/ticket_fields", nil)
	d.call("GET", "/ticket_fields/"+ids.field, nil)
	d.call("PUT", "/ticket_fields/"+ids.field, map[string]any{"ticket_field": map[string]any{"title": "Order number", "description": "From the shop"}})
	spare := d.id("create ticket field to delete", d.call("POST", "/ticket_fields", map[string]any{"ticket_field": map[string]any{
		"type": "checkbox", "title": "Spare"}}), "ticket_field", "id")
	d.call("DELETE", "/ticket_fields/"+spare, nil)
	nickname := d.id("create user field", d.call("POST", "/user_fields", map[string]any{"user_field": map[string]any{
		"type": "text", "key": "nickname", "title": "Nickname"}}), "user_field", "id")
	d.call("GET", "/user_fields/"+nickname, nil)
	d.call("PUT", "/user_fields/"+nickname, map[string]any{"user_field": map[string]any{"title": "Nickname", "description": "What to call them"}})
	d.call("DELETE", "/user_fields/"+nickname, nil)
}

// apps uploads the app zipped, builds, installs, rebuilds, uninstalls
// and deletes it, through every endpoint of the Apps API.
func (d driver) apps(zipped []byte) {
	started := d.call("POST", "/apps", map[string]any{"name": "cohort", "short_description": "Segments on every ticket",
		"upload_id": json.Number(d.upload(zipped))})
	app := d.awaitApp(d.id("create app", started, "job_id"))
	d.call("GET", "/apps/owned", nil)
	d.call("GET", "/apps/"+app, nil)
	d.call("GET", "/apps/"+app+"/public_key", nil)
	inst := d.id("install app", d.call("POST", "/apps/installations", map[string]any{"app_id": json.Number(app),
		"settings": map[string]any{"name": "cohort"}, "enabled": true}), "id")
	d.call("GET", "/apps/installations", nil)
	d.call("GET", "/apps/installations/"+inst, nil)
	d.call("PUT", "/apps/installations/"+inst, map[string]any{"settings": map[string]any{"max_macros": "5"}})
	d.call("GET", "/apps/installations/"+inst+"/requirements", nil)
	rebuild := d.call("PUT", "/apps/"+app, map[string]any{"upload_id": json.Number(d.upload(zipped))})
	d.awaitApp(d.id("update app", rebuild, "job_id"))
	d.call("DELETE", "/apps/installations/"+inst, nil)
	d.call("DELETE", "/apps/"+app, nil)
}

// upload uploads an app's zip as multipart/form-data, as
// POST /apps/uploads takes it, and returns the upload's id.
func (d driver) upload(zipped []byte) string {
	d.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("uploaded_data", "app.zip")
	if err == nil {
		_, err = part.Write(zipped)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		d.t.Fatalf("building the upload: %v", err)
	}
	req, err := http.NewRequest("POST", d.base+"/api/v2/apps/uploads", &body)
	if err != nil {
		d.t.Fatal(err)
	}
	req.SetBasicAuth(adminEmail+"/token", apiToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatalf("POST /apps/uploads: %v", err)
	}
	defer resp.Body.Close()
	var a answer
	a.status = resp.StatusCode
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	_ = dec.Decode(&a.body)
	return d.id("upload app", a, "id")
}

// awaitApp polls the app build jobID until it is completed, and returns
// the app's id; it fails the test if the build failed or did not end in
// 10 seconds.
func (d driver) awaitApp(jobID string) string {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		a := d.call("GET", "/apps/job_statuses/"+jobID, nil)
		switch a.get("status") {
		case "completed":
			return a.get("app_id")
		case "queued", "working":
			time.Sleep(10 * time.Millisecond)
		default:
			d.t.Fatalf("app job %s: status %d: %s", jobID, a.status, excerpt(a.body))
		}
	}
	d.t.Fatalf("app job %s did not finish in 10s", jobID)
	return ""
}

// cohortApp returns cohort's Zendesk app (manifests/zendesk-app) zipped,
// as `cohort app package` makes it.
func cohortApp(t *testing.T) []byte {
	t.Helper()
	p, err := zafapp.Read(os.DirFS(cohortAppDir), ".")
	if err != nil {
		t.Fatal(err)
	}
	maps.DeleteFunc(p.Files, func(name string, _ []byte) bool { return !zafapp.Belongs(name) })
	if p, err = p.WithURL("https://cohort.example.com"); err != nil {
		t.Fatal(err)
	}
	zipped, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	return zipped
}

// cohortAppDir is cohort's Zendesk app, from this folder.
const cohortAppDir = "../../../../manifests/zendesk-app"

// webhookAndTriggers creates a webhook delivering to hookURL, trigger
// categories and triggers notifying it, and calls every endpoint of each.
func (d driver) webhookAndTriggers(ids *made, hookURL string) {
	ids.hook = d.id("create webhook", d.call("POST", "/webhooks", map[string]any{"webhook": map[string]any{
		"name": "Ticket solved", "endpoint": hookURL, "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"},
		"authentication": map[string]any{"type": "bearer_token", "add_position": "header",
			"data": map[string]any{"token": "hook-secret"}}}}), "webhook", "id")
	d.call("GET", "/webhooks", nil)
	d.call("GET", "/webhooks/"+ids.hook, nil)
	d.call("GET", "/webhooks/"+ids.hook+"/signing_secret", nil)
	d.call("PUT", "/webhooks/"+ids.hook, map[string]any{"webhook": map[string]any{
		"name": "Ticket solved", "endpoint": hookURL, "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"}}})
	d.call("PATCH", "/webhooks/"+ids.hook, map[string]any{"webhook": map[string]any{"name": "Ticket solved (v2)"}})
	category := d.id("create trigger category", d.call("POST", "/trigger_categories", map[string]any{
		"trigger_category": map[string]any{"name": "Notifications", "position": 0}}), "trigger_category", "id")
	d.call("GET", "/trigger_categories", nil)
	d.call("GET", "/trigger_categories/"+category, nil)
	d.call("PATCH", "/trigger_categories/"+category, map[string]any{
		"trigger_category": map[string]any{"name": "Webhook notifications", "position": 1}})
	spare := d.id("create spare trigger category", d.call("POST", "/trigger_categories", map[string]any{
		"trigger_category": map[string]any{"name": "Spare"}}), "trigger_category", "id")
	d.call("DELETE", "/trigger_categories/"+spare, nil)
	trig := triggerBody("Notify on solve", category, ids.hook)
	trigger := d.id("create trigger", d.call("POST", "/triggers", trig), "trigger", "id")
	d.call("GET", "/triggers", nil)
	d.call("GET", "/triggers/active", nil)
	d.call("GET", "/triggers/"+trigger, nil)
	trig["trigger"].(map[string]any)["title"] = "Notify on solve (v2)"
	d.call("PUT", "/triggers/"+trigger, trig)
	doomed := d.id("create trigger to delete", d.call("POST", "/triggers", triggerBody("Doomed", category, ids.hook)), "trigger", "id")
	d.call("DELETE", "/triggers/"+doomed, nil)
}

// tickets creates, shows, updates (one by one, in bulk and in batch) and
// lists tickets, their comments and their tags.
func (d driver) tickets(ids *made) {
	ids.ticket = d.id("create ticket", d.call("POST", "/tickets", map[string]any{"ticket": map[string]any{
		"subject": "My printer is on fire", "comment": map[string]any{"body": "It smokes."},
		"requester_id": json.Number(ids.requester), "assignee_id": json.Number(ids.agent), "group_id": json.Number(ids.group), "priority": "urgent", "type": "incident",
		"tags": []string{"printer", "fire"}, "external_id": "ext-1",
		"custom_fields": []map[string]any{{"id": json.Number(ids.field), "value": "A-100"}}}}), "ticket", "id")
	ids.bare = d.id("create ticket without priority or type", d.call("POST", "/tickets", map[string]any{"ticket": map[string]any{
		"subject": "Question", "comment": map[string]any{"body": "How do I reset my password?"},
		"requester": map[string]any{"name": "New Person", "email": "new.person@example.net"}}}), "ticket", "id")
	d.call("GET", "/tickets/"+ids.ticket, nil)
	d.call("GET", "/tickets/show_many?ids="+ids.ticket+","+ids.bare, nil)
	d.call("PUT", "/tickets/"+ids.ticket, map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "We are on it.", "public": true, "author_id": json.Number(ids.agent)}, "status": "pending"}})
	d.call("PUT", "/tickets/"+ids.ticket, map[string]any{"ticket": map[string]any{"status": "solved"}})
	bulk := d.call("PUT", "/tickets/update_many?ids="+ids.bare, map[string]any{"ticket": map[string]any{"status": "open"}})
	batch := d.call("PUT", "/tickets/update_many", map[string]any{"tickets": []map[string]any{
		{"id": json.Number(ids.bare), "priority": "low", "additional_tags": []string{"password"}}}})
	jobs := []string{d.id("bulk update", bulk, "job_status", "id"), d.id("batch update", batch, "job_status", "id")}
	for _, j := range jobs {
		d.await(j)
	}
	d.call("GET", "/job_statuses/show_many?ids="+jobs[0]+","+jobs[1], nil)
	d.call("GET", "/tickets/"+ids.ticket+"/comments", nil)
	d.call("GET", "/tickets/"+ids.bare+"/tags", nil)
	d.call("PUT", "/tickets/"+ids.bare+"/tags", map[string]any{"tags": []string{"followup"}})
	d.call("POST", "/tickets/"+ids.bare+"/tags", map[string]any{"tags": []string{"password", "reset"}})
	d.call("DELETE", "/tickets/"+ids.bare+"/tags", map[string]any{"tags": []string{"reset"}})
	d.call("GET", "/tickets?page[size]=1", nil)
	d.call("GET", "/tickets?per_page=1&page=2", nil)
	d.call("GET", "/tickets?external_id=ext-1", nil)
	d.call("GET", "/tags", nil)
}

// metricsAndRatings reads a ticket's metrics, rates it, and reads the
// ratings.
func (d driver) metricsAndRatings(ids *made) {
	metric := d.call("GET", "/tickets/"+ids.ticket+"/metrics", nil)
	d.call("GET", "/ticket_metrics", nil)
	d.call("GET", "/ticket_metrics/"+d.id("ticket metric", metric, "ticket_metric", "id"), nil)
	rating := d.id("rate ticket", d.call("POST", "/tickets/"+ids.ticket+"/satisfaction_rating", map[string]any{
		"satisfaction_rating": map[string]any{"score": "good", "comment": "Quick and kind"}}), "satisfaction_rating", "0", "id")
	d.call("GET", "/satisfaction_ratings", nil)
	d.call("GET", "/satisfaction_ratings?score=good", nil)
	d.call("GET", "/satisfaction_ratings/"+rating, nil)
}

// macros creates, lists, shows, updates, applies, searches and deletes
// macros.
func (d driver) macros(ids *made) {
	macro := d.id("create macro", d.call("POST", "/macros", map[string]any{"macro": map[string]any{
		"title": "Close and thank", "description": "Solves with a thank-you",
		"actions": []map[string]any{{"field": "status", "value": "solved"},
			{"field": "comment_value", "value": "Thanks, {{ticket.requester.first_name}}!"},
			{"field": "set_tags", "value": "thanked"}}}}), "macro", "id")
	d.call("GET", "/macros", nil)
	d.call("GET", "/macros/active", nil)
	d.call("GET", "/macros/"+macro, nil)
	d.call("PUT", "/macros/"+macro, map[string]any{"macro": map[string]any{"title": "Close and thank (v2)"}})
	d.call("GET", "/macros/"+macro+"/apply", nil)
	d.call("GET", "/tickets/"+ids.bare+"/macros/"+macro+"/apply", nil)
	d.call("GET", "/macros/search?query=thank", nil)
	d.call("GET", "/macros/categories", nil)
	old := d.id("create macro to delete", d.call("POST", "/macros", map[string]any{"macro": map[string]any{
		"title": "Old macro", "actions": []map[string]any{{"field": "priority", "value": "low"}}}}), "macro", "id")
	d.call("DELETE", "/macros/"+old, nil)
}

// searchAndExports searches tickets and users, and reads every
// incremental export from start (Unix seconds).
func (d driver) searchAndExports(start int64) {
	d.call("GET", "/search?query="+url.QueryEscape("type:ticket status:open"), nil)
	d.call("GET", "/search?query="+url.QueryEscape("type:user jane"), nil)
	s := strconv.FormatInt(start, 10)
	first := d.call("GET", "/incremental/tickets/cursor?start_time="+s+"&include=metric_sets", nil)
	d.call("GET", "/incremental/tickets/cursor?cursor="+url.QueryEscape(first.get("after_cursor")), nil)
	d.call("GET", "/incremental/tickets?start_time="+s, nil)
	d.call("GET", "/incremental/users/cursor?start_time="+s, nil)
	d.call("GET", "/incremental/users?start_time="+s, nil)
	d.call("GET", "/incremental/organizations?start_time="+s, nil)
}

// notFound shows something that is not there, of each kind. The OAS
// documents no 404 for these; Zendesk answers RecordNotFound (the
// reference sheet's §0 and §7), which notFound checks. It then asks for a
// trigger category that is not there, whose 404 the OAS documents.
func (d driver) notFound() {
	for _, path := range []string{"/tickets/999999", "/users/1", "/organizations/1", "/macros/1", "/triggers/1",
		"/ticket_metrics/1", "/satisfaction_ratings/1", "/job_statuses/0123abc"} {
		a := d.call("GET", path, nil)
		if a.status != http.StatusNotFound || a.get("error") != "RecordNotFound" || a.get("description") != "Not found" {
			d.t.Errorf("GET %s answered %d %s, want 404 {\"error\":\"RecordNotFound\",\"description\":\"Not found\"}",
				path, a.status, excerpt(a.body))
		}
	}
	d.call("GET", "/trigger_categories/1", nil)
	d.call("PATCH", "/trigger_categories/1", map[string]any{"trigger_category": map[string]any{"name": "Nothing"}})
	d.call("DELETE", "/trigger_categories/1", nil)
}

// triggerBody is the create body of a trigger that notifies hook when a
// ticket is solved.
func triggerBody(title, category, hook string) map[string]any {
	return map[string]any{"trigger": map[string]any{
		"title": title, "category_id": category,
		"conditions": map[string]any{
			"all": []map[string]any{{"field": "update_type", "operator": "is", "value": "Change"},
				{"field": "status", "operator": "is", "value": "solved"}},
			"any": []map[string]any{}},
		"actions": []map[string]any{{"field": "notification_webhook",
			"value": []string{hook, `{"ticket_id": "{{ticket.id}}", "status": "{{ticket.status}}"}`}}}}}
}

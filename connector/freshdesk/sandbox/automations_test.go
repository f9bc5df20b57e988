package sandbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

// receiver records the webhooks it gets, failing the first fail of them
// with 503.
type receiver struct {
	mu       sync.Mutex
	fail     int
	requests []received
}

type received struct {
	method, contentType, user, password string
	body                                []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	user, pass, _ := r.BasicAuth()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests = append(rc.requests, received{r.Method, r.Header.Get("Content-Type"), user, pass, body})
	if rc.fail > 0 {
		rc.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (rc *receiver) got() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.requests...)
}

func waitDeliveries(t *testing.T, srv *sandbox.Server, n int) []sandbox.Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.WaitDeliveries(ctx, n); err != nil {
		t.Fatalf("waiting for %d deliveries: %v (have %v)", n, err, srv.Deliveries())
	}
	return srv.Deliveries()
}

// webhookRule is a ticket-creation rule like the one cohort installs.
func webhookRule(url string, action obj) obj {
	a := obj{
		"field_name":   sandbox.ActionTriggerWebhook,
		"request_type": "POST",
		"url":          url,
		"auth_header":  obj{"username": "cohort", "password": "s3cret"},
		"content_type": "json",
	}
	for k, v := range action {
		a[k] = v
	}
	return obj{"name": "cohort", "active": true, "actions": []obj{a}}
}

func TestAutomationRuleWebhookAdvanced(t *testing.T) {
	rc := &receiver{fail: 1}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	srv, _ := start(t)
	rule := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/automations/1/rules", webhookRule(hook.URL+"/webhooks/freshdesk", obj{
		"content_layout": sandbox.LayoutAdvanced,
		"content":        `{"ticket_id":"{{ticket.id}}","subject":"{{ticket.subject}}","email":"{{ticket.requester.email}}","priority":"{{ticket.priority}}","status":"{{ticket.status}}","event":"{{triggered_event}}"}`,
	}))
	if rule["id"] == nil || rule["automation_type_id"] != 1.0 || rule["position"] != 1.0 {
		t.Errorf("rule = %v", rule)
	}
	id := createTicket(t, srv, obj{"email": "ann@acme.test", "subject": `Say "hi"`, "priority": 3})

	d := waitDeliveries(t, srv, 1)[0]
	if d.Err != nil || d.Attempts != 2 || d.StatusCode != http.StatusAccepted || d.TicketID != id || d.RuleID != int64(rule["id"].(float64)) {
		t.Errorf("delivery = %+v", d)
	}
	reqs := rc.got()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[1]
	if r.method != "POST" || r.user != "cohort" || r.password != "s3cret" || r.contentType != "application/json" {
		t.Errorf("request = %+v", r)
	}
	var body map[string]string
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	want := map[string]string{"ticket_id": fmt.Sprint(id), "subject": `Say "hi"`, "email": "ann@acme.test",
		"priority": "High", "status": "Open", "event": "{ticket_action:created}"}
	if fmt.Sprint(body) != fmt.Sprint(want) {
		t.Errorf("body = %v, want %v", body, want)
	}
	if st := srv.Stats(); st.WebhookAttempts != 2 {
		t.Errorf("WebhookAttempts = %d", st.WebhookAttempts)
	}
	// Updates do not run ticket-creation rules.
	must[obj](t, srv, http.StatusOK, "PUT", fmt.Sprintf("/api/v2/tickets/%d", id), obj{"priority": 4})
	if n := len(srv.Deliveries()); n != 1 {
		t.Errorf("%d deliveries after an update", n)
	}
}

func TestAutomationRuleWebhookSimpleAndConditions(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	srv, _ := start(t)
	rule := webhookRule(hook.URL, obj{"content_layout": sandbox.LayoutSimple, "content": []string{"ticket.id", "ticket.requester.email"}})
	rule["conditions"] = []obj{{"name": "urgent only", "match_type": "all", "properties": []obj{
		{"resource_type": "ticket", "field_name": "priority", "operator": "in", "value": []int{4}},
	}}}
	created := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/automations/1/rules", rule)
	createTicket(t, srv, obj{"email": "low@x.test", "subject": "low"})
	id := createTicket(t, srv, obj{"email": "urgent@x.test", "subject": "urgent", "priority": 4})
	waitDeliveries(t, srv, 1)
	reqs := rc.got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	var body map[string]map[string]any
	if err := json.Unmarshal(reqs[0].body, &body); err != nil {
		t.Fatal(err)
	}
	fw := body["freshdesk_webhook"]
	if fw["ticket_id"] != fmt.Sprint(id) || fw["ticket_contact_email"] != "urgent@x.test" || len(fw) != 2 {
		t.Errorf("simple body = %s", reqs[0].body)
	}

	// The rules API: list, update, delete.
	path := fmt.Sprintf("/api/v2/automations/1/rules/%d", int64(created["id"].(float64)))
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/automations/1/rules", nil); len(l) != 1 {
		t.Errorf("rules = %v", l)
	}
	if l := must[[]obj](t, srv, http.StatusOK, "GET", "/api/v2/automations/4/rules", nil); len(l) != 0 {
		t.Errorf("update rules = %v", l)
	}
	up := must[obj](t, srv, http.StatusOK, "PUT", path, obj{"active": false})
	if up["active"] != false || len(up["actions"].([]any)) != 1 {
		t.Errorf("updated rule = %v", up)
	}
	createTicket(t, srv, obj{"email": "u2@x.test", "subject": "u", "priority": 4})
	if resp, _ := call(t, srv, "DELETE", path, nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
	if resp, _ := call(t, srv, "GET", path, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET deleted: %d", resp.StatusCode)
	}
	if resp, _ := call(t, srv, "GET", "/api/v2/automations/2/rules", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("type 2: %d", resp.StatusCode)
	}
	e := must[errorBody](t, srv, http.StatusBadRequest, "POST", "/api/v2/automations/1/rules", obj{"name": "x",
		"actions": []obj{{"field_name": sandbox.ActionTriggerWebhook, "url": "not a url", "request_type": "BREW"}}})
	if !sameSet(e.fieldCodes(), []string{"url:invalid_value", "request_type:invalid_value"}) {
		t.Errorf("bad rule: %v", e.fieldCodes())
	}
	if n := len(srv.Deliveries()); n != 1 {
		t.Errorf("%d deliveries: an inactive rule ran", n)
	}
}

func TestWebhookGivesUpAfterRetries(t *testing.T) {
	rc := &receiver{fail: 100}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	srv, _ := start(t)
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/automations/1/rules", webhookRule(hook.URL, obj{"content": `{"id":{{ticket.id}}}`}))
	createTicket(t, srv, obj{"email": "a@x.test", "subject": "s"})
	d := waitDeliveries(t, srv, 1)[0]
	// The first attempt and retries at +5, +30 and +60 minutes.
	if d.Attempts != 4 || d.Err == nil || d.StatusCode != 503 || d.Body != `{"id":1}` {
		t.Errorf("delivery = %+v", d)
	}
}

func TestWebhookWaitsForTheRateLimit(t *testing.T) {
	rc := &receiver{}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	// Scale 1e-3: the 30 s left in the minute are 30 ms.
	srv, clk := start(t, func(c *sandbox.Config) { c.RateLimit = 2; c.WebhookRetryScale = 1e-3 })
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/automations/1/rules", webhookRule(hook.URL, obj{"content": `{"id":"{{ticket.id}}"}`}))
	createTicket(t, srv, obj{"email": "a@x.test", "subject": "s"}) // the budget is spent
	time.Sleep(50 * time.Millisecond)
	if n := len(rc.got()); n != 0 {
		t.Fatalf("%d webhooks sent over the limit", n)
	}
	clk.Add(time.Minute)
	d := waitDeliveries(t, srv, 1)[0]
	if d.Err != nil || d.Attempts != 1 {
		t.Errorf("delivery = %+v", d)
	}
	if resp, _ := call(t, srv, "GET", "/api/v2/ticket_fields", nil); resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("the webhook used no credit: remaining %s", resp.Header.Get("X-Ratelimit-Remaining"))
	}
}

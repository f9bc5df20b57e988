package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	fdsandbox "github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
	"github.com/cohortdesk/cohort/store"
)

const (
	fdKey    = "fd-test-api-key"
	fdSecret = "fd-test-webhook-secret"
)

// fdCall sends a JSON request to the Freshdesk sandbox as an agent and
// decodes its answer into out (nil: discarded).
func fdCall(t *testing.T, sb *fdsandbox.Server, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, sb.URL()+path, body)
	req.SetBasicAuth(fdKey, "X")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
}

// TestFreshdeskEndToEnd: a ticket created in the Freshdesk sandbox fires
// its automation rule's webhook (Basic auth, the rule's body) at cohort
// serve, which reads the ticket, decides with the same segments file as
// for Zendesk, and writes the tags (the agent's kept), the priority and
// one private note; a second delivery of the same ticket writes nothing.
func TestFreshdeskEndToEnd(t *testing.T) {
	sb, err := fdsandbox.Start(fdsandbox.Config{APIKey: fdKey, AgentEmail: "agent@example.com"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	enriched, stop := sb.WatchTag("cohort_enriched")
	t.Cleanup(stop)
	t.Setenv("COHORT_FRESHDESK_URL", sb.URL())
	t.Setenv("COHORT_FRESHDESK_API_KEY", fdKey)
	t.Setenv("COHORT_FRESHDESK_WEBHOOK_SECRET", fdSecret)
	t.Setenv("COHORT_ADMIN_TOKEN", "fd-admin-token")
	s := serveWithSandbox(t, store.SQLite, "../../manifests/segments.yaml")

	// The ticket-creation rule cohort's install will make (by hand here).
	fdCall(t, sb, "POST", "/api/v2/automations/1/rules", map[string]any{"name": "cohort", "active": true,
		"actions": []map[string]any{{"field_name": fdsandbox.ActionTriggerWebhook, "request_type": "POST",
			"url": "http://" + s.addr + "/webhooks/freshdesk", "content_type": "json",
			"auth_header":    map[string]string{"username": "cohort", "password": fdSecret},
			"content_layout": fdsandbox.LayoutAdvanced,
			"content":        `{"freshdesk_webhook":{"ticket_id":"{{ticket.id}}","requester_email":"{{ticket.requester.email}}"}}`}}}, nil)

	var created struct {
		ID int64 `json:"id"`
	}
	fdCall(t, sb, "POST", "/api/v2/tickets", map[string]any{"email": "grace.kim@stark.example", "subject": "Checkout is down",
		"description": "Blank checkout page for every EU customer.", "priority": 2, "status": 2, "tags": []string{"from_agent"}}, &created)
	select {
	case id := <-enriched:
		if id != created.ID {
			t.Fatalf("ticket %d enriched, want %d", id, created.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Freshdesk ticket not enriched within 30s; serve's logs:\n%s", s.logs.String())
	}
	var got struct {
		Tags     []string `json:"tags"`
		Priority int      `json:"priority"`
	}
	fdCall(t, sb, "GET", fmt.Sprintf("/api/v2/tickets/%d", created.ID), nil, &got)
	for _, tag := range []string{"from_agent", "seg_enterprise", "seg_technical", "cohort_enriched"} {
		if !slices.Contains(got.Tags, tag) {
			t.Errorf("tags %v lack %q", got.Tags, tag)
		}
	}
	if got.Priority != 4 {
		t.Errorf("priority %d, want 4 (urgent: the outage escalation)", got.Priority)
	}
	privateNotes := func() []string {
		var convs []struct {
			Body    string `json:"body_text"`
			Private bool   `json:"private"`
		}
		fdCall(t, sb, "GET", fmt.Sprintf("/api/v2/tickets/%d/conversations", created.ID), nil, &convs)
		var notes []string
		for _, c := range convs {
			if c.Private {
				notes = append(notes, c.Body)
			}
		}
		return notes
	}
	// The tag lands with the PUT; the note comes right after it.
	deadline := time.Now().Add(30 * time.Second) // a loaded CI machine is slow
	notes := privateNotes()
	for len(notes) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		notes = privateNotes()
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "enterprise (primary)") {
		t.Errorf("private notes %q, want one explaining the segments", notes)
	}

	// What the Freshdesk app's sidebar asks for (manifests/freshdesk-app's
	// request template, with the admin token), once the record is done.
	var view []byte
	var resp *http.Response
	for {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("http://%s/app/v1/tickets/%d/sidebar?helpdesk=freshdesk", s.addr, created.ID), nil)
		req.Header.Set("Authorization", "Bearer fd-admin-token")
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		view, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(view), `"status":"done"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(view), `"enterprise"`) || !strings.Contains(string(view), `"status":"done"`) {
		t.Errorf("sidebar view of the Freshdesk ticket: %d %s", resp.StatusCode, view)
	}

	// The same delivery again: accepted and ignored at intake (Freshdesk
	// sends no delivery id; the ticket is the key), nothing more written.
	body := fmt.Appendf(nil, `{"freshdesk_webhook":{"ticket_id":"%d"}}`, created.ID)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+s.addr+"/webhooks/freshdesk", bytes.NewReader(body))
	req.SetBasicAuth("cohort", fdSecret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("second delivery: status %d, want 202", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, "http://"+s.addr+"/webhooks/freshdesk", bytes.NewReader(body))
	req.SetBasicAuth("cohort", "wrong")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a delivery with the wrong secret: status %d, want 401", resp.StatusCode)
	}
	time.Sleep(500 * time.Millisecond)
	if notes := privateNotes(); len(notes) != 1 {
		t.Errorf("after a second delivery: %d private notes, want still one", len(notes))
	}
	if l := s.logs.String(); strings.Contains(l, fdKey) || strings.Contains(l, fdSecret) {
		t.Errorf("serve's logs show a Freshdesk secret:\n%s", l)
	}
}

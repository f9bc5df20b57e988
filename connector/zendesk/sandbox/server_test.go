package sandbox_test

import (
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestAuthentication(t *testing.T) {
	srv := startSandbox(t)
	tests := []struct {
		name string
		cred zendesk.Credential
		ok   bool
	}{
		{"api token", zendesk.NewAPITokenCredential(testEmail, testToken), true},
		{"api token, email in another case", zendesk.NewAPITokenCredential("Admin@Cohort.example", testToken), true},
		{"wrong token", zendesk.NewAPITokenCredential(testEmail, "nope"), false},
		{"wrong email", zendesk.NewAPITokenCredential("someone@cohort.example", testToken), false},
		{"password instead of token", zendesk.NewBasicAuthCredential(testEmail, testToken), false},
		{"oauth token", zendesk.NewBearerTokenCredential(testOAuth), true},
		{"wrong oauth token", zendesk.NewBearerTokenCredential("nope"), false},
		{"no credential", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv, tt.cred)
			_, err := c.Get(t.Context(), "/users/me.json")
			if tt.ok {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			ze := wantStatus(t, err, http.StatusUnauthorized)
			body, _ := io.ReadAll(ze.Body())
			if got := decode[map[string]string](t, body); got["error"] != "Couldn't authenticate you" {
				t.Errorf("401 body = %s", body)
			}
		})
	}
}

// TestWireFormat checks what go-zendesk cannot see: paths with and without
// .json, tolerated junk parameters, response headers and null fields.
func TestWireFormat(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	createTicket(t, c, zendesk.Ticket{Subject: "Hello"})

	paths := []struct {
		name, path string
		status     int
	}{
		{"with .json", "/api/v2/tickets/1.json", http.StatusOK},
		{"without .json", "/api/v2/tickets/1", http.StatusOK},
		{"junk parameters", "/api/v2/tickets/1.json?Access=&Category=0&Id=0&OnlyViewable=false&query=", http.StatusOK},
		{"unknown ticket", "/api/v2/tickets/2.json", http.StatusNotFound},
		{"malformed id", "/api/v2/tickets/abc", http.StatusNotFound},
		{"unknown endpoint", "/api/v2/automations.json", http.StatusNotFound},
	}
	remaining := -1
	for _, tt := range paths {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := adminRequest(t, srv, http.MethodGet, tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %v", resp.StatusCode, tt.status, body)
			}
			if tt.status == http.StatusNotFound && (body["error"] != "RecordNotFound" || body["description"] != "Not found") {
				t.Errorf("404 body = %v", body)
			}
			h := resp.Header
			if h.Get("X-Rate-Limit") != "700" || h.Get("X-Zendesk-API-Version") != "v2" || h.Get("X-Zendesk-Request-Id") == "" {
				t.Errorf("headers = %v", h)
			}
			left, err := strconv.Atoi(h.Get("X-Rate-Limit-Remaining"))
			if err != nil || remaining >= 0 && left != remaining-1 {
				t.Errorf("X-Rate-Limit-Remaining = %q after %d", h.Get("X-Rate-Limit-Remaining"), remaining)
			}
			remaining = left
		})
	}

	_, body := adminRequest(t, srv, http.MethodGet, "/api/v2/tickets/1.json")
	ticket := body["ticket"].(map[string]any)
	for _, field := range []string{"external_id", "priority", "type", "assignee_id", "due_at"} {
		if v, ok := ticket[field]; !ok || v != nil {
			t.Errorf("ticket %s = %v (present %v), want null", field, v, ok)
		}
	}
	for _, field := range []string{"group_id", "organization_id"} {
		if v, ok := ticket[field]; ok {
			t.Errorf("ticket %s = %v, want it left out (the OAS lets it be no null)", field, v)
		}
	}
	for _, field := range []string{"brand_id", "ticket_form_id", "custom_status_id"} {
		if v, _ := ticket[field].(float64); v == 0 {
			t.Errorf("ticket %s = %v, want the account's", field, ticket[field])
		}
	}
	for _, field := range []string{"created_at", "updated_at"} {
		if s, _ := ticket[field].(string); s != "2024-05-17T09:30:00Z" {
			t.Errorf("ticket %s = %v, want %s in whole seconds", field, ticket[field], "2024-05-17T09:30:00Z")
		}
	}
	if ticket["url"] != srv.URL()+"/api/v2/tickets/1.json" {
		t.Errorf("ticket url = %v, want one on the host serving it", ticket["url"])
	}
	if r, _ := ticket["satisfaction_rating"].(map[string]any); r["score"] != "unoffered" {
		t.Errorf("satisfaction_rating of a new ticket = %v, want unoffered", ticket["satisfaction_rating"])
	}
	for _, field := range []string{"tags", "custom_fields", "fields", "collaborator_ids"} {
		if _, ok := ticket[field].([]any); !ok {
			t.Errorf("ticket %s = %v, want an array", field, ticket[field])
		}
	}
}

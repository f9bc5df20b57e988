package sandbox_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"
)

// validWebhook returns a webhook create body that the sandbox accepts.
func validWebhook(endpoint string) *zendesk.Webhook {
	return &zendesk.Webhook{
		Name:          "Cohort",
		Endpoint:      endpoint,
		HTTPMethod:    http.MethodPost,
		RequestFormat: "json",
		Status:        "active",
		Subscriptions: []string{"conditional_ticket_events"},
	}
}

var ulid = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

func TestWebhooks(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()

	hook := validWebhook("https://example.com/hooks/zendesk")
	hook.Authentication = &zendesk.WebhookAuthentication{
		Type:        "basic_auth",
		AddPosition: "header",
		Data:        map[string]string{"username": "cohort", "password": "pw"},
	}
	created, err := c.CreateWebhook(ctx, hook)
	if err != nil {
		t.Fatal(err)
	}
	if !ulid.MatchString(created.ID) || created.Status != "active" || created.CreatedAt.IsZero() {
		t.Errorf("created = %+v", created)
	}
	if created.Authentication == nil || created.Authentication.Type != "basic_auth" {
		t.Fatalf("authentication = %+v", created.Authentication)
	}
	if data, _ := created.Authentication.Data.(map[string]any); data["password"] != nil || data["username"] != "cohort" {
		t.Errorf("authentication data echoed = %v, want the username only", data)
	}

	got, err := c.GetWebhook(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.Endpoint != hook.Endpoint {
		t.Errorf("GetWebhook = %+v", got)
	}

	secret, err := c.GetWebhookSigningSecret(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if secret.Algorithm != "SHA256" || len(secret.Secret) < 32 {
		t.Errorf("generated secret = %+v", secret)
	}

	given := validWebhook("https://example.com/other")
	given.SigningSecret = &zendesk.WebhookSigningSecret{Algorithm: "SHA256", Secret: "my-secret"}
	second, err := c.CreateWebhook(ctx, given)
	if err != nil {
		t.Fatal(err)
	}
	if secret, err := c.GetWebhookSigningSecret(ctx, second.ID); err != nil || secret.Secret != "my-secret" {
		t.Errorf("given secret = %+v, %v", secret, err)
	}

	body, err := c.Get(ctx, "/webhooks?page[size]=1")
	if err != nil {
		t.Fatal(err)
	}
	page := decode[struct {
		Webhooks []zendesk.Webhook
		Meta     zendesk.CursorPaginationMeta
	}](t, body)
	if len(page.Webhooks) != 1 || page.Webhooks[0].ID != created.ID || !page.Meta.HasMore {
		t.Fatalf("first page = %+v", page)
	}
	body, err = c.Get(ctx, "/webhooks?page[size]=1&page[after]="+page.Meta.AfterCursor)
	if err != nil {
		t.Fatal(err)
	}
	page = decode[struct {
		Webhooks []zendesk.Webhook
		Meta     zendesk.CursorPaginationMeta
	}](t, body)
	if len(page.Webhooks) != 1 || page.Webhooks[0].ID != second.ID || page.Meta.HasMore {
		t.Fatalf("second page = %+v", page)
	}

	if err := c.DeleteWebhook(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetWebhook(ctx, created.ID)
	wantStatus(t, err, http.StatusNotFound)
}

func TestCreateWebhookInvalid(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	tests := []struct {
		name   string
		change func(*zendesk.Webhook)
		field  string
	}{
		{"no name", func(h *zendesk.Webhook) { h.Name = "" }, "name"},
		{"no endpoint", func(h *zendesk.Webhook) { h.Endpoint = "" }, "endpoint"},
		{"relative endpoint", func(h *zendesk.Webhook) { h.Endpoint = "/hooks" }, "endpoint"},
		{"no method", func(h *zendesk.Webhook) { h.HTTPMethod = "" }, "http_method"},
		{"bad method", func(h *zendesk.Webhook) { h.HTTPMethod = "HEAD" }, "http_method"},
		{"bad format", func(h *zendesk.Webhook) { h.RequestFormat = "yaml" }, "request_format"},
		{"no status", func(h *zendesk.Webhook) { h.Status = "" }, "status"},
		{"triggers and events", func(h *zendesk.Webhook) {
			h.Subscriptions = append(h.Subscriptions, "zen:event-type:ticket.created")
		}, "subscriptions"},
		{"bearer without token", func(h *zendesk.Webhook) {
			h.Authentication = &zendesk.WebhookAuthentication{Type: "bearer_token", AddPosition: "header"}
		}, "authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hook := validWebhook("https://example.com/hooks")
			tt.change(hook)
			_, err := c.CreateWebhook(t.Context(), hook)
			ze := wantStatus(t, err, http.StatusBadRequest)
			if !strings.Contains(ze.Error(), `"/webhook/`+tt.field+`"`) {
				t.Errorf("error %v does not point at %s", ze, tt.field)
			}
		})
	}
}

// TestWebhookUpdates: PUT replaces the whole webhook, PATCH what it names;
// both answer 204, keep the signing secret, and refuse to change how the
// webhook connects.
func TestWebhookUpdates(t *testing.T) {
	srv := startSandbox(t)
	resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/webhooks", map[string]any{"webhook": map[string]any{
		"name": "cohort", "endpoint": "https://example.com/a", "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %v", resp.StatusCode, body)
	}
	id := body["webhook"].(map[string]any)["id"].(string)
	_, secret := adminRequest(t, srv, http.MethodGet, "/api/v2/webhooks/"+id+"/signing_secret")

	resp, body = adminSend(t, srv, http.MethodPatch, "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"status": "inactive"}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %d %v", resp.StatusCode, body)
	}
	_, got := adminRequest(t, srv, http.MethodGet, "/api/v2/webhooks/"+id)
	if h := got["webhook"].(map[string]any); h["status"] != "inactive" || h["endpoint"] != "https://example.com/a" || h["name"] != "cohort" {
		t.Errorf("after PATCH: %v", h)
	}
	resp, body = adminSend(t, srv, http.MethodPut, "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"name": "renamed"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("PUT of a partial webhook: %d %v, want 400", resp.StatusCode, body)
	}
	resp, _ = adminSend(t, srv, http.MethodPut, "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{
		"name": "renamed", "endpoint": "https://example.com/b", "http_method": "POST", "request_format": "json",
		"status": "active", "subscriptions": []string{"conditional_ticket_events"}}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	_, got = adminRequest(t, srv, http.MethodGet, "/api/v2/webhooks/"+id)
	if h := got["webhook"].(map[string]any); h["name"] != "renamed" || h["endpoint"] != "https://example.com/b" || h["status"] != "active" {
		t.Errorf("after PUT: %v", h)
	}
	if _, again := adminRequest(t, srv, http.MethodGet, "/api/v2/webhooks/"+id+"/signing_secret"); again["signing_secret"].(map[string]any)["secret"] != secret["signing_secret"].(map[string]any)["secret"] {
		t.Error("an update changed the signing secret")
	}
	resp, _ = adminSend(t, srv, http.MethodPatch, "/api/v2/webhooks/"+id, map[string]any{"webhook": map[string]any{"subscriptions": []string{"zen:event-type:ticket.created"}}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("moving a trigger webhook to events: %d, want 400", resp.StatusCode)
	}
	if resp, _ := adminSend(t, srv, http.MethodPatch, "/api/v2/webhooks/01NOTAWEBHOOK0000000000000", map[string]any{"webhook": map[string]any{"status": "inactive"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PATCH of an unknown webhook: %d", resp.StatusCode)
	}
}

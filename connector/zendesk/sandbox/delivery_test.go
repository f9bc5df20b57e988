package sandbox_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// received is a webhook request as the endpoint saw it.
type received struct {
	method string
	header http.Header
	body   []byte
}

// reply is one scripted answer of a test endpoint.
type reply struct {
	status     int
	retryAfter string
}

// endpoint is a webhook receiver that answers the scripted replies in
// turn, then 200, and records every request.
type endpoint struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []reply
	requests []received
	arrived  chan struct{} // receives a value per request
}

func newEndpoint(t *testing.T, replies ...reply) *endpoint {
	e := &endpoint{replies: replies, arrived: make(chan struct{}, 100)}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.requests = append(e.requests, received{method: r.Method, header: r.Header.Clone(), body: body})
		rep := reply{status: http.StatusOK}
		if len(e.replies) > 0 {
			rep, e.replies = e.replies[0], e.replies[1:]
		}
		e.mu.Unlock()
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		e.arrived <- struct{}{}
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) received() []received {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]received(nil), e.requests...)
}

// notifyOnCreate creates a trigger that sends template to the webhook on
// every ticket create.
func notifyOnCreate(t *testing.T, c *zendesk.Client, webhookID, template string) {
	t.Helper()
	_, err := c.CreateTrigger(t.Context(), newTrigger("Notify cohort",
		[]zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}},
		zendesk.TriggerAction{Field: "notification_webhook", Value: []string{webhookID, template}}))
	if err != nil {
		t.Fatal(err)
	}
}

// waitDeliveries waits for n finished deliveries and returns them all.
func waitDeliveries(t *testing.T, srv *sandbox.Server, n int) []sandbox.Delivery {
	t.Helper()
	if err := srv.WaitDeliveries(t.Context(), n); err != nil {
		t.Fatal(err)
	}
	return srv.Deliveries()
}

// checkSignature verifies a request the way a receiver must.
func checkSignature(t *testing.T, r received, secret string) {
	t.Helper()
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(r.header.Get("x-zendesk-webhook-signature-timestamp")))
	mac.Write(r.body)
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if got := r.header.Get("x-zendesk-webhook-signature"); got != want {
		t.Errorf("signature %q, want %q", got, want)
	}
}

func TestWebhookDelivery(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	ep := newEndpoint(t)

	hook := validWebhook(ep.URL + "/zendesk")
	hook.Authentication = &zendesk.WebhookAuthentication{
		Type: "bearer_token", AddPosition: "header", Data: map[string]string{"token": "endpoint-token"},
	}
	created, err := c.CreateWebhook(ctx, hook)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := c.GetWebhookSigningSecret(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}

	want := map[string]string{
		"ticket.id":                        "1",
		"ticket.title":                     "He said \"hi\"\nthen left",
		"ticket.description":               "Line one\n\tLine \"two\" \\ <b>",
		"ticket.status":                    "New",
		"ticket.priority":                  "High",
		"ticket.ticket_type":               "-",
		"ticket.tags":                      "vip billing",
		"ticket.via":                       "API",
		"ticket.link":                      "https://sandbox.zendesk.com/agent/tickets/1",
		"ticket.url":                       "sandbox.zendesk.com/agent/tickets/1",
		"ticket.account":                   "sandbox",
		"ticket.created_at":                "May 17, 2024",
		"ticket.created_at_with_timestamp": "2024-05-17T09:30:00Z",
		"ticket.updated_at_with_timestamp": "2024-05-17T09:30:00Z",
		"ticket.latest_comment":            "Line one\n\tLine \"two\" \\ <b>",
		"ticket.latest_public_comment":     "Line one\n\tLine \"two\" \\ <b>",
		"ticket.requester.name":            "Ada Lovelace",
		"ticket.requester.first_name":      "Ada",
		"ticket.requester.last_name":       "Lovelace",
		"ticket.requester.email":           "ada@example.com",
		"ticket.requester.external_id":     "crm-ada",
		"ticket.requester.phone":           "+15550100",
		"ticket.requester.language":        "English",
		"ticket.assignee.name":             "",
		"ticket.organization.name":         "Acme",
		"ticket.organization.external_id":  "acme-1",
		"ticket.ticket_field_360001":       "gold",
		"current_user.name":                sandbox.AdminName,
		"current_user.email":               testEmail,
		"ticket.no_such_placeholder":       "",
	}
	var template strings.Builder
	template.WriteString("{")
	for name := range want {
		template.WriteString(`"` + name + `": "{{` + name + `}}", `)
	}
	template.WriteString(`"spaced": "{{ ticket.id }}"}`)
	notifyOnCreate(t, c, created.ID, template.String())

	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme", ExternalID: "acme-1"})
	if err != nil {
		t.Fatal(err)
	}
	ada, err := c.CreateUser(ctx, zendesk.User{
		Name: "Ada Lovelace", Email: "ada@example.com", ExternalID: "crm-ada", Phone: "+15550100", OrganizationID: org.ID,
	})
	if err != nil {
		t.Fatal(err)
	}
	ticket := createTicket(t, c, zendesk.Ticket{
		Subject:      want["ticket.title"],
		RequesterID:  ada.ID,
		Priority:     "high",
		Tags:         []string{"vip", "billing"},
		CustomFields: []zendesk.CustomField{{ID: 360001, Value: "gold"}},
		Comment:      &zendesk.TicketComment{Body: want["ticket.description"]},
	})

	deliveries := waitDeliveries(t, srv, 1)
	d := deliveries[0]
	if d.WebhookID != created.ID || d.TicketID != ticket.ID || d.Attempts != 1 || d.StatusCode != http.StatusOK || d.Err != nil {
		t.Errorf("delivery = %+v", d)
	}
	r := ep.received()[0]
	if r.method != http.MethodPost || r.header.Get("Content-Type") != "application/json" ||
		r.header.Get("Authorization") != "Bearer endpoint-token" {
		t.Errorf("request %s with headers %v", r.method, r.header)
	}
	if r.header.Get("x-zendesk-webhook-id") != created.ID || r.header.Get("x-zendesk-webhook-invocation-id") != d.InvocationID ||
		r.header.Get("x-zendesk-account-id") == "" || r.header.Get("x-zendesk-webhook-signature-timestamp") != "2024-05-17T09:30:00Z" {
		t.Errorf("zendesk headers = %v", r.header)
	}
	checkSignature(t, r, secret.Secret)

	var got map[string]string
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatalf("body is not valid JSON (%v): %s", err, r.body)
	}
	for name, value := range want {
		if got[name] != value {
			t.Errorf("{{%s}} rendered %q, want %q", name, got[name], value)
		}
	}
	if got["spaced"] != "1" {
		t.Errorf("{{ ticket.id }} rendered %q", got["spaced"])
	}
}

func TestWebhookSignatureVectors(t *testing.T) {
	const secret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="
	tests := []struct {
		name, timestamp, body, want string
	}{
		{"hello", "2021-07-25T10:00:00Z", `{"say": "hello"}`, "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0="},
		{"ticket", "2024-01-01T00:00:00Z", `{"ticket_id":"123","requester_email":"a@example.com"}`, "WZoXe5AFEzqMSHu0sZdNbpLw2ClhAORRP5q8HwG2kQM="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, err := time.Parse(time.RFC3339, tt.timestamp)
			if err != nil {
				t.Fatal(err)
			}
			srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = func() time.Time { return now } })
			c := adminClient(t, srv)
			ep := newEndpoint(t)
			hook := validWebhook(ep.URL)
			hook.SigningSecret = &zendesk.WebhookSigningSecret{Algorithm: "SHA256", Secret: secret}
			created, err := c.CreateWebhook(t.Context(), hook)
			if err != nil {
				t.Fatal(err)
			}
			notifyOnCreate(t, c, created.ID, tt.body)
			createTicket(t, c, zendesk.Ticket{})
			waitDeliveries(t, srv, 1)

			r := ep.received()[0]
			if string(r.body) != tt.body || r.header.Get("x-zendesk-webhook-signature-timestamp") != tt.timestamp {
				t.Fatalf("delivered %s at %s", r.body, r.header.Get("x-zendesk-webhook-signature-timestamp"))
			}
			if got := r.header.Get("x-zendesk-webhook-signature"); got != tt.want {
				t.Errorf("signature %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWebhookRequests(t *testing.T) {
	tests := []struct {
		name  string
		hook  map[string]any
		check func(t *testing.T, r received)
	}{
		{
			name: "basic auth and custom headers",
			hook: map[string]any{
				"authentication": map[string]any{"type": "basic_auth", "add_position": "header",
					"data": map[string]string{"username": "u", "password": "p"}},
				"custom_headers": map[string]string{"X-Team": "cohort"},
			},
			check: func(t *testing.T, r received) {
				req := &http.Request{Header: r.header}
				if u, p, ok := req.BasicAuth(); !ok || u != "u" || p != "p" || r.header.Get("X-Team") != "cohort" {
					t.Errorf("headers = %v", r.header)
				}
			},
		},
		{
			name: "api key",
			hook: map[string]any{"authentication": map[string]any{"type": "api_key", "add_position": "header",
				"data": map[string]string{"name": "X-Api-Key", "value": "k"}}},
			check: func(t *testing.T, r received) {
				if r.header.Get("X-Api-Key") != "k" {
					t.Errorf("headers = %v", r.header)
				}
			},
		},
		{
			name: "GET sends no body",
			hook: map[string]any{"http_method": http.MethodGet},
			check: func(t *testing.T, r received) {
				if r.method != http.MethodGet || len(r.body) != 0 || r.header.Get("Content-Type") != "" {
					t.Errorf("%s with body %q and headers %v", r.method, r.body, r.header)
				}
			},
		},
		{
			name: "xml is not JSON-escaped",
			hook: map[string]any{"request_format": "xml"},
			check: func(t *testing.T, r received) {
				if r.header.Get("Content-Type") != "application/xml" || string(r.body) != "<subject>a \"quoted\" subject</subject>" {
					t.Errorf("%s: %s", r.header.Get("Content-Type"), r.body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSandbox(t)
			c := adminClient(t, srv)
			ep := newEndpoint(t)
			hook := map[string]any{
				"name": "test", "endpoint": ep.URL, "http_method": "POST", "request_format": "json",
				"status": "active", "subscriptions": []string{"conditional_ticket_events"},
			}
			for k, v := range tt.hook {
				hook[k] = v
			}
			body, err := c.Post(t.Context(), "/webhooks", map[string]any{"webhook": hook})
			if err != nil {
				t.Fatal(err)
			}
			id := decode[struct{ Webhook zendesk.Webhook }](t, body).Webhook.ID
			secret, err := c.GetWebhookSigningSecret(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			notifyOnCreate(t, c, id, "<subject>{{ticket.title}}</subject>")
			createTicket(t, c, zendesk.Ticket{Subject: `a "quoted" subject`})
			waitDeliveries(t, srv, 1)
			r := ep.received()[0]
			checkSignature(t, r, secret.Secret)
			tt.check(t, r)
		})
	}
}

func TestWebhookRetries(t *testing.T) {
	tests := []struct {
		name         string
		replies      []reply
		refused      bool // nothing listens at the endpoint
		wantAttempts int
		wantStatus   int
	}{
		{"success", nil, false, 1, http.StatusOK},
		{"503 with a short Retry-After", []reply{{503, "0"}}, false, 2, http.StatusOK},
		{"429 with a short Retry-After", []reply{{429, "0"}, {429, "0"}}, false, 3, http.StatusOK},
		{"503 with Retry-After of a minute", []reply{{503, "60"}}, false, 1, 503},
		{"503 without Retry-After", []reply{{503, ""}}, false, 1, 503},
		{"409 then success", []reply{{409, ""}}, false, 2, http.StatusOK},
		{"409 gives up after 3 retries", []reply{{409, ""}, {409, ""}, {409, ""}, {409, ""}}, false, 4, 409},
		{"400 is not retried", []reply{{400, ""}}, false, 1, 400},
		{"500 is not retried", []reply{{500, ""}}, false, 1, 500},
		{"connection refused gives up after 5 retries", nil, true, 6, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startSandbox(t)
			c := adminClient(t, srv)
			var url string
			var ep *endpoint
			if tt.refused {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				url = "http://" + ln.Addr().String()
				ln.Close()
			} else {
				ep = newEndpoint(t, tt.replies...)
				url = ep.URL
			}
			created, err := c.CreateWebhook(t.Context(), validWebhook(url))
			if err != nil {
				t.Fatal(err)
			}
			notifyOnCreate(t, c, created.ID, `{"id": "{{ticket.id}}"}`)
			createTicket(t, c, zendesk.Ticket{})

			d := waitDeliveries(t, srv, 1)[0]
			if d.Attempts != tt.wantAttempts || d.StatusCode != tt.wantStatus || (d.Err == nil) != (tt.wantStatus == http.StatusOK) {
				t.Errorf("delivery = %+v, want %d attempts ending in %d", d, tt.wantAttempts, tt.wantStatus)
			}
			if ep == nil {
				return
			}
			requests := ep.received()
			if len(requests) != tt.wantAttempts {
				t.Fatalf("endpoint saw %d requests, want %d", len(requests), tt.wantAttempts)
			}
			for _, r := range requests {
				if r.header.Get("x-zendesk-webhook-invocation-id") != d.InvocationID {
					t.Errorf("retry with invocation id %q, want %q", r.header.Get("x-zendesk-webhook-invocation-id"), d.InvocationID)
				}
			}
		})
	}
}

func TestCloseCancelsRetries(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ep := newEndpoint(t, reply{503, "59"})
	created, err := c.CreateWebhook(t.Context(), validWebhook(ep.URL))
	if err != nil {
		t.Fatal(err)
	}
	notifyOnCreate(t, c, created.ID, "{}")
	createTicket(t, c, zendesk.Ticket{})
	<-ep.arrived // the first attempt got its 503 and the delivery waits 59 s

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	deliveries := srv.Deliveries()
	if len(deliveries) != 1 || deliveries[0].Attempts != 1 || deliveries[0].Err == nil {
		t.Errorf("deliveries after Close = %+v", deliveries)
	}
}

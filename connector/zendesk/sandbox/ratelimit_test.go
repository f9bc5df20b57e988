package sandbox_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// clockStart is 20 s into a minute and into a ten-minute window: the
// account window resets in 40 s, the per-ticket one in 580 s.
var clockStart = testNow.Add(20 * time.Second)

// Headers of the rate limits.
const (
	hLimit            = "X-Rate-Limit"
	hRemaining        = "X-Rate-Limit-Remaining"
	hRatelimitLimit   = "Ratelimit-Limit"
	hRatelimitLeft    = "Ratelimit-Remaining"
	hRatelimitReset   = "Ratelimit-Reset"
	hRetryAfter       = "Retry-After"
	hTicketsUpdate    = "Zendesk-Ratelimit-Tickets-Update"
	hPerTicketUpdate  = "Zendesk-Ratelimit-Tickets-Update-Per-Ticket"
	msgAccountLimit   = "Number of allowed API requests per minute exceeded"
	msgTicketUpdLimit = "Rate limit for ticket updates exceeded, please wait before updating this ticket again"
)

// step is one request of a scripted sequence and what its response must be.
type step struct {
	name    string
	advance time.Duration // moves the sandbox clock before the request
	client  string        // "admin" (default), "anon" (no credential) or "root" (base URL without /api/v2)
	method  string
	path    string
	body    any
	status  int
	headers map[string]string // "" wants the header absent
	inBody  string            // a substring of the response body
}

// runSteps sends the steps in order through go-zendesk clients, stopping
// at the first that fails.
func runSteps(t *testing.T, srv *sandbox.Server, clock *fakeClock, steps []step) {
	t.Helper()
	type client struct {
		c   *zendesk.Client
		rec *recorder
	}
	admin := zendesk.NewAPITokenCredential(testEmail, testToken)
	clients := map[string]client{}
	for name, mk := range map[string]func() (*zendesk.Client, *recorder){
		"admin": func() (*zendesk.Client, *recorder) { return recordingClient(t, srv, admin, "") },
		"anon":  func() (*zendesk.Client, *recorder) { return recordingClient(t, srv, nil, "") },
		"root":  func() (*zendesk.Client, *recorder) { return recordingClient(t, srv, admin, srv.URL()) },
	} {
		c, rec := mk()
		clients[name] = client{c, rec}
	}
	for _, st := range steps {
		ok := t.Run(st.name, func(t *testing.T) {
			clock.Advance(st.advance)
			name := st.client
			if name == "" {
				name = "admin"
			}
			cl := clients[name]
			err := call(t, cl.c, st.method, st.path, st.body)
			var ze zendesk.Error
			if err != nil && !errors.As(err, &ze) {
				t.Fatalf("%s %s: %v", st.method, st.path, err)
			}
			got := cl.rec.response()
			if got.status != st.status {
				t.Fatalf("%s %s: status %d (%s), want %d", st.method, st.path, got.status, got.body, st.status)
			}
			for h, want := range st.headers {
				if v := got.header.Get(h); v != want {
					t.Errorf("%s = %q, want %q", h, v, want)
				}
			}
			if !strings.Contains(got.body, st.inBody) {
				t.Errorf("body %q does not contain %q", got.body, st.inBody)
			}
		})
		if !ok {
			t.FailNow()
		}
	}
}

// startLimited starts a sandbox on clock with configure applied.
func startLimited(t *testing.T, clock *fakeClock, configure func(*sandbox.Config)) *sandbox.Server {
	return startSandbox(t, func(cfg *sandbox.Config) {
		cfg.Now = clock.Now
		if configure != nil {
			configure(cfg)
		}
	})
}

var newTicketBody = map[string]any{"ticket": map[string]any{"subject": "Hi", "comment": map[string]any{"body": "Hello"}}}

func TestRateLimit(t *testing.T) {
	clock := newFakeClock(clockStart)
	srv := startLimited(t, clock, func(cfg *sandbox.Config) { cfg.RateLimit = 3 })
	runSteps(t, srv, clock, []step{
		{
			name: "counted", method: "GET", path: "/users/me.json", status: 200,
			headers: map[string]string{hLimit: "3", hRemaining: "2", hRatelimitLimit: "3", hRatelimitLeft: "2", hRatelimitReset: "40", hRetryAfter: ""},
		},
		{
			name: "unauthenticated, not counted", client: "anon", method: "GET", path: "/users/me.json", status: 401,
			headers: map[string]string{hLimit: "3", hRemaining: "2", hRatelimitReset: "40"},
		},
		{
			name: "outside the API, not counted", client: "root", method: "GET", path: "/favicon.ico", status: 404,
			headers: map[string]string{hLimit: "3", hRemaining: "2", hRatelimitLimit: ""},
		},
		{
			name: "create", method: "POST", path: "/tickets.json", body: newTicketBody, status: 201,
			headers: map[string]string{hRemaining: "1"},
		},
		{
			name: "last of the window", advance: 10 * time.Second, method: "GET", path: "/tickets/1.json", status: 200,
			headers: map[string]string{hRemaining: "0", hRatelimitLeft: "0", hRatelimitReset: "30"},
		},
		{
			name: "over the limit", method: "POST", path: "/tickets.json", body: newTicketBody, status: 429,
			headers: map[string]string{
				hRetryAfter: "30", hLimit: "3", hRemaining: "0", hRatelimitReset: "30",
				"Content-Type": "text/plain; charset=utf-8", "X-Zendesk-API-Version": "v2",
			},
			inBody: msgAccountLimit,
		},
		{
			name: "refused requests consume nothing, Retry-After rounds up", advance: 29*time.Second + 500*time.Millisecond,
			method: "GET", path: "/tickets/1.json", status: 429,
			headers: map[string]string{hRetryAfter: "1", hRatelimitReset: "1"},
		},
		{
			name: "the window resets; the refused create was not executed", advance: 500 * time.Millisecond,
			method: "GET", path: "/tickets/2.json", status: 404,
			headers: map[string]string{hRemaining: "2", hRatelimitReset: "60", hRetryAfter: ""},
		},
	})
	if got := srv.Stats(); got.RateLimited != 2 || got.Responses[http.StatusTooManyRequests] != 2 {
		t.Errorf("Stats: RateLimited %d, 429s %d, want 2", got.RateLimited, got.Responses[http.StatusTooManyRequests])
	}
}

func TestTicketUpdateRateLimits(t *testing.T) {
	priority := func(p string) map[string]any { return map[string]any{"ticket": map[string]any{"priority": p}} }
	tags := map[string]any{"tags": []string{"limited"}}
	tests := []struct {
		name      string
		configure func(*sandbox.Config)
		steps     []step
	}{
		{
			name:      "account-wide",
			configure: func(cfg *sandbox.Config) { cfg.TicketUpdateRateLimit = 2 },
			steps: []step{
				{
					name: "update", method: "PUT", path: "/tickets/1.json", body: priority("high"), status: 200,
					headers: map[string]string{hTicketsUpdate: "total=2; remaining=1; resets=40", hPerTicketUpdate: "", hLimit: "700"},
				},
				{
					name: "tag write", method: "PUT", path: "/tickets/2/tags.json", body: tags, status: 200,
					headers: map[string]string{hTicketsUpdate: "total=2; remaining=0; resets=40"},
				},
				{
					name: "reads are not ticket updates", method: "GET", path: "/tickets/1.json", status: 200,
					headers: map[string]string{hTicketsUpdate: ""},
				},
				{
					name: "update_many over the limit", method: "PUT", path: "/tickets/update_many.json?ids=1,2",
					body: map[string]any{"ticket": map[string]any{"status": "open"}}, status: 429,
					headers: map[string]string{hRetryAfter: "40", hTicketsUpdate: "total=2; remaining=0; resets=40", hRemaining: "695"},
					inBody:  msgTicketUpdLimit,
				},
				{
					name: "tag set over the limit", method: "POST", path: "/tickets/1/tags.json", body: tags, status: 429,
				},
				{
					name: "other requests still pass", method: "POST", path: "/tickets.json", body: newTicketBody, status: 201,
				},
				{
					name: "the window resets", advance: 40 * time.Second, method: "PUT", path: "/tickets/1.json", body: priority("low"), status: 200,
					headers: map[string]string{hTicketsUpdate: "total=2; remaining=1; resets=60"},
				},
			},
		},
		{
			name:      "per ticket",
			configure: func(cfg *sandbox.Config) { cfg.TicketUpdatesPerTicket = 2 },
			steps: []step{
				{
					name: "first update", method: "PUT", path: "/tickets/1.json", body: priority("high"), status: 200,
					headers: map[string]string{hPerTicketUpdate: "total=2; remaining=1; resets=580", hTicketsUpdate: ""},
				},
				{
					name: "second update", advance: time.Minute, method: "PUT", path: "/tickets/1.json",
					body: map[string]any{"ticket": map[string]any{"comment": map[string]any{"body": "note"}}}, status: 200,
					headers: map[string]string{hPerTicketUpdate: "total=2; remaining=0; resets=520"},
				},
				{
					name: "third update of the ticket", method: "PUT", path: "/tickets/1.json", body: priority("low"), status: 429,
					headers: map[string]string{hRetryAfter: "520", hPerTicketUpdate: "total=2; remaining=0; resets=520"},
					inBody:  msgTicketUpdLimit,
				},
				{
					name: "the refused update was not executed", method: "GET", path: "/tickets/1.json", status: 200,
					inBody: `"priority":"high"`,
				},
				{
					name: "another ticket", method: "PUT", path: "/tickets/2.json", body: priority("low"), status: 200,
					headers: map[string]string{hPerTicketUpdate: "total=2; remaining=1; resets=520"},
				},
				{
					name: "tag writes are not limited per ticket", method: "PUT", path: "/tickets/1/tags.json", body: tags, status: 200,
					headers: map[string]string{hPerTicketUpdate: ""},
				},
				{
					name: "the window resets", advance: 520 * time.Second, method: "PUT", path: "/tickets/1.json", body: priority("low"), status: 200,
					headers: map[string]string{hPerTicketUpdate: "total=2; remaining=1; resets=600"},
				},
			},
		},
		{
			name:      "defaults with an enforced RateLimit",
			configure: func(cfg *sandbox.Config) { cfg.RateLimit = 1000 },
			steps: []step{{
				name: "update", method: "PUT", path: "/tickets/1.json", body: priority("high"), status: 200,
				headers: map[string]string{
					hLimit:           "1000",
					hTicketsUpdate:   "total=100; remaining=99; resets=40",
					hPerTicketUpdate: "total=30; remaining=29; resets=580",
				},
			}},
		},
		{
			name: "not enforced by default",
			steps: []step{{
				name: "update", method: "PUT", path: "/tickets/1.json", body: priority("high"), status: 200,
				headers: map[string]string{hLimit: "700", hTicketsUpdate: "", hPerTicketUpdate: ""},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock(clockStart)
			srv := startLimited(t, clock, tt.configure)
			c := adminClient(t, srv)
			createTicket(t, c, zendesk.Ticket{})
			createTicket(t, c, zendesk.Ticket{})
			runSteps(t, srv, clock, tt.steps)
		})
	}
}

// TestRateLimitNotEnforced checks that RateLimit 0 reports Zendesk's 700
// and never refuses a request.
func TestRateLimitNotEnforced(t *testing.T) {
	clock := newFakeClock(clockStart)
	srv := startLimited(t, clock, nil)
	c, rec := recordingClient(t, srv, zendesk.NewAPITokenCredential(testEmail, testToken), "")
	createTicket(t, c, zendesk.Ticket{})
	for i := range sandbox.DefaultRateLimit + 1 {
		if _, err := c.UpdateTicket(t.Context(), 1, zendesk.Ticket{Subject: "same"}); err != nil {
			t.Fatalf("request %d: %v", i+2, err)
		}
	}
	if h := rec.response().header; h.Get(hLimit) != "700" || h.Get(hRemaining) != "0" {
		t.Errorf("%s %q, %s %q after 702 requests", hLimit, h.Get(hLimit), hRemaining, h.Get(hRemaining))
	}
	if got := srv.Stats().RateLimited; got != 0 {
		t.Errorf("RateLimited = %d", got)
	}
}

func TestSetRateLimitsAtRunTime(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	for range 3 {
		if _, err := c.Get(t.Context(), "/users/me.json"); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetRateLimits(sandbox.Config{RateLimit: 4})
	if _, err := c.Get(t.Context(), "/users/me.json"); err != nil {
		t.Fatalf("4th request of the minute: %v", err)
	}
	_, err := c.Get(t.Context(), "/users/me.json")
	var ze zendesk.Error
	if !errors.As(err, &ze) || ze.Status() != http.StatusTooManyRequests {
		t.Fatalf("5th request under a limit of 4: err = %v, want 429", err)
	}
	srv.SetRateLimits(sandbox.Config{})
	if _, err := c.Get(t.Context(), "/users/me.json"); err != nil {
		t.Errorf("limit lifted: %v", err)
	}
}

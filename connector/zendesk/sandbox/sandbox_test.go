package sandbox_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

const (
	testEmail = "admin@cohort.example"
	testToken = "api-token-123"
	testOAuth = "oauth-token-456"
)

// testNow is the sandbox clock in tests that fix it: every write happens in
// the same second, which is what keeps updated_at honest.
var testNow = time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC)

// startSandbox starts a sandbox on a loopback port with a fixed clock and a
// fast retry backoff, closed when the test ends.
func startSandbox(t *testing.T, configure ...func(*sandbox.Config)) *sandbox.Server {
	t.Helper()
	cfg := sandbox.Config{
		Email:        testEmail,
		APIToken:     testToken,
		OAuthTokens:  []string{testOAuth},
		Logger:       slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryBackoff: time.Millisecond,
		Now:          func() time.Time { return testNow },
	}
	for _, f := range configure {
		f(&cfg)
	}
	srv, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// newClient returns a go-zendesk client of the sandbox using cred.
func newClient(t *testing.T, srv *sandbox.Server, cred zendesk.Credential) *zendesk.Client {
	t.Helper()
	c, err := zendesk.NewClient(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetEndpointURL(srv.URL() + "/api/v2"); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		c.SetCredential(cred)
	}
	return c
}

// adminClient returns a client authenticated with the admin's API token.
func adminClient(t *testing.T, srv *sandbox.Server) *zendesk.Client {
	return newClient(t, srv, zendesk.NewAPITokenCredential(testEmail, testToken))
}

// wantStatus fails the test unless err is a zendesk.Error with status.
func wantStatus(t *testing.T, err error, status int) zendesk.Error {
	t.Helper()
	var ze zendesk.Error
	if !errors.As(err, &ze) {
		t.Fatalf("err = %v, want a zendesk.Error with status %d", err, status)
	}
	if ze.Status() != status {
		t.Fatalf("status = %d (%v), want %d", ze.Status(), err, status)
	}
	return ze
}

// decode unmarshals a response body, failing the test on error.
func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

// createTicket creates a ticket with a public comment, failing the test on
// error.
func createTicket(t *testing.T, c *zendesk.Client, ticket zendesk.Ticket) zendesk.Ticket {
	t.Helper()
	if ticket.Comment == nil {
		ticket.Comment = &zendesk.TicketComment{Body: "Something is broken."}
	}
	created, err := c.CreateTicket(t.Context(), ticket)
	if err != nil {
		t.Fatalf("CreateTicket: %v", err)
	}
	return created
}

// adminID returns the sandbox admin's user id.
func adminID(t *testing.T, c *zendesk.Client) int64 {
	t.Helper()
	body, err := c.Get(t.Context(), "/users/me.json")
	if err != nil {
		t.Fatal(err)
	}
	return decode[struct {
		User zendesk.User `json:"user"`
	}](t, body).User.ID
}

func ptr[T any](v T) *T { return &v }

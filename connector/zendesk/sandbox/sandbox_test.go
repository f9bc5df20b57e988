package sandbox_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
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

// fakeClock is a sandbox clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// response is what a recorder saw of the last response.
type response struct {
	status int
	header http.Header
	body   string
}

// recorder is an http.RoundTripper that keeps the last response, so that
// tests see the headers go-zendesk does not return.
type recorder struct {
	mu   sync.Mutex
	last response
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	rec.last = response{status: resp.StatusCode, header: resp.Header.Clone(), body: string(body)}
	rec.mu.Unlock()
	return resp, nil
}

func (rec *recorder) response() response {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.last
}

// recordingClient returns a go-zendesk client of the sandbox using cred
// (nil for none) whose responses rec records. With base "" the client's
// endpoint is the API (URL()+"/api/v2"); tests reach other paths with base
// URL().
func recordingClient(t *testing.T, srv *sandbox.Server, cred zendesk.Credential, base string) (*zendesk.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	c, err := zendesk.NewClient(&http.Client{Transport: rec})
	if err != nil {
		t.Fatal(err)
	}
	if base == "" {
		base = srv.URL() + "/api/v2"
	}
	if err := c.SetEndpointURL(base); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		c.SetCredential(cred)
	}
	return c, rec
}

// adminRequest sends a request for path to srv as the admin, by API
// token, without go-zendesk, and returns the response, its body read and
// closed, with the body decoded.
func adminRequest(t *testing.T, srv *sandbox.Server, method, path string) (*http.Response, map[string]any) {
	t.Helper()
	return adminSend(t, srv, method, path, nil)
}

// adminSend is adminRequest with a JSON body (none when nil); a response
// without a body decodes as nil.
func adminSend(t *testing.T, srv *sandbox.Server, method, path string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var reqBody io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		reqBody = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL()+path, reqBody)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(testEmail+"/token", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return resp, out
}

// call sends a request with go-zendesk's generic helpers.
func call(t *testing.T, c *zendesk.Client, method, path string, body any) error {
	t.Helper()
	var err error
	switch method {
	case http.MethodGet:
		_, err = c.Get(t.Context(), path)
	case http.MethodPut:
		_, err = c.Put(t.Context(), path, body)
	case http.MethodPost:
		_, err = c.Post(t.Context(), path, body)
	case http.MethodDelete:
		err = c.Delete(t.Context(), path)
	default:
		t.Fatalf("call: method %s", method)
	}
	return err
}

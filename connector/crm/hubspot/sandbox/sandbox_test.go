package sandbox_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

const testToken = "pat-na1-test-token"

// testStart is the sandbox clock's start in tests.
var testStart = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// clock is a sandbox clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startSandbox starts a sandbox on a loopback port with a clock the test
// moves, closed when the test ends.
func startSandbox(t *testing.T, configure ...func(*sandbox.Config)) (*sandbox.Server, *clock) {
	t.Helper()
	clk := &clock{t: testStart}
	cfg := sandbox.Config{
		Token:  testToken,
		Now:    clk.Now,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
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
	return srv, clk
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// response is an answer of the sandbox.
type response struct {
	status int
	header http.Header
	body   []byte
}

// decode decodes the body into v, failing the test if it cannot.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a request with the test token; body, when not nil, is sent as
// JSON (a string as it is).
func call(t *testing.T, srv *sandbox.Server, method, path string, body any) response {
	t.Helper()
	return callAs(t, srv, testToken, method, path, body)
}

// callAs is call with another token; "" sends no Authorization header.
func callAs(t *testing.T, srv *sandbox.Server, token, method, path string, body any) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// wantStatus fails the test unless r has status.
func wantStatus(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
}

// errorBody is HubSpot's error body, 429s included.
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category"`
	SubCategory   string              `json:"subCategory"`
	Context       map[string][]string `json:"context"`
	ErrorType     string              `json:"errorType"`
	PolicyName    string              `json:"policyName"`
	RequestID     string              `json:"requestId"`
	Errors        []struct {
		Message string              `json:"message"`
		Context map[string][]string `json:"context"`
	} `json:"errors"`
}

// wantError fails the test unless r is an error of status and category
// whose correlation id is the header's.
func wantError(t *testing.T, r response, status int, category string) errorBody {
	t.Helper()
	wantStatus(t, r, status)
	var e errorBody
	r.decode(t, &e)
	if e.Status != "error" || e.Category != category || e.Message == "" {
		t.Errorf("error body %s; want status error, category %s and a message", r.body, category)
	}
	if e.CorrelationID == "" || e.CorrelationID != r.header.Get("X-HubSpot-Correlation-Id") {
		t.Errorf("correlationId %q, header %q; want the same, not empty", e.CorrelationID, r.header.Get("X-HubSpot-Correlation-Id"))
	}
	return e
}

// object is an object as the API writes it.
type object struct {
	ID           string             `json:"id"`
	Properties   map[string]*string `json:"properties"`
	CreatedAt    string             `json:"createdAt"`
	UpdatedAt    string             `json:"updatedAt"`
	Archived     bool               `json:"archived"`
	ArchivedAt   string             `json:"archivedAt"`
	Associations map[string]struct {
		Results []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
	} `json:"associations"`
}

// prop returns a property's value, "<null>" for null and "<absent>" when
// it is not there.
func (o object) prop(name string) string {
	v, ok := o.Properties[name]
	switch {
	case !ok:
		return "<absent>"
	case v == nil:
		return "<null>"
	}
	return *v
}

// page is a list or search page.
type page struct {
	Total   int      `json:"total"`
	Results []object `json:"results"`
	Paging  *struct {
		Next struct {
			After string `json:"after"`
			Link  string `json:"link"`
		} `json:"next"`
	} `json:"paging"`
}

// ids returns the page's ids.
func (p page) ids() []string {
	var out []string
	for _, o := range p.Results {
		out = append(out, o.ID)
	}
	return out
}

// next returns the page's next cursor, or "".
func (p page) next() string {
	if p.Paging == nil {
		return ""
	}
	return p.Paging.Next.After
}

// createContacts adds n contacts named by their number, a millisecond
// apart on the clock.
func createContacts(srv *sandbox.Server, clk *clock, n int) []string {
	var ids []string
	for i := range n {
		clk.Advance(time.Millisecond)
		ids = append(ids, srv.CreateContact(sandbox.Props{
			"email":     fmt.Sprintf("c%03d@example.com", i),
			"firstname": "Contact",
			"lastname":  fmt.Sprintf("%03d", i),
		}))
	}
	return ids
}

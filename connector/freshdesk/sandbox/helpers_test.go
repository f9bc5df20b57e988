package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

const testKey = "fd-api-key-123"

// clock is a settable sandbox clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// start starts a sandbox with a fixed clock (2024-05-17 09:30:30 UTC) on a
// loopback port, closed when the test ends.
func start(t *testing.T, configure ...func(*sandbox.Config)) (*sandbox.Server, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2024, 5, 17, 9, 30, 30, 0, time.UTC)}
	cfg := sandbox.Config{
		APIKey:            testKey,
		Logger:            slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:               clk.Now,
		WebhookRetryScale: 1e-6,
	}
	for _, f := range configure {
		f(&cfg)
	}
	srv, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv, clk
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// call makes an authenticated request with a JSON body (nil for none) and
// returns the response and its body.
func call(t *testing.T, srv *sandbox.Server, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	return callAs(t, srv, testKey, method, path, body)
}

func callAs(t *testing.T, srv *sandbox.Server, key, method, path string, body any) (*http.Response, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL()+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.SetBasicAuth(key, "X")
	}
	if body != nil {
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
	return resp, data
}

// must makes a request that must answer want, and decodes its body.
func must[T any](t *testing.T, srv *sandbox.Server, want int, method, path string, body any) T {
	t.Helper()
	resp, data := call(t, srv, method, path, body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, data, want)
	}
	var v T
	if len(data) > 0 {
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, data)
		}
	}
	return v
}

type obj = map[string]any

// errorBody is Freshdesk's error body.
type errorBody struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
	Errors      []struct {
		Field, Message, Code string
	} `json:"errors"`
}

// fieldCodes returns "field:code" of each error.
func (e errorBody) fieldCodes() []string {
	var out []string
	for _, fe := range e.Errors {
		out = append(out, fe.Field+":"+fe.Code)
	}
	return out
}

// createTicket creates a ticket and returns its id.
func createTicket(t *testing.T, srv *sandbox.Server, body obj) int64 {
	t.Helper()
	tk := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/tickets", body)
	return int64(tk["id"].(float64))
}

func decode[T any](t *testing.T, data []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%v in %s", err, data)
	}
	return v
}

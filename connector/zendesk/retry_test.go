package zendesk_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
)

// How a test server answers the first request of a test.
const (
	answer503  = "503"  // reads the request, answers 503
	answerDrop = "drop" // reads the request, closes the connection
	answer429  = "429"  // reads the request, answers 429 (not executed)
)

// loseFirst counts the requests to a server that answers the first as
// first says and every later one 200 with body.
func loseFirst(t *testing.T, first, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1) == 1 {
			switch first {
			case answer503:
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			case answer429:
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			case answerDrop:
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// TestRetryPolicy: a request whose response was lost is sent again only
// when a repeat is safe; a 429 is always retried.
func TestRetryPolicy(t *testing.T) {
	stamp := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	getTicket := func(c *zendesk.Client) error { _, err := c.Ticket(context.Background(), 7); return err }
	createMacro := func(c *zendesk.Client) error {
		_, err := c.CreateMacro(context.Background(), cohort.Macro{Key: "k", Title: "T"}, true)
		return err
	}
	updateMacro := func(c *zendesk.Client) error {
		return c.UpdateMacro(context.Background(), 5, cohort.Macro{Key: "k", Title: "T"}, true)
	}
	safeUpdate := func(c *zendesk.Client) error {
		return c.UpdateTicket(context.Background(), cohort.TicketUpdate{TicketID: 7, UpdatedStamp: stamp, Note: "n"})
	}
	unsafeUpdate := func(c *zendesk.Client) error {
		return c.UpdateTicket(context.Background(), cohort.TicketUpdate{TicketID: 7, Note: "n"})
	}
	upsertUsers := func(c *zendesk.Client) error {
		return c.UpsertUserFields(context.Background(), []zendesk.UserFields{{Email: "a@x.example", Fields: map[string]any{"f": "v"}}})
	}
	const (
		ticketBody = `{"ticket":{"id":7,"updated_at":"2026-11-23T10:00:00Z"}}`
		macroBody  = `{"macro":{"id":5,"title":"T"}}`
		jobBody    = `{"job_status":{"id":"j1","status":"completed","results":[{"index":0,"id":9,"action":"update","status":"Updated","success":true,"email":"a@x.example"}]}}`
	)
	tests := []struct {
		name      string
		call      func(*zendesk.Client) error
		body      string
		first     string
		wantCalls int32
	}{
		{"GET after a 503 is retried", getTicket, ticketBody, answer503, 2},
		{"GET after a dropped connection is retried", getTicket, ticketBody, answerDrop, 2},
		{"POST /macros after a 503 is not sent again", createMacro, macroBody, answer503, 1},
		{"POST /macros after a dropped connection is not sent again", createMacro, macroBody, answerDrop, 1},
		{"POST /macros after a 429 is retried", createMacro, macroBody, answer429, 2},
		{"PUT /macros/{id} after a dropped connection is retried", updateMacro, macroBody, answerDrop, 2},
		{"safe ticket update after a 503 is retried", safeUpdate, ticketBody, answer503, 2},
		{"ticket update without safe_update after a 503 is not", unsafeUpdate, ticketBody, answer503, 1},
		{"create_or_update_many after a 503 is retried", upsertUsers, jobBody, answer503, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := loseFirst(t, tt.first, tt.body)
			c, err := zendesk.NewClient(zendesk.Config{URL: srv.URL, Email: "a@b.example", APIToken: "tok", BatchSize: 1,
				RetryMax: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = tt.call(c)
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("%d requests, want %d (err %v)", got, tt.wantCalls, err)
			}
			if (err == nil) != (tt.wantCalls > 1) {
				t.Errorf("err = %v", err)
			}
			if err != nil && cohort.KindOf(err) != cohort.KindUnavailable {
				t.Errorf("err = %v (kind %v), want unavailable", err, cohort.KindOf(err))
			}
		})
	}
}

// TestPOSTRetriedWhenNeverSent: a POST whose connection was refused never
// reached Zendesk, so it is sent again once Zendesk answers.
func TestPOSTRetriedWhenNeverSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // refused until the server below listens

	var calls atomic.Int32
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"macro":{"id":5,"title":"T"}}`)
	})}
	defer srv.Close()
	started := make(chan error, 1)
	go func() {
		time.Sleep(150 * time.Millisecond)
		ln, err := net.Listen("tcp", addr)
		started <- err
		if err == nil {
			_ = srv.Serve(ln)
		}
	}()
	c, err := zendesk.NewClient(zendesk.Config{URL: "http://" + addr, Email: "a@b.example", APIToken: "tok",
		RetryMax: 10, RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := c.CreateMacro(context.Background(), cohort.Macro{Key: "k", Title: "T"}, true)
	if lerr := <-started; lerr != nil {
		t.Skipf("could not listen on %s again: %v", addr, lerr)
	}
	if err != nil || id != 5 {
		t.Fatalf("CreateMacro = %d, %v; want 5 after the refused attempts", id, err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests reached the server, want 1", calls.Load())
	}
}

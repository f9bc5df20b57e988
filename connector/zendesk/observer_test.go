package zendesk_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	requests  map[string]int // "endpoint status"
	remaining []int
	batches   []int
}

func (r *recorder) Request(endpoint string, status int, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[endpoint+" "+http.StatusText(status)]++
}

func (r *recorder) RateLimit(remaining, _ int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.remaining = append(r.remaining, remaining)
}

func (r *recorder) Batch(tickets int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, tickets)
}

// TestObserverHearsEveryRequest: the client reports each request by
// endpoint class and status, the account's remaining budget from
// Zendesk's headers, and the size of each ticket update.
func TestObserverHearsEveryRequest(t *testing.T) {
	rec := &recorder{requests: map[string]int{}}
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{Observer: rec, BatchWait: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	tickets := createTickets(t, c, 5) // 5 creates and 5 reads
	for _, err := range updateAtOnce(c, tickets) {
		if err != nil {
			t.Fatal(err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.requests["ticket_update Created"] != 5 || rec.requests["ticket_update OK"] != 1 {
		t.Errorf("want 5 ticket creates answered 201 and one batch update answered 200, got %v", rec.requests)
	}
	if n := rec.requests["ticket_read OK"]; n != 5 {
		t.Errorf("ticket_read OK = %d, want 5 (%v)", n, rec.requests)
	}
	if rec.requests["job_status OK"] < 1 {
		t.Errorf("the batch job's status polls were not reported: %v", rec.requests)
	}
	total := 0
	for _, n := range rec.requests {
		total += n
	}
	if served := sb.Stats().Requests; total != served {
		t.Errorf("%d requests reported, the sandbox served %d", total, served)
	}
	if len(rec.batches) != 1 || rec.batches[0] != 5 {
		t.Errorf("update sizes %v, want one batch of 5", rec.batches)
	}
	if len(rec.remaining) != total || rec.remaining[len(rec.remaining)-1] >= sandbox.DefaultRateLimit {
		t.Errorf("remaining budget reported %d times (want %d), last %v", len(rec.remaining), total, rec.remaining)
	}
}

// TestObserverHearsRequestsWithNoAnswer: a request that never reached
// Zendesk (nothing listens there) is reported with no status, so that an
// outage shows in the metrics.
func TestObserverHearsRequestsWithNoAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rec := &recorder{requests: map[string]int{}}
	c, err := zendesk.NewClient(zendesk.Config{URL: "http://" + addr, Email: "agent@example.com", APIToken: "tok",
		RetryMax: -1, Observer: rec})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Ticket(context.Background(), 1); err == nil {
		t.Fatal("a read from a closed port succeeded")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if n := rec.requests["ticket_read "]; n != 1 {
		t.Errorf("requests reported %v, want one ticket_read with no status", rec.requests)
	}
}

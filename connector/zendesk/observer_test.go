package zendesk_test

import (
	"net/http"
	"net/http/httptest"
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

func TestEndpointClass(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"PUT", "/api/v2/tickets/update_many.json", "ticket_update"},
		{"PUT", "/api/v2/tickets/12.json", "ticket_update"},
		{"GET", "/api/v2/tickets/12.json", "ticket_read"},
		{"GET", "/api/v2/tickets.json", "ticket_read"},
		{"GET", "/api/v2/job_statuses/show_many.json", "job_status"},
		{"GET", "/api/v2/incremental/tickets/cursor.json", "export"},
		{"GET", "/api/v2/users/show_many.json", "users"},
		{"GET", "/api/v2/search.json", "users"},
		{"GET", "/api/v2/satisfaction_ratings.json", "ratings"},
		{"POST", "/api/v2/macros.json", "macros"},
		{"POST", "/api/v2/apps/uploads.json", "install"},
		{"GET", "/api/v2/locales.json", "other"},
	} {
		if got := zendesk.EndpointClass(httptest.NewRequest(tt.method, tt.path, nil)); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

package freshdesk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/freshdesk"
)

const apiKey = "fd-api-key-123"

// server is a test Freshdesk that checks the API key and answers with h.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *freshdesk.Client) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != apiKey || pass != "X" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := freshdesk.NewClient(freshdesk.Config{URL: srv.URL, APIKey: apiKey, RateLimit: 6000,
		RetryWaitMin: 10 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func TestNewClientSaysWhatIsMissing(t *testing.T) {
	for _, tt := range []struct {
		cfg  freshdesk.Config
		want string
	}{
		{freshdesk.Config{APIKey: "k"}, "COHORT_FRESHDESK_DOMAIN"},
		{freshdesk.Config{Domain: "acme"}, "COHORT_FRESHDESK_API_KEY"},
		{freshdesk.Config{Domain: "acme.freshdesk.com", APIKey: "k"}, "the account's name only"},
		{freshdesk.Config{Domain: "acme#", APIKey: "k"}, "the account's name only"},
		{freshdesk.Config{URL: "ftp://x", APIKey: "k"}, "COHORT_FRESHDESK_URL"},
	} {
		_, err := freshdesk.NewClient(tt.cfg)
		if cohort.KindOf(err) != cohort.KindInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: err = %v, want one naming %s", tt.cfg, err, tt.want)
		}
	}
}

func TestTicketReadsRequesterAndCompany(t *testing.T) {
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/tickets/42" || r.URL.Query().Get("include") != "requester,company" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"id":42,"subject":"Checkout down","description_text":"Blank page","status":2,"priority":2,
			"source":2,"tags":["vip"],"requester_id":7,"company_id":9,"updated_at":"2026-12-08T09:00:00Z","created_at":"2026-12-08T08:59:00Z",
			"requester":{"id":7,"name":"Ana Lima","email":"ana@acme.example","unique_external_id":"crm-7"},
			"company":{"id":9,"name":"Acme"}}`)
	})
	got, err := c.Ticket(context.Background(), 42)
	if err != nil {
		t.Fatal(err)
	}
	want := cohort.Ticket{ID: 42, Subject: "Checkout down", Description: "Blank page", Priority: cohort.PriorityNormal,
		Status: "open", Tags: []string{"vip"}, Channel: "web",
		UpdatedAt: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC), CreatedAt: time.Date(2026, 12, 8, 8, 59, 0, 0, time.UTC),
		Requester:    cohort.Requester{ID: 7, Email: "ana@acme.example", Name: "Ana Lima", ExternalID: "crm-7"},
		Organization: cohort.Organization{ID: 9, Name: "Acme"}}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("ticket\n got %s\nwant %s", g, w)
	}
}

func TestWritesSendWhatFreshdeskTakes(t *testing.T) {
	var puts, notes atomic.Value
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.Method + " " + r.URL.Path {
		case "PUT /api/v2/tickets/5":
			puts.Store(string(body))
			_, _ = io.WriteString(w, `{"id":5}`)
		case "POST /api/v2/tickets/5/notes":
			notes.Store(string(body))
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":1,"private":true}`)
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	if err := c.PutTicket(ctx, 5, freshdesk.TicketWrite{Tags: []string{"agent", "seg_vip"}, Priority: cohort.PriorityUrgent,
		CustomFields: map[string]string{"cf_cohort_segment": "vip"}}); err != nil {
		t.Fatal(err)
	}
	if got := puts.Load(); got != `{"custom_fields":{"cf_cohort_segment":"vip"},"priority":4,"tags":["agent","seg_vip"]}` {
		t.Errorf("PUT body %v", got)
	}
	if err := c.AddNote(ctx, 5, "<p>why</p>", true); err != nil {
		t.Fatal(err)
	}
	if got := notes.Load(); got != `{"body":"\u003cp\u003ewhy\u003c/p\u003e","private":true}` {
		t.Errorf("note body %v", got)
	}
}

func TestErrorsHaveKindsAndNoKey(t *testing.T) {
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/tickets/400":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"description":"Validation failed","errors":[{"field":"priority","message":"It should be one of these values: '1,2,3,4'","code":"invalid_value"}]}`)
		default:
			http.NotFound(w, r)
		}
	})
	ctx := context.Background()
	err := c.PutTicket(ctx, 400, freshdesk.TicketWrite{Priority: cohort.PriorityHigh})
	if cohort.KindOf(err) != cohort.KindInvalid || !strings.Contains(err.Error(), "priority: It should be one of") {
		t.Errorf("400: %v", err)
	}
	if _, err := c.Ticket(ctx, 404); cohort.KindOf(err) != cohort.KindNotFound {
		t.Errorf("404: %v", err)
	}
	bad, err := freshdesk.NewClient(freshdesk.Config{URL: c.BaseURL(), APIKey: "wrong-key"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Ticket(ctx, 1)
	if cohort.KindOf(err) != cohort.KindUnauthorized || !strings.Contains(err.Error(), "COHORT_FRESHDESK_API_KEY") || strings.Contains(err.Error(), "wrong-key") {
		t.Errorf("401: %v", err)
	}
}

// TestRetriesFollowThePolicy: a read is retried after a 429 (after its
// Retry-After) and after a 503; a note, which would be created twice, is
// not retried after a 503.
func TestRetriesFollowThePolicy(t *testing.T) {
	var reads, writes atomic.Int32
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			switch reads.Add(1) {
			case 1:
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			case 2:
				w.WriteHeader(http.StatusServiceUnavailable)
			default:
				_, _ = io.WriteString(w, `{"id":3}`)
			}
		case http.MethodPost:
			writes.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	start := time.Now()
	if _, err := c.Ticket(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); reads.Load() != 3 || took < time.Second {
		t.Errorf("%d reads in %v, want 3, the first retry after Retry-After's second", reads.Load(), took)
	}
	err := c.AddNote(context.Background(), 3, "x", true)
	if cohort.KindOf(err) != cohort.KindUnavailable || writes.Load() != 1 {
		t.Errorf("note after a 503: %v after %d tries, want unavailable after one", err, writes.Load())
	}
}

func TestTicketsUpdatedSinceFollowsLink(t *testing.T) {
	var srvURL string
	srv, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "":
			if r.URL.Query().Get("updated_since") != "2026-12-01T00:00:00Z" {
				t.Errorf("query %s", r.URL.RawQuery)
			}
			w.Header().Set("Link", `<`+srvURL+`/api/v2/tickets?page=2&per_page=100>; rel="next"`)
			_, _ = io.WriteString(w, `[{"id":1},{"id":2}]`)
		case "2":
			w.Header().Set("Link", `<https://evil.example/api/v2/tickets?page=3>; rel="next"`)
			_, _ = io.WriteString(w, `[{"id":3}]`)
		}
	})
	srvURL = srv.URL
	var ids []int64
	err := c.TicketsUpdatedSince(context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), func(ts []cohort.Ticket) error {
		for _, tk := range ts {
			ids = append(ids, tk.ID)
		}
		return nil
	})
	if len(ids) != 3 || err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("ids %v, err %v; want 3 tickets, then a refusal to send the key to another host", ids, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPutIsSentOnce: a ticket write refused for now is not resent (its tag
// list may be stale by then) but comes back as a conflict, for the caller
// to read again.
func TestPutIsSentOnce(t *testing.T) {
	var puts atomic.Int32
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		puts.Add(1)
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	err := c.PutTicket(context.Background(), 9, freshdesk.TicketWrite{Tags: []string{"x"}})
	if cohort.KindOf(err) != cohort.KindConflict || puts.Load() != 1 {
		t.Errorf("after a 429: %v after %d sends, want a conflict after one", err, puts.Load())
	}
}

// TestRedirectsAreNotFollowed: a redirect would turn a write into a GET
// and carry the key elsewhere; it is an error.
func TestRedirectsAreNotFollowed(t *testing.T) {
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved", http.StatusFound)
	})
	if err := c.AddNote(context.Background(), 1, "x", true); err == nil {
		t.Error("a redirected note counted as written")
	}
	if _, err := freshdesk.NewClient(freshdesk.Config{URL: "http://freshdesk.example.com", APIKey: "k"}); cohort.KindOf(err) != cohort.KindInvalid {
		t.Errorf("http to another machine: %v, want refused", err)
	}
}

package zendesk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
)

// flaky answers the first `failures` requests with status (and Retry-After
// retryAfter), then 200 with a ticket.
func flaky(t *testing.T, failures int32, status int, retryAfter string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if n <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"nope"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ticket":{"id":7,"priority":"high","tags":["a"],"requester_id":5,"updated_at":"2026-11-23T10:00:00Z"}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func client(t *testing.T, url string, retries int) *zendesk.Client {
	t.Helper()
	c, err := zendesk.NewClient(zendesk.Config{URL: url, Email: "a@b.example", APIToken: "super-secret-token",
		RetryMax: retries, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name       string
		failures   int32
		status     int
		retryAfter string
		retries    int
		wantCalls  int32
		wantKind   cohort.Kind // KindOther: success
	}{
		{"429 with Retry-After is retried", 1, http.StatusTooManyRequests, "1", 3, 2, cohort.KindOther},
		{"503 is retried", 2, http.StatusServiceUnavailable, "", 3, 3, cohort.KindOther},
		{"retries run out: unavailable", 5, http.StatusBadGateway, "", 2, 3, cohort.KindUnavailable},
		{"404 is not retried", 5, http.StatusNotFound, "", 3, 1, cohort.KindNotFound},
		{"409 is a conflict", 5, http.StatusConflict, "", 3, 1, cohort.KindConflict},
		{"422 is invalid", 5, http.StatusUnprocessableEntity, "", 3, 1, cohort.KindInvalid},
		{"401 is unauthorized", 5, http.StatusUnauthorized, "", 3, 1, cohort.KindUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := flaky(t, tt.failures, tt.status, tt.retryAfter)
			start := time.Now()
			got, err := client(t, srv.URL, tt.retries).Ticket(context.Background(), 7)
			if kind := cohort.KindOf(err); (err == nil) != (tt.wantKind == cohort.KindOther) || err != nil && kind != tt.wantKind {
				t.Fatalf("err = %v (kind %v), want kind %v", err, kind, tt.wantKind)
			}
			if calls.Load() != tt.wantCalls {
				t.Errorf("%d calls, want %d", calls.Load(), tt.wantCalls)
			}
			if err == nil && (got.ID != 7 || got.Priority != cohort.PriorityHigh || got.Requester.ID != 5) {
				t.Errorf("ticket = %+v", got)
			}
			if tt.retryAfter == "1" && time.Since(start) < time.Second {
				t.Errorf("retried after %v, before Retry-After's 1s", time.Since(start))
			}
			if err != nil && strings.Contains(err.Error(), "super-secret-token") {
				t.Errorf("error leaks the API token: %v", err)
			}
		})
	}
}

func TestUnreachableZendeskIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := client(t, url, 1).Ticket(context.Background(), 1)
	if cohort.KindOf(err) != cohort.KindUnavailable {
		t.Errorf("err = %v, want unavailable", err)
	}
}

func TestNewClientNamesMissingSettings(t *testing.T) {
	tests := []struct {
		cfg  zendesk.Config
		want string
	}{
		{zendesk.Config{Email: "a@b", APIToken: "t"}, "COHORT_ZENDESK_SUBDOMAIN"},
		{zendesk.Config{Subdomain: "acme", APIToken: "t"}, "COHORT_ZENDESK_EMAIL"},
		{zendesk.Config{Subdomain: "acme", Email: "a@b"}, "COHORT_ZENDESK_API_TOKEN"},
		{zendesk.Config{Subdomain: "-bad-", Email: "a@b", APIToken: "t"}, "COHORT_ZENDESK_SUBDOMAIN"},
	}
	for _, tt := range tests {
		c, err := zendesk.NewClient(tt.cfg)
		if err == nil {
			c.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || cohort.KindOf(err) != cohort.KindInvalid {
			t.Errorf("%+v: err = %v, want invalid naming %s", tt.cfg, err, tt.want)
		}
	}
}

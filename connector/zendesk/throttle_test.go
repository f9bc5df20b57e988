package zendesk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
)

// TestThrottleFollowsZendeskHeaders checks the two signals Zendesk sends: a
// 429's Retry-After holds every request of the client back, and a falling
// X-Rate-Limit-Remaining spreads requests over what is left of the window.
func TestThrottleFollowsZendeskHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		status  int
		minWait time.Duration
	}{
		{"429 with Retry-After holds the next request", map[string]string{"Retry-After": "1"}, http.StatusTooManyRequests, time.Second},
		{"few requests left: spread over the reset", map[string]string{"X-Rate-Limit": "100", "X-Rate-Limit-Remaining": "1",
			"ratelimit-reset": "2"}, http.StatusOK, time.Second},
		{"plenty left: no wait", map[string]string{"X-Rate-Limit": "100", "X-Rate-Limit-Remaining": "90"}, http.StatusOK, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					for k, v := range tt.headers {
						w.Header().Set(k, v)
					}
					w.WriteHeader(tt.status)
					if tt.status == http.StatusOK {
						_, _ = w.Write([]byte(`{"ticket":{"id":1}}`))
					}
					return
				}
				_, _ = w.Write([]byte(`{"ticket":{"id":1}}`))
			}))
			defer srv.Close()
			c, err := zendesk.NewClient(zendesk.Config{URL: srv.URL, Email: "a@b.example", APIToken: "t",
				RateLimit: 60000, RetryMax: -1, BatchSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _ = c.Ticket(context.Background(), 1)
			start := time.Now()
			if _, err := c.Ticket(context.Background(), 1); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			if took < tt.minWait || tt.minWait == 0 && took > 500*time.Millisecond {
				t.Errorf("second request waited %v, want at least %v", took, tt.minWait)
			}
		})
	}
}

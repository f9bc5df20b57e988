package freshdesk

import (
	"net/http"
	"testing"
	"time"
)

// TestThrottleReadsTheHeaders: a 429 holds requests back for its
// Retry-After; a remaining budget under a fifth of the limit spreads them
// over the rest of the minute; a comfortable one changes nothing.
func TestThrottleReadsTheHeaders(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	answer := func(status int, h map[string]string) *http.Response {
		resp := &http.Response{StatusCode: status, Header: http.Header{}}
		for k, v := range h {
			resp.Header.Set(k, v)
		}
		return resp
	}
	for _, tt := range []struct {
		name string
		resp *http.Response
		wait time.Duration
	}{
		{"plenty left", answer(200, map[string]string{headerRateTotal: "200", headerRateRemaining: "150"}), 0},
		{"429 with Retry-After", answer(429, map[string]string{headerRetryAfter: "17"}), 17 * time.Second},
		{"429 without", answer(429, nil), time.Minute},
		{"9 of 200 left", answer(200, map[string]string{headerRateTotal: "200", headerRateRemaining: "9"}), 6 * time.Second},
	} {
		th := newThrottle(100, func() time.Time { return now })
		th.observe(tt.resp)
		if got := th.notBefore.Sub(now); tt.wait == 0 && !th.notBefore.IsZero() || tt.wait != 0 && got != tt.wait {
			t.Errorf("%s: holds back %v, want %v", tt.name, got, tt.wait)
		}
	}
}

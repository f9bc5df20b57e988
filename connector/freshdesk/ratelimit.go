package freshdesk

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/cohortdesk/cohort/internal/httpretry"
)

// Freshdesk's rate-limit headers (reference sheet §10.7).
const (
	headerRateTotal     = "X-Ratelimit-Total"
	headerRateRemaining = "X-Ratelimit-Remaining"
	headerRetryAfter    = "Retry-After"
)

// maxHold bounds how long a 429's Retry-After holds requests back: a
// broken header must not stop cohort for hours.
const maxHold = 5 * time.Minute

// lowWater is the share of the account's limit left at which requests are
// spread over the rest of the minute.
const lowWater = 0.2

// throttle paces every request of a client: its own budget a minute, no
// request before a 429's Retry-After has passed, and requests spread out
// once X-Ratelimit-Remaining falls low. Freshdesk counts every caller of
// the account, its webhooks and apps included, so the headers, not only
// cohort's budget, say what is left.
type throttle struct {
	budget *rate.Limiter
	now    func() time.Time

	mu        sync.Mutex
	notBefore time.Time
}

func newThrottle(perMinute int, now func() time.Time) *throttle {
	return &throttle{budget: rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(perMinute/10, 1)), now: now}
}

// wait blocks until req may be sent.
func (t *throttle) wait(req *http.Request) error {
	t.mu.Lock()
	d := t.notBefore.Sub(t.now())
	t.mu.Unlock()
	if d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-req.Context().Done():
			timer.Stop()
			return req.Context().Err()
		case <-timer.C:
		}
	}
	return t.budget.Wait(req.Context())
}

// observe reads the answer's rate-limit headers.
func (t *throttle) observe(resp *http.Response) {
	var until time.Time
	now := t.now()
	if resp.StatusCode == http.StatusTooManyRequests {
		wait := time.Minute
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get(headerRetryAfter))); err == nil && s >= 0 {
			wait = min(time.Duration(s)*time.Second, maxHold)
		}
		until = now.Add(wait)
	} else {
		total, err1 := strconv.Atoi(resp.Header.Get(headerRateTotal))
		remaining, err2 := strconv.Atoi(resp.Header.Get(headerRateRemaining))
		if err1 == nil && err2 == nil && total > 0 && float64(remaining) < lowWater*float64(total) {
			until = now.Add(time.Minute / time.Duration(max(remaining, 0)+1))
		}
	}
	if until.IsZero() {
		return
	}
	t.mu.Lock()
	if until.After(t.notBefore) {
		t.notBefore = until
	}
	t.mu.Unlock()
}

// pacedTransport puts every request, retries included, through the
// throttle, and says of a failed request whether it was sent (see
// internal/httpretry).
type pacedTransport struct {
	next     http.RoundTripper
	throttle *throttle
}

func (p *pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := p.throttle.wait(req); err != nil {
		return nil, httpretry.NotSent(req.Method, err)
	}
	resp, err := httpretry.Send(p.next, req)
	if err != nil {
		return nil, err
	}
	p.throttle.observe(resp)
	return resp, nil
}

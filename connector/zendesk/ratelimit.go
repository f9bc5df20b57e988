package zendesk

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cohortdesk/cohort/internal/httpretry"
	"golang.org/x/time/rate"
)

// Budget hands out permission for one API request. A local budget
// (NewLocalBudget) serves one process; a shared one (the store's, on
// PostgreSQL) splits one budget among every replica.
type Budget interface {
	Wait(ctx context.Context) error
}

// NewLocalBudget allows perMinute requests a minute, evenly spread, with
// bursts of up to a tenth of that.
func NewLocalBudget(perMinute int) Budget {
	return rate.NewLimiter(rate.Limit(float64(perMinute)/60), max(perMinute/10, 1))
}

// Response headers Zendesk sends about its rate limits.
const (
	headerRateLimit          = "X-Rate-Limit"
	headerRateLimitRemaining = "X-Rate-Limit-Remaining"
	headerRateLimitReset     = "Ratelimit-Reset"
	headerRetryAfter         = "Retry-After"
)

// lowWater is the share of the account's limit left at which cohort starts
// spreading its requests over the rest of the window.
const lowWater = 0.2

// throttle is the rate limiting shared by every request of a client: the
// budgets, and what Zendesk's headers say. All workers of a process share
// one throttle.
type throttle struct {
	budget  Budget // every request
	updates Budget // requests that update tickets; nil: no extra limit
	exports Budget // requests to the incremental exports
	now     func() time.Time

	mu        sync.Mutex
	notBefore time.Time // no request before this (after a 429, or when spreading)
	// exportsNotBefore holds back the incremental exports only, after a
	// 429 of theirs: they have a limit of their own.
	exportsNotBefore time.Time
}

// wait blocks until req may be sent.
func (t *throttle) wait(req *http.Request) error {
	ctx := req.Context()
	export := isIncrementalExport(req)
	t.mu.Lock()
	until := t.notBefore
	if export && t.exportsNotBefore.After(until) {
		until = t.exportsNotBefore
	}
	t.mu.Unlock()
	if d := until.Sub(t.now()); d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
	if p, ok := ctx.Value(prepaidKey{}).(*prepaid); ok && p.use() {
		return nil // prepay took this request's tokens
	}
	if t.updates != nil && isTicketUpdate(req) {
		if err := t.updates.Wait(ctx); err != nil {
			return err
		}
	}
	if export {
		if err := t.exports.Wait(ctx); err != nil {
			return err
		}
	}
	return t.budget.Wait(ctx)
}

// prepay takes the tokens of one ticket update now, and returns a context
// whose first request will not take them again. The batcher prepays while
// its batch is still filling, so batches grow when the budget is tight.
func (t *throttle) prepay(ctx context.Context) (context.Context, error) {
	if err := t.updates.Wait(ctx); err != nil {
		return ctx, err
	}
	if err := t.budget.Wait(ctx); err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, prepaidKey{}, &prepaid{}), nil
}

type prepaidKey struct{}

// prepaid is the tokens of one request, taken in advance.
type prepaid struct{ used atomic.Bool }

// use reports whether the tokens were still there, and takes them.
func (p *prepaid) use() bool { return p.used.CompareAndSwap(false, true) }

// observe reads Zendesk's rate-limit headers of req's response: after a
// 429 no request goes out before Retry-After (no export request, if req was
// one); when the account's remaining requests fall below lowWater,
// requests are spread over what is left of the window.
func (t *throttle) observe(req *http.Request, resp *http.Response) {
	now := t.now()
	var until time.Time
	if resp.StatusCode == http.StatusTooManyRequests {
		wait := 60 * time.Second
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get(headerRetryAfter))); err == nil && s >= 0 {
			wait = time.Duration(s) * time.Second
		}
		until = now.Add(wait)
		if isIncrementalExport(req) {
			t.mu.Lock()
			if until.After(t.exportsNotBefore) {
				t.exportsNotBefore = until
			}
			t.mu.Unlock()
			return
		}
	} else if limit, remaining, ok := limits(resp.Header); ok && float64(remaining) < lowWater*float64(limit) {
		reset := 60 * time.Second
		if s, err := strconv.Atoi(resp.Header.Get(headerRateLimitReset)); err == nil && s > 0 {
			reset = time.Duration(s) * time.Second
		}
		until = now.Add(reset / time.Duration(remaining+1))
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

func limits(h http.Header) (limit, remaining int, ok bool) {
	l, err1 := strconv.Atoi(h.Get(headerRateLimit))
	r, err2 := strconv.Atoi(h.Get(headerRateLimitRemaining))
	return l, r, err1 == nil && err2 == nil && l > 0
}

// isTicketUpdate reports whether req writes tickets: Zendesk limits those
// account-wide on their own (§7 of the reference sheet).
func isTicketUpdate(req *http.Request) bool {
	return (req.Method == http.MethodPut || req.Method == http.MethodPost) && strings.Contains(req.URL.Path, "/tickets/")
}

// isIncrementalExport reports whether req reads an incremental export,
// which Zendesk limits on its own (§5.3 and §7 of the reference sheet).
func isIncrementalExport(req *http.Request) bool {
	return req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/incremental/")
}

// limitedTransport puts every request, retries included, through the
// throttle, and says of a failed request whether it was sent (see
// httpretry).
type limitedTransport struct {
	next     http.RoundTripper
	throttle *throttle
	observer Observer
}

func (l *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := l.throttle.wait(req); err != nil {
		return nil, httpretry.NotSent(req.Method, err)
	}
	start := time.Now()
	resp, err := httpretry.Send(l.next, req)
	if err != nil {
		// Sent or not (refused, no DNS, TLS), no answer came.
		l.observer.Request(endpointClass(req), 0, time.Since(start))
		return nil, err
	}
	l.observer.Request(endpointClass(req), resp.StatusCode, time.Since(start))
	if limit, remaining, ok := limits(resp.Header); ok {
		l.observer.RateLimit(remaining, limit)
	}
	l.throttle.observe(req, resp)
	return resp, nil
}

// endpointClass names the kind of API endpoint req calls, for metrics: a
// handful of classes rather than paths, which carry ids. "users" covers
// users, organizations and search.
func endpointClass(req *http.Request) string {
	path := strings.TrimPrefix(req.URL.Path, "/api/v2/")
	first, _, _ := strings.Cut(path, "/")
	first = strings.TrimSuffix(first, ".json")
	switch first {
	case "tickets":
		if req.Method == http.MethodGet {
			return "ticket_read"
		}
		return "ticket_update"
	case "incremental":
		return "export"
	case "job_statuses":
		return "job_status"
	case "users", "organizations", "search":
		return "users"
	case "satisfaction_ratings":
		return "ratings"
	case "macros":
		return "macros"
	case "apps", "webhooks", "triggers", "trigger_categories", "ticket_fields", "user_fields":
		return "install"
	}
	return "other"
}

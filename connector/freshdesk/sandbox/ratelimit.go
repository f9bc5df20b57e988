package sandbox

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Plan is a Freshdesk plan's rate limits per minute (helpdesk-api.md
// §10.7): the account-wide budget, and the per-endpoint limits within it
// (0: none). The newer hourly plans (Blossom, Garden, Estate, Forest) are
// UNCONFIRMED (§10.7, apps-freshdesk-ops.md §2.9) and not emulated.
type Plan struct {
	Name         string
	PerMinute    int // account-wide, all callers
	TicketCreate int // POST /tickets
	TicketUpdate int // PUT /tickets/{id}
	TicketsList  int // GET /tickets
	ContactsList int // GET /contacts
}

// The plans of §10.7. The trial's per-endpoint limits are not in the sheet:
// it has none here.
var (
	PlanTrial      = Plan{Name: "trial", PerMinute: 50}
	PlanGrowth     = Plan{Name: "growth", PerMinute: 200, TicketCreate: 80, TicketUpdate: 80, TicketsList: 20, ContactsList: 20}
	PlanPro        = Plan{Name: "pro", PerMinute: 400, TicketCreate: 160, TicketUpdate: 160, TicketsList: 100, ContactsList: 100}
	PlanEnterprise = Plan{Name: "enterprise", PerMinute: 700, TicketCreate: 280, TicketUpdate: 280, TicketsList: 200, ContactsList: 200}
)

// rateWindow is the window of every limit: Freshdesk's are per minute.
const rateWindow = time.Minute

// Rate-limit response headers (§10.7; Go writes them in this canonical
// case, the docs write X-RateLimit-…: names are case-insensitive).
const (
	headerTotal      = "X-Ratelimit-Total"
	headerRemaining  = "X-Ratelimit-Remaining"
	headerUsed       = "X-Ratelimit-Used-Currentrequest"
	headerRetryAfter = "Retry-After"
)

// endpointLimit returns which per-endpoint limit of p counts a request to
// pattern, and its value (0: none).
func (p Plan) endpointLimit(pattern string) (string, int) {
	switch pattern {
	case "POST " + apiPrefix + "/tickets":
		return "ticket_create", p.TicketCreate
	case "PUT " + apiPrefix + "/tickets/{id}":
		return "ticket_update", p.TicketUpdate
	case "GET " + apiPrefix + "/tickets":
		return "tickets_list", p.TicketsList
	case "GET " + apiPrefix + "/contacts":
		return "contacts_list", p.ContactsList
	}
	return "", 0
}

// credits returns what a request costs: 1, plus what each embed of
// include= costs. §10.7 says only that embeds "cost extra credits"; the
// amounts, 1 per embed on a ticket view and 2 per embed on the tickets
// list, are UNCONFIRMED.
func credits(r *http.Request, rt route) int {
	inc := r.URL.Query().Get("include")
	if inc == "" {
		return 1
	}
	n := len(strings.Split(inc, ","))
	switch rt.pattern {
	case "GET " + apiPrefix + "/tickets/{id}":
		return 1 + n
	case "GET " + apiPrefix + "/tickets":
		return 1 + 2*n
	}
	return 1
}

// limits are the account's budget and per-endpoint counters, in fixed
// minute windows of the sandbox clock.
type limits struct {
	plan     Plan
	total    int
	enforced bool

	mu        sync.Mutex
	start     time.Time
	used      int
	endpoints map[string]int
}

func newLimits(cfg Config) *limits {
	l := &limits{plan: cfg.Plan, total: cfg.Plan.PerMinute, endpoints: map[string]int{}}
	if cfg.RateLimit > 0 {
		l.total, l.enforced = cfg.RateLimit, true
	}
	return l
}

// rollLocked moves the window to the one holding now. l.mu must be held.
func (l *limits) rollLocked(now time.Time) {
	start := now.Truncate(rateWindow)
	if !start.Equal(l.start) {
		l.start, l.used = start, 0
		clear(l.endpoints)
	}
}

// resets returns the whole seconds until the window holding now ends, at
// least 1.
func resets(now time.Time) int {
	left := now.Truncate(rateWindow).Add(rateWindow).Sub(now)
	return max(int((left+time.Second-1)/time.Second), 1)
}

// peek sets the headers of the current window without counting a request.
func (l *limits) peek(h http.Header, now time.Time) {
	l.mu.Lock()
	l.rollLocked(now)
	remaining := max(l.total-l.used, 0)
	l.mu.Unlock()
	h.Set(headerTotal, strconv.Itoa(l.total))
	h.Set(headerRemaining, strconv.Itoa(remaining))
	h.Set(headerUsed, "0")
}

// admit counts cost credits of a request to pattern at now, setting the
// headers on h. Over an enforced limit it counts nothing and returns the
// seconds to wait: a 429 uses no credit (UNCONFIRMED; §10.7 says invalid
// calls count, and the sandbox counts 400s and 404s).
func (l *limits) admit(h http.Header, now time.Time, pattern string, cost int) (retryAfter int) {
	name, endpoint := l.plan.endpointLimit(pattern)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	over := l.enforced && (l.used+cost > l.total || endpoint > 0 && l.endpoints[name]+1 > endpoint)
	used := 0
	if !over {
		l.used += cost
		used = cost
		if endpoint > 0 {
			l.endpoints[name]++
		}
	}
	h.Set(headerTotal, strconv.Itoa(l.total))
	h.Set(headerRemaining, strconv.Itoa(max(l.total-l.used, 0)))
	h.Set(headerUsed, strconv.Itoa(used))
	if over {
		return resets(now)
	}
	return 0
}

// take counts one credit of a webhook delivery (Freshdesk runs webhooks
// within the account's limit, §10.8), or reports how long to wait for the
// next window when the enforced budget is spent.
func (l *limits) take(now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rollLocked(now)
	if l.enforced && l.used >= l.total {
		return now.Truncate(rateWindow).Add(rateWindow).Sub(now), false
	}
	l.used++
	return 0, true
}

// rateLimit counts each authenticated API request's credits and answers
// 429 with Retry-After to one over the limits, without executing it.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		if !rt.api {
			next.ServeHTTP(w, r)
			return
		}
		cost := credits(r, rt)
		retryAfter := s.limits.admit(w.Header(), s.cfg.Now(), rt.pattern, cost)
		if retryAfter == 0 {
			s.stats.credits(cost)
			next.ServeHTTP(w, r)
			return
		}
		s.log.Info("sandbox: rate limited", "method", r.Method, "path", r.URL.Path, "retry_after", retryAfter)
		w.Header().Set(headerRetryAfter, strconv.Itoa(retryAfter))
		// The 429 body is UNCONFIRMED (§10.7 gives only the status and
		// Retry-After).
		writeJSON(w, http.StatusTooManyRequests, errorBody{
			Code:    "too_many_requests",
			Message: "You have exceeded the limit of requests per minute for your account. Please try again after " + strconv.Itoa(retryAfter) + " seconds.",
		})
	})
}

package sandbox

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate limits of the fact sheet (§7), used when a Config field is zero.
const (
	// DefaultRateLimit is the account's API requests per minute reported
	// when Config.RateLimit is 0 (Zendesk's Enterprise plan).
	DefaultRateLimit = 700
	// DefaultTicketUpdateRateLimit is the account-wide limit of ticket
	// updates per minute enforced when Config.RateLimit is positive.
	DefaultTicketUpdateRateLimit = 100
	// DefaultTicketUpdatesPerTicket is the limit of updates of one ticket
	// per TicketUpdateWindow enforced when Config.RateLimit is positive.
	DefaultTicketUpdatesPerTicket = 30
	// TicketUpdateWindow is the window of the per-ticket update limit.
	TicketUpdateWindow = 10 * time.Minute
	// DefaultIncrementalExportRateLimit is the limit of requests per minute
	// to the incremental exports enforced when Config.RateLimit is positive
	// (Zendesk's 10; 30 with the High Volume add-on).
	DefaultIncrementalExportRateLimit = 10
)

// rateWindow is the window of the account limit and of the account-wide
// ticket-update limit.
const rateWindow = time.Minute

// Rate-limit response headers. Go writes them in canonical case; Zendesk's
// docs write the last five in lowercase (header names are case-insensitive).
const (
	headerRateLimit          = "X-Rate-Limit"
	headerRateLimitRemaining = "X-Rate-Limit-Remaining"
	headerRatelimitLimit     = "Ratelimit-Limit"
	headerRatelimitRemaining = "Ratelimit-Remaining"
	headerRatelimitReset     = "Ratelimit-Reset"
	headerRetryAfter         = "Retry-After"
	// Endpoint limits, in the style of Zendesk's documented
	// zendesk-ratelimit-tickets-index (the names are UNCONFIRMED).
	headerTicketsUpdateLimit   = "Zendesk-Ratelimit-Tickets-Update"
	headerPerTicketUpdateLimit = "Zendesk-Ratelimit-Tickets-Update-Per-Ticket"
	headerExportsLimit         = "Zendesk-Ratelimit-Incremental-Exports"
)

// Bodies of the 429 answers, plain text as Zendesk's. The ticket-update one
// is the docs' example; the account and export ones are UNCONFIRMED.
const (
	msgRateLimited          = "Number of allowed API requests per minute exceeded"
	msgTicketUpdatesLimited = "Rate limit for ticket updates exceeded, please wait before updating this ticket again"
	msgExportsLimited       = "Number of allowed incremental export API requests per minute exceeded"
)

// ticketUpdateRoutes are the endpoints that count against the
// ticket-update limits: true for the per-ticket limit too.
var ticketUpdateRoutes = map[string]bool{
	"PUT " + apiPrefix + "/tickets/{id}":         true,
	"PUT " + apiPrefix + "/tickets/update_many":  false,
	"PUT " + apiPrefix + "/tickets/{id}/tags":    false,
	"POST " + apiPrefix + "/tickets/{id}/tags":   false,
	"DELETE " + apiPrefix + "/tickets/{id}/tags": false,
}

// isExportRoute reports whether rt is an incremental export, which counts
// against the export limit.
func isExportRoute(rt route) bool {
	_, path, _ := strings.Cut(rt.pattern, " ")
	return strings.HasPrefix(path, apiPrefix+"/incremental/")
}

// limits are the account's rate limits and their counters, in fixed windows
// aligned to the sandbox clock: minute windows start at second 0 of each
// minute of Config.Now, ticket windows at minutes 0, 10, 20… of each hour.
type limits struct {
	account   int  // API requests per minute
	enforced  bool // whether account is enforced
	updates   int  // ticket updates per minute; 0 when not enforced
	perTicket int  // updates per ticket per TicketUpdateWindow; 0 when not enforced
	exports   int  // incremental export requests per minute; 0 when not enforced

	mu       sync.Mutex
	used     window // API requests
	updated  window // ticket-update requests
	exported window // incremental export requests
	tickets  window // its start only: perTicketUsed holds the counts
	// perTicketUsed counts each ticket's updates in the tickets window.
	perTicketUsed map[int64]int
}

func newLimits(cfg Config) *limits {
	l := &limits{perTicketUsed: make(map[int64]int)}
	l.set(cfg)
	return l
}

// set applies cfg's limits to l; l.mu must be held or l not yet shared.
func (l *limits) set(cfg Config) {
	l.account, l.enforced, l.updates, l.perTicket, l.exports = DefaultRateLimit, false, 0, 0, 0
	if cfg.RateLimit > 0 {
		l.account, l.enforced = cfg.RateLimit, true
		l.updates, l.perTicket = DefaultTicketUpdateRateLimit, DefaultTicketUpdatesPerTicket
		l.exports = DefaultIncrementalExportRateLimit
	}
	if cfg.IncrementalExportRateLimit > 0 {
		l.exports = cfg.IncrementalExportRateLimit
	}
	if cfg.TicketUpdateRateLimit > 0 {
		l.updates = cfg.TicketUpdateRateLimit
	}
	if cfg.TicketUpdatesPerTicket > 0 {
		l.perTicket = cfg.TicketUpdatesPerTicket
	}
}

// SetRateLimits changes the account's limits at run time, as the RateLimit,
// TicketUpdateRateLimit, TicketUpdatesPerTicket and
// IncrementalExportRateLimit fields of Config would set them at New (the
// other fields of cfg are ignored). Requests already
// counted in the current windows stay counted. Benchmarks use it to set an
// account up before limiting it.
func (s *Server) SetRateLimits(cfg Config) {
	s.limits.mu.Lock()
	defer s.limits.mu.Unlock()
	s.limits.set(cfg)
}

// window counts requests in one fixed window.
type window struct {
	start time.Time
	used  int
}

// roll moves w to the window of size holding now, reporting whether it
// started a new one.
func (w *window) roll(now time.Time, size time.Duration) bool {
	start := now.Truncate(size)
	if start.Equal(w.start) {
		return false
	}
	w.start, w.used = start, 0
	return true
}

// resets returns the whole seconds until the window of size holding now
// ends, at least 1.
func resets(now time.Time, size time.Duration) int {
	left := now.Truncate(size).Add(size).Sub(now)
	return max(int((left+time.Second-1)/time.Second), 1)
}

// peek sets the account's rate-limit headers for now without counting a
// request: X-Rate-Limit on every response, the ratelimit-* ones on API
// responses.
func (l *limits) peek(h http.Header, now time.Time, api bool) {
	l.mu.Lock()
	l.used.roll(now, rateWindow)
	remaining := max(l.account-l.used.used, 0)
	l.mu.Unlock()
	l.setAccountHeaders(h, remaining, now, api)
}

func (l *limits) setAccountHeaders(h http.Header, remaining int, now time.Time, api bool) {
	limit, left := strconv.Itoa(l.account), strconv.Itoa(remaining)
	h.Set(headerRateLimit, limit)
	h.Set(headerRateLimitRemaining, left)
	if api {
		h.Set(headerRatelimitLimit, limit)
		h.Set(headerRatelimitRemaining, left)
		h.Set(headerRatelimitReset, strconv.Itoa(resets(now, rateWindow)))
	}
}

// rejection is why a request over a limit is refused.
type rejection struct {
	retryAfter int // seconds
	message    string
}

// admit counts an API request to rt at now against every limit that
// applies, and sets the rate-limit headers on h. A request over any
// enforced limit is refused and counted against none: a 429 consumes no
// quota. Its Retry-After is the longest wait among the limits it exceeds.
func (l *limits) admit(h http.Header, now time.Time, rt route, ticketID int64) *rejection {
	perTicket, isUpdate := ticketUpdateRoutes[rt.pattern]
	countUpdate := isUpdate && l.updates > 0
	countTicket := perTicket && ticketID > 0 && l.perTicket > 0
	countExport := isExportRoute(rt) && l.exports > 0

	l.mu.Lock()
	defer l.mu.Unlock()
	l.used.roll(now, rateWindow)
	l.updated.roll(now, rateWindow)
	l.exported.roll(now, rateWindow)
	if l.tickets.roll(now, TicketUpdateWindow) {
		clear(l.perTicketUsed)
	}

	var rej *rejection
	refuse := func(size time.Duration, message string) {
		if rej == nil {
			rej = &rejection{message: message}
		}
		rej.retryAfter = max(rej.retryAfter, resets(now, size))
	}
	if l.enforced && l.used.used >= l.account {
		refuse(rateWindow, msgRateLimited)
	}
	if countUpdate && l.updated.used >= l.updates {
		refuse(rateWindow, msgTicketUpdatesLimited)
	}
	if countTicket && l.perTicketUsed[ticketID] >= l.perTicket {
		refuse(TicketUpdateWindow, msgTicketUpdatesLimited)
	}
	if countExport && l.exported.used >= l.exports {
		refuse(rateWindow, msgExportsLimited)
	}
	if rej == nil {
		l.used.used++
		if countUpdate {
			l.updated.used++
		}
		if countExport {
			l.exported.used++
		}
		if countTicket {
			l.perTicketUsed[ticketID]++
		}
	}

	l.setAccountHeaders(h, max(l.account-l.used.used, 0), now, true)
	if countUpdate {
		h.Set(headerTicketsUpdateLimit, endpointLimit(l.updates, l.updated.used, resets(now, rateWindow)))
	}
	if countTicket {
		h.Set(headerPerTicketUpdateLimit, endpointLimit(l.perTicket, l.perTicketUsed[ticketID], resets(now, TicketUpdateWindow)))
	}
	if countExport {
		h.Set(headerExportsLimit, endpointLimit(l.exports, l.exported.used, resets(now, rateWindow)))
	}
	return rej
}

// endpointLimit formats an endpoint limit header value like Zendesk's
// "total=100; remaining=99; resets=41".
func endpointLimit(total, used, resets int) string {
	return "total=" + strconv.Itoa(total) +
		"; remaining=" + strconv.Itoa(max(total-used, 0)) +
		"; resets=" + strconv.Itoa(resets)
}

// rateLimit counts each authenticated API request against the rate limits
// and answers 429 to one over them, without executing it. Endpoint-limit
// headers appear only on the requests their limit counts.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		if !rt.api {
			next.ServeHTTP(w, r)
			return
		}
		rej := s.limits.admit(w.Header(), s.cfg.Now(), rt, ticketIDOf(r))
		if rej == nil {
			next.ServeHTTP(w, r)
			return
		}
		s.log.Info("sandbox: rate limited", "method", r.Method, "path", r.URL.Path, "retry_after", rej.retryAfter)
		h := w.Header()
		h.Set(headerRetryAfter, strconv.Itoa(rej.retryAfter))
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, rej.message)
	})
}

// ticketIDOf returns the ticket id of a /api/v2/tickets/{id} path, or 0.
func ticketIDOf(r *http.Request) int64 {
	rest, ok := strings.CutPrefix(r.URL.Path, apiPrefix+"/tickets/")
	if !ok {
		return 0
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return 0
	}
	return id
}

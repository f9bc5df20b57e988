package sandbox

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate limits of the reference sheet (§1.5, §1.8), reported when a Config
// field is zero.
const (
	// DefaultTenSecondlyLimit is the Free/Starter tier's requests per 10 s.
	DefaultTenSecondlyLimit = 100
	// DefaultDailyLimit is the Free/Starter tier's requests per day.
	DefaultDailyLimit = 250000
	// DefaultRateWindow is the window of the burst limit.
	DefaultRateWindow = 10 * time.Second
	// DefaultSearchLimit is HubSpot's search limit, requests per second per
	// account, for Config.SearchLimit.
	DefaultSearchLimit = 5
	// DefaultSearchResultCap is how far search can page.
	DefaultSearchResultCap = 10000
)

// Rate-limit response headers, set on every answer but search's.
const (
	HeaderDaily             = "X-HubSpot-RateLimit-Daily"
	HeaderDailyRemaining    = "X-HubSpot-RateLimit-Daily-Remaining"
	HeaderInterval          = "X-HubSpot-RateLimit-Interval-Milliseconds"
	HeaderMax               = "X-HubSpot-RateLimit-Max"
	HeaderRemaining         = "X-HubSpot-RateLimit-Remaining"
	HeaderSecondly          = "X-HubSpot-RateLimit-Secondly"
	HeaderSecondlyRemaining = "X-HubSpot-RateLimit-Secondly-Remaining"
)

// Policy names of the 429 bodies.
const (
	PolicyDaily       = "DAILY"
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicySecondly    = "SECONDLY"
)

// Messages of the 429 bodies, by policy. The daily and secondly ones are
// those HubSpot's own SDK matches on.
var rateLimitMessages = map[string]string{
	PolicyDaily:       "You have reached your daily limit.",
	PolicyTenSecondly: "You have reached your ten_secondly_rolling limit.",
	PolicySecondly:    "You have reached your secondly limit.",
}

// limits are the token's rolling burst window, the account's daily count
// and its search limit, on the sandbox clock.
type limits struct {
	window        time.Duration
	max           int // requests per window
	enforced      bool
	daily         int
	dailyEnforced bool
	search        int // searches per second; 0: no limit
	loc           *time.Location

	mu       sync.Mutex
	recent   []time.Time // requests counted in the window, search excluded
	searches []time.Time // searches in the last second
	day      string      // the day used counts, in loc
	used     int
}

func newLimits(cfg Config) *limits {
	l := &limits{window: cfg.RateWindow, max: cfg.TenSecondlyLimit, daily: cfg.DailyLimit, search: max(cfg.SearchLimit, 0), loc: cfg.Location}
	l.enforced, l.dailyEnforced = l.max > 0, l.daily > 0
	if !l.enforced {
		l.max = DefaultTenSecondlyLimit
	}
	if !l.dailyEnforced {
		l.daily = DefaultDailyLimit
	}
	return l
}

// usage is the state of the limits after a request, for its headers.
type usage struct {
	daily, dailyRemaining int
	max, remaining        int
	window                time.Duration
	secondly, secondlyRem int
}

// take counts a request at now against the limits, unless it is over one:
// then it returns the policy it is over, and counts nothing.
func (l *limits) take(now time.Time, search bool) (policy string, u usage) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	switch {
	case l.dailyEnforced && l.used >= l.daily:
		policy = PolicyDaily
	case search && l.search > 0 && len(l.searches) >= l.search:
		policy = PolicySecondly
	case !search && l.enforced && len(l.recent) >= l.max:
		policy = PolicyTenSecondly
	default:
		l.used++
		if search {
			l.searches = append(l.searches, now)
		} else {
			l.recent = append(l.recent, now)
		}
	}
	return policy, l.usageLocked(now)
}

// peek returns the limits' state at now without counting anything.
func (l *limits) peek(now time.Time) usage {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	return l.usageLocked(now)
}

// prune forgets requests out of their windows and resets the daily count
// at midnight in the account's time zone.
func (l *limits) prune(now time.Time) {
	if day := now.In(l.loc).Format(time.DateOnly); day != l.day {
		l.day, l.used = day, 0
	}
	l.recent = since(l.recent, now.Add(-l.window))
	l.searches = since(l.searches, now.Add(-time.Second))
}

// since drops the times at or before cutoff from ts, which is in order.
func since(ts []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cutoff) {
		i++
	}
	return ts[i:]
}

func (l *limits) usageLocked(now time.Time) usage {
	u := usage{
		daily:          l.daily,
		dailyRemaining: max(l.daily-l.used, 0),
		max:            l.max,
		remaining:      max(l.max-len(l.recent), 0),
		window:         l.window,
		secondly:       max(l.max*int(time.Second)/int(l.window), 1),
	}
	inLastSecond := len(since(l.recent, now.Add(-time.Second)))
	u.secondlyRem = max(u.secondly-inLastSecond, 0)
	return u
}

// set writes the rate-limit headers.
func (u usage) set(h http.Header) {
	h.Set(HeaderDaily, strconv.Itoa(u.daily))
	h.Set(HeaderDailyRemaining, strconv.Itoa(u.dailyRemaining))
	h.Set(HeaderInterval, strconv.FormatInt(u.window.Milliseconds(), 10))
	h.Set(HeaderMax, strconv.Itoa(u.max))
	h.Set(HeaderRemaining, strconv.Itoa(u.remaining))
	h.Set(HeaderSecondly, strconv.Itoa(u.secondly))
	h.Set(HeaderSecondlyRemaining, strconv.Itoa(u.secondlyRem))
}

// rateLimit counts each authenticated request against the limits and
// answers 429 to one over a limit, without serving or counting it. Search
// requests count against the search and daily limits only, and are
// answered without rate-limit headers.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		search := routeOf(r).search
		policy, u := s.limits.take(s.cfg.Now(), search)
		if !search {
			u.set(w.Header())
		}
		if policy != "" {
			s.writeRateLimited(w, policy)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeRateLimited answers 429 with the body of policy and counts it.
func (s *Server) writeRateLimited(w http.ResponseWriter, policy string) {
	s.stats.rateLimited(policy)
	writeJSON(w, http.StatusTooManyRequests, errorBody{
		Status:        "error",
		Message:       rateLimitMessages[policy],
		CorrelationID: w.Header().Get(headerCorrelationID),
		ErrorType:     "RATE_LIMIT",
		PolicyName:    policy,
		RequestID:     newUUID(),
	})
}

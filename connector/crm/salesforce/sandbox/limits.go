package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// HeaderLimitInfo reports the org's API usage on every API response:
// "api-usage=<used>/<max>".
const HeaderLimitInfo = "Sforce-Limit-Info"

// limitWindow is how long the daily limit counts requests. The sandbox's
// window is fixed: it starts at New and restarts when it has run out, where
// Salesforce's rolls.
const limitWindow = 24 * time.Hour

// usage counts the API requests of the current window.
type usage struct {
	count int
	since time.Time
}

// rollUsageLocked starts a new window when the current one has run out.
// s.mu must be held.
func (s *Server) rollUsageLocked() {
	if now := s.cfg.Now(); now.Sub(s.usage.since) >= limitWindow {
		s.usage = usage{since: now}
	}
}

// setLimitInfoLocked sets Sforce-Limit-Info to the current usage. s.mu must
// be held.
func (s *Server) setLimitInfoLocked(h http.Header) {
	s.rollUsageLocked()
	h.Set(HeaderLimitInfo, fmt.Sprintf("api-usage=%d/%d", s.usage.count, s.cfg.DailyLimit))
}

var errRequestLimit = errorf(http.StatusForbidden, codeRequestLimit, "TotalRequests Limit exceeded.")

// countUsage counts authenticated API requests against Config.DailyLimit;
// once it is reached, requests are answered 403 REQUEST_LIMIT_EXCEEDED and
// not counted.
func (s *Server) countUsage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiVersion(r.URL.Path) == "" {
			next.ServeHTTP(w, r)
			return
		}
		s.mu.Lock()
		s.rollUsageLocked()
		over := s.usage.count >= s.cfg.DailyLimit
		if !over {
			s.usage.count++
		}
		s.setLimitInfoLocked(w.Header())
		s.mu.Unlock()
		if over {
			writeError(w, errRequestLimit)
			return
		}
		next.ServeHTTP(w, r)
	})
}

package sandbox

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Faults are failures the sandbox injects into its API, for tests and for
// `cohort demo`, as the Zendesk sandbox's do. They apply only to requests
// under /api/v2, never to the webhooks the automation rules send. A
// faulted request executes nothing and uses no rate-limit credit. The zero
// Faults injects none.
//
// Latency is real time, not the sandbox clock (Config.Now).
type Faults struct {
	// ErrorRate is the share (0 to 1) of API requests answered with a
	// server error instead of being executed. The errors alternate 500,
	// 503, 500…; a 503 carries "Retry-After: 1".
	ErrorRate float64
	// Latency is added to every API request before it is served.
	Latency time.Duration
	// DropRate is the share (0 to 1) of API requests whose connection is
	// closed without a response.
	DropRate float64
	// Seed seeds the random source that picks the faulted requests, for
	// reproducible runs; 0 seeds it from the time. SetFaults restarts the
	// source from the new Seed.
	Seed int64
}

// A FaultKind names an injected fault in Stats.
type FaultKind string

// Kinds of injected faults.
const (
	FaultLatency     FaultKind = "latency"     // a request delayed by Latency
	FaultError       FaultKind = "error"       // a 500 of ErrorRate
	FaultUnavailable FaultKind = "unavailable" // a 503 of ErrorRate
	FaultDrop        FaultKind = "drop"        // a connection dropped by DropRate
	FaultRoute       FaultKind = "route"       // a request to a route failed by FailRoute
)

// faultState holds the current faults and their random source.
type faultState struct {
	mu     sync.Mutex
	f      Faults
	rng    *emulator.Rand
	errors int            // server errors injected since the last set: even → 500
	routes map[string]int // route key → the status FailRoute answers
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{routes: map[string]int{}}
	fs.set(f)
	return fs
}

// set replaces the faults, clamping rates to [0, 1] and Latency to ≥ 0,
// and restarts the random source.
func (fs *faultState) set(f Faults) {
	clamp := func(rate float64) float64 { return min(max(rate, 0), 1) }
	f.ErrorRate, f.DropRate, f.Latency = clamp(f.ErrorRate), clamp(f.DropRate), max(f.Latency, 0)
	rng := emulator.NewRand(f.Seed)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f, fs.rng, fs.errors = f, rng, 0
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

// fault is what befalls one API request.
type fault struct {
	latency time.Duration
	drop    bool
	status  int // a server error answered instead of executing, or 0
	route   int // the status FailRoute set for the route, or 0
}

func (fs *faultState) draw(key string) fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := fault{latency: fs.f.Latency, route: fs.routes[key]}
	switch {
	case fs.rng.Hit(fs.f.DropRate):
		f.drop = true
	case fs.rng.Hit(fs.f.ErrorRate):
		f.status = http.StatusInternalServerError
		if fs.errors%2 == 1 {
			f.status = http.StatusServiceUnavailable
		}
		fs.errors++
	}
	return f
}

// SetFaults replaces the injected faults; it is safe to call while the
// server handles requests.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Faults returns the injected faults, rates and durations clamped.
func (s *Server) Faults() Faults { return s.faults.get() }

// FailRoute makes every request to route answer status without being
// executed; status 0 serves the route again. route is named as in
// Stats.RequestsByRoute: "POST /api/v2/tickets/{id}/notes". SetFaults
// leaves it as it is.
func (s *Server) FailRoute(route string, status int) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if status == 0 {
		delete(s.faults.routes, route)
		return
	}
	s.faults.routes[route] = status
}

// Bodies of injected server errors, in the code/message shape (§2.10;
// Freshdesk's 5xx bodies are UNCONFIRMED).
var (
	faultErrorBody       = errorBody{Code: "internal_error", Message: "We're sorry, but something went wrong."}
	faultUnavailableBody = errorBody{Code: "service_unavailable", Message: "Service temporarily unavailable, please retry later"}
)

// injectFaults applies the current faults to API requests: it waits
// Latency, then drops the connection or answers a server error, or serves
// the request.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		if !rt.api {
			next.ServeHTTP(w, r)
			return
		}
		f := s.faults.draw(rt.key)
		if f.latency > 0 {
			s.stats.fault(FaultLatency)
			if !s.sleep(r.Context(), f.latency) {
				writeUnavailable(w)
				return
			}
		}
		switch {
		case f.drop:
			s.stats.fault(FaultDrop)
			s.log.Info("sandbox: fault: connection dropped", "method", r.Method, "path", r.URL.Path)
			emulator.DropConnection(w)
		case f.status == http.StatusInternalServerError:
			s.stats.fault(FaultError)
			s.log.Info("sandbox: fault: 500", "method", r.Method, "path", r.URL.Path)
			writeJSON(w, f.status, faultErrorBody)
		case f.status == http.StatusServiceUnavailable:
			s.stats.fault(FaultUnavailable)
			s.log.Info("sandbox: fault: 503", "method", r.Method, "path", r.URL.Path)
			writeUnavailable(w)
		case f.route != 0:
			s.stats.fault(FaultRoute)
			body := faultUnavailableBody
			if f.route < 500 {
				body = errorBody{Code: "route_failed", Message: http.StatusText(f.route)}
			}
			writeJSON(w, f.route, body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func writeUnavailable(w http.ResponseWriter) {
	w.Header().Set(headerRetryAfter, "1")
	writeJSON(w, http.StatusServiceUnavailable, faultUnavailableBody)
}

// sleep waits d unless ctx is done or the server closes first, reporting
// whether it waited d.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
	return false
}

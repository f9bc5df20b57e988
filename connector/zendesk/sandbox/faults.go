package sandbox

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Faults are failures the sandbox injects into its API, for tests and for
// `cohort demo`. They apply only to requests under /api/v2, never to the
// webhook deliveries the sandbox makes. A faulted request executes nothing.
// The zero Faults injects none.
//
// Latency and JobDelay are real time, not the sandbox clock (Config.Now).
type Faults struct {
	// ErrorRate is the share (0 to 1) of API requests answered with a
	// server error instead of being executed. The errors alternate 500,
	// 503, 500…; a 503 carries "Retry-After: 1".
	ErrorRate float64
	// Latency is added to every API request before it is served.
	Latency time.Duration
	// DropRate is the share (0 to 1) of API requests whose connection is
	// closed without a response. Where the connection cannot be hijacked
	// (HTTP/2, or ServeHTTP called with a plain ResponseWriter) the handler
	// panics with http.ErrAbortHandler instead.
	DropRate float64
	// ConflictRate is the share (0 to 1) of safe-update ticket writes
	// refused as conflicts without writing: PUT /tickets/{id} and tag
	// writes with safe_update answer 409 UpdateConflict, and items of
	// PUT /tickets/update_many (always safe) fail with UpdateConflict in
	// their job's results.
	ConflictRate float64
	// JobDelay is how long each update_many job stays queued before it
	// runs, counted from when it was queued. Changing it with SetFaults
	// applies to the jobs already waiting.
	JobDelay time.Duration
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
	FaultConflict    FaultKind = "conflict"    // a write refused by ConflictRate
)

// faultState holds the current faults and their random source.
type faultState struct {
	mu     sync.Mutex
	f      Faults
	rng    *emulator.Rand
	errors int // server errors injected since the last SetFaults: even → 500
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{}
	fs.set(f)
	return fs
}

// set replaces the faults, clamping rates to [0, 1] and durations to ≥ 0,
// and restarts the random source.
func (fs *faultState) set(f Faults) {
	clamp := func(rate float64) float64 { return min(max(rate, 0), 1) }
	f.ErrorRate, f.DropRate, f.ConflictRate = clamp(f.ErrorRate), clamp(f.DropRate), clamp(f.ConflictRate)
	f.Latency, f.JobDelay = max(f.Latency, 0), max(f.JobDelay, 0)
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

// draw picks the faults of one API request: its latency, whether its
// connection is dropped, and otherwise the server error it is answered
// (0 for none).
func (fs *faultState) draw() (latency time.Duration, drop bool, status int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.rng.Hit(fs.f.DropRate) {
		return fs.f.Latency, true, 0
	}
	if fs.rng.Hit(fs.f.ErrorRate) {
		status = http.StatusInternalServerError
		if fs.errors%2 == 1 {
			status = http.StatusServiceUnavailable
		}
		fs.errors++
	}
	return fs.f.Latency, false, status
}

// conflict reports whether a safe-update write is refused by ConflictRate.
func (fs *faultState) conflict() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.rng.Hit(fs.f.ConflictRate)
}

// SetFaults replaces the injected faults; it is safe to call while the
// server handles requests. Requests already past the fault middleware are
// not affected, waiting jobs are (see Faults.JobDelay).
func (s *Server) SetFaults(f Faults) {
	s.faults.set(f)
	s.mu.Lock()
	s.notifyLocked() // wake jobs waiting out JobDelay
	s.mu.Unlock()
}

// Faults returns the injected faults, rates and durations clamped.
func (s *Server) Faults() Faults {
	return s.faults.get()
}

// Bodies of injected server errors, in Zendesk's classic error shape.
var (
	faultErrorBody       = errorBody{Error: "InternalError", Description: "Internal error"}
	faultUnavailableBody = errorBody{Error: "ServiceUnavailable", Description: "Service temporarily unavailable, please retry later"}
)

// injectFaults applies the current faults to API requests: it waits
// Latency, then drops the connection or answers a server error, or serves
// the request. A faulted request reaches neither authentication nor the
// rate limits: it consumes no quota.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !routeOf(r).api {
			next.ServeHTTP(w, r)
			return
		}
		latency, drop, status := s.faults.draw()
		if latency > 0 {
			s.stats.fault(FaultLatency)
			if !s.sleep(r.Context(), latency) {
				// The client left or the server is closing.
				w.Header().Set(headerRetryAfter, "1")
				writeJSON(w, http.StatusServiceUnavailable, faultUnavailableBody)
				return
			}
		}
		switch {
		case drop:
			s.stats.fault(FaultDrop)
			s.log.Info("sandbox: fault: connection dropped", "method", r.Method, "path", r.URL.Path)
			emulator.DropConnection(w)
		case status == http.StatusInternalServerError:
			s.stats.fault(FaultError)
			s.log.Info("sandbox: fault: 500", "method", r.Method, "path", r.URL.Path)
			writeJSON(w, status, faultErrorBody)
		case status == http.StatusServiceUnavailable:
			s.stats.fault(FaultUnavailable)
			s.log.Info("sandbox: fault: 503", "method", r.Method, "path", r.URL.Path)
			w.Header().Set(headerRetryAfter, "1")
			writeJSON(w, status, faultUnavailableBody)
		default:
			next.ServeHTTP(w, r)
		}
	})
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

// conflictFault reports whether a safe-update write that would succeed is
// refused by Faults.ConflictRate, counting it.
func (s *Server) conflictFault() bool {
	if !s.faults.conflict() {
		return false
	}
	s.stats.fault(FaultConflict)
	return true
}

// jobDelay returns the current Faults.JobDelay.
func (s *Server) jobDelay() time.Duration {
	return s.faults.get().JobDelay
}

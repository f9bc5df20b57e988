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
	FaultLatency     = FaultKind(emulator.FaultLatency)     // a request delayed by Latency
	FaultError       = FaultKind(emulator.FaultError)       // a 500 of ErrorRate
	FaultUnavailable = FaultKind(emulator.FaultUnavailable) // a 503 of ErrorRate
	FaultDrop        = FaultKind(emulator.FaultDrop)        // a connection dropped by DropRate
	FaultRoute       = FaultKind(emulator.FaultRoute)       // a request to a route failed by FailRoute
)

// faultState holds the current faults and the dice that draw them.
type faultState struct {
	mu   sync.Mutex
	f    Faults
	dice *emulator.FaultDice
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{dice: emulator.NewFaultDice(emulator.ServerFaults{})}
	fs.set(f)
	return fs
}

// set replaces the faults, clamping rates to [0, 1] and Latency to ≥ 0,
// and restarts the random source.
func (fs *faultState) set(f Faults) {
	sf := emulator.ServerFaults{ErrorRate: f.ErrorRate, Latency: f.Latency, DropRate: f.DropRate, Seed: f.Seed}.Clamped()
	f.ErrorRate, f.DropRate, f.Latency = sf.ErrorRate, sf.DropRate, sf.Latency
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f = f
	fs.dice.Set(sf)
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
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
func (s *Server) FailRoute(route string, status int) { s.faults.dice.FailRoute(route, status) }

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
	answers := &emulator.FaultAnswers{
		Log:         s.log,
		Stop:        s.ctx.Done(),
		Count:       func(k emulator.FaultKind) { s.stats.fault(FaultKind(k)) },
		Error:       func(w http.ResponseWriter) { writeJSON(w, http.StatusInternalServerError, faultErrorBody) },
		Unavailable: writeUnavailable,
		Route: func(w http.ResponseWriter, status int) {
			body := faultUnavailableBody
			if status < 500 {
				body = errorBody{Code: "route_failed", Message: http.StatusText(status)}
			}
			writeJSON(w, status, body)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		if rt.api && answers.Answer(w, r, rt.key, s.faults.dice.Draw(rt.key, nil)) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeUnavailable(w http.ResponseWriter) {
	w.Header().Set(headerRetryAfter, "1")
	writeJSON(w, http.StatusServiceUnavailable, faultUnavailableBody)
}

// sleep waits d unless ctx is done or the server closes first, reporting
// whether it waited d.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	return emulator.Sleep(ctx, s.ctx.Done(), d)
}

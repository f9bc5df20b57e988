package sandbox

import (
	"net/http"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Faults are failures the sandbox injects into its API, for tests and for
// `cohort demo`. They apply only to requests under /api/v2, never to the
// webhook deliveries the sandbox makes. A faulted request executes nothing,
// but for LostResponseRate, whose writes execute. The zero Faults injects
// none. FailRoute makes one endpoint fail on its own.
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
	// LostResponseRate is the share (0 to 1) of API writes (POST, PUT,
	// PATCH, DELETE) that are executed and whose response is then lost:
	// answered 503 or their connection dropped, alternately. It is what a
	// timeout between a client and Zendesk looks like: the write happened
	// and the client cannot know. Drops and errors are drawn first.
	LostResponseRate float64
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
	FaultLatency                = FaultKind(emulator.FaultLatency)     // a request delayed by Latency
	FaultError                  = FaultKind(emulator.FaultError)       // a 500 of ErrorRate
	FaultUnavailable            = FaultKind(emulator.FaultUnavailable) // a 503 of ErrorRate
	FaultDrop                   = FaultKind(emulator.FaultDrop)        // a connection dropped by DropRate
	FaultConflict     FaultKind = "conflict"                           // a write refused by ConflictRate
	FaultLostResponse FaultKind = "lost_response"                      // a write executed, its answer lost (LostResponseRate)
	FaultRoute                  = FaultKind(emulator.FaultRoute)       // a request to a route failed by FailRoute
)

// faultState holds the current faults, and the dice that draw them and
// the faults of Zendesk's own (conflicts, lost responses) in one sequence.
type faultState struct {
	dice *emulator.FaultDice
	mu   sync.Mutex // taken after the dice's lock when both are held
	f    Faults
	lost int // responses lost since the last SetFaults: even → 503
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{dice: emulator.NewFaultDice(emulator.ServerFaults{})}
	fs.set(f)
	return fs
}

// set replaces the faults, clamping rates to [0, 1] and durations to ≥ 0,
// and restarts the random source.
func (fs *faultState) set(f Faults) {
	sf := emulator.ServerFaults{ErrorRate: f.ErrorRate, Latency: f.Latency, DropRate: f.DropRate, Seed: f.Seed}.Clamped()
	f.ErrorRate, f.DropRate, f.Latency = sf.ErrorRate, sf.DropRate, sf.Latency
	f.ConflictRate, f.LostResponseRate = emulator.ClampRate(f.ConflictRate), emulator.ClampRate(f.LostResponseRate)
	f.JobDelay = max(f.JobDelay, 0)
	fs.mu.Lock()
	fs.f, fs.lost = f, 0
	fs.mu.Unlock()
	fs.dice.Set(sf)
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

// fault is what befalls one API request: the faults of ServerFaults, or
// its answer lost.
type fault struct {
	emulator.Fault
	// lost says the request executes and its answer is then lost: a 503
	// (lostDrop false) or a dropped connection (lostDrop true).
	lost, lostDrop bool
}

// draw picks the faults of one API request to route key, a write or not:
// a drop, a server error, else for a write a lost response.
func (fs *faultState) draw(key string, write bool) fault {
	var f fault
	f.Fault = fs.dice.Draw(key, func(rng *emulator.Rand) {
		fs.mu.Lock()
		defer fs.mu.Unlock()
		if write && rng.Hit(fs.f.LostResponseRate) {
			f.lost, f.lostDrop = true, fs.lost%2 == 1
			fs.lost++
		}
	})
	return f
}

// conflict reports whether a safe-update write is refused by ConflictRate.
func (fs *faultState) conflict() bool {
	return fs.dice.Hit(fs.get().ConflictRate)
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

// FailRoute makes every request to route answer status without being
// executed, as when an account or a proxy lacks an endpoint (404) or it is
// down (503); status 0 serves the route again. route is the method and the
// path pattern, as Stats.RequestsByRoute names it:
// "GET /api/v2/job_statuses/show_many". SetFaults leaves it as it is.
func (s *Server) FailRoute(route string, status int) {
	s.faults.dice.FailRoute(route, status)
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
	answers := &emulator.FaultAnswers{
		Log:         s.log,
		Stop:        s.ctx.Done(),
		Count:       func(k emulator.FaultKind) { s.stats.fault(FaultKind(k)) },
		Error:       func(w http.ResponseWriter) { writeJSON(w, http.StatusInternalServerError, faultErrorBody) },
		Unavailable: writeUnavailable,
		Route:       func(w http.ResponseWriter, status int) { writeJSON(w, status, routeFaultBody(status)) },
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := routeOf(r)
		if !rt.api {
			next.ServeHTTP(w, r)
			return
		}
		f := s.faults.draw(rt.key, r.Method != http.MethodGet && r.Method != http.MethodHead)
		switch {
		case answers.Answer(w, r, rt.key, f.Fault):
		case f.lost:
			next.ServeHTTP(discardResponse{header: http.Header{}}, r)
			s.stats.fault(FaultLostResponse)
			s.log.Info("sandbox: fault: executed, response lost", "method", r.Method, "path", r.URL.Path, "dropped", f.lostDrop)
			if f.lostDrop {
				emulator.DropConnection(w)
				return
			}
			writeUnavailable(w)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// writeUnavailable answers an injected 503, with Retry-After as Zendesk's.
func writeUnavailable(w http.ResponseWriter) {
	w.Header().Set(headerRetryAfter, "1")
	writeJSON(w, http.StatusServiceUnavailable, faultUnavailableBody)
}

// routeFaultBody is the body of a route failed by FailRoute: the sandbox's
// 404 for anything it does not serve, else Zendesk's classic error.
func routeFaultBody(status int) errorBody {
	switch {
	case status == http.StatusNotFound:
		return errorBody{Error: "RecordNotFound", Description: "Not found"}
	case status >= 500:
		return faultUnavailableBody
	}
	return errorBody{Error: http.StatusText(status), Description: http.StatusText(status)}
}

// discardResponse is the response of a request whose answer is lost: the
// handler writes it, nobody reads it.
type discardResponse struct{ header http.Header }

func (d discardResponse) Header() http.Header         { return d.header }
func (d discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d discardResponse) WriteHeader(int)             {}

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

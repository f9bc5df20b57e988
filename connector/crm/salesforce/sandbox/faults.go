package sandbox

import (
	"net/http"
	"sync"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Faults are failures and awkward answers the sandbox gives on purpose, so
// tests see how a client copes. Server errors apply to API requests only
// (under /services/data/vNN.N/), before authentication: a faulted request
// executes nothing and consumes no daily quota. The zero Faults injects
// none.
type Faults struct {
	// Unavailable is how many API requests, from now, are answered 503
	// SERVER_UNAVAILABLE before the sandbox serves again.
	Unavailable int
	// ErrorRate is the share (0 to 1) of the other API requests answered
	// 503 SERVER_UNAVAILABLE.
	ErrorRate float64
	// Seed seeds the random source that picks ErrorRate's requests; 0 seeds
	// it from the time.
	Seed int64

	// MaxBatchSize caps the records of every query batch, below
	// Salesforce's 2000 and the client's batchSize; 0 means no cap. It
	// applies to open cursors too.
	MaxBatchSize int
	// ShortBatchEvery, when positive, cuts every nth query batch the
	// sandbox serves (counted across cursors, among batches with records
	// left to serve) to ShortBatchSize records, 0 for an empty batch, and
	// done:false with a nextRecordsUrl, even where the result would have
	// ended. A batch that follows a cut one of the same cursor is never
	// cut, so reading always moves on.
	ShortBatchEvery int
	ShortBatchSize  int
}

// faultState holds the current faults and their random source.
type faultState struct {
	mu  sync.Mutex
	f   Faults
	rng *emulator.Rand
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{}
	fs.set(f)
	return fs
}

// set replaces the faults, clamping them to their ranges, and restarts the
// random source.
func (fs *faultState) set(f Faults) {
	f.Unavailable = max(f.Unavailable, 0)
	f.ErrorRate = min(max(f.ErrorRate, 0), 1)
	f.MaxBatchSize = max(f.MaxBatchSize, 0)
	f.ShortBatchEvery = max(f.ShortBatchEvery, 0)
	f.ShortBatchSize = max(f.ShortBatchSize, 0)
	rng := emulator.NewRand(f.Seed)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f, fs.rng = f, rng
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

// unavailable reports whether the next API request is answered 503.
func (fs *faultState) unavailable() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.Unavailable > 0 {
		fs.f.Unavailable--
		return true
	}
	return fs.rng.Hit(fs.f.ErrorRate)
}

// SetFaults replaces the injected faults; it is safe to call while the
// server handles requests.
func (s *Server) SetFaults(f Faults) {
	s.faults.set(f)
}

// Faults returns the current faults: rates clamped, Unavailable counting
// down as it is served.
func (s *Server) Faults() Faults {
	return s.faults.get()
}

var errUnavailable = errorf(http.StatusServiceUnavailable, codeServerUnavailable, "Server temporarily unavailable. Please try again later.")

// injectFaults answers API requests 503 SERVER_UNAVAILABLE as the faults
// say, before they reach authentication.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiVersion(r.URL.Path) != "" && s.faults.unavailable() {
			s.stats.fault()
			s.log.Info("sandbox: fault: 503", "method", r.Method, "path", r.URL.Path)
			writeError(w, errUnavailable)
			return
		}
		next.ServeHTTP(w, r)
	})
}

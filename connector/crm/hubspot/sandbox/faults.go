package sandbox

import (
	"net/http"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

// Faults are failures the sandbox injects, for tests. A faulted request is
// not authenticated, served or counted against the rate limits. The zero
// Faults injects none.
type Faults struct {
	// Calls answers chosen requests with a fault instead of serving them:
	// key 1 is the first request Route selects after New or SetFaults,
	// 2 the second, and so on.
	Calls map[int]Fault
	// Route limits Calls to the requests of one route, named as in
	// Stats.RequestsByRoute, e.g. "POST /crm/v3/objects/contacts/search";
	// "" counts every request.
	Route string
	// Latency delays every request, in real time (not the sandbox clock).
	Latency time.Duration
	// EmptyPageEvery answers every nth page of GET /crm/v3/objects/{type}
	// (counted from New or SetFaults) with no results and a paging.next
	// that resumes where that page should have started; 0 never does,
	// 1 always does.
	EmptyPageEvery int
}

// Fault is what a faulted request is answered.
type Fault string

// The faults Faults.Calls can inject.
const (
	FaultServerError Fault = "500"
	FaultUnavailable Fault = "503"
	// FaultTenSecondly is the 429 of the burst limit, with the rate-limit
	// headers saying nothing remains.
	FaultTenSecondly Fault = "429 " + PolicyTenSecondly
	// FaultDaily is the 429 of the daily limit.
	FaultDaily Fault = "429 " + PolicyDaily
	// FaultSecondly is the 429 of the search limit, without rate-limit
	// headers.
	FaultSecondly Fault = "429 " + PolicySecondly
	// FaultDrop closes the connection without an answer.
	FaultDrop Fault = "drop"
)

// faultState holds the current faults and their counters.
type faultState struct {
	mu    sync.Mutex
	f     Faults
	calls int // requests Route selected
	pages int // list pages served
}

func newFaultState(f Faults) *faultState {
	return &faultState{f: f}
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.f, fs.calls, fs.pages = f, 0, 0
}

func (fs *faultState) get() Faults {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.f
}

// draw returns the latency and the fault of a request of route key.
func (fs *faultState) draw(key string) (time.Duration, Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.Route != "" && fs.f.Route != key {
		return fs.f.Latency, ""
	}
	fs.calls++
	return fs.f.Latency, fs.f.Calls[fs.calls]
}

// emptyPage reports whether the next list page is to be empty.
func (fs *faultState) emptyPage() bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.pages++
	return fs.f.EmptyPageEvery > 0 && fs.pages%fs.f.EmptyPageEvery == 0
}

// SetFaults replaces the injected faults and restarts their counters; it is
// safe to call while the server handles requests.
func (s *Server) SetFaults(f Faults) {
	s.faults.set(f)
}

// Faults returns the injected faults.
func (s *Server) Faults() Faults {
	return s.faults.get()
}

// injectFaults waits Latency, then answers the request's fault, if any, or
// serves it.
func (s *Server) injectFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		latency, fault := s.faults.draw(routeOf(r).key)
		if latency > 0 {
			timer := time.NewTimer(latency)
			select {
			case <-timer.C:
			case <-r.Context().Done():
				timer.Stop()
				return
			}
		}
		if fault == "" {
			next.ServeHTTP(w, r)
			return
		}
		s.stats.fault(fault)
		s.log.Info("sandbox: fault", "fault", fault, "method", r.Method, "path", r.URL.Path)
		switch fault {
		case FaultServerError, FaultUnavailable:
			status := http.StatusInternalServerError
			if fault == FaultUnavailable {
				status = http.StatusServiceUnavailable
			}
			writeJSON(w, status, errorBody{
				Status:        "error",
				Message:       http.StatusText(status),
				CorrelationID: w.Header().Get(headerCorrelationID),
				Category:      "INTERNAL_ERROR",
			})
		case FaultTenSecondly, FaultDaily:
			u, policy := s.limits.peek(s.cfg.Now()), PolicyTenSecondly
			if fault == FaultDaily {
				u.dailyRemaining, policy = 0, PolicyDaily
			} else {
				u.remaining = 0
			}
			u.set(w.Header())
			s.writeRateLimited(w, policy)
		case FaultSecondly:
			s.writeRateLimited(w, PolicySecondly)
		case FaultDrop:
			emulator.DropConnection(w)
		}
	})
}

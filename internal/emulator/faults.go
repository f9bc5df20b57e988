package emulator

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// Rand draws the injected faults that happen at a rate. It is not safe for
// concurrent use: the emulator holds it under the lock of its faults.
type Rand struct {
	r *rand.Rand
}

// NewRand returns a Rand seeded with seed, for reproducible runs; 0 seeds
// it from the time.
func NewRand(seed int64) *Rand {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &Rand{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// Hit reports whether a draw falls within rate, the share (0 to 1) of draws
// that hit. A rate of 0 or less draws nothing, so a fault turned off leaves
// the draws of the others as they were.
func (r *Rand) Hit(rate float64) bool {
	return rate > 0 && r.r.Float64() < rate
}

// DropConnection closes the request's connection without a response. When
// the connection cannot be hijacked (HTTP/2, or a ResponseWriter that is no
// connection) it aborts the handler, which net/http turns into a reset
// stream or closed connection.
func DropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}

// Sleep waits d unless ctx is done or stop is closed first (the emulator
// closing), reporting whether it waited d.
func Sleep(ctx context.Context, stop <-chan struct{}, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
	case <-stop:
	}
	return false
}

// ClampRate returns rate within [0, 1].
func ClampRate(rate float64) float64 {
	return min(max(rate, 0), 1)
}

// ServerFaults are the faults the helpdesk emulators inject into their API
// requests alike: latency, server errors and dropped connections, drawn at
// random. An emulator's own Faults hold them among others.
type ServerFaults struct {
	// ErrorRate is the share (0 to 1) of requests answered with a server
	// error instead of being executed: 500, 503, 500… alternately.
	ErrorRate float64
	// Latency is added to every request before it is served.
	Latency time.Duration
	// DropRate is the share (0 to 1) of requests whose connection is
	// closed without a response.
	DropRate float64
	// Seed seeds the random source that draws the faults; 0 seeds it from
	// the time.
	Seed int64
}

// Clamped returns f with its rates within [0, 1] and Latency ≥ 0.
func (f ServerFaults) Clamped() ServerFaults {
	f.ErrorRate, f.DropRate, f.Latency = ClampRate(f.ErrorRate), ClampRate(f.DropRate), max(f.Latency, 0)
	return f
}

// A Fault is what FaultDice drew for one request.
type Fault struct {
	// Latency is how long the request waits before anything else.
	Latency time.Duration
	// Drop says the connection is closed without an answer.
	Drop bool
	// Status is the server error answered instead of executing (500 or
	// 503), or 0.
	Status int
	// Route is the status FailRoute set for the request's route, or 0.
	Route int
}

// FaultDice draws the ServerFaults of an emulator's requests, and fails the
// routes FailRoute names. It is safe for concurrent use.
type FaultDice struct {
	mu     sync.Mutex
	f      ServerFaults
	rng    *Rand
	errors int            // server errors drawn since the last Set: even → 500
	routes map[string]int // route → the status FailRoute answers it with
}

// NewFaultDice returns FaultDice drawing f.
func NewFaultDice(f ServerFaults) *FaultDice {
	d := &FaultDice{}
	d.Set(f)
	return d
}

// Set replaces the faults, clamped, and restarts the random source from
// f.Seed and the alternation of server errors from 500. The routes failed
// by FailRoute stay failed.
func (d *FaultDice) Set(f ServerFaults) {
	f = f.Clamped()
	rng := NewRand(f.Seed)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.f, d.rng, d.errors = f, rng, 0
}

// Draw returns the fault of a request to route. It draws a dropped
// connection first, then a server error; when it draws neither and more is
// not nil, it calls more with the random source, under the dice's lock, to
// draw the emulator's own faults in the same sequence.
func (d *FaultDice) Draw(route string, more func(*Rand)) Fault {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := Fault{Latency: d.f.Latency, Route: d.routes[route]}
	switch {
	case d.rng.Hit(d.f.DropRate):
		f.Drop = true
	case d.rng.Hit(d.f.ErrorRate):
		f.Status = http.StatusInternalServerError
		if d.errors%2 == 1 {
			f.Status = http.StatusServiceUnavailable
		}
		d.errors++
	case more != nil:
		more(d.rng)
	}
	return f
}

// Hit draws from the dice's random source whether a fault of rate hits, as
// Rand.Hit, for the emulator's faults drawn apart from requests.
func (d *FaultDice) Hit(rate float64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.rng.Hit(rate)
}

// FailRoute makes Draw give every request to route the fault of answering
// status; status 0 clears it.
func (d *FaultDice) FailRoute(route string, status int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if status == 0 {
		delete(d.routes, route)
		return
	}
	if d.routes == nil {
		d.routes = map[string]int{}
	}
	d.routes[route] = status
}

// A FaultKind names an injected fault in an emulator's counts.
type FaultKind string

// The kinds of fault FaultAnswers answers.
const (
	FaultLatency     FaultKind = "latency"     // a request delayed by Latency
	FaultError       FaultKind = "error"       // a 500 of ErrorRate
	FaultUnavailable FaultKind = "unavailable" // a 503 of ErrorRate
	FaultDrop        FaultKind = "drop"        // a connection dropped by DropRate
	FaultRoute       FaultKind = "route"       // a request to a route failed by FailRoute
)

// FaultAnswers answer the faults FaultDice draws, in the words of the
// emulator's API: every field must be set.
type FaultAnswers struct {
	// Log receives a line for each fault answered but latency.
	Log *slog.Logger
	// Stop is closed when the emulator closes: a latency wait ends early.
	Stop <-chan struct{}
	// Count counts a fault injected.
	Count func(FaultKind)
	// Error answers an injected 500.
	Error func(w http.ResponseWriter)
	// Unavailable answers an injected 503, and a request whose latency
	// wait ended early (the client left or the emulator is closing).
	Unavailable func(w http.ResponseWriter)
	// Route answers a request to a route failed by FailRoute with status.
	Route func(w http.ResponseWriter, status int)
}

// Answer waits f.Latency, then drops r's connection or answers its fault,
// reporting whether it did either: a request answered must not be served.
// route names r's route in the log.
func (a *FaultAnswers) Answer(w http.ResponseWriter, r *http.Request, route string, f Fault) bool {
	if f.Latency > 0 {
		a.Count(FaultLatency)
		if !Sleep(r.Context(), a.Stop, f.Latency) {
			a.Unavailable(w)
			return true
		}
	}
	switch {
	case f.Drop:
		a.Count(FaultDrop)
		a.Log.Info("sandbox: fault: connection dropped", "method", r.Method, "path", r.URL.Path)
		DropConnection(w)
	case f.Status == http.StatusInternalServerError:
		a.Count(FaultError)
		a.Log.Info("sandbox: fault: 500", "method", r.Method, "path", r.URL.Path)
		a.Error(w)
	case f.Status == http.StatusServiceUnavailable:
		a.Count(FaultUnavailable)
		a.Log.Info("sandbox: fault: 503", "method", r.Method, "path", r.URL.Path)
		a.Unavailable(w)
	case f.Route != 0:
		a.Count(FaultRoute)
		a.Log.Info("sandbox: fault: route failed", "route", route, "status", f.Route)
		a.Route(w, f.Route)
	default:
		return false
	}
	return true
}

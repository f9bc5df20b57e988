package hubspot_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

const testToken = "pat-na1-11111111-2222-3333-4444-555555555555"

// clock is the sandbox clock: real time shifted by an offset the test
// moves, so that rate-limit windows roll on their own and the test can
// jump hours. Frozen, it stops.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time
}

func newClock() *clock {
	return &clock{offset: time.Until(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen
	}
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	if !c.frozen.IsZero() {
		c.frozen = c.frozen.Add(d)
	}
}

// Freeze stops the clock.
func (c *clock) Freeze() {
	now := c.Now()
	c.mu.Lock()
	c.frozen = now
	c.mu.Unlock()
}

// startSandbox starts a HubSpot sandbox on a loopback port, closed when the
// test ends.
func startSandbox(t *testing.T, configure ...func(*sandbox.Config)) (*sandbox.Server, *clock) {
	t.Helper()
	clk := newClock()
	cfg := sandbox.Config{Token: testToken, Now: clk.Now, Logger: testLogger(t)}
	for _, f := range configure {
		f(&cfg)
	}
	srv, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("sandbox Close: %v", err)
		}
	})
	return srv, clk
}

// newSource returns a source reading srv, fast: high client-side rates and
// short retry waits, its requests recorded in rec.
func newSource(t *testing.T, srv *sandbox.Server, configure ...func(*hubspot.Config)) (*hubspot.Source, *recorder) {
	t.Helper()
	rec := &recorder{next: http.DefaultTransport}
	client := &http.Client{Transport: rec, Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)
	cfg := hubspot.Config{
		URL:               srv.URL(),
		Token:             testToken,
		HTTPClient:        client,
		RequestsPerSecond: 1000,
		SearchesPerSecond: 1000,
		Logger:            testLogger(t),
	}
	for _, f := range configure {
		f(&cfg)
	}
	src, err := hubspot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hubspot.SetWaits(src, 20*time.Millisecond, 10*time.Second, 5*time.Millisecond)
	return src, rec
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// recorder records the requests a source sends: "METHOD path?query body".
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	line := req.Method + " " + req.URL.RequestURI()
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		line += " " + string(body)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, line)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// requests returns the requests recorded so far and forgets them.
func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// run is what a Read emitted.
type run struct {
	batches []crm.Batch
	err     error
}

// records returns every record emitted, in order.
func (r *run) records() []cohort.SourceRecord {
	var out []cohort.SourceRecord
	for _, b := range r.batches {
		out = append(out, b.Records...)
	}
	return out
}

// checkpoint returns the last checkpoint emitted, or "".
func (r *run) checkpoint() string {
	if len(r.batches) == 0 {
		return ""
	}
	return r.batches[len(r.batches)-1].Checkpoint
}

// read runs src.Read, failing the test on an error.
func read(t *testing.T, src *hubspot.Source, checkpoint string, full bool) *run {
	t.Helper()
	r := readFailing(src, checkpoint, full, -1)
	if r.err != nil {
		t.Fatalf("Read(%q, %v): %v", checkpoint, full, r.err)
	}
	return r
}

// errEmit is the error emit returns to interrupt a read.
var errEmit = fmt.Errorf("emit: store unavailable")

// readFailing runs src.Read with an emit that fails on batch number
// failAt (0 is the first; -1 never); the failed batch is not kept.
func readFailing(src *hubspot.Source, checkpoint string, full bool, failAt int) *run {
	r := &run{}
	r.err = src.Read(context.Background(), checkpoint, full, func(b crm.Batch) error {
		if len(r.batches) == failAt {
			return errEmit
		}
		r.batches = append(r.batches, b)
		return nil
	})
	return r
}

// byID maps emitted records by id, failing on a record emitted twice.
func byID(t *testing.T, records []cohort.SourceRecord) map[string]cohort.SourceRecord {
	t.Helper()
	out := map[string]cohort.SourceRecord{}
	for _, r := range records {
		id := r.Fields["id"]
		if _, dup := out[id]; dup {
			t.Errorf("record %s emitted twice", id)
		}
		out[id] = r
	}
	return out
}

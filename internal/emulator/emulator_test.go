package emulator_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/internal/emulator"
)

func TestListener(t *testing.T) {
	var zero emulator.Listener
	if zero.URL() != "" || zero.Close() != nil {
		t.Errorf("zero Listener: URL %q, Close %v", zero.URL(), zero.Close())
	}

	var l emulator.Listener
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hi") })
	if err := l.Listen("127.0.0.1:0", h, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q", l.URL())
	}
	resp, err := http.Get(l.URL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi" {
		t.Errorf("body = %q", body)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := l.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close again: %v", err)
	}

	var bad emulator.Listener
	if err := bad.Listen("127.0.0.1:-1", h, slog.New(slog.DiscardHandler)); err == nil || !strings.HasPrefix(err.Error(), "sandbox: listen on 127.0.0.1:-1: ") {
		t.Errorf("Listen on a bad address: %v", err)
	}
}

func TestCounters(t *testing.T) {
	type own struct{ faults map[string]int }
	c := emulator.NewCounters(own{faults: map[string]int{}})
	c.Request("GET /a")
	c.Request("GET /a")
	c.Request("POST /b")
	c.Response(http.StatusOK)
	c.Response(http.StatusTooManyRequests)
	c.Add(func(o *own) { o.faults["drop"]++ })

	clone := func(o own) own {
		o.faults = map[string]int{"drop": o.faults["drop"]}
		return o
	}
	tr, o := c.Snapshot(clone)
	if tr.Requests != 3 || tr.RequestsByRoute["GET /a"] != 2 || tr.RequestsByRoute["POST /b"] != 1 ||
		tr.Responses[http.StatusOK] != 1 || tr.Responses[http.StatusTooManyRequests] != 1 || o.faults["drop"] != 1 {
		t.Errorf("Snapshot = %+v, %+v", tr, o)
	}
	tr.RequestsByRoute["GET /a"] = 99
	tr.Responses[http.StatusOK] = 99
	if tr, _ := c.Snapshot(clone); tr.RequestsByRoute["GET /a"] != 2 || tr.Responses[http.StatusOK] != 1 {
		t.Errorf("a snapshot's maps are shared: %+v", tr)
	}
}

func TestChainAndRewritePath(t *testing.T) {
	var order []string
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				order = append(order, name+" "+r.URL.Path)
				next.ServeHTTP(w, r)
			})
		}
	}
	strip := emulator.RewritePath(func(path string) (string, bool) { return strings.CutSuffix(path, ".json") })
	h := emulator.Chain(http.NotFoundHandler(), mark("first"), strip, mark("second"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/a.json", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/b", nil))
	want := "first /a.json, second /a, first /b, second /b"
	if got := strings.Join(order, ", "); got != want {
		t.Errorf("order = %s, want %s", got, want)
	}
}

func TestStatusRecorder(t *testing.T) {
	for _, tt := range []struct {
		name   string
		handle func(http.ResponseWriter)
		status int
		wrote  bool
	}{
		{"nothing", func(http.ResponseWriter) {}, http.StatusOK, false},
		{"body", func(w http.ResponseWriter) { io.WriteString(w, "x") }, http.StatusOK, true},
		{"status", func(w http.ResponseWriter) { w.WriteHeader(http.StatusTeapot); w.WriteHeader(http.StatusOK) }, http.StatusTeapot, true},
	} {
		rec := emulator.NewStatusRecorder(httptest.NewRecorder())
		tt.handle(rec)
		if status, wrote := rec.Status(); status != tt.status || wrote != tt.wrote {
			t.Errorf("%s: Status() = %d, %v; want %d, %v", tt.name, status, wrote, tt.status, tt.wrote)
		}
	}
}

func TestRand(t *testing.T) {
	a, b := emulator.NewRand(42), emulator.NewRand(42)
	for i := range 100 {
		if a.Hit(0.5) != b.Hit(0.5) {
			t.Fatalf("draw %d differs between Rands of one seed", i)
		}
	}
	// A rate of 0 draws nothing: b stays in step with a.
	if b.Hit(0) || b.Hit(-1) {
		t.Error("Hit(0) or Hit(-1) hit")
	}
	for i := range 100 {
		if a.Hit(0.5) != b.Hit(0.5) {
			t.Fatalf("draw %d after Hit(0) differs", i)
		}
	}
	if !a.Hit(1) {
		t.Error("Hit(1) missed")
	}
}

func TestDropConnection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		emulator.DropConnection(emulator.NewStatusRecorder(w))
	}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Fatalf("GET answered %s", resp.Status)
	}
	defer func() {
		if p := recover(); p != http.ErrAbortHandler {
			t.Errorf("DropConnection without a connection: panic %v", p)
		}
	}()
	emulator.DropConnection(httptest.NewRecorder())
}

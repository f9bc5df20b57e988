package emulator_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/internal/emulator"
)

func TestTagWatchers(t *testing.T) {
	var w emulator.TagWatchers
	w.TagsAdded(1, nil, []string{"a"}) // no watchers: nothing to do
	ch, stop := w.Watch("a")
	w.TagsAdded(2, nil, []string{"a", "b"})
	w.TagsAdded(3, []string{"a"}, []string{"a"}) // had it already
	w.TagsAdded(4, []string{"b"}, []string{"b"}) // never had it
	w.TagsAdded(5, []string{"b"}, []string{"a", "b"})
	stop()
	w.TagsAdded(6, nil, []string{"a"})
	var got []int64
	for len(ch) > 0 {
		got = append(got, <-ch)
	}
	if fmt.Sprint(got) != "[2 5]" {
		t.Errorf("ids = %v, want [2 5]", got)
	}
}

func TestFaultDice(t *testing.T) {
	d := emulator.NewFaultDice(emulator.ServerFaults{ErrorRate: 2, DropRate: -1, Latency: -time.Second, Seed: 1})
	var statuses []int
	for range 4 {
		f := d.Draw("GET /a", func(*emulator.Rand) { t.Error("more called after a server error") })
		if f.Drop || f.Latency != 0 || f.Route != 0 {
			t.Errorf("Draw = %+v", f)
		}
		statuses = append(statuses, f.Status)
	}
	if fmt.Sprint(statuses) != "[500 503 500 503]" {
		t.Errorf("statuses = %v", statuses)
	}
	d.Set(emulator.ServerFaults{ErrorRate: 1})
	if f := d.Draw("GET /a", nil); f.Status != http.StatusInternalServerError {
		t.Errorf("after Set: %+v, want a 500 first", f)
	}

	d.Set(emulator.ServerFaults{DropRate: 1, Latency: time.Millisecond})
	d.FailRoute("GET /b", http.StatusNotFound)
	if f := d.Draw("GET /b", nil); !f.Drop || f.Route != http.StatusNotFound || f.Latency != time.Millisecond {
		t.Errorf("Draw = %+v", f)
	}
	d.FailRoute("GET /b", 0)
	d.Set(emulator.ServerFaults{})
	called := false
	if f := d.Draw("GET /b", func(*emulator.Rand) { called = true }); f != (emulator.Fault{}) || !called {
		t.Errorf("Draw = %+v, more called %v", f, called)
	}
	if d.Hit(0) || !d.Hit(1) {
		t.Error("Hit")
	}

	// One seed, one sequence, the emulator's own draws included.
	seq := func() string {
		d := emulator.NewFaultDice(emulator.ServerFaults{ErrorRate: 0.3, DropRate: 0.3, Seed: 7})
		var b strings.Builder
		for range 50 {
			extra := false
			f := d.Draw("", func(r *emulator.Rand) { extra = r.Hit(0.5) })
			fmt.Fprint(&b, f.Drop, f.Status, extra, " ")
		}
		return b.String()
	}
	if a, b := seq(), seq(); a != b {
		t.Errorf("one seed, two sequences:\n%s\n%s", a, b)
	}
}

func TestFaultAnswers(t *testing.T) {
	var counted []emulator.FaultKind
	stop := make(chan struct{})
	a := &emulator.FaultAnswers{
		Log:         slog.New(slog.DiscardHandler),
		Stop:        stop,
		Count:       func(k emulator.FaultKind) { counted = append(counted, k) },
		Error:       func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
		Unavailable: func(w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) },
		Route:       func(w http.ResponseWriter, status int) { w.WriteHeader(status) },
	}
	for _, tt := range []struct {
		f        emulator.Fault
		answered bool
		status   int
	}{
		{emulator.Fault{}, false, http.StatusOK},
		{emulator.Fault{Latency: time.Millisecond}, false, http.StatusOK},
		{emulator.Fault{Status: http.StatusInternalServerError}, true, http.StatusInternalServerError},
		{emulator.Fault{Status: http.StatusServiceUnavailable}, true, http.StatusServiceUnavailable},
		{emulator.Fault{Route: http.StatusNotFound}, true, http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		if got := a.Answer(rec, httptest.NewRequest(http.MethodGet, "/", nil), "GET /", tt.f); got != tt.answered || rec.Code != tt.status {
			t.Errorf("Answer(%+v) = %v, %d; want %v, %d", tt.f, got, rec.Code, tt.answered, tt.status)
		}
	}
	want := "[latency error unavailable route]"
	if fmt.Sprint(counted) != want {
		t.Errorf("counted %v, want %s", counted, want)
	}

	// The emulator closing ends a latency wait with a 503.
	close(stop)
	rec := httptest.NewRecorder()
	if !a.Answer(rec, httptest.NewRequest(http.MethodGet, "/", nil), "GET /", emulator.Fault{Latency: time.Hour}) || rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a latency cut short: %d", rec.Code)
	}

	// A drop answers nothing.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.Answer(w, r, "GET /", emulator.Fault{Drop: true})
	}))
	defer srv.Close()
	if resp, err := http.Get(srv.URL); err == nil {
		resp.Body.Close()
		t.Errorf("a dropped request answered %s", resp.Status)
	}
}

func TestSleep(t *testing.T) {
	if !emulator.Sleep(t.Context(), nil, time.Millisecond) {
		t.Error("Sleep did not wait")
	}
	stop := make(chan struct{})
	close(stop)
	if emulator.Sleep(t.Context(), stop, time.Hour) {
		t.Error("Sleep waited past stop")
	}
}

type apiErr struct{ status int }

func (e *apiErr) Error() string { return fmt.Sprint(e.status) }

func TestAdapt(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	write := func(w http.ResponseWriter, e *apiErr) { w.WriteHeader(e.status) }
	internal := &apiErr{http.StatusInternalServerError}
	for _, tt := range []struct {
		err    error
		status int
		logged bool
	}{
		{nil, http.StatusOK, false},
		{fmt.Errorf("wrapped: %w", &apiErr{http.StatusNotFound}), http.StatusNotFound, false},
		{errors.New("boom"), http.StatusInternalServerError, true},
	} {
		logs.Reset()
		h := emulator.Adapt(log, func(http.ResponseWriter, *http.Request) error { return tt.err }, internal, write)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
		if rec.Code != tt.status || strings.Contains(logs.String(), "handler failed") != tt.logged {
			t.Errorf("%v: status %d, log %q", tt.err, rec.Code, logs.String())
		}
	}
}

func TestRouteCountAndLog(t *testing.T) {
	type route struct {
		key string
		api bool
	}
	c := emulator.NewCounters(struct{}{})
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := emulator.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/silent":
			// Writes nothing, as when a fault drops the connection.
		case "/api/teapot":
			w.WriteHeader(http.StatusTeapot)
		default:
			io.WriteString(w, emulator.RouteOf[route](r).key)
		}
	}),
		emulator.WithRoute(func(r *http.Request) route {
			return route{key: r.Method + " " + r.URL.Path, api: strings.HasPrefix(r.URL.Path, "/api/")}
		}),
		emulator.CountRequests(c, func(r *http.Request) (string, bool) {
			rt := emulator.RouteOf[route](r)
			return rt.key, rt.api
		}),
		emulator.LogRequests(log, func(_ http.ResponseWriter, r *http.Request) []any { return []any{"query", r.URL.RawQuery} }),
	)
	for _, p := range []string{"/api/a?x=1", "/api/teapot", "/other", "/api/silent"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if p == "/api/a?x=1" && rec.Body.String() != "GET /api/a" {
			t.Errorf("RouteOf in the handler: %q", rec.Body)
		}
	}
	tr, _ := c.Snapshot(func(s struct{}) struct{} { return s })
	if tr.Requests != 3 || tr.RequestsByRoute["GET /api/silent"] != 1 || tr.RequestsByRoute["GET /other"] != 0 ||
		tr.Responses[http.StatusOK] != 1 || tr.Responses[http.StatusTeapot] != 1 || len(tr.Responses) != 2 {
		t.Errorf("traffic = %+v", tr)
	}
	for _, want := range []string{`path=/api/a status=200 query="x=1"`, "path=/api/teapot status=418", "path=/other status=200", "path=/api/silent status=0"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if got := emulator.RouteOf[route](httptest.NewRequest(http.MethodGet, "/", nil)); got != (route{}) {
		t.Errorf("RouteOf without WithRoute = %+v", got)
	}
}

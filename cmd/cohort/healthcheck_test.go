package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHealthcheck runs cohort healthcheck against real listeners: 200 is
// exit 0; a 503, a refused connection and a slow answer are exit 1 with a
// message naming the address and what came back, in words. It needs no
// Zendesk settings.
func TestHealthcheck(t *testing.T) {
	for _, v := range []string{"COHORT_ZENDESK_SUBDOMAIN", "COHORT_ZENDESK_URL", "COHORT_ZENDESK_EMAIL",
		"COHORT_ZENDESK_API_TOKEN", "COHORT_ZENDESK_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	var status atomic.Int64
	status.Store(http.StatusOK)
	paths := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths <- r.URL.Path
		if r.URL.Path == "/slow" {
			time.Sleep(time.Second)
		}
		w.WriteHeader(int(status.Load()))
		_, _ = w.Write([]byte(`{"status":"draining"}` + "\n"))
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	// By default it asks COHORT_LISTEN_ADDR, on loopback when host-less.
	t.Setenv("COHORT_LISTEN_ADDR", ":"+port)
	want := "http://127.0.0.1:" + port + "/readyz"
	code, out, errOut := runCLI(t, "healthcheck")
	if code != exitOK || !strings.Contains(out, "ready: "+want+" answered 200 OK") || errOut != "" {
		t.Errorf("200: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if p := <-paths; p != "/readyz" {
		t.Errorf("asked for %q, want /readyz", p)
	}

	status.Store(http.StatusServiceUnavailable)
	code, out, errOut = runCLI(t, "healthcheck")
	wantErr := "cohort healthcheck: not ready: " + want + ` answered 503 Service Unavailable: {"status":"draining"}` + "\n"
	if code != exitFailure || out != "" || errOut != wantErr {
		t.Errorf("503: exit %d, stdout %q, stderr %q\nwant exit 1 and %q", code, out, errOut, wantErr)
	}

	// --url and --timeout: an answer slower than the timeout is a failure.
	status.Store(http.StatusOK)
	code, _, errOut = runCLI(t, "healthcheck", "--url", srv.URL+"/slow", "--timeout", "100ms")
	if code != exitFailure || !strings.Contains(errOut, "no answer from "+srv.URL+"/slow within 100ms") {
		t.Errorf("slow: exit %d, stderr %q", code, errOut)
	}

	// Nothing listening: a port that was free a moment ago.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/readyz"
	ln.Close()
	code, out, errOut = runCLI(t, "healthcheck", "--url", closed)
	wantErr = "cohort healthcheck: not ready: nothing listens at " + closed + " (connection refused)\n"
	if code != exitFailure || out != "" || errOut != wantErr {
		t.Errorf("refused: exit %d, stdout %q, stderr %q\nwant %q", code, out, errOut, wantErr)
	}
	if goName.MatchString(errOut) || strings.Contains(errOut, "dial tcp") {
		t.Errorf("message shows Go internals: %q", errOut)
	}
}

func TestHealthcheckArguments(t *testing.T) {
	tests := []struct {
		args []string
		env  string
		code int
		want string
	}{
		{[]string{"--url", "127.0.0.1:8080/readyz"}, "", exitUsage, `--url "127.0.0.1:8080/readyz": want an http:// or https:// URL`},
		{[]string{"--timeout", "0s"}, "", exitUsage, "--timeout 0s: want a duration above 0"},
		{[]string{"now"}, "", exitUsage, `unexpected argument "now"`},
		{nil, "8080", exitUsage, `COHORT_LISTEN_ADDR "8080": want HOST:PORT or :PORT`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+tt.env, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv("COHORT_LISTEN_ADDR", tt.env)
			}
			code, out, errOut := runCLI(t, append([]string{"healthcheck"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/readyz",
		"0.0.0.0:8080":   "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"10.0.0.7:9000":  "http://10.0.0.7:9000/readyz",
		"localhost:8080": "http://localhost:8080/readyz",
	} {
		if got, err := readyURL(addr); err != nil || got != want {
			t.Errorf("readyURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}

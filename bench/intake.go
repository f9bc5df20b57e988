package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/web"
)

// The intake benchmark: requests/s and latency of signed 1 KB webhooks
// against POST /webhooks/zendesk (cohort's receiver: verify, parse, group
// commit into the store and River), beside a no-op gin handler on the same
// HTTP server (the ceiling: read the body, answer 202). wrk drives both
// with the same requests. No workers run: this measures intake alone.

const intakeSecret = "bench-signing-secret"

// wrkScript replays pre-signed requests from a file, one per request, and
// prints wrk's figures as JSON at the end.
const wrkScript = `
local reqs = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
    reqs[#reqs + 1] = {ts = ts, sig = sig, body = body}
  end
end
function request()
  i = i + 1
  local r = reqs[((i - 1) % #reqs) + 1]
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Zendesk-Webhook-Signature-Timestamp"] = r.ts,
    ["X-Zendesk-Webhook-Signature"] = r.sig,
    ["X-Zendesk-Webhook-Invocation-Id"] = "inv-" .. i .. "-" .. r.sig:sub(1, 8),
  }, r.body)
end
function done(summary, latency, requests)
  io.write(string.format('RESULT {"requests":%d,"seconds":%f,"p50_us":%d,"p99_us":%d,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`

type wrkResult struct {
	Requests     int     `json:"requests"`
	Seconds      float64 `json:"seconds"`
	P50us        int     `json:"p50_us"`
	P99us        int     `json:"p99_us"`
	Non2xx       int     `json:"non2xx"`
	SocketErrors int     `json:"socket_errors"`
	CPUus        float64 // server CPU (user+system) per request
}

func (r wrkResult) rate() float64 { return float64(r.Requests) / r.Seconds }

func runIntake(ctx context.Context, rounds *int, fs *flag.FlagSet) error {
	duration := fs.Duration("duration", 10*time.Second, "length of each measured wrk run")
	conns := fs.Int("connections", 32, "wrk connections")
	bodies := fs.Int("bodies", 150000, "distinct signed requests per run (each is a new ticket)")
	_ = fs.Parse(os.Args[2:])
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: apt-get install wrk")
	}
	gin.SetMode(gin.ReleaseMode)
	dir, err := os.MkdirTemp("", "cohort-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "post.lua")
	if err := os.WriteFile(script, []byte(wrkScript), 0o600); err != nil {
		return err
	}
	variants := []string{"ceiling", "sqlite"}
	if os.Getenv("COHORT_TEST_POSTGRES_URL") != "" {
		variants = append(variants, "postgres")
	} else {
		fmt.Fprintln(os.Stderr, "bench: COHORT_TEST_POSTGRES_URL unset; skipping PostgreSQL")
	}
	results := map[string][]wrkResult{}
	for round := range *rounds {
		order := append(variants[round%len(variants):], variants[:round%len(variants)]...)
		for _, v := range order {
			r, err := intakeRun(ctx, v, dir, script, round, *duration, *conns, *bodies)
			if err != nil {
				return fmt.Errorf("round %d %s: %w", round+1, v, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %-8s %8.0f req/s  p50 %5.2f ms  p99 %6.2f ms  cpu %4.0f µs/req  non-2xx %d  errors %d\n",
				round+1, v, r.rate(), float64(r.P50us)/1000, float64(r.P99us)/1000, r.CPUus, r.Non2xx, r.SocketErrors)
			results[v] = append(results[v], r)
		}
	}
	ceiling := results["ceiling"]
	fmt.Printf("| variant | req/s median (min–max) | p50 ms | p99 ms | ratio vs ceiling (per round, median) | server CPU µs/req | non-2xx |\n|---|---|---|---|---|---|---|\n")
	for _, v := range variants {
		rs := results[v]
		var rates, p50, p99, ratio, cpu []float64
		non2xx := 0
		for i, r := range rs {
			rates = append(rates, r.rate())
			p50 = append(p50, float64(r.P50us)/1000)
			p99 = append(p99, float64(r.P99us)/1000)
			ratio = append(ratio, r.rate()/ceiling[i].rate())
			cpu = append(cpu, r.CPUus)
			non2xx += r.Non2xx + r.SocketErrors
		}
		fmt.Printf("| %s | %.0f (%.0f–%.0f) | %.2f | %.2f | %.2f | %.0f | %d |\n", v, median(rates), minOf(rates), maxOf(rates),
			median(p50), median(p99), median(ratio), median(cpu), non2xx)
	}
	return nil
}

// intakeRun starts a fresh server for variant, warms it up for 2 s and
// measures one wrk run.
func intakeRun(ctx context.Context, variant, dir, script string, round int, d time.Duration, conns, n int) (wrkResult, error) {
	handler, cleanup, err := intakeServer(ctx, variant, dir, round)
	if err != nil {
		return wrkResult{}, err
	}
	defer cleanup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return wrkResult{}, err
	}
	srv := &http.Server{Handler: handler}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	path := "/webhooks/zendesk"
	if variant == "ceiling" {
		path = "/noop"
	}
	url := "http://" + ln.Addr().String() + path

	// Warm-up and measured run each get their own fresh tickets.
	for i, run := range []struct {
		d       time.Duration
		measure bool
	}{{2 * time.Second, false}, {d, true}} {
		reqs := filepath.Join(dir, fmt.Sprintf("reqs-%d-%d.tsv", round, i))
		if err := writeRequests(reqs, n, int64(round*10+i)*10_000_000); err != nil {
			return wrkResult{}, err
		}
		var before syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
		out, err := exec.CommandContext(ctx, "wrk", "-t1", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%s", run.d),
			"-s", script, url, "--", reqs).CombinedOutput()
		var after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		os.Remove(reqs)
		if err != nil {
			return wrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
		}
		if !run.measure {
			continue
		}
		line := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(l, "RESULT ") {
				line = strings.TrimPrefix(l, "RESULT ")
			}
		}
		var r wrkResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return wrkResult{}, fmt.Errorf("wrk output: %v\n%s", err, out)
		}
		if r.Requests > n && variant != "ceiling" {
			fmt.Fprintf(os.Stderr, "bench: %d requests but %d distinct bodies: raise -bodies\n", r.Requests, n)
		}
		cpu := tv(after.Utime) + tv(after.Stime) - tv(before.Utime) - tv(before.Stime)
		r.CPUus = cpu.Seconds() * 1e6 / float64(max(r.Requests, 1))
		return r, nil
	}
	return wrkResult{}, errors.New("no measured run")
}

func tv(t syscall.Timeval) time.Duration {
	return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
}

// intakeServer builds the handler: cohort's web server behind "/", and the
// no-op gin handler on "/noop", in one mux. Only the variant's store is opened.
func intakeServer(ctx context.Context, variant, dir string, round int) (http.Handler, func(), error) {
	noop := gin.New()
	noop.POST("/noop", func(c *gin.Context) {
		_, _ = io.Copy(io.Discard, c.Request.Body)
		c.Status(http.StatusAccepted)
	})
	mux := http.NewServeMux()
	mux.Handle("/noop", noop)
	if variant == "ceiling" {
		return mux, func() {}, nil
	}
	dbURL := "sqlite:" + filepath.Join(dir, fmt.Sprintf("intake-%d.db", round))
	var dropSchema func()
	if variant == "postgres" {
		var err error
		if dbURL, dropSchema, err = freshSchema(ctx, fmt.Sprintf("bench_intake_%d_%d", round, time.Now().UnixNano())); err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		return nil, nil, err
	}
	q, err := db.NewQueue(store.QueueConfig{}) // intake only
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	if err := q.Start(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	mux.Handle("/", web.New(web.Config{
		Receivers: map[string]web.Receiver{zendesk.Name: &zendesk.Receiver{Secret: intakeSecret}},
		Intake:    q, Records: db, Ping: db.Ping,
	}))
	cleanup := func() {
		_ = q.Stop(context.Background())
		db.Close()
		if dropSchema != nil {
			dropSchema()
		}
		os.Remove(strings.TrimPrefix(dbURL, "sqlite:"))
	}
	return mux, cleanup, nil
}

// writeRequests writes n signed webhook requests, for tickets first+1…,
// as lines "timestamp<TAB>signature<TAB>body". Each body is about 1.1 KB.
func writeRequests(path string, n int, first int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ts := time.Now().UTC().Format(time.RFC3339)
	description := strings.Repeat("Our checkout calls fail with 502 for some requests since this morning. ", 9)
	for i := range n {
		id := first + int64(i) + 1
		body := fmt.Sprintf(`{"event":"ticket.created","ticket":{"id":"%d","subject":"Payments API returns 502 since this morning (%d)",`+
			`"description":"%s","priority":"Normal","status":"New","tags":"payments api eu","via":"Web Form",`+
			`"created_at":"%s","updated_at":"%s","requester":{"id":"%d","email":"user%d@acme.example","name":"Ana Lima",`+
			`"external_id":"crm-%d"},"organization":{"id":"3600001","name":"Acme Corp","external_id":"org-acme"}}}`,
			id, id, description, ts, ts, 360000000000+id, id, id)
		fmt.Fprintf(w, "%s\t%s\t%s\n", ts, zendesk.Sign(intakeSecret, ts, []byte(body)), body)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func minOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// These tests run cohort serve as real processes: they kill one with
// SIGKILL in the middle of a burst, stop one with SIGTERM, and run two on
// one PostgreSQL database.

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// cohortBinary builds the cohort command once per test run.
func cohortBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cohort-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "cohort")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// serveProcess is one `cohort serve` process.
type serveProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string
	logs *lockedBuffer
	done chan error
}

func startServe(t *testing.T, env []string) *serveProcess {
	t.Helper()
	addr := freeAddr(t)
	p := &serveProcess{t: t, addr: addr, logs: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(cohortBinary(t), "serve")
	p.cmd.Env = append(os.Environ(), append(env, "COHORT_LISTEN_ADDR="+addr)...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("logs of serve on %s:\n%s", addr, p.logs.String())
		}
	})
	waitReady(t, "http://"+addr+"/readyz")
	return p
}

func (p *serveProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and returns the exit error once the process is gone.
func (p *serveProcess) stop(timeout time.Duration) error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(timeout):
		p.t.Fatalf("serve on %s did not stop within %v of SIGTERM", p.addr, timeout)
		return nil
	}
}

// burst is a set of tickets in the sandbox, each with the signed webhook
// Zendesk's trigger would send for it.
type burst struct {
	secret string
	bodies map[int64][]byte
}

const processSecret = "process-test-signing-secret"

// newBurst creates n tickets in the sandbox and renders their webhooks.
func newBurst(t *testing.T, zc *zendesk.Client, n int) *burst {
	t.Helper()
	b := &burst{secret: processSecret, bodies: map[int64][]byte{}}
	for i := range n {
		email := fmt.Sprintf("requester%d@example.com", i)
		created, err := zc.API().CreateTicket(context.Background(), zd.Ticket{Subject: fmt.Sprint("Burst ticket ", i),
			Priority: "low", Comment: &zd.TicketComment{Body: "help"}, Requester: &zd.Requester{Name: "R", Email: email}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := json.Marshal(map[string]any{"event": "ticket.created", "ticket": map[string]any{
			"id": fmt.Sprint(created.ID), "subject": created.Subject, "priority": "Low", "tags": "",
			"updated_at": created.UpdatedAt.UTC().Format(time.RFC3339),
			"requester":  map[string]string{"id": fmt.Sprint(created.RequesterID), "email": email},
		}})
		b.bodies[created.ID] = body
	}
	return b
}

// send delivers ticket id's webhook to addr and reports whether it got 202.
func (b *burst) send(addr string, id int64) bool {
	body := b.bodies[id]
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/zendesk", bytes.NewReader(body))
	ts := time.Now().UTC().Format(time.RFC3339)
	req.Header.Set(zendesk.HeaderSignatureTimestamp, ts)
	req.Header.Set(zendesk.HeaderSignature, zendesk.Sign(b.secret, ts, body))
	req.Header.Set(zendesk.HeaderInvocationID, fmt.Sprint("inv-", id))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusAccepted
}

// processEnv is the documented configuration of a serve process.
func processEnv(sb *sandbox.Server, dbURL string, extra ...string) []string {
	segments, _ := filepath.Abs("../../manifests/segments.yaml")
	return append([]string{
		"COHORT_DATABASE_URL=" + dbURL,
		"COHORT_ZENDESK_URL=" + sb.URL(),
		"COHORT_ZENDESK_EMAIL=agent@example.com",
		"COHORT_ZENDESK_API_TOKEN=" + e2eToken,
		"COHORT_ZENDESK_WEBHOOK_SECRET=" + processSecret,
		"COHORT_SEGMENTS_FILE=" + segments,
		"COHORT_JOB_TIMEOUT=10s",
		"COHORT_RETRY_BACKOFF=100ms",
		"COHORT_SHUTDOWN_TIMEOUT=20s",
		"COHORT_LOG_LEVEL=info",
	}, extra...)
}

// processFixture is a sandbox with an admin client and an observer of
// enriched tickets.
type processFixture struct {
	sb       *sandbox.Server
	zc       *zendesk.Client
	enriched <-chan int64
}

func newProcessFixture(t *testing.T, cfg sandbox.Config) *processFixture {
	t.Helper()
	cfg.Email, cfg.APIToken = "agent@example.com", e2eToken
	sb, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: e2eToken,
		RateLimit: 60000, UpdateRateLimit: 60000, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zc.Close() })
	return &processFixture{sb: sb, zc: zc, enriched: observeEnrichedTickets(t, zc)}
}

// waitEnriched waits until every ticket in want was seen enriched.
func (f *processFixture) waitEnriched(t *testing.T, want map[int64]bool, timeout time.Duration) {
	t.Helper()
	seen := map[int64]bool{}
	deadline := time.After(timeout)
	for len(seen) < len(want) {
		select {
		case id := <-f.enriched:
			if want[id] {
				seen[id] = true
			}
		case <-deadline:
			t.Fatalf("%d of %d tickets enriched within %v", len(seen), len(want), timeout)
		}
	}
}

// checkOnce checks that every ticket carries cohort's tags and exactly one
// private note.
func (f *processFixture) checkOnce(t *testing.T, ids map[int64]bool) {
	t.Helper()
	for id := range ids {
		comments, err := f.zc.API().ListTicketComments(context.Background(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		notes := 0
		for _, c := range comments.TicketComments {
			if c.Public != nil && !*c.Public {
				notes++
			}
		}
		tk, err := f.zc.API().GetTicket(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if notes != 1 || !strings.Contains(strings.Join(tk.Tags, " "), "cohort_enriched") {
			t.Errorf("ticket %d: %d private notes, tags %v; want exactly one note and the marker tag", id, notes, tk.Tags)
		}
	}
}

func TestKillDuringBurstLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills real processes")
	}
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			f := newProcessFixture(t, sandbox.Config{Faults: sandbox.Faults{Latency: 20 * time.Millisecond}})
			const n = 120
			b := newBurst(t, f.zc, n)
			env := processEnv(f.sb, storetest.URL(t, engine), "COHORT_ZENDESK_RATE_LIMIT=6000", "COHORT_ZENDESK_UPDATE_RATE_LIMIT=6000")
			first := startServe(t, env)

			// Send the burst from 8 senders; kill the process half-way.
			ids := make(chan int64, n)
			for id := range b.bodies {
				ids <- id
			}
			close(ids)
			var mu sync.Mutex
			accepted := map[int64]bool{}
			var sent sync.WaitGroup
			killed := make(chan struct{})
			var killOnce sync.Once
			for range 8 {
				sent.Add(1)
				go func() {
					defer sent.Done()
					for id := range ids {
						ok := b.send(first.addr, id)
						mu.Lock()
						if ok {
							accepted[id] = true
						}
						half := len(accepted) >= n/2
						mu.Unlock()
						if half {
							killOnce.Do(func() { first.kill(); close(killed) })
						}
					}
				}()
			}
			sent.Wait()
			<-killed
			t.Logf("%d of %d webhooks got 202 before SIGKILL", len(accepted), n)
			if len(accepted) < n/2 {
				t.Fatalf("only %d webhooks accepted", len(accepted))
			}

			// Restart. Zendesk re-delivers what got no 202; a few accepted ones
			// come again too, as duplicates.
			second := startServe(t, env)
			dups := 0
			for id := range b.bodies {
				if !accepted[id] || dups < 20 {
					if accepted[id] {
						dups++
					}
					if !b.send(second.addr, id) {
						t.Errorf("re-delivery of ticket %d to the restarted process was not accepted", id)
					}
				}
			}
			all := map[int64]bool{}
			for id := range b.bodies {
				all[id] = true
			}
			f.waitEnriched(t, all, 3*time.Minute)
			f.checkOnce(t, all)
			if err := second.stop(30 * time.Second); err != nil {
				t.Errorf("serve after SIGTERM: %v", err)
			}
		})
	}
}

func TestSIGTERMFinishesRunningJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops real processes")
	}
	// Every API call takes 1.5 s, so jobs are running when SIGTERM comes.
	f := newProcessFixture(t, sandbox.Config{})
	b := newBurst(t, f.zc, 5)
	f.sb.SetFaults(sandbox.Faults{Latency: 1500 * time.Millisecond})
	env := processEnv(f.sb, storetest.URL(t, store.SQLite))
	p := startServe(t, env)
	want := map[int64]bool{}
	for id := range b.bodies {
		if !b.send(p.addr, id) {
			t.Fatalf("ticket %d not accepted", id)
		}
		want[id] = true
	}
	time.Sleep(500 * time.Millisecond) // let the workers pick the jobs up
	if err := p.stop(30 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.logs.String())
	}
	if b.send(p.addr, 999) {
		t.Error("a stopped process accepted a webhook")
	}
	// The running jobs finished before the process left.
	f.sb.SetFaults(sandbox.Faults{})
	f.waitEnriched(t, want, 30*time.Second)
	f.checkOnce(t, want)
}

func TestTwoReplicasShareQueueAndBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real processes")
	}
	dbURL := storetest.URL(t, store.Postgres)
	// The account allows 700 requests a minute (and 100 ticket updates);
	// the replicas share a budget of 80, and 60 for updates.
	f := newProcessFixture(t, sandbox.Config{RateLimit: 700})
	const n = 150
	b := newBurst(t, f.zc, n)
	before := f.sb.Stats()
	env := processEnv(f.sb, dbURL, "COHORT_ZENDESK_RATE_LIMIT=80", "COHORT_ZENDESK_UPDATE_RATE_LIMIT=60")
	replicas := []*serveProcess{startServe(t, env), startServe(t, env)}

	// Each webhook reaches both replicas, as a retried delivery might.
	var wg sync.WaitGroup
	var mu sync.Mutex
	acceptedBy := map[int]int{}
	for id := range b.bodies {
		for i, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if b.send(r.addr, id) {
					mu.Lock()
					acceptedBy[i]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	all := map[int64]bool{}
	for id := range b.bodies {
		all[id] = true
	}
	f.waitEnriched(t, all, 3*time.Minute)
	after := f.sb.Stats()
	f.checkOnce(t, all)

	worked := 0
	for i, r := range replicas {
		if err := r.stop(30 * time.Second); err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
		k := strings.Count(r.logs.String(), `msg="ticket enriched"`)
		t.Logf("replica %d: enriched %d tickets", i, k)
		worked += k
	}
	if worked != n {
		t.Errorf("%d tickets enriched across replicas, want each of %d once", worked, n)
	}
	if after.RateLimited != before.RateLimited {
		t.Errorf("%d requests answered 429", after.RateLimited-before.RateLimited)
	}
	routes := map[string]int{}
	for r, k := range after.RequestsByRoute {
		if d := k - before.RequestsByRoute[r]; d > 0 {
			routes[r] = d
		}
	}
	t.Logf("%d API requests for %d tickets: %v", after.Requests-before.Requests, n, routes)
}

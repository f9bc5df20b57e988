package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/internal/proc"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// These tests run cohort serve as real processes: they kill one with
// SIGKILL in the middle of a burst, stop one with SIGTERM, and run two on
// one PostgreSQL database.

const processSecret = "process-test-signing-secret"

// startServe starts `cohort serve` with env, killed when the test ends; its
// logs are shown if the test fails.
func startServe(t *testing.T, env []string) *proc.Serve {
	t.Helper()
	p, err := proc.Start(env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.Running() {
			p.Kill()
		}
		if t.Failed() {
			t.Logf("logs of serve on %s:\n%s", p.Addr, p.Logs())
		}
	})
	return p
}

// processFixture is a sandbox with an admin client, a watch on cohort's
// marker tag, and tickets with the webhooks their trigger would send.
type processFixture struct {
	sb       *sandbox.Server
	zc       *zendesk.Client
	enriched <-chan int64
	bodies   map[int64][]byte
}

func newProcessFixture(t *testing.T, cfg sandbox.Config, tickets int) *processFixture {
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
	enriched, stop := sb.WatchTag("cohort_enriched")
	t.Cleanup(stop)
	f := &processFixture{sb: sb, zc: zc, enriched: enriched, bodies: map[int64][]byte{}}
	for i := range tickets {
		created, err := zc.API().CreateTicket(context.Background(), zd.Ticket{Subject: fmt.Sprint("Burst ticket ", i),
			Priority: "low", Comment: &zd.TicketComment{Body: "help"},
			Requester: &zd.Requester{Name: "R", Email: fmt.Sprintf("requester%d@example.com", i)}})
		if err != nil {
			t.Fatal(err)
		}
		body, err := sb.Render(created.ID, zendesk.TriggerBody, true)
		if err != nil {
			t.Fatal(err)
		}
		f.bodies[created.ID] = []byte(body)
	}
	return f
}

// send delivers ticket id's webhook to addr, signed, and reports whether
// it got 202.
func (f *processFixture) send(addr string, id int64) bool {
	return proc.Deliver(http.DefaultClient, addr, processSecret, id, f.bodies[id])
}

func (f *processFixture) all() map[int64]bool {
	all := map[int64]bool{}
	for id := range f.bodies {
		all[id] = true
	}
	return all
}

// waitEnriched waits until every ticket in want gained the marker tag.
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

// checkOnce checks that every ticket got exactly one update from cohort:
// one private note, and the marker tag.
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
		if notes != 1 {
			t.Errorf("ticket %d: %d private notes, want exactly one", id, notes)
		}
	}
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

func TestKillDuringBurstLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills real processes")
	}
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			const n = 120
			f := newProcessFixture(t, sandbox.Config{Faults: sandbox.Faults{Latency: 20 * time.Millisecond}}, n)
			env := processEnv(f.sb, storetest.URL(t, engine), "COHORT_ZENDESK_RATE_LIMIT=6000", "COHORT_ZENDESK_UPDATE_RATE_LIMIT=6000")
			first := startServe(t, env)

			// Send the burst from 8 senders; kill the process half-way.
			ids := make(chan int64, n)
			for id := range f.bodies {
				ids <- id
			}
			close(ids)
			var mu sync.Mutex
			accepted := map[int64]bool{}
			var sent sync.WaitGroup
			var killOnce sync.Once
			for range 8 {
				sent.Add(1)
				go func() {
					defer sent.Done()
					for id := range ids {
						ok := f.send(first.Addr, id)
						mu.Lock()
						if ok {
							accepted[id] = true
						}
						half := len(accepted) >= n/2
						mu.Unlock()
						if half {
							killOnce.Do(first.Kill)
						}
					}
				}()
			}
			sent.Wait()
			t.Logf("%d of %d webhooks got 202 before SIGKILL", len(accepted), n)
			if len(accepted) < n/2 {
				t.Fatalf("only %d webhooks accepted", len(accepted))
			}

			// Restart. Zendesk re-delivers what got no 202; a few accepted ones
			// come again too, as duplicates.
			second := startServe(t, env)
			dups := 0
			for id := range f.bodies {
				if accepted[id] && dups >= 20 {
					continue
				}
				if accepted[id] {
					dups++
				}
				if !f.send(second.Addr, id) {
					t.Errorf("re-delivery of ticket %d to the restarted process was not accepted", id)
				}
			}
			f.waitEnriched(t, f.all(), 3*time.Minute)
			f.checkOnce(t, f.all())
			if err := second.Stop(30 * time.Second); err != nil {
				t.Errorf("serve after SIGTERM: %v", err)
			}
		})
	}
}

func TestSIGTERMFinishesRunningJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and stops real processes")
	}
	f := newProcessFixture(t, sandbox.Config{}, 5)
	// Every API call now takes 1.5 s, so jobs are running when SIGTERM comes.
	f.sb.SetFaults(sandbox.Faults{Latency: 1500 * time.Millisecond})
	p := startServe(t, processEnv(f.sb, storetest.URL(t, store.SQLite)))
	for id := range f.bodies {
		if !f.send(p.Addr, id) {
			t.Fatalf("ticket %d not accepted", id)
		}
	}
	time.Sleep(500 * time.Millisecond) // let the workers pick the jobs up
	if err := p.Stop(30 * time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.Logs())
	}
	if f.send(p.Addr, 999) {
		t.Error("a stopped process accepted a webhook")
	}
	// The running jobs finished before the process left.
	f.waitEnriched(t, f.all(), 30*time.Second)
	f.sb.SetFaults(sandbox.Faults{})
	f.checkOnce(t, f.all())
}

func TestTwoReplicasShareQueueAndBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs real processes")
	}
	dbURL := storetest.URL(t, store.Postgres)
	// The account allows 700 requests a minute (and 100 ticket updates);
	// the replicas share a budget of 80, and 60 for updates.
	const n = 150
	f := newProcessFixture(t, sandbox.Config{RateLimit: 700}, n)
	before := f.sb.Stats()
	env := processEnv(f.sb, dbURL, "COHORT_ZENDESK_RATE_LIMIT=80", "COHORT_ZENDESK_UPDATE_RATE_LIMIT=60")
	replicas := []*proc.Serve{startServe(t, env), startServe(t, env)}

	// Each webhook reaches both replicas, as a retried delivery might.
	var wg sync.WaitGroup
	for id := range f.bodies {
		for _, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.send(r.Addr, id)
			}()
		}
	}
	wg.Wait()
	f.waitEnriched(t, f.all(), 3*time.Minute)
	after := f.sb.Stats()
	f.checkOnce(t, f.all())

	worked := 0
	for i, r := range replicas {
		if err := r.Stop(30 * time.Second); err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
		k := strings.Count(r.Logs(), `msg="ticket enriched"`)
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

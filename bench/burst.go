package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/internal/proc"
)

// The burst and latency benchmarks run the real `cohort serve` binary, with
// its documented defaults, against the sandbox in this process. Tickets are
// created in the sandbox first; their webhooks (rendered from cohort's
// trigger body by the sandbox, signed) are then sent to cohort, and the
// sandbox reports each ticket the moment cohort's update lands.

const (
	benchEmail  = "agent@bench.example"
	benchToken  = "bench-api-token"
	benchSecret = "bench-webhook-secret"
)

// account is a sandbox account with tickets ready to be delivered.
type account struct {
	sb       *sandbox.Server
	admin    *zendesk.Client
	bodies   map[int64][]byte
	ids      []int64
	enriched <-chan int64
	stop     func()
}

func newAccount(n int) (*account, error) {
	return newAccountWith(sandbox.Config{}, n)
}

// newAccountWith is newAccount with the sandbox's rate limits taken from
// limits (its RateLimit and TicketUpdate… fields), from the start: the
// tickets' creation then counts against them, and with a high limit the
// admin client is not slowed by the default 700 a minute the sandbox reports.
func newAccountWith(limits sandbox.Config, n int) (*account, error) {
	sb, err := sandbox.Start(sandbox.Config{Email: benchEmail, APIToken: benchToken, RateLimit: limits.RateLimit,
		TicketUpdateRateLimit: limits.TicketUpdateRateLimit, TicketUpdatesPerTicket: limits.TicketUpdatesPerTicket}, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	admin, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: benchEmail, APIToken: benchToken,
		RateLimit: 1_000_000, UpdateRateLimit: 1_000_000, BatchSize: 1})
	if err != nil {
		sb.Close()
		return nil, err
	}
	a := &account{sb: sb, admin: admin, bodies: map[int64][]byte{}}
	for i := range n {
		t, err := admin.API().CreateTicket(context.Background(), zd.Ticket{
			Subject: fmt.Sprintf("Checkout fails for some customers (%d)", i), Priority: "normal",
			Comment:   &zd.TicketComment{Body: "Our checkout calls fail with 502 for some requests since this morning."},
			Requester: &zd.Requester{Name: "Customer", Email: fmt.Sprintf("customer%d@acme.example", i)},
		})
		if err != nil {
			a.close()
			return nil, err
		}
		body, err := sb.Render(t.ID, zendesk.TriggerBody, true)
		if err != nil {
			a.close()
			return nil, err
		}
		a.bodies[t.ID] = []byte(body)
		a.ids = append(a.ids, t.ID)
	}
	a.enriched, a.stop = sb.WatchTag("cohort_enriched")
	return a, nil
}

func (a *account) close() {
	if a.stop != nil {
		a.stop()
	}
	a.admin.Close()
	a.sb.Close()
}

// send delivers ticket id's webhook to addr and reports whether it got 202.
func (a *account) send(client *http.Client, addr string, id int64) bool {
	return proc.Deliver(client, addr, benchSecret, id, a.bodies[id])
}

// serve starts cohort with its defaults, and extra settings, against the
// account.
func (a *account) serve(dbURL string, extra ...string) (*proc.Serve, error) {
	_, file, _, _ := runtime.Caller(0)
	segments := filepath.Join(filepath.Dir(file), "..", "manifests", "segments.yaml")
	return proc.Start(append([]string{
		"COHORT_DATABASE_URL=" + dbURL,
		"COHORT_ZENDESK_URL=" + a.sb.URL(),
		"COHORT_ZENDESK_EMAIL=" + benchEmail,
		"COHORT_ZENDESK_API_TOKEN=" + benchToken,
		"COHORT_ZENDESK_WEBHOOK_SECRET=" + benchSecret,
		"COHORT_SEGMENTS_FILE=" + segments,
		"COHORT_LOG_LEVEL=" + cmp.Or(os.Getenv("BENCH_LOG_LEVEL"), "warn"),
	}, extra...))
}

// engineURLs returns a database URL per engine to run, and a cleanup.
func engineURL(ctx context.Context, engine, dir string, round int) (string, func(), error) {
	if engine == "sqlite" {
		return "sqlite:" + filepath.Join(dir, fmt.Sprintf("bench-%d-%d.db", round, time.Now().UnixNano())), func() {}, nil
	}
	return freshSchema(ctx, fmt.Sprintf("bench_%d_%d", round, time.Now().UnixNano()))
}

func engines() []string {
	if os.Getenv("COHORT_TEST_POSTGRES_URL") == "" {
		fmt.Fprintln(os.Stderr, "bench: COHORT_TEST_POSTGRES_URL unset; skipping PostgreSQL")
		return []string{"sqlite"}
	}
	return []string{"sqlite", "postgres"}
}

type burstResult struct {
	calls, rateLimited, lost, accepted int
	intake, total                      time.Duration
}

// burstVariant is one configuration of cohort serve in a benchmark: its
// engine, extra environment and (for bursts) how many tickets it gets.
type burstVariant struct {
	name    string
	engine  string
	tickets int
	env     []string
}

func runBurst(ctx context.Context, rounds *int, fs *flag.FlagSet) error {
	n := fs.Int("tickets", 2000, "tickets in the burst")
	baseline := fs.Int("baseline-tickets", 200, "tickets in the per-ticket-update baseline (it needs a request per ticket)")
	limit := fs.Int("account-limit", 700, "the sandbox account's API requests a minute")
	senders := fs.Int("senders", 32, "concurrent webhook senders")
	only := fs.String("only", "", "run only the variants whose name contains this")
	_ = fs.Parse(os.Args[2:])
	dir, err := os.MkdirTemp("", "cohort-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var variants []burstVariant
	for _, engine := range engines() {
		variants = append(variants, burstVariant{name: engine + ", batch updates (default)", engine: engine, tickets: *n})
	}
	variants = append(variants, burstVariant{name: "sqlite, one update per ticket (COHORT_ZENDESK_BATCH_SIZE=1): baseline",
		engine: "sqlite", tickets: *baseline, env: []string{"COHORT_ZENDESK_BATCH_SIZE=1"}})
	variants = slices.DeleteFunc(variants, func(v burstVariant) bool { return !strings.Contains(v.name, *only) })
	results := map[string][]burstResult{}
	for round := range *rounds {
		for _, v := range variants {
			r, err := burstRun(ctx, v, dir, round, *limit, *senders)
			if err != nil {
				return fmt.Errorf("round %d %s: %w", round+1, v.name, err)
			}
			fmt.Fprintf(os.Stderr, "round %d %s: %d tickets, calls %d (%.4f/ticket)  429s %d  lost %d  accepted in %v  last enriched after %v\n",
				round+1, v.name, v.tickets, r.calls, float64(r.calls)/float64(v.tickets), r.rateLimited, r.lost,
				r.intake.Round(time.Millisecond), r.total.Round(time.Millisecond))
			results[v.name] = append(results[v.name], r)
		}
	}
	fmt.Printf("| variant | tickets | API calls per enriched ticket (median, max) | tickets lost | 429s received | all 202s after (s) | last enriched after (s) |\n|---|---|---|---|---|---|---|\n")
	for _, v := range variants {
		var perTicket, intake, total []float64
		lost, limited := 0, 0
		for _, r := range results[v.name] {
			perTicket = append(perTicket, float64(r.calls)/float64(v.tickets))
			intake = append(intake, r.intake.Seconds())
			total = append(total, r.total.Seconds())
			lost += r.lost
			limited += r.rateLimited
		}
		fmt.Printf("| %s | %d | %.4f, %.4f | %d | %d | %.2f | %.1f |\n", v.name, v.tickets, median(perTicket), maxOf(perTicket),
			lost, limited, median(intake), median(total))
	}
	return nil
}

func burstRun(ctx context.Context, v burstVariant, dir string, round, limit, senders int) (burstResult, error) {
	n := v.tickets
	a, err := newAccount(n)
	if err != nil {
		return burstResult{}, err
	}
	defer a.close()
	dbURL, cleanup, err := engineURL(ctx, v.engine, dir, round)
	if err != nil {
		return burstResult{}, err
	}
	defer cleanup()
	p, err := a.serve(dbURL, v.env...)
	if err != nil {
		return burstResult{}, err
	}
	defer p.Stop(time.Minute)
	a.sb.SetRateLimits(sandbox.Config{RateLimit: limit})
	before := a.sb.Stats()

	start := time.Now()
	accepted := sendAll(a.ids, senders, func(client *http.Client, id int64) bool { return a.send(client, p.Addr, id) })
	r := burstResult{accepted: accepted, intake: time.Since(start)}
	if r.accepted != n {
		return r, fmt.Errorf("%d of %d webhooks accepted", r.accepted, n)
	}
	seen := map[int64]bool{}
	deadline := time.After(10 * time.Minute)
wait:
	for len(seen) < n {
		select {
		case id := <-a.enriched:
			seen[id] = true
		case <-deadline:
			break wait
		case <-ctx.Done():
			return r, errors.New("interrupted")
		}
	}
	r.total = time.Since(start)
	if len(seen) < n && os.Getenv("BENCH_LOG_LEVEL") != "" {
		fmt.Fprintln(os.Stderr, p.Logs())
	}
	after := a.sb.Stats()
	r.calls = after.Requests - before.Requests
	r.rateLimited = after.RateLimited - before.RateLimited
	r.lost = n - len(seen)
	return r, nil
}

// sendAll hands items to senders goroutines that share one HTTP client,
// each calling send, and returns how many send reported accepted.
func sendAll[T any](items []T, senders int, send func(client *http.Client, item T) bool) int {
	work := make(chan T, len(items))
	for _, it := range items {
		work <- it
	}
	close(work)
	var accepted atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	for range senders {
		wg.Go(func() {
			for it := range work {
				if send(client, it) {
					accepted.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(accepted.Load())
}

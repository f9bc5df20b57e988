package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// The latency benchmark: tickets arrive at a steady rate while every
// sandbox API call takes an extra 100 ms; it measures the time from sending
// a ticket's webhook to cohort's update landing in the sandbox.

func runLatency(ctx context.Context, rounds *int, fs *flag.FlagSet) error {
	rate := fs.Int("rate", 20, "tickets a second")
	seconds := fs.Int("seconds", 30, "how long tickets arrive")
	latency := fs.Duration("api-latency", 100*time.Millisecond, "added to every sandbox API call")
	_ = fs.Parse(os.Args[2:])
	dir, err := os.MkdirTemp("", "cohort-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	variants := make([]burstVariant, 0, 3)
	for _, engine := range engines() {
		variants = append(variants, burstVariant{name: engine + ", batch updates (default)", engine: engine})
	}
	// The baseline sends each ticket's update on its own the moment it is
	// planned. Its 1,200 updates a minute are far past what an account
	// allows, so cohort's budgets are lifted for it: it shows what
	// batching costs in latency, not a setting anyone should run.
	variants = append(variants, burstVariant{name: "sqlite, one update per ticket, budgets lifted: baseline", engine: "sqlite",
		env: []string{"COHORT_ZENDESK_BATCH_SIZE=1", "COHORT_ZENDESK_RATE_LIMIT=100000", "COHORT_ZENDESK_UPDATE_RATE_LIMIT=100000"}})
	type row struct{ p50, p99, max []float64 }
	results := map[string]*row{}
	for _, v := range variants {
		results[v.name] = &row{}
	}
	for round := range *rounds {
		for _, v := range variants {
			ds, err := latencyRun(ctx, v, dir, round, *rate, *seconds, *latency)
			if err != nil {
				return fmt.Errorf("round %d %s: %w", round+1, v.name, err)
			}
			p50, p99, mx := percentile(ds, 50), percentile(ds, 99), percentile(ds, 100)
			fmt.Fprintf(os.Stderr, "round %d %s: %d tickets  p50 %v  p99 %v  max %v\n", round+1, v.name, len(ds),
				p50.Round(time.Millisecond), p99.Round(time.Millisecond), mx.Round(time.Millisecond))
			r := results[v.name]
			r.p50 = append(r.p50, p50.Seconds()*1000)
			r.p99 = append(r.p99, p99.Seconds()*1000)
			r.max = append(r.max, mx.Seconds()*1000)
		}
	}
	fmt.Printf("| variant | webhook → update p50 ms (median of rounds) | p99 ms | max ms |\n|---|---|---|---|\n")
	for _, v := range variants {
		r := results[v.name]
		fmt.Printf("| %s | %.0f | %.0f | %.0f |\n", v.name, median(r.p50), median(r.p99), median(r.max))
	}
	return nil
}

func latencyRun(ctx context.Context, v burstVariant, dir string, round, rate, seconds int, latency time.Duration) ([]time.Duration, error) {
	n := rate * seconds
	a, err := newAccount(n)
	if err != nil {
		return nil, err
	}
	defer a.close()
	dbURL, cleanup, err := engineURL(ctx, v.engine, dir, round)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	p, err := a.serve(dbURL, v.env...)
	if err != nil {
		return nil, err
	}
	defer p.Stop(time.Minute)
	a.sb.SetFaults(sandbox.Faults{Latency: latency})

	var mu sync.Mutex
	sentAt := make(map[int64]time.Time, n)
	done := make(chan []time.Duration, 1)
	go func() {
		var ds []time.Duration
		deadline := time.After(time.Duration(seconds)*time.Second + 5*time.Minute)
		for len(ds) < n {
			select {
			case id := <-a.enriched:
				now := time.Now()
				mu.Lock()
				ds = append(ds, now.Sub(sentAt[id]))
				mu.Unlock()
			case <-deadline:
				done <- ds
				return
			}
		}
		done <- ds
	}()
	client := &http.Client{}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	for _, id := range a.ids {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil, errors.New("interrupted")
		}
		mu.Lock()
		sentAt[id] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !a.send(client, p.Addr, id) {
				fmt.Fprintf(os.Stderr, "bench: ticket %d not accepted\n", id)
			}
		}()
	}
	wg.Wait()
	ds := <-done
	if len(ds) < n {
		return ds, fmt.Errorf("%d of %d tickets enriched", len(ds), n)
	}
	return ds, nil
}

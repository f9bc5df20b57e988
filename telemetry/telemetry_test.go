package telemetry_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/telemetry"
)

// scrape returns what GET path of h answers, and its status.
func scrape(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// value returns the value of the series line that starts with series, or
// fails the test when there is none.
func value(t *testing.T, text, series string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no series %s in:\n%s", series, text)
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestHooksBecomeSeries(t *testing.T) {
	m := telemetry.New()
	m.EnrichmentAttempt("zendesk", "done", 300*time.Millisecond)
	m.EnrichmentAttempt("zendesk", "done", 3*time.Second)
	m.EnrichmentAttempt("zendesk", "retry", time.Second)
	m.EnrichmentAttempt("zendesk", "dead", time.Minute)
	zd := m.Helpdesk("zendesk")
	zd.Request("ticket_update", 200, 120*time.Millisecond)
	zd.Request("ticket_update", 429, 10*time.Millisecond)
	zd.Request("job_status", 0, time.Second)
	zd.RateLimit(150, 700)
	zd.Batch(1)
	zd.Batch(37)
	m.SyncRun("crm", "hubspot", "succeeded", 2*time.Second)
	m.SyncRun("crm", "hubspot", "failed", time.Second)
	m.RulesReloaded(nil)
	m.RulesReloaded(errors.New("segments.yaml:3: unknown field"))

	status, text := scrape(t, m.Handler(func(context.Context) error { return nil }), "/metrics")
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for series, want := range map[string]float64{
		`cohort_enrichments_total{helpdesk="zendesk",outcome="done"}`:                              2,
		`cohort_enrichments_total{helpdesk="zendesk",outcome="retry"}`:                             1,
		`cohort_enrichments_total{helpdesk="zendesk",outcome="dead"}`:                              1,
		`cohort_enrichment_latency_seconds_count{helpdesk="zendesk"}`:                              2, // done only
		`cohort_enrichment_latency_seconds_bucket{helpdesk="zendesk",le="0.5"}`:                    1,
		`cohort_helpdesk_requests_total{endpoint="ticket_update",helpdesk="zendesk",status="200"}`: 1,
		`cohort_helpdesk_requests_total{endpoint="ticket_update",helpdesk="zendesk",status="429"}`: 1,
		`cohort_helpdesk_requests_total{endpoint="job_status",helpdesk="zendesk",status="error"}`:  1,
		`cohort_helpdesk_rate_limited_total{endpoint="ticket_update",helpdesk="zendesk"}`:          1,
		`cohort_helpdesk_rate_limit_remaining{helpdesk="zendesk"}`:                                 150,
		`cohort_helpdesk_rate_limit{helpdesk="zendesk"}`:                                           700,
		`cohort_helpdesk_update_batch_size_count{helpdesk="zendesk"}`:                              2,
		`cohort_helpdesk_update_batch_size_sum{helpdesk="zendesk"}`:                                38,
		`cohort_sync_run_duration_seconds_count{outcome="succeeded",source="hubspot",task="crm"}`:  1,
		`cohort_sync_run_duration_seconds_count{outcome="failed",source="hubspot",task="crm"}`:     1,
		`cohort_rules_reloads_total{outcome="ok"}`:                                                 1,
		`cohort_rules_reloads_total{outcome="failed"}`:                                             1,
		`cohort_rules_files_ok`: 0,
	} {
		if got := value(t, text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "process_cpu_seconds_total") {
		t.Error("the Go runtime's and the process's metrics are missing")
	}
	m.RulesReloaded(nil)
	if _, text := scrape(t, m.Handler(func(context.Context) error { return nil }), "/metrics"); value(t, text, "cohort_rules_files_ok") != 1 {
		t.Error("cohort_rules_files_ok stays 0 after a good reload")
	}
}

func TestProbes(t *testing.T) {
	m := telemetry.New()
	if status, body := scrape(t, m.Handler(func(context.Context) error { return errors.New("draining") }), "/readyz"); status != http.StatusServiceUnavailable || !strings.Contains(body, `"draining"`) {
		t.Errorf("readyz while not ready: %d %s", status, body)
	}
	ready := m.Handler(func(context.Context) error { return nil })
	for _, path := range []string{"/readyz", "/healthz"} {
		if status, _ := scrape(t, ready, path); status != http.StatusOK {
			t.Errorf("%s: status %d, want 200", path, status)
		}
	}
	if status, _ := scrape(t, ready, "/api/v1/enrichments"); status != http.StatusNotFound {
		t.Errorf("the metrics listener serves more than metrics and probes: status %d", status)
	}
}

// TestStoreGauges reads the queue's depth, the oldest job's age and the
// syncs' last successes from a real store on each engine.
func TestStoreGauges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := telemetry.New()
		m.WatchStore(db, nil)
		m.WatchSyncs([]string{"csv", "hubspot"}) // as a syncer with these sources does
		h := m.Handler(func(context.Context) error { return nil })
		_, text := scrape(t, h, "/metrics")
		for _, state := range []string{"available", "running", "retryable", "dead"} {
			if got := value(t, text, fmt.Sprintf(`cohort_queue_jobs{kind="enrich_ticket",state=%q}`, state)); got != 0 {
				t.Errorf("empty queue: %s jobs = %v", state, got)
			}
		}
		if got := value(t, text, `cohort_queue_oldest_available_job_age_seconds{kind="enrich_ticket"}`); got != 0 {
			t.Errorf("empty queue: oldest job age %v", got)
		}

		// A ticket whose enrichment fails for good: one dead job.
		finished := make(chan cohort.Enrichment, 1)
		worker := storetest.StartQueue(t, db, store.QueueConfig{OnFinish: func(e cohort.Enrichment) { finished <- e },
			Handler: func(context.Context, cohort.Delivery) (cohort.Enrichment, error) {
				return cohort.Enrichment{}, cohort.Errorf("test", cohort.KindNotFound, "the ticket was deleted")
			}})
		enqueue(t, worker, 1)
		select {
		case <-finished:
		case <-time.After(60 * time.Second):
			t.Fatal("the job did not finish within 60s")
		}
		storetest.StopQueue(t, worker)
		// Two tickets no worker takes: available, waiting.
		intake := storetest.StartQueue(t, db, store.QueueConfig{})
		enqueue(t, intake, 2)
		enqueue(t, intake, 3)
		run, err := db.StartSyncRun(ctx, "csv", false)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSyncRun(ctx, run, store.SyncCounts{Read: 1}, nil); err != nil {
			t.Fatal(err)
		}
		failed, err := db.StartSyncRun(ctx, "hubspot", false)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishSyncRun(ctx, failed, store.SyncCounts{}, errors.New("401")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // so the oldest job has waited

		_, text = scrape(t, h, "/metrics")
		if got := value(t, text, `cohort_queue_jobs{kind="enrich_ticket",state="dead"}`); got != 1 {
			t.Errorf("dead jobs = %v, want 1", got)
		}
		if got := value(t, text, `cohort_queue_jobs{kind="enrich_ticket",state="available"}`); got != 2 {
			t.Errorf("available jobs = %v, want 2", got)
		}
		if age := value(t, text, `cohort_queue_oldest_available_job_age_seconds{kind="enrich_ticket"}`); age < 1 || age > 60 {
			t.Errorf("oldest available job age = %vs, want 1s to a minute", age)
		}
		last := value(t, text, `cohort_sync_last_success_timestamp_seconds{source="csv"}`)
		if d := time.Since(time.Unix(int64(last), 0)); d < 0 || d > time.Minute {
			t.Errorf("csv's last successful sync %v ago, want just now", d)
		}
		if strings.Contains(text, `source="hubspot"`) {
			t.Error("a source that never succeeded has a last success")
		}
		if got := value(t, text, "cohort_store_up"); got != 1 {
			t.Errorf("cohort_store_up = %v, want 1", got)
		}
		// A process that runs no syncer reports no sync's last success.
		other := telemetry.New()
		other.WatchStore(db, nil)
		if _, text := scrape(t, other.Handler(func(context.Context) error { return nil }), "/metrics"); strings.Contains(text, "cohort_sync_last_success") {
			t.Error("a process without a syncer reports the syncs' last successes")
		}
		// A database that cannot be read: the gauges are left out, and said so.
		storetest.StopQueue(t, intake)
		db.Close()
		_, text = scrape(t, h, "/metrics")
		if got := value(t, text, "cohort_store_up"); got != 0 || strings.Contains(text, "cohort_queue_jobs{") {
			t.Errorf("with the database closed: cohort_store_up = %v, queue gauges present: %v", got, strings.Contains(text, "cohort_queue_jobs{"))
		}
	})
}

func enqueue(t *testing.T, q *store.Queue, id int64) {
	t.Helper()
	d := cohort.Delivery{Helpdesk: "zendesk", InvocationID: fmt.Sprint("inv-", id), ReceivedAt: time.Now(),
		Ticket: cohort.Ticket{ID: id, Requester: cohort.Requester{Email: "a@b.example"}}}
	if created, err := q.Enqueue(context.Background(), d); err != nil || !created {
		t.Fatalf("enqueue %d: created %v, %v", id, created, err)
	}
}

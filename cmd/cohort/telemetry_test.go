package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/internal/proc"
	"github.com/cohortdesk/cohort/store"
)

// get returns the status and body of GET url, with the admin token when
// token is set.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// waitMetrics scrapes url until every pattern matches a line of it.
func waitMetrics(t *testing.T, url string, patterns ...string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, text := get(t, url, "")
		missing := ""
		for _, p := range patterns {
			if !regexp.MustCompile(`(?m)^` + p + `$`).MatchString(text) {
				missing = p
				break
			}
		}
		if missing == "" {
			return text
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics has no line matching %s within 30s:\n%s", missing, text)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestServeMetricsOnTheirOwnListener: with COHORT_METRICS_ADDR set, serve
// answers /metrics, /healthz and /readyz there, and not /metrics on its
// public listener; an enriched ticket shows in the operator's series.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	metricsAddr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("COHORT_METRICS_ADDR", metricsAddr)
	t.Setenv("COHORT_ADMIN_TOKEN", "admin-token")
	s := serveWithSandbox(t, store.SQLite, "../../manifests/segments.yaml")
	s.ticket(t, "Checkout is down", "grace.kim@stark.example")

	text := waitMetrics(t, "http://"+metricsAddr+"/metrics",
		`cohort_enrichments_total\{helpdesk="zendesk",outcome="done"\} 1`,
		`cohort_enrichment_latency_seconds_count\{helpdesk="zendesk"\} 1`,
		`cohort_webhooks_total\{helpdesk="zendesk",status="202"\} 1`,
		`cohort_helpdesk_requests_total\{endpoint="ticket_update",helpdesk="zendesk",status="200"\} [1-9]\d*`,
		`cohort_helpdesk_rate_limit_remaining\{helpdesk="zendesk"\} \d+`,
		`cohort_helpdesk_update_batch_size_count\{helpdesk="zendesk"\} 1`,
		`cohort_queue_jobs\{kind="enrich_ticket",state="available"\} 0`,
		`cohort_queue_jobs\{kind="enrich_ticket",state="dead"\} 0`,
		`cohort_queue_oldest_available_job_age_seconds\{kind="enrich_ticket"\} 0`,
		`cohort_rules_files_ok 1`,
	)
	if strings.Contains(text, e2eToken) || strings.Contains(text, s.secret) {
		t.Error("/metrics shows a secret")
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if status, _ := get(t, "http://"+metricsAddr+path, ""); status != http.StatusOK {
			t.Errorf("metrics listener %s: status %d, want 200", path, status)
		}
	}
	if status, _ := get(t, "http://"+s.addr+"/metrics", "admin-token"); status != http.StatusNotFound {
		t.Errorf("the public listener still serves /metrics: status %d, want 404", status)
	}
}

package telemetry_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/telemetry"
	"github.com/cohortdesk/cohort/web"
)

// TestDocumentedSeriesExist: every cohort_* series that the alerts, the
// dashboard and docs/operations.md name is one a process exports, so an
// alert cannot watch a name that never appears.
func TestDocumentedSeriesExist(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	run, err := db.StartSyncRun(ctx, "csv", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishSyncRun(ctx, run, store.SyncCounts{}, nil); err != nil {
		t.Fatal(err)
	}
	m := telemetry.New()
	m.WatchStore(db, nil)
	m.WatchSyncs([]string{"csv"})
	m.EnrichmentAttempt("zendesk", "done", time.Second)
	zd := m.Helpdesk("zendesk")
	zd.Request("ticket_update", 429, time.Second)
	zd.RateLimit(1, 2)
	zd.Batch(3)
	m.SyncRun("crm", "csv", "succeeded", time.Second)
	m.RulesReloaded(nil)
	srv := httptest.NewServer(web.New(web.Config{Registry: m.Registry, MetricsElsewhere: true}))
	defer srv.Close()
	if resp, err := http.Post(srv.URL+"/webhooks/zendesk", "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
	}

	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, f := range families {
		exported[f.GetName()] = true
	}
	name := regexp.MustCompile(`\bcohort_[a-z_]+\b`)
	for _, file := range []string{"../manifests/monitoring/alerts.yaml", "../manifests/monitoring/grafana-dashboard.json", "../docs/operations.md"} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range name.FindAllString(string(text), -1) {
			if strings.HasPrefix(n, "cohort_segment_") || n == "cohort_enriched" || n == "cohort_restored" {
				continue // the per-segment measures (web's tests), the marker tag, a database name
			}
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count"), "_sum")
			if !exported[n] && !exported[base] {
				t.Errorf("%s names %s, which no process exports", file, n)
			}
		}
	}
}

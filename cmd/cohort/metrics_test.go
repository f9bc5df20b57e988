package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/metricsync"
)

func TestMetricsExport(t *testing.T) {
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	t.Setenv("COHORT_DATABASE_URL", dbURL)
	t.Setenv("COHORT_LOG_LEVEL", "warn")
	db, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	ten := 10.0
	err = db.UpsertTicketFacts(context.Background(), []store.TicketFact{
		{Helpdesk: "zendesk", TicketID: 1, CreatedAt: day, SolvedAt: day.Add(time.Hour), FirstReplyMinutes: &ten,
			AgentReplies: 1, Rating: "good", Segments: []string{"enterprise"}, SegmentsFrom: store.SegmentsFromEnrichment},
	}, "", "")
	if err == nil {
		_, err = metricsync.Aggregate(context.Background(), db, time.Now())
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, "metrics", "export", "--from", "2026-10-05", "--to", "2026-10-06")
	if code != exitOK {
		t.Fatalf("csv: exit %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "segment,period,tickets,csat,csat_responses,first_reply_minutes_p50,first_reply_minutes_p90,"+
		"full_resolution_minutes_p50,full_resolution_minutes_p90,fcr_rate,reopen_rate,backlog,retention,avg_ltv" {
		t.Errorf("header = %s", lines[0])
	}
	want := []string{
		"all,2026-10-05,1,1,1,10,10,,,1,0,0,,",
		"enterprise,2026-10-05,1,1,1,10,10,,,1,0,0,,",
		"all,2026-10-06,0,,0,,,,,,,0,,",
	}
	for _, w := range want {
		if !strings.Contains(out, w+"\n") {
			t.Errorf("csv lacks %q:\n%s", w, out)
		}
	}

	code, out, errOut = runCLI(t, "metrics", "export", "--from", "2026-10-01", "--to", "2026-10-31", "--granularity", "week", "--format", "json")
	if code != exitOK {
		t.Fatalf("json: exit %d %s", code, errOut)
	}
	var doc struct {
		Granularity string           `json:"granularity"`
		Rows        []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Granularity != "week" || len(doc.Rows) == 0 || doc.Rows[0]["period"] != "2026-09-28" {
		t.Errorf("json = %s", out)
	}
	if v, ok := doc.Rows[0]["csat"]; !ok || v != nil {
		t.Errorf("a week with no tickets has csat %v, want null", v)
	}

	if code, _, errOut := runCLI(t, "metrics", "export", "--from", "2026-10-06", "--to", "2026-10-05"); code != exitUsage ||
		!strings.Contains(errOut, "after") {
		t.Errorf("reversed range: exit %d %s", code, errOut)
	}
}

// TestSyncMetricsThenExport: `cohort sync metrics` back-fills the sandbox's
// ticket history, and `cohort metrics export` shows it per segment.
func TestSyncMetricsThenExport(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: syncZDToken}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	morning := now.Truncate(24*time.Hour).AddDate(0, 0, -3).Add(8 * time.Hour) // all six on one day, whatever the time now
	for i := range 6 {
		created := morning.Add(time.Duration(i) * time.Hour)
		it := sandbox.ImportedTicket{Subject: "help", Description: "help", RequesterEmail: "ann@acme.example", RequesterName: "Ann",
			CreatedAt: created, Status: "solved", FirstReplyAt: created.Add(10 * time.Minute), Replies: 1,
			SolvedAt: created.Add(time.Hour), Rating: "good"}
		if _, err := sb.ImportTicket(it); err != nil {
			t.Fatal(err)
		}
	}
	csvPath := filepath.Join(dir, "c.csv")
	if err := os.WriteFile(csvPath, []byte("email,plan\nann@acme.example,enterprise\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"COHORT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "c.db"), "COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml",
		"COHORT_LOG_LEVEL": "warn", "COHORT_ZENDESK_URL": sb.URL(), "COHORT_ZENDESK_EMAIL": "agent@example.com",
		"COHORT_ZENDESK_API_TOKEN": syncZDToken,
	} {
		t.Setenv(k, v)
	}
	if code, out, errOut := runCLI(t, "import", "customers", csvPath); code != exitOK {
		t.Fatalf("import: %d %s %s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "sync", "metrics", "--backfill-days", "7")
	if code != exitOK || !strings.Contains(out, "zendesk: 6 tickets (back-filled since") || !strings.Contains(out, "from membership 6") {
		t.Fatalf("sync metrics: exit %d\n%s%s", code, out, errOut)
	}
	day := now.AddDate(0, 0, -3).Format(time.DateOnly)
	if want := "segment days: " + day + " to " + now.Format(time.DateOnly) + " recomputed from 6 tickets"; !strings.Contains(out, want) {
		t.Errorf("sync metrics output lacks %q:\n%s", want, out)
	}
	code, out, errOut = runCLI(t, "metrics", "export", "--from", day, "--to", day)
	if code != exitOK || !strings.Contains(out, "enterprise,"+day+",6,1,6,10,10,60,60,1,0,") {
		t.Errorf("export: exit %d\n%s%s", code, out, errOut)
	}

	// A second run reads nothing new and recomputes only today; with
	// --recompute, every day again.
	code, out, errOut = runCLI(t, "sync", "metrics")
	if code != exitOK || !strings.Contains(out, "zendesk: 0 tickets (incremental)") ||
		!strings.Contains(out, "segment days: "+now.Format(time.DateOnly)+" to "+now.Format(time.DateOnly)) {
		t.Errorf("second sync metrics: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "sync", "metrics", "--recompute")
	if code != exitOK || !strings.Contains(out, "segment days: "+day+" to ") {
		t.Errorf("sync metrics --recompute: exit %d\n%s%s", code, out, errOut)
	}
}

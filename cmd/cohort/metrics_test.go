package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/store"
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

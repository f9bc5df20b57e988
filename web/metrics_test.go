package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/web"
)

func TestSegmentMetricsAPI(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	srv := httptest.NewServer(web.New(web.Config{Ping: db.Ping, AdminToken: "admin-token", Metrics: metricsync.Reader{DB: db}}))
	defer srv.Close()
	get := func(query, token string) int {
		status, _ := getJSON(t, srv.URL+"/api/v1/metrics/segments?"+query, token)
		return status
	}
	for _, tt := range []struct {
		query, token string
		status       int
	}{
		{"from=2026-10-01&to=2026-10-31&granularity=week", "admin-token", http.StatusOK},
		{"from=2026-10-01&to=2026-10-31", "admin-token", http.StatusOK},
		{"from=2026-10-01&to=2026-10-31&granularity=hour", "admin-token", http.StatusBadRequest},
		{"from=2026-10-01&to=2026-10-31&minutes=business", "admin-token", http.StatusOK},
		{"from=2026-10-01&to=2026-10-31&minutes=wall", "admin-token", http.StatusBadRequest},
		{"from=2026-10-31&to=2026-10-01", "admin-token", http.StatusBadRequest},
		{"from=yesterday&to=2026-10-01", "admin-token", http.StatusBadRequest},
		{"from=2026-10-01&to=2026-10-31", "", http.StatusUnauthorized},
	} {
		if got := get(tt.query, tt.token); got != tt.status {
			t.Errorf("%s: status %d, want %d", tt.query, got, tt.status)
		}
	}
}

func TestPrometheusMetrics(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1).Add(9 * time.Hour)
	ten := 10.0
	if err := db.UpsertTicketFacts(context.Background(), []store.TicketFact{{Helpdesk: "zendesk", TicketID: 1,
		CreatedAt: yesterday, SolvedAt: yesterday.Add(time.Hour), FirstReplyMinutes: &ten, AgentReplies: 1, Rating: "good",
		Segments: []string{"enterprise"}}}, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := metricsync.Aggregate(context.Background(), db, time.Now()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.New(web.Config{Ping: db.Ping, AdminToken: "admin-token", Metrics: metricsync.Reader{DB: db},
		Receivers: map[string]web.Receiver{"zendesk": &zendesk.Receiver{Secret: secret}}, Intake: newIntake(t, db)}))
	defer ts.Close()
	post(t, ts.URL+"/webhooks/zendesk", []byte(`{}`), nil) // unsigned: 401, counted
	for i := range 50 {                                    // made-up helpdesks: counted together, not a series each
		post(t, ts.URL+fmt.Sprintf("/webhooks/made-up-%d", i), []byte(`{}`), nil)
	}
	resp := getAs(t, ts.URL+"/metrics", "admin-token")
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`cohort_segment_tickets{segment="all"} 1`,
		`cohort_segment_csat_ratio{segment="enterprise"} 1`,
		`cohort_segment_first_reply_minutes_p50{segment="enterprise"} 10`,
		`cohort_webhooks_total{helpdesk="zendesk",status="401"} 1`,
		`cohort_webhooks_total{helpdesk="unknown",status="404"} 50`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(body), "made-up") {
		t.Error("/metrics has a series for a made-up helpdesk")
	}
	if strings.Contains(string(body), `cohort_segment_full_resolution_minutes_p50{segment="enterprise"}`) {
		t.Error("a measure with no data is exported as a value")
	}
	if status, _ := getJSON(t, ts.URL+"/metrics", ""); status != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: status %d, want 401", status)
	}
}

func TestChartsPageNeedsNoNetwork(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	day := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	var facts []store.TicketFact
	for i := range 30 {
		ten := float64(10 + i)
		facts = append(facts, store.TicketFact{Helpdesk: "zendesk", TicketID: int64(i + 1), CreatedAt: day.AddDate(0, 0, i%10),
			FirstReplyMinutes: &ten, Rating: "good", Segments: []string{[]string{"enterprise", "basic"}[i%2]}})
	}
	if err := db.UpsertTicketFacts(context.Background(), facts, "", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := metricsync.Aggregate(context.Background(), db, time.Now()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(web.New(web.Config{Ping: db.Ping, AdminToken: "admin-token", Metrics: metricsync.Reader{DB: db}}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/charts?token=admin-token&from=2026-10-05&to=2026-10-14&granularity=day")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	page := string(body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, page)
	}
	if n := strings.Count(page, "<svg"); n != 11 {
		t.Errorf("%d charts, want one per measure (11)", n)
	}
	for _, want := range []string{"<title>enterprise</title>", "<title>basic</title>", "<title>all</title>", "First reply, median minutes"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, external := range []string{"<script", "src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(page, external) {
			t.Errorf("page loads something from the network: %q", external)
		}
	}
}

package check

import (
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// TestAlertRules loads manifests/monitoring/alerts.yaml as Prometheus
// does (unknown fields refused, every expression and template parsed) and
// checks each alert says how bad it is and what to do.
func TestAlertRules(t *testing.T) {
	groups, errs := rulefmt.ParseFile("../monitoring/alerts.yaml", false, model.UTF8Validation,
		parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if groups == nil {
		t.Fatal("no rule groups")
	}
	alerts := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts++
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks a severity, a summary or a description", r.Alert)
			}
		}
	}
	if alerts < 10 {
		t.Errorf("%d alerts, want the dozen docs/operations.md describes", alerts)
	}
}

// TestDashboardQueries parses every query of the Grafana dashboard with
// Prometheus' parser, Grafana's variables replaced as Grafana would.
func TestDashboardQueries(t *testing.T) {
	data, err := os.ReadFile("../monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	p := parser.NewParser(parser.Options{})
	grafana := strings.NewReplacer("$__rate_interval", "1m", "$job", ".*")
	queries := 0
	for _, panel := range dash.Panels {
		for _, target := range panel.Targets {
			queries++
			if _, err := p.ParseExpr(grafana.Replace(target.Expr)); err != nil {
				t.Errorf("panel %q: %s: %v", panel.Title, target.Expr, err)
			}
		}
	}
	if queries < 20 {
		t.Errorf("%d queries in the dashboard, want every panel's", queries)
	}
}

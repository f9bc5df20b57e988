package web

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/gin-gonic/gin"
)

var chartsTemplate = template.Must(template.New("charts.html").ParseFS(templates, "templates/charts.html"))

// chart is one measure over time, drawn as inline SVG: one line per segment.
type chart struct {
	Title      string
	Lines      []chartLine
	Ticks      []chartTick // x labels
	YMin, YMax string
}

type chartLine struct {
	Segment string
	Color   string
	Paths   []string // SVG polyline points, split where there is no data
	Dash    string
}

type chartTick struct {
	X     float64
	Label string
}

// Chart geometry, in SVG units.
const (
	chartW, chartH     = 640.0, 220.0
	chartLeft, chartR  = 48.0, 36.0
	chartTop, chartBot = 12.0, 28.0
)

var chartColors = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"}

// chartMeasures are the measures drawn, in order.
var chartMeasures = []struct {
	title string
	value func(r *cohort.SegmentMeasures) *float64
}{
	{"Tickets", func(r *cohort.SegmentMeasures) *float64 { v := float64(r.Tickets); return &v }},
	{"CSAT (good / rated)", func(r *cohort.SegmentMeasures) *float64 { return r.CSAT }},
	{"First reply, median minutes", func(r *cohort.SegmentMeasures) *float64 { return r.FirstReplyMinutesP50 }},
	{"First reply, p90 minutes", func(r *cohort.SegmentMeasures) *float64 { return r.FirstReplyMinutesP90 }},
	{"Full resolution, median minutes", func(r *cohort.SegmentMeasures) *float64 { return r.FullResolutionMinutesP50 }},
	{"Full resolution, p90 minutes", func(r *cohort.SegmentMeasures) *float64 { return r.FullResolutionMinutesP90 }},
	{"First-contact resolution rate", func(r *cohort.SegmentMeasures) *float64 { return r.FCRRate }},
	{"Reopen rate", func(r *cohort.SegmentMeasures) *float64 { return r.ReopenRate }},
	{"Backlog at period end", func(r *cohort.SegmentMeasures) *float64 {
		if r.Backlog == nil {
			return nil
		}
		v := float64(*r.Backlog)
		return &v
	}},
	{"Retention", func(r *cohort.SegmentMeasures) *float64 { return r.Retention }},
	{"Average lifetime value", func(r *cohort.SegmentMeasures) *float64 { return r.AvgLTV }},
}

// chartsPage serves GET /charts?from=&to=&granularity=: each measure over
// time, one line per segment and one (dashed) for all customers, as inline
// SVG: the page loads nothing from the network.
func (s *Server) chartsPage(c *gin.Context) {
	to := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	from := to.AddDate(0, 0, -89)
	g, minutes, err := metricsQuery(c, cohort.ByWeek)
	if err == nil && (c.Query("from") != "" || c.Query("to") != "") {
		from, to, err = cohort.ParseDayRange(c.Query("from"), c.Query("to"), MaxMetricsDays)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.cfg.Metrics.Measures(c.Request.Context(), from, to, g, minutes)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	err = chartsTemplate.Execute(c.Writer, map[string]any{
		"From": from.Format(time.DateOnly), "To": to.Format(time.DateOnly), "Granularity": g, "Minutes": minutes,
		"Token": c.Query("token"), "Charts": buildCharts(rows), "Rows": len(rows),
	})
	if err != nil {
		s.cfg.Logger.Error("render charts page", "err", err)
	}
}

// buildCharts lays out one chart per measure from rows.
func buildCharts(rows []cohort.SegmentMeasures) []chart {
	var periods, segments []string
	for _, r := range rows {
		if !slices.Contains(periods, r.Period) {
			periods = append(periods, r.Period)
		}
		if !slices.Contains(segments, r.Segment) {
			segments = append(segments, r.Segment)
		}
	}
	slices.Sort(periods)
	x := func(i int) float64 {
		if len(periods) < 2 {
			return chartLeft
		}
		return chartLeft + float64(i)*(chartW-chartLeft-chartR)/float64(len(periods)-1)
	}
	var ticks []chartTick
	step := max(1, len(periods)/6)
	for i := 0; i < len(periods); i += step {
		ticks = append(ticks, chartTick{X: x(i), Label: periods[i]})
	}
	charts := make([]chart, 0, len(chartMeasures))
	for _, m := range chartMeasures {
		values := map[string][]*float64{}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, seg := range segments {
			values[seg] = make([]*float64, len(periods))
		}
		for i := range rows {
			r := &rows[i]
			v := m.value(r)
			values[r.Segment][slices.Index(periods, r.Period)] = v
			if v != nil {
				lo, hi = math.Min(lo, *v), math.Max(hi, *v)
			}
		}
		ch := chart{Title: m.title, Ticks: ticks}
		if math.IsInf(lo, 1) {
			charts = append(charts, ch)
			continue
		}
		lo = math.Min(lo, 0)
		if hi == lo {
			hi = lo + 1
		}
		ch.YMin, ch.YMax = formatValue(lo), formatValue(hi)
		y := func(v float64) float64 { return chartTop + (hi-v)/(hi-lo)*(chartH-chartTop-chartBot) }
		for si, seg := range segments {
			line := chartLine{Segment: seg, Color: chartColors[si%len(chartColors)]}
			if seg == cohort.AllCustomers {
				line.Color, line.Dash = "#222", "6 4"
			}
			var path []string
			for i, v := range values[seg] {
				if v == nil {
					if len(path) > 0 {
						line.Paths = append(line.Paths, strings.Join(path, " "))
						path = nil
					}
					continue
				}
				path = append(path, fmt.Sprintf("%.1f,%.1f", x(i), y(*v)))
			}
			if len(path) > 0 {
				line.Paths = append(line.Paths, strings.Join(path, " "))
			}
			ch.Lines = append(ch.Lines, line)
		}
		charts = append(charts, ch)
	}
	return charts
}

func formatValue(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

package web

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// registry returns the Prometheus registry of GET /metrics, holding the
// webhook counter and (with Metrics set) the latest complete day's
// measures per segment: the process's (Config.Registry), or one of the
// server's own with the Go runtime and process collectors.
func (s *Server) registry() *prometheus.Registry {
	reg := s.cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	reg.MustRegister(s.webhooks)
	if s.cfg.Metrics != nil {
		reg.MustRegister(newSegmentCollector(s.cfg.Metrics, s.cfg.Logger.Error))
	}
	return reg
}

// countWebhooks counts each webhook delivery by helpdesk and the status it
// was answered with. A path that names no configured helpdesk counts as
// "unknown": anyone can post to any path, and a label per made-up name
// would grow /metrics without bound.
func (s *Server) countWebhooks(c *gin.Context) {
	c.Next()
	helpdesk := c.Param("helpdesk")
	if _, ok := s.cfg.Receivers[helpdesk]; !ok {
		helpdesk = "unknown"
	}
	s.webhooks.WithLabelValues(helpdesk, strconv.Itoa(c.Writer.Status())).Inc()
}

func newWebhookCounter() *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cohort_webhooks_total",
		Help: "Webhook deliveries received, by helpdesk and the HTTP status they were answered with.",
	}, []string{"helpdesk", "status"})
}

// segmentGauge is one measure exported as a gauge per segment.
type segmentGauge struct {
	desc  *prometheus.Desc
	value func(r *cohort.SegmentMeasures) (float64, bool)
}

// segmentCollector exports the measures of the latest complete day (UTC
// yesterday) per segment, computed at most once per cacheFor.
type segmentCollector struct {
	reader  MetricsReader
	logErr  func(msg string, args ...any)
	gauges  []segmentGauge
	mu      sync.Mutex
	rows    []cohort.SegmentMeasures
	fetched time.Time
}

const segmentCacheFor = 5 * time.Minute

func newSegmentCollector(reader MetricsReader, logErr func(string, ...any)) *segmentCollector {
	f := func(p *float64) (float64, bool) {
		if p == nil {
			return 0, false
		}
		return *p, true
	}
	gauge := func(name, help string, value func(r *cohort.SegmentMeasures) (float64, bool)) segmentGauge {
		return segmentGauge{prometheus.NewDesc("cohort_segment_"+name, help+" (the latest complete day, UTC).",
			[]string{"segment"}, nil), value}
	}
	return &segmentCollector{reader: reader, logErr: logErr, gauges: []segmentGauge{
		gauge("tickets", "Tickets created", func(r *cohort.SegmentMeasures) (float64, bool) { return float64(r.Tickets), true }),
		gauge("csat_ratio", "Good ratings over rated tickets", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.CSAT) }),
		gauge("csat_responses", "Rated tickets", func(r *cohort.SegmentMeasures) (float64, bool) { return float64(r.CSATResponses), true }),
		gauge("first_reply_minutes_p50", "Median first reply time, calendar minutes", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.FirstReplyMinutesP50) }),
		gauge("first_reply_minutes_p90", "90th percentile first reply time, calendar minutes", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.FirstReplyMinutesP90) }),
		gauge("full_resolution_minutes_p50", "Median full resolution time, calendar minutes", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.FullResolutionMinutesP50) }),
		gauge("full_resolution_minutes_p90", "90th percentile full resolution time, calendar minutes", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.FullResolutionMinutesP90) }),
		gauge("fcr_ratio", "First-contact resolutions over solved tickets", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.FCRRate) }),
		gauge("reopen_ratio", "Reopened over solved tickets", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.ReopenRate) }),
		gauge("backlog", "Tickets open at the day's end", func(r *cohort.SegmentMeasures) (float64, bool) {
			if r.Backlog == nil {
				return 0, false
			}
			return float64(*r.Backlog), true
		}),
		gauge("retention_ratio", "Customers active at the day's start still active at its end", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.Retention) }),
		gauge("avg_ltv", "Average lifetime value of the segment's active customers", func(r *cohort.SegmentMeasures) (float64, bool) { return f(r.AvgLTV) }),
	}}
}

// Describe sends every gauge's description.
func (c *segmentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, g := range c.gauges {
		ch <- g.desc
	}
}

// Collect sends the latest complete day's measures; a measure with no
// data is left out rather than reported as 0.
func (c *segmentCollector) Collect(ch chan<- prometheus.Metric) {
	rows := c.latest()
	for i := range rows {
		r := &rows[i]
		for _, g := range c.gauges {
			if v, ok := g.value(r); ok {
				ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, v, r.Segment)
			}
		}
	}
}

// latest returns the cached rows, refreshed when stale; callers only read
// them.
func (c *segmentCollector) latest() []cohort.SegmentMeasures {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.fetched) > segmentCacheFor {
		yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		rows, err := c.reader.Measures(ctx, yesterday, yesterday, cohort.ByDay, cohort.CalendarMinutes)
		cancel()
		if err != nil {
			c.logErr("metrics: segment measures", "err", err)
		} else {
			c.rows, c.fetched = rows, time.Now()
		}
	}
	return c.rows
}

// metricsHandler serves the registry in Prometheus' text format.
func (s *Server) metricsHandler() gin.HandlerFunc {
	h := promhttp.HandlerFor(s.registry(), promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

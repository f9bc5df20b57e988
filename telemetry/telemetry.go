// Package telemetry is what an operator watches and pages on: cohort's
// Prometheus metrics, one registry per process. The parts report through
// small hooks they declare themselves (the queue's outcomes, the helpdesk
// client's requests and batches, the syncer's runs, the rules' reloads),
// which Metrics fills; the queue's depth and each sync's last success are
// read from the database at each scrape, so every replica reports the same
// shared state. Handler serves them, with /healthz and /readyz, on a
// listener of their own (COHORT_METRICS_ADDR). It imports the store only
// for the type of the figures it reads, and no other part of cohort.
package telemetry

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cohortdesk/cohort/store"
)

// Metrics is one process's metrics.
type Metrics struct {
	// Registry holds every metric of the process; others (the web
	// server's) register theirs in it too.
	Registry *prometheus.Registry

	enrichments *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	requests    *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	requestTime *prometheus.HistogramVec
	rateLimits  *rateLimitCollector
	batchSize   *prometheus.HistogramVec
	syncRuns    *prometheus.HistogramVec
	reloads     *prometheus.CounterVec
	rulesOK     prometheus.Gauge
	storeUp     prometheus.Gauge

	mu          sync.Mutex
	syncSources []string // the sources whose last success is reported (WatchSyncs)
}

// New returns the metrics of a process, with the Go runtime's and the
// process's own.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		enrichments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cohort_enrichments_total",
			Help: "Enrichment attempts by helpdesk and outcome: done (the ticket was updated), retry (failed, will be retried) or dead (failed for good; see cohort jobs list --dead).",
		}, []string{"helpdesk", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cohort_enrichment_latency_seconds",
			Help:    "From the webhook's arrival to the ticket's update in the helpdesk, for enriched tickets.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800},
		}, []string{"helpdesk"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cohort_helpdesk_requests_total",
			Help: "Requests sent to the helpdesk's API (each retry counts), by endpoint class and HTTP status (\"error\" when no answer came).",
		}, []string{"helpdesk", "endpoint", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cohort_helpdesk_rate_limited_total",
			Help: "Requests the helpdesk refused with 429 Too Many Requests, by endpoint class.",
		}, []string{"helpdesk", "endpoint"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cohort_helpdesk_request_duration_seconds",
			Help:    "How long the helpdesk's API took to answer, by endpoint class (time waiting for the rate budget excluded).",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"helpdesk", "endpoint"}),
		rateLimits: &rateLimitCollector{seen: map[string]rateLimitSeen{}, now: time.Now},
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cohort_helpdesk_update_batch_size",
			Help:    "Tickets per ticket-update request (1: a ticket updated alone; more: one batch update).",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100},
		}, []string{"helpdesk"}),
		syncRuns: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cohort_sync_run_duration_seconds",
			Help:    "Syncer task runs in this process by task (crm, metrics, segments, macros), source and outcome (succeeded, failed, skipped: another process was running it), with their duration.",
			Buckets: []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"task", "source", "outcome"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cohort_rules_reloads_total",
			Help: "Reloads of the segments file and macros folder after a change or SIGHUP, by outcome (ok, failed: the last good rules stay in use).",
		}, []string{"outcome"}),
		rulesOK: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cohort_rules_files_ok",
			Help: "1 when the segments file and macros folder on disk are the rules in use; 0 when they failed to load and the last good rules stay in use.",
		}),
		storeUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cohort_store_up",
			Help: "1 when this scrape read the queue and sync figures from the database; 0 when that failed (they are then left out).",
		}),
	}
	m.rulesOK.Set(1) // a process starts only with rules that load
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.enrichments, m.latency, m.requests, m.rateLimited, m.requestTime, m.rateLimits,
		m.batchSize, m.syncRuns, m.reloads, m.rulesOK)
	return m
}

// EnrichmentAttempt records one attempt to enrich a ticket of helpdesk:
// its outcome (done, retry or dead) and, when done, how long after the
// webhook arrived the ticket was updated.
func (m *Metrics) EnrichmentAttempt(helpdesk, outcome string, sinceWebhook time.Duration) {
	m.enrichments.WithLabelValues(helpdesk, outcome).Inc()
	if outcome == "done" {
		m.latency.WithLabelValues(helpdesk).Observe(sinceWebhook.Seconds())
	}
}

// SyncRun records one run of a syncer task.
func (m *Metrics) SyncRun(task, source, outcome string, took time.Duration) {
	m.syncRuns.WithLabelValues(task, source, outcome).Observe(took.Seconds())
}

// RulesReloaded records a reload of the rules files: err is nil when they
// loaded and are now in use.
func (m *Metrics) RulesReloaded(err error) {
	if err != nil {
		m.reloads.WithLabelValues("failed").Inc()
		m.rulesOK.Set(0)
		return
	}
	m.reloads.WithLabelValues("ok").Inc()
	m.rulesOK.Set(1)
}

// Helpdesk returns the hooks a helpdesk client reports its requests
// through, labelled with the helpdesk's name.
func (m *Metrics) Helpdesk(name string) HelpdeskHooks { return HelpdeskHooks{m: m, helpdesk: name} }

// HelpdeskHooks are one helpdesk client's reports.
type HelpdeskHooks struct {
	m        *Metrics
	helpdesk string
}

// Request records one request to endpoint (a class such as
// "ticket_update", not a path), answered with status (0: no answer) after
// took.
func (h HelpdeskHooks) Request(endpoint string, status int, took time.Duration) {
	code := "error"
	if status > 0 {
		code = strconv.Itoa(status)
	}
	h.m.requests.WithLabelValues(h.helpdesk, endpoint, code).Inc()
	if status == http.StatusTooManyRequests {
		h.m.rateLimited.WithLabelValues(h.helpdesk, endpoint).Inc()
	}
	if status > 0 {
		h.m.requestTime.WithLabelValues(h.helpdesk, endpoint).Observe(took.Seconds())
	}
}

// RateLimit records the helpdesk's word on its rate limit: requests left
// in the window, of limit.
func (h HelpdeskHooks) RateLimit(remaining, limit int) {
	h.m.rateLimits.set(h.helpdesk, remaining, limit)
}

// Batch records one ticket-update request carrying tickets tickets.
func (h HelpdeskHooks) Batch(tickets int) {
	h.m.batchSize.WithLabelValues(h.helpdesk).Observe(float64(tickets))
}

// Store is what the database-backed gauges read at each scrape.
type Store interface {
	OpsStats(ctx context.Context) (store.OpsStats, error)
}

// WatchStore adds the gauges read from db at each scrape: the job
// queue's depth by kind and state, the age of the oldest available job,
// and each sync's last success. A read that fails is logged and leaves
// those gauges out of that scrape.
func (m *Metrics) WatchStore(db Store, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m.Registry.MustRegister(m.storeUp, &storeCollector{m: m, db: db, logger: logger})
}

// WatchSyncs has the process report the last successful sync of sources:
// a syncer's configured ones. A process that runs no syncer reports none,
// and a source taken out of the configuration is no longer reported once
// its syncers restart.
func (m *Metrics) WatchSyncs(sources []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.syncSources = append(m.syncSources, sources...)
}

// watchedSyncs returns the sources WatchSyncs named.
func (m *Metrics) watchedSyncs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.syncSources
}

// Handler serves GET /metrics, and /healthz and /readyz (ready reports
// why the process is not ready, or nil), for a listener of the metrics'
// own.
func (m *Metrics) Handler(ready func(ctx context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeStatus(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := ready(ctx); err != nil {
			writeStatus(w, http.StatusServiceUnavailable, err.Error())
			return
		}
		writeStatus(w, http.StatusOK, "ready")
	})
	return mux
}

// writeStatus answers {"status": msg}, as the main listener's probes do.
func writeStatus(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": msg})
}

package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// storeCollector reads the database's figures at each scrape.
type storeCollector struct {
	m      *Metrics
	db     Store
	logger *slog.Logger
}

var (
	queueJobsDesc = prometheus.NewDesc("cohort_queue_jobs",
		"Jobs in the queue not yet completed, by kind (enrich_ticket: a ticket to enrich; sync_task: a syncer task) and state (available, running, retryable, scheduled, pending, dead: cancelled or discarded; dead enrich_ticket jobs are listed by cohort jobs list --dead).",
		[]string{"kind", "state"}, nil)
	oldestJobDesc = prometheus.NewDesc("cohort_queue_oldest_available_job_age_seconds",
		"How long the longest-waiting available job has been waiting for a worker, by kind; 0 when none waits.",
		[]string{"kind"}, nil)
	lastSyncDesc = prometheus.NewDesc("cohort_sync_last_success_timestamp_seconds",
		"When each source's newest successful sync run finished (Unix time): CRM sources by name, the helpdesk's ticket history as metrics:<helpdesk>. Reported by the processes that run a syncer, for the sources it is configured with.",
		[]string{"source"}, nil)
)

// queueStates are the states every kind reports, at 0 when empty, so
// that an alert on one sees 0 rather than nothing.
var queueStates = []string{"available", "running", "retryable", "scheduled", "pending", "dead"}

// queueKinds are the job kinds always reported.
var queueKinds = []string{"enrich_ticket", "sync_task"}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueJobsDesc
	ch <- oldestJobDesc
	ch <- lastSyncDesc
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.db.OpsStats(ctx)
	if err != nil {
		c.m.storeUp.Set(0)
		c.logger.Error("metrics: reading the queue and sync state from the database failed", "err", err)
		return
	}
	c.m.storeUp.Set(1)
	now := time.Now()
	counts := map[string]map[string]int{}
	for _, k := range queueKinds {
		counts[k] = map[string]int{}
	}
	for _, j := range st.Jobs {
		if counts[j.Kind] == nil {
			counts[j.Kind] = map[string]int{}
		}
		state := j.State
		if state == "cancelled" || state == "discarded" {
			state = "dead"
		}
		counts[j.Kind][state] += j.Count
	}
	for kind, byState := range counts {
		for _, state := range queueStates {
			ch <- prometheus.MustNewConstMetric(queueJobsDesc, prometheus.GaugeValue, float64(byState[state]), kind, state)
		}
		age := 0.0
		if at, ok := st.OldestAvailable[kind]; ok {
			age = max(now.Sub(at).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(oldestJobDesc, prometheus.GaugeValue, age, kind)
	}
	for _, source := range c.m.watchedSyncs() {
		if at, ok := st.LastSync[source]; ok {
			ch <- prometheus.MustNewConstMetric(lastSyncDesc, prometheus.GaugeValue, float64(at.UnixNano())/1e9, source)
		}
	}
}

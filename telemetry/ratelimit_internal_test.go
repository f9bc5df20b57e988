package telemetry

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestRateLimitGoesStale: the helpdesk's word on its rate limit is
// reported for two minutes, then left out, so that a process that stopped
// calling the helpdesk does not report a figure from an old window.
func TestRateLimitGoesStale(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	c := &rateLimitCollector{seen: map[string]rateLimitSeen{}, now: func() time.Time { return now }}
	c.set("zendesk", 5, 700)
	if n := count(c); n != 2 {
		t.Fatalf("fresh: %d series, want remaining and limit", n)
	}
	now = now.Add(rateLimitFresh + time.Second)
	if n := count(c); n != 0 {
		t.Errorf("after %v: %d series, want none", rateLimitFresh, n)
	}
}

// count returns how many series c reports.
func count(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric)
	go func() { c.Collect(ch); close(ch) }()
	n := 0
	for range ch {
		n++
	}
	return n
}

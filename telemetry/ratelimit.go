package telemetry

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// rateLimitFresh is how long the helpdesk's word on its rate limit is
// reported: a little more than its one-minute window. A process that has
// not called the helpdesk since reports nothing rather than a stale figure.
const rateLimitFresh = 2 * time.Minute

var (
	rateRemainingDesc = prometheus.NewDesc("cohort_helpdesk_rate_limit_remaining",
		"Requests the helpdesk account has left in its current rate-limit window, as its last answer in the past 2 minutes said.",
		[]string{"helpdesk"}, nil)
	rateLimitDesc = prometheus.NewDesc("cohort_helpdesk_rate_limit",
		"The helpdesk account's requests per rate-limit window, as its last answer in the past 2 minutes said.",
		[]string{"helpdesk"}, nil)
)

// rateLimitCollector reports each helpdesk's last rate-limit headers
// while they are fresh.
type rateLimitCollector struct {
	now  func() time.Time
	mu   sync.Mutex
	seen map[string]rateLimitSeen
}

type rateLimitSeen struct {
	remaining, limit int
	at               time.Time
}

func (c *rateLimitCollector) set(helpdesk string, remaining, limit int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[helpdesk] = rateLimitSeen{remaining: remaining, limit: limit, at: c.now()}
}

func (c *rateLimitCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- rateRemainingDesc
	ch <- rateLimitDesc
}

func (c *rateLimitCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for helpdesk, s := range c.seen {
		if c.now().Sub(s.at) > rateLimitFresh {
			continue
		}
		ch <- prometheus.MustNewConstMetric(rateRemainingDesc, prometheus.GaugeValue, float64(s.remaining), helpdesk)
		ch <- prometheus.MustNewConstMetric(rateLimitDesc, prometheus.GaugeValue, float64(s.limit), helpdesk)
	}
}

package sync

import (
	"context"
	"time"

	"github.com/cohortdesk/cohort/sync/metrics"
)

// MetricsReader computes measures from a store, for the HTTP API.
type MetricsReader struct{ DB MetricsStore }

// Measures is the package function Measures on r's store.
func (r MetricsReader) Measures(ctx context.Context, from, to time.Time, g metrics.Granularity, minutes metrics.Minutes) ([]metrics.Row, error) {
	return Measures(ctx, r.DB, from, to, g, minutes)
}

package metricsync

import (
	"context"
	"time"

	"github.com/cohortdesk/cohort"
)

// Reader reads measures from a store, for the HTTP API.
type Reader struct{ DB Store }

// Measures is the package function Measures on r's store.
func (r Reader) Measures(ctx context.Context, from, to time.Time, g cohort.Granularity, minutes cohort.MinuteKind) ([]cohort.SegmentMeasures, error) {
	return Measures(ctx, r.DB, from, to, g, minutes)
}

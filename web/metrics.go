package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort"
)

// MetricsReader computes the per-segment support measures.
type MetricsReader interface {
	Measures(ctx context.Context, from, to time.Time, g cohort.Granularity, minutes cohort.MinuteKind) ([]cohort.SegmentMeasures, error)
}

// MaxMetricsDays bounds the range of one metrics request.
const MaxMetricsDays = 3 * 366

// segmentMetrics is GET /api/v1/metrics/segments?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|week|month
// (default day)&minutes=calendar|business (default calendar): the measures
// of every segment and of all customers, one row per segment and period.
func (s *Server) segmentMetrics(c *gin.Context) {
	g, minutes, err := metricsQuery(c, cohort.ByDay)
	if err != nil {
		s.fail(c, err)
		return
	}
	from, to, err := cohort.ParseDayRange(c.Query("from"), c.Query("to"), MaxMetricsDays)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows, err := s.cfg.Metrics.Measures(c.Request.Context(), from, to, g, minutes)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cohort.NewMeasuresReport(g, minutes, from, to, rows))
}

// metricsQuery reads the granularity (default day) and minutes (default
// calendar) query parameters.
func metricsQuery(c *gin.Context, defaultGranularity cohort.Granularity) (cohort.Granularity, cohort.MinuteKind, error) {
	g, err := cohort.ParseGranularity(c.DefaultQuery("granularity", string(defaultGranularity)))
	if err != nil {
		return "", "", err
	}
	minutes, err := cohort.ParseMinuteKind(c.DefaultQuery("minutes", string(cohort.CalendarMinutes)))
	return g, minutes, err
}

package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort/sync/metrics"
)

// MetricsReader computes the per-segment support measures.
type MetricsReader interface {
	Measures(ctx context.Context, from, to time.Time, g metrics.Granularity, minutes metrics.Minutes) ([]metrics.Row, error)
}

// MaxMetricsDays bounds the range of one metrics request.
const MaxMetricsDays = 3 * 366

// segmentMetrics is GET /api/v1/metrics/segments?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|week|month
// (default day)&minutes=calendar|business (default calendar): the measures
// of every segment and of all customers, one row per segment and period.
func (s *Server) segmentMetrics(c *gin.Context) {
	g, minutes, err := metricsQuery(c, metrics.Day)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	from, to, err := metrics.ParseRange(c.Query("from"), c.Query("to"), MaxMetricsDays)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	rows, err := s.cfg.Metrics.Measures(c.Request.Context(), from, to, g, minutes)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	if err := metrics.WriteJSON(c.Writer, g, minutes, from, to, rows); err != nil {
		s.cfg.Logger.Error("write metrics", "err", err)
	}
}

// metricsQuery reads the granularity (default day) and minutes (default
// calendar) query parameters.
func metricsQuery(c *gin.Context, defaultGranularity metrics.Granularity) (metrics.Granularity, metrics.Minutes, error) {
	g, err := metrics.ParseGranularity(c.DefaultQuery("granularity", string(defaultGranularity)))
	if err != nil {
		return "", "", err
	}
	minutes, err := metrics.ParseMinutes(c.DefaultQuery("minutes", string(metrics.Calendar)))
	return g, minutes, err
}

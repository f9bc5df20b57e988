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
	Measures(ctx context.Context, from, to time.Time, g metrics.Granularity) ([]metrics.Row, error)
}

// MaxMetricsDays bounds the range of one metrics request.
const MaxMetricsDays = 3 * 366

// segmentMetrics is GET /api/v1/metrics/segments?from=YYYY-MM-DD&to=YYYY-MM-DD&granularity=day|week|month
// (default day): the measures of every segment and of all customers, one
// row per segment and period.
func (s *Server) segmentMetrics(c *gin.Context) {
	g, err := metrics.ParseGranularity(c.DefaultQuery("granularity", string(metrics.Day)))
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	from, to, err := metrics.ParseRange(c.Query("from"), c.Query("to"), MaxMetricsDays)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	rows, err := s.cfg.Metrics.Measures(c.Request.Context(), from, to, g)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Status(http.StatusOK)
	if err := metrics.WriteJSON(c.Writer, g, from, to, rows); err != nil {
		s.cfg.Logger.Error("write metrics", "err", err)
	}
}

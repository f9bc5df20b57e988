package sync

import (
	"context"
	"time"

	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync/metrics"
)

// MetricsStore is what computing support measures needs of the store.
type MetricsStore interface {
	EachTicketFact(ctx context.Context, from, to time.Time, fn func(store.TicketFact) error) error
	EachCustomerSpan(ctx context.Context, fn func(store.CustomerSpan) error) error
}

var _ MetricsStore = (*store.DB)(nil)

// Measures computes the support measures of every segment, and of all
// customers, for each period of g from the one holding from to the one
// holding to (see package metrics for the definitions). Every ticket
// created before to is read, since the backlog depends on all tickets
// still open; customers are read once, for retention and lifetime value.
func Measures(ctx context.Context, db MetricsStore, from, to time.Time, g metrics.Granularity) ([]metrics.Row, error) {
	var rows []metrics.Row
	agg := metrics.NewAggregator(g, from, to, func(r metrics.Row) { rows = append(rows, r) })
	end := metrics.PeriodEnd(metrics.PeriodStart(to, g), g)
	err := db.EachTicketFact(ctx, time.Unix(0, 0), end, func(f store.TicketFact) error {
		return agg.Add(ticketOf(&f))
	})
	if err != nil {
		return nil, err
	}
	agg.Close()
	ret := metrics.NewRetention(g, from, to)
	err = db.EachCustomerSpan(ctx, func(c store.CustomerSpan) error {
		ret.Add(metrics.Customer{Segments: c.Segments, Since: c.Since, Gone: c.Gone, LTV: c.LTV})
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range rows {
		ret.Fill(&rows[i])
	}
	return rows, nil
}

// ticketOf is a stored ticket fact as the aggregator takes it.
func ticketOf(f *store.TicketFact) metrics.Ticket {
	minutes := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	return metrics.Ticket{ID: f.TicketID, Segments: f.Segments, CreatedAt: f.CreatedAt, SolvedAt: f.SolvedAt,
		FirstReplyMinutes: minutes(f.FirstReplyMinutes), FullResolutionMinutes: minutes(f.FullResolutionMinutes),
		AgentReplies: f.AgentReplies, Reopens: f.Reopens, Rating: f.Rating}
}

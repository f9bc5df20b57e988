package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cohortdesk/cohort"
)

// acceptDelivery records d in the intake transaction and, if its ticket is
// new to cohort, a pending enrichment. It reports whether the enrichment was
// created: false for a re-delivery (same invocation id) or a second
// delivery for a ticket already accepted.
func (s *DB) acceptDelivery(ctx context.Context, exec txExec, d cohort.Delivery) (bool, error) {
	received := d.ReceivedAt.UTC()
	if d.ReceivedAt.IsZero() {
		received = s.now().UTC()
	}
	payload, err := json.Marshal(d.Ticket)
	if err != nil {
		return false, err
	}
	if d.InvocationID != "" {
		n, err := exec(ctx, `INSERT INTO webhook_deliveries (helpdesk, invocation_id, ticket_id, received_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, d.Helpdesk, d.InvocationID, d.Ticket.ID, received)
		if err != nil || n == 0 {
			return false, err
		}
	}
	n, err := exec(ctx, `INSERT INTO enrichments (helpdesk, ticket_id, status, subject, requester_email, payload,
		received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.Helpdesk, d.Ticket.ID, string(cohort.EnrichmentPending), d.Ticket.Subject, d.Ticket.Requester.Email, payload, received)
	return n == 1, err
}

// reopenEnrichment marks a ticket's enrichment pending again, for a job
// retried by hand.
func (s *DB) reopenEnrichment(ctx context.Context, helpdesk string, ticketID int64) error {
	_, err := s.db.ExecContext(ctx, s.q(`UPDATE enrichments SET status = ?, error = '', finished_at = NULL
		WHERE helpdesk = ? AND ticket_id = ?`), cohort.EnrichmentPending, helpdesk, ticketID)
	if err != nil {
		return fmt.Errorf("store: reopen enrichment of ticket %d: %w", ticketID, err)
	}
	return nil
}

// FinishEnrichment records the outcome of attempt e.Attempts: e.Status done
// or failed, or still pending after a failed attempt that will be retried.
func (s *DB) FinishEnrichment(ctx context.Context, e cohort.Enrichment) error {
	segments, _ := json.Marshal(nonNil(e.Segments))
	escalations, _ := json.Marshal(nonNil(e.Escalations))
	reasons, _ := json.Marshal(nonNil(e.Reasons))
	var finished sql.NullTime
	if e.Status != cohort.EnrichmentPending {
		finished = sql.NullTime{Time: s.now().UTC(), Valid: true}
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE enrichments SET status = ?, requester_email = ?,
		customer_id = ?, matched_by = ?, segments = ?, escalations = ?, priority_before = ?,
		priority_after = ?, reasons = ?, error = ?, attempts = ?, finished_at = ?
		WHERE helpdesk = ? AND ticket_id = ?`),
		e.Status, e.RequesterEmail, sql.NullInt64{Int64: e.CustomerID, Valid: e.CustomerID != 0},
		e.MatchedBy, string(segments), string(escalations), e.PriorityBefore.String(),
		e.PriorityAfter.String(), string(reasons), e.Error, e.Attempts, finished, e.Helpdesk, e.TicketID)
	if err != nil {
		return fmt.Errorf("store: finish enrichment of ticket %d: %w", e.TicketID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cohort.Errorf("store.FinishEnrichment", cohort.KindNotFound, "no enrichment for %s ticket %d", e.Helpdesk, e.TicketID)
	}
	return nil
}

const enrichmentColumns = `helpdesk, ticket_id, status, subject, requester_email, customer_id, matched_by,
	segments, escalations, priority_before, priority_after, reasons, error, attempts, received_at, finished_at`

// Enrichment returns the record of one ticket; a KindNotFound error if none.
func (s *DB) Enrichment(ctx context.Context, helpdesk string, ticketID int64) (cohort.Enrichment, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+enrichmentColumns+
		" FROM enrichments WHERE helpdesk = ? AND ticket_id = ?"), helpdesk, ticketID)
	if err != nil {
		return cohort.Enrichment{}, fmt.Errorf("store: enrichment of ticket %d: %w", ticketID, err)
	}
	list, err := scanEnrichments(rows)
	if err != nil {
		return cohort.Enrichment{}, err
	}
	if len(list) == 0 {
		return cohort.Enrichment{}, cohort.Errorf("store.Enrichment", cohort.KindNotFound, "no enrichment for %s ticket %d", helpdesk, ticketID)
	}
	return list[0], nil
}

// ListEnrichments returns up to limit records, newest first.
func (s *DB) ListEnrichments(ctx context.Context, limit int) ([]cohort.Enrichment, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+enrichmentColumns+
		" FROM enrichments ORDER BY received_at DESC, ticket_id DESC LIMIT ?"), limit)
	if err != nil {
		return nil, fmt.Errorf("store: list enrichments: %w", err)
	}
	return scanEnrichments(rows)
}

// CountEnrichments returns how many records are in each status.
func (s *DB) CountEnrichments(ctx context.Context) (map[cohort.EnrichmentStatus]int, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT status, COUNT(*) FROM enrichments GROUP BY status")
	if err != nil {
		return nil, fmt.Errorf("store: count enrichments: %w", err)
	}
	defer rows.Close()
	counts := map[cohort.EnrichmentStatus]int{}
	for rows.Next() {
		var status cohort.EnrichmentStatus
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return nil, fmt.Errorf("store: count enrichments: %w", err)
		}
		counts[status] = n
	}
	return counts, rows.Err()
}

func scanEnrichments(rows *sql.Rows) ([]cohort.Enrichment, error) {
	defer rows.Close()
	var list []cohort.Enrichment
	for rows.Next() {
		var (
			e                              cohort.Enrichment
			customerID                     sql.NullInt64
			segments, escalations, reasons []byte
			before, after                  string
			finished                       sql.NullTime
		)
		if err := rows.Scan(&e.Helpdesk, &e.TicketID, &e.Status, &e.Subject, &e.RequesterEmail, &customerID,
			&e.MatchedBy, &segments, &escalations, &before, &after, &reasons, &e.Error, &e.Attempts,
			&e.ReceivedAt, &finished); err != nil {
			return nil, fmt.Errorf("store: read enrichment: %w", err)
		}
		e.CustomerID = customerID.Int64
		e.ReceivedAt = e.ReceivedAt.UTC()
		if finished.Valid {
			e.FinishedAt = finished.Time.UTC()
		}
		err := errors.Join(json.Unmarshal(segments, &e.Segments), json.Unmarshal(escalations, &e.Escalations),
			json.Unmarshal(reasons, &e.Reasons), e.PriorityBefore.UnmarshalText([]byte(before)),
			e.PriorityAfter.UnmarshalText([]byte(after)))
		if err != nil {
			return nil, fmt.Errorf("store: read enrichment of ticket %d: %w", e.TicketID, err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort"
)

// acceptDeliveries records a batch of deliveries in the intake transaction,
// with one multi-row statement: a pending enrichment for each delivery whose
// ticket is new to cohort. It reports which were created; the others are
// re-deliveries (same invocation, hence same ticket) or second deliveries
// for a ticket already accepted, in the table or earlier in the batch.
func (s *DB) acceptDeliveries(ctx context.Context, query txQuery, ds []cohort.Delivery) ([]bool, error) {
	created := make([]bool, len(ds))
	now := s.now().UTC()
	values := make([]string, 0, len(ds))
	args := make([]any, 0, 8*len(ds))
	first := map[string]int{} // ticket key → the delivery that may create it
	// Rows go in key order, so that concurrent intake transactions on
	// PostgreSQL take the unique index's locks in the same order and never
	// deadlock.
	order := make([]int, len(ds))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(strings.Compare(ds[a].Helpdesk, ds[b].Helpdesk), cmp.Compare(ds[a].Ticket.ID, ds[b].Ticket.ID), a-b)
	})
	for _, i := range order {
		d := ds[i]
		key := d.Helpdesk + ":" + strconv.FormatInt(d.Ticket.ID, 10)
		if _, dup := first[key]; dup {
			continue
		}
		first[key] = i
		payload, err := json.Marshal(d.Ticket)
		if err != nil {
			return nil, err
		}
		received := d.ReceivedAt.UTC()
		if d.ReceivedAt.IsZero() {
			received = now
		}
		values = append(values, "(?, ?, ?, ?, ?, ?, ?, ?)")
		// Text as both engines keep it: PostgreSQL refuses a NUL, and one
		// delivery must not fail the deliveries it shares a commit with.
		args = append(args, d.Helpdesk, d.Ticket.ID, string(cohort.EnrichmentPending), cohort.CleanText(d.Ticket.Subject),
			cohort.CleanText(d.Ticket.Requester.Email), payload, cohort.CleanText(d.InvocationID), received)
	}
	keys, err := query(ctx, `INSERT INTO enrichments (helpdesk, ticket_id, status, subject, requester_email, payload,
		invocation_id, received_at) VALUES `+strings.Join(values, ", ")+
		` ON CONFLICT DO NOTHING RETURNING helpdesk || ':' || ticket_id`, args...)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		created[first[k]] = true
	}
	return created, nil
}

// delivery reads back the delivery that created a ticket's enrichment.
func (s *DB) delivery(ctx context.Context, helpdesk string, ticketID int64) (cohort.Delivery, error) {
	d := cohort.Delivery{Helpdesk: helpdesk}
	var payload []byte
	err := s.db.QueryRowContext(ctx, s.q(`SELECT payload, invocation_id, received_at FROM enrichments
		WHERE helpdesk = ? AND ticket_id = ?`), helpdesk, ticketID).Scan(&payload, &d.InvocationID, &d.ReceivedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return d, cohort.Errorf("store.delivery", cohort.KindNotFound, "no enrichment for %s ticket %d", helpdesk, ticketID)
	}
	if err != nil {
		return d, fmt.Errorf("store: delivery of ticket %d: %w", ticketID, err)
	}
	if err := json.Unmarshal(payload, &d.Ticket); err != nil {
		return d, cohort.Errorf("store.delivery", cohort.KindInvalid, "ticket %d: stored payload: %v", ticketID, err)
	}
	d.ReceivedAt = d.ReceivedAt.UTC()
	return d, nil
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
	cleanReasons := make([]string, len(e.Reasons))
	for i, r := range e.Reasons {
		cleanReasons[i] = cohort.CleanText(r) // PostgreSQL's JSONB refuses \u0000
	}
	reasons, _ := json.Marshal(cleanReasons)
	macros, _ := json.Marshal(nonNil(e.Macros))
	var finished sql.NullTime
	if e.Status != cohort.EnrichmentPending {
		finished = sql.NullTime{Time: s.now().UTC(), Valid: true}
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE enrichments SET status = ?, requester_email = ?,
		customer_id = ?, matched_by = ?, segments = ?, escalations = ?, priority_before = ?,
		priority_after = ?, reasons = ?, macros = ?, error = ?, attempts = ?, finished_at = ?
		WHERE helpdesk = ? AND ticket_id = ?`),
		e.Status, cohort.CleanText(e.RequesterEmail), sql.NullInt64{Int64: e.CustomerID, Valid: e.CustomerID != 0},
		e.MatchedBy, string(segments), string(escalations), e.PriorityBefore.String(),
		e.PriorityAfter.String(), string(reasons), string(macros), cohort.CleanText(e.Error), e.Attempts, finished, e.Helpdesk, e.TicketID)
	if err != nil {
		return fmt.Errorf("store: finish enrichment of ticket %d: %w", e.TicketID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return cohort.Errorf("store.FinishEnrichment", cohort.KindNotFound, "no enrichment for %s ticket %d", e.Helpdesk, e.TicketID)
	}
	return nil
}

const enrichmentColumns = `helpdesk, ticket_id, status, subject, requester_email, customer_id, matched_by,
	segments, escalations, priority_before, priority_after, reasons, macros, error, attempts, received_at, finished_at`

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
			macros                         []byte
			before, after                  string
			finished                       sql.NullTime
		)
		if err := rows.Scan(&e.Helpdesk, &e.TicketID, &e.Status, &e.Subject, &e.RequesterEmail, &customerID,
			&e.MatchedBy, &segments, &escalations, &before, &after, &reasons, &macros, &e.Error, &e.Attempts,
			&e.ReceivedAt, &finished); err != nil {
			return nil, fmt.Errorf("store: read enrichment: %w", err)
		}
		e.CustomerID = customerID.Int64
		e.ReceivedAt = e.ReceivedAt.UTC()
		if finished.Valid {
			e.FinishedAt = finished.Time.UTC()
		}
		err := errors.Join(json.Unmarshal(segments, &e.Segments), json.Unmarshal(escalations, &e.Escalations),
			json.Unmarshal(reasons, &e.Reasons), json.Unmarshal(macros, &e.Macros), e.PriorityBefore.UnmarshalText([]byte(before)),
			e.PriorityAfter.UnmarshalText([]byte(after)))
		if err != nil {
			return nil, fmt.Errorf("store: read enrichment of ticket %d: %w", e.TicketID, err)
		}
		list = append(list, e)
	}
	return list, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"fmt"
)

// SegmentWrite is a customer whose primary segment differs from the one
// last written to the helpdesk.
type SegmentWrite struct {
	CustomerID int64
	Email      string
	ExternalID string
	Name       string
	Segment    string // the primary segment to write; "" to clear it
}

// SegmentWritesAfter returns up to limit live customers with ids above
// afterID whose computed primary segment has not been written to the
// helpdesk, in id order. Only customers the helpdesk has as users are
// listed: those with a live record of the helpdesk itself (source
// helpdeskSource), and those cohort matched by external id or email to a
// ticket's requester; a CRM's other contacts are not made helpdesk users.
func (s *DB) SegmentWritesAfter(ctx context.Context, helpdeskSource string, afterID int64, limit int) ([]SegmentWrite, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, COALESCE(email, ''), COALESCE(external_id, ''), name, primary_segment
		FROM customers c WHERE id > ? AND deleted_at IS NULL AND segments_dirty = FALSE
		AND primary_segment <> helpdesk_segment
		AND (EXISTS (SELECT 1 FROM customer_records r WHERE r.customer_id = c.id AND r.source = ? AND r.deleted_at IS NULL)
			OR EXISTS (SELECT 1 FROM enrichments e WHERE e.customer_id = c.id AND e.matched_by IN ('external_id', 'email')))
		ORDER BY id LIMIT ?`), afterID, helpdeskSource, limit)
	if err != nil {
		return nil, fmt.Errorf("store: segment writes: %w", err)
	}
	defer rows.Close()
	var out []SegmentWrite
	for rows.Next() {
		var w SegmentWrite
		if err := rows.Scan(&w.CustomerID, &w.Email, &w.ExternalID, &w.Name, &w.Segment); err != nil {
			return nil, fmt.Errorf("store: segment writes: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// MarkSegmentsWritten records that the helpdesk has each write's segment.
func (s *DB) MarkSegmentsWritten(ctx context.Context, writes []SegmentWrite) error {
	if len(writes) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, w := range writes {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE customers SET helpdesk_segment = ? WHERE id = ?"), w.Segment, w.CustomerID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: mark segments written: %w", err)
	}
	return nil
}

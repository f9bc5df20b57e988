package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
)

// MemberCustomer is a customer with the segments stored for it.
type MemberCustomer struct {
	cohort.Customer
	Segments []string // stored membership, file order
	Dirty    bool     // changed since its membership was computed
}

// CustomersAfter returns up to limit live customers with ids above afterID,
// in id order, with their stored segments; only the dirty ones (changed
// since their membership was computed) when onlyDirty is set.
func (s *DB) CustomersAfter(ctx context.Context, afterID int64, limit int, onlyDirty bool) ([]MemberCustomer, error) {
	where := "id > ? AND deleted_at IS NULL"
	if onlyDirty {
		where = "id > ? AND segments_dirty = TRUE AND deleted_at IS NULL"
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+customerColumns+", segments, segments_dirty FROM customers WHERE "+
		where+" ORDER BY id LIMIT ?"), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: customers after %d: %w", afterID, err)
	}
	defer rows.Close()
	var out []MemberCustomer
	for rows.Next() {
		var m MemberCustomer
		var segments []byte
		if err := scanCustomer(rows, &m.Customer, &segments, &m.Dirty); err != nil {
			return nil, fmt.Errorf("store: customers after %d: %w", afterID, err)
		}
		if err := json.Unmarshal(segments, &m.Segments); err != nil {
			return nil, fmt.Errorf("store: customer %d: segments: %w", m.ID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Membership is a customer's computed segments.
type Membership struct {
	CustomerID int64
	Segments   []string // file order; the first is the primary segment
}

// SetMemberships stores computed memberships and marks clean both them and
// the customers in clean (computed, found unchanged), in one transaction.
func (s *DB) SetMemberships(ctx context.Context, changed []Membership, clean []int64) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if len(changed) > 0 {
			stmt, err := tx.PrepareContext(ctx, s.q(`UPDATE customers SET segments = ?, primary_segment = ?,
				segments_dirty = FALSE WHERE id = ?`))
			if err != nil {
				return err
			}
			defer stmt.Close()
			for _, m := range changed {
				segs, err := json.Marshal(nonNil(m.Segments))
				if err != nil {
					return err
				}
				primary := ""
				if len(m.Segments) > 0 {
					primary = m.Segments[0]
				}
				if _, err := stmt.ExecContext(ctx, string(segs), primary, m.CustomerID); err != nil {
					return err
				}
			}
		}
		for chunk := range slices.Chunk(clean, keysPerQuery) {
			args := make([]any, len(chunk))
			for i, id := range chunk {
				args[i] = id
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE customers SET segments_dirty = FALSE WHERE id IN ("+
				placeholders(len(chunk))+")"), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: set memberships: %w", err)
	}
	return nil
}

// SegmentState is what the clean memberships were computed with.
type SegmentState struct {
	RulesHash  string
	ComputedOn time.Time // the day (UTC) of the last full computation
}

// SegmentState returns the state recorded by SetSegmentState; the zero
// state before any.
func (s *DB) SegmentState(ctx context.Context) (SegmentState, error) {
	var st SegmentState
	err := s.db.QueryRowContext(ctx, "SELECT rules_hash, computed_on FROM segment_state WHERE id = 1").Scan(&st.RulesHash, &st.ComputedOn)
	if errors.Is(err, sql.ErrNoRows) {
		return SegmentState{}, nil
	}
	if err != nil {
		return SegmentState{}, fmt.Errorf("store: segment state: %w", err)
	}
	st.ComputedOn = st.ComputedOn.UTC()
	return st, nil
}

// SetSegmentState records that every customer's membership was computed
// with the rules hashed as st.RulesHash on st.ComputedOn.
func (s *DB) SetSegmentState(ctx context.Context, st SegmentState) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO segment_state (id, rules_hash, computed_on) VALUES (1, ?, ?)
		ON CONFLICT (id) DO UPDATE SET rules_hash = excluded.rules_hash, computed_on = excluded.computed_on`),
		st.RulesHash, truncateDay(st.ComputedOn))
	if err != nil {
		return fmt.Errorf("store: set segment state: %w", err)
	}
	return nil
}

// SegmentCounts returns, per segment, how many live customers belong to it
// and how many have it as their primary segment, and how many live
// customers belong to none.
func (s *DB) SegmentCounts(ctx context.Context) (members, primary map[string]int, none int, err error) {
	rows, err := s.db.QueryContext(ctx, "SELECT segments, COUNT(*) FROM customers WHERE deleted_at IS NULL GROUP BY segments")
	if err != nil {
		return nil, nil, 0, fmt.Errorf("store: segment counts: %w", err)
	}
	defer rows.Close()
	members, primary = map[string]int{}, map[string]int{}
	for rows.Next() {
		var raw []byte
		var n int
		if err := rows.Scan(&raw, &n); err != nil {
			return nil, nil, 0, fmt.Errorf("store: segment counts: %w", err)
		}
		var segs []string
		if err := json.Unmarshal(raw, &segs); err != nil {
			return nil, nil, 0, fmt.Errorf("store: segment counts: %w", err)
		}
		if len(segs) == 0 {
			none += n
			continue
		}
		primary[segs[0]] += n
		for _, seg := range segs {
			members[seg] += n
		}
	}
	return members, primary, none, rows.Err()
}

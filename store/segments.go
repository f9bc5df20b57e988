package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
		// As the partial index customers_segments_dirty says it, for
		// SQLite to use it: there TRUE is not the same expression as 1.
		dirty := "segments_dirty"
		if s.engine == SQLite {
			dirty = "segments_dirty = 1"
		}
		where = "id > ? AND " + dirty + " AND deleted_at IS NULL"
	}
	rows, err := s.db.QueryContext(ctx, s.q("SELECT "+s.customerSelect([]string{"segments_dirty"}, "segments")+" FROM customers WHERE "+
		where+" ORDER BY id LIMIT ?"), afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: customers after %d: %w", afterID, err)
	}
	defer rows.Close()
	if s.engine == SQLite {
		return unpackMembers(rows, limit)
	}
	out := make([]MemberCustomer, 0, min(limit, 10000))
	for rows.Next() {
		var m MemberCustomer
		if err := s.scanCustomerRow(rows, &m.Customer, []any{&m.Dirty}, &m.Segments); err != nil {
			return nil, fmt.Errorf("store: customers after %d: %w", afterID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// unpackMembers reads SQLite's packed rows of CustomersAfter on this
// goroutine, which holds the one connection, and decodes them on another
// as they come, a chunk at a time.
func unpackMembers(rows *sql.Rows, limit int) ([]MemberCustomer, error) {
	const chunkRows = 256
	chunks := make(chan []string, 4)
	type decoded struct {
		members []MemberCustomer
		err     error
	}
	done := make(chan decoded, 1)
	go func() {
		d := decoded{members: make([]MemberCustomer, 0, min(limit, 10000))}
		for chunk := range chunks {
			for _, packed := range chunk {
				if d.err != nil {
					break
				}
				var m MemberCustomer
				if d.err = unpackCustomer(packed, &m.Customer, []any{&m.Dirty}, &m.Segments); d.err == nil {
					d.members = append(d.members, m)
				}
			}
		}
		done <- d
	}()
	chunk := make([]string, 0, chunkRows)
	var err error
	for rows.Next() {
		var packed string
		if err = rows.Scan(&packed); err != nil {
			break
		}
		if chunk = append(chunk, packed); len(chunk) == chunkRows {
			chunks <- chunk
			chunk = make([]string, 0, chunkRows)
		}
	}
	chunks <- chunk
	close(chunks)
	d := <-done
	if err = cmp.Or(err, rows.Err(), d.err); err != nil {
		return nil, fmt.Errorf("store: customers: %w", err)
	}
	return d.members, nil
}

// Membership is a customer's computed segments.
type Membership struct {
	CustomerID int64
	Segments   []string // file order; the first is the primary segment
}

// SetMemberships stores computed memberships and marks clean both them and
// the customers in clean (computed, found unchanged), in one transaction.
// Customers with the same segments are written by one statement: there
// are few distinct memberships, and many customers.
func (s *DB) SetMemberships(ctx context.Context, changed []Membership, clean []int64) error {
	type group struct {
		segments []string
		ids      []int64
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, m := range changed {
		key := strings.Join(m.Segments, "\x00")
		g := byKey[key]
		if g == nil {
			g = &group{segments: m.Segments}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.ids = append(g.ids, m.CustomerID)
	}
	update := s.updateMany()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, g := range groups {
			primary := ""
			if len(g.segments) > 0 {
				primary = g.segments[0]
			}
			if _, err := tx.ExecContext(ctx, s.q(update+` customers SET segments = ?, primary_segment = ?,
				segments_dirty = FALSE WHERE `+s.inList("id")), jsonStrings(g.segments), primary, s.idsArg(g.ids)); err != nil {
				return err
			}
		}
		if len(clean) > 0 {
			if _, err := tx.ExecContext(ctx, s.q(update+" customers SET segments_dirty = FALSE WHERE "+s.inList("id")),
				s.idsArg(clean)); err != nil {
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

// updateMany begins an UPDATE of many rows in a transaction that rolls
// back whole on an error. On SQLite it is UPDATE OR FAIL: a failing
// statement keeps its earlier rows instead of undoing them, so SQLite
// need not journal every page the statement changes (the statement
// journal, written to a temporary file) to be able to undo it alone.
func (s *DB) updateMany() string {
	if s.engine == SQLite {
		return "UPDATE OR FAIL"
	}
	return "UPDATE"
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

// CustomerSpan is a customer's segments and the span it was a customer in,
// for retention and lifetime value.
type CustomerSpan struct {
	Segments []string
	Since    time.Time // signup date, else when cohort first stored it
	Gone     time.Time // when it was deleted; zero while live
	LTV      float64
}

// EachCustomerSpan calls fn with every customer, deleted ones included, in
// id order, a page at a time (fn may use the store).
func (s *DB) EachCustomerSpan(ctx context.Context, fn func(CustomerSpan) error) error {
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, segments, signup_date, created_at, deleted_at, ltv
			FROM customers WHERE id > ? ORDER BY id LIMIT ?`), after, customerSpanPage)
		if err != nil {
			return fmt.Errorf("store: customer spans: %w", err)
		}
		var page []CustomerSpan
		for rows.Next() {
			var c CustomerSpan
			var raw []byte
			var signup, gone sql.NullTime
			if err := rows.Scan(&after, &raw, &signup, &c.Since, &gone, &c.LTV); err != nil {
				rows.Close()
				return fmt.Errorf("store: customer spans: %w", err)
			}
			if signup.Valid {
				c.Since = signup.Time
			}
			c.Since = c.Since.UTC()
			if gone.Valid {
				c.Gone = gone.Time.UTC()
			}
			if err := json.Unmarshal(raw, &c.Segments); err != nil {
				rows.Close()
				return fmt.Errorf("store: customer %d segments: %w", after, err)
			}
			page = append(page, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: customer spans: %w", err)
		}
		for _, c := range page {
			if err := fn(c); err != nil {
				return err
			}
		}
		if len(page) < customerSpanPage {
			return nil
		}
	}
}

// customerSpanPage is how many customers one EachCustomerSpan read returns.
const customerSpanPage = 5000

// CustomerSegments returns the stored segments of the live customer that q
// finds (see FindCustomer), and false when none matches.
func (s *DB) CustomerSegments(ctx context.Context, q cohort.CustomerQuery) ([]string, bool, error) {
	c, _, err := s.FindCustomer(ctx, q)
	if err != nil || c == nil {
		return nil, false, err
	}
	var raw []byte
	if err := s.db.QueryRowContext(ctx, s.q("SELECT segments FROM customers WHERE id = ?"), c.ID).Scan(&raw); err != nil {
		return nil, false, fmt.Errorf("store: segments of customer %d: %w", c.ID, err)
	}
	var segs []string
	if err := json.Unmarshal(raw, &segs); err != nil {
		return nil, false, fmt.Errorf("store: segments of customer %d: %w", c.ID, err)
	}
	return segs, true, nil
}

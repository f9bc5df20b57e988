package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cohortdesk/cohort"
)

// The checkpoints that say which stored segment days are out of date: the
// earliest day whose tickets changed since the days were computed, and the
// last day computed (it was still running then, so it is recomputed too).
const (
	segmentDaysDirty   = "segment-days:dirty"
	segmentDaysThrough = "segment-days:through"
)

// StaleSegmentDays returns the first day whose stored figures may be out
// of date: the earliest day whose tickets changed since the days were
// last computed, or else the last day computed. ok is false when no ticket
// facts were ever stored.
func (s *DB) StaleSegmentDays(ctx context.Context) (day time.Time, ok bool, err error) {
	first := ""
	for _, source := range []string{segmentDaysDirty, segmentDaysThrough} {
		cp, err := s.Checkpoint(ctx, source)
		if err != nil {
			return time.Time{}, false, err
		}
		if cp != "" && (first == "" || cp < first) {
			first = cp
		}
	}
	if first == "" {
		return time.Time{}, false, nil
	}
	day, err = time.Parse(time.DateOnly, first)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: segment days checkpoint %q: %w", first, err)
	}
	return day, true, nil
}

// MarkSegmentDaysStale makes every stored segment day from day on stale,
// to be recomputed by the next aggregation; the zero day means from the
// first ticket fact.
func (s *DB) MarkSegmentDaysStale(ctx context.Context, day time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if day.IsZero() {
			err := tx.QueryRowContext(ctx, "SELECT created_at FROM ticket_facts ORDER BY created_at LIMIT 1").Scan(&day)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // no facts, no days
			}
			if err != nil {
				return err
			}
		}
		return s.markDaysDirty(ctx, tx, day)
	})
	if err != nil {
		return fmt.Errorf("store: mark segment days stale: %w", err)
	}
	return nil
}

// markDaysDirty lowers the dirty checkpoint to day, in tx.
func (s *DB) markDaysDirty(ctx context.Context, tx *sql.Tx, day time.Time) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sync_checkpoints (source, checkpoint, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (source) DO UPDATE SET updated_at = excluded.updated_at, checkpoint = CASE
		WHEN excluded.checkpoint < sync_checkpoints.checkpoint THEN excluded.checkpoint ELSE sync_checkpoints.checkpoint END`),
		segmentDaysDirty, day.UTC().Format(time.DateOnly), s.now().UTC())
	return err
}

// WriteSegmentDays replaces the stored figures of the days from through to
// (both included) with days, in one transaction, and records that the
// days up to to are computed: the dirty mark goes if it was not before
// from.
func (s *DB) WriteSegmentDays(ctx context.Context, from, to time.Time, days []cohort.SegmentDay) error {
	first, last := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM segment_days WHERE day >= ? AND day <= ?"), first, last); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, s.q(`INSERT INTO segment_days (day, segment, tickets, good, bad, solved, fcr,
			reopened, backlog, first_reply, first_reply_business, full_resolution, full_resolution_business)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		var buf []byte
		list := func(vs []float64) string {
			buf = appendFloats(buf[:0], vs)
			return string(buf)
		}
		for i := range days {
			d := &days[i]
			if _, err := stmt.ExecContext(ctx, d.Day.UTC().Format(time.DateOnly), d.Segment, d.Tickets, d.Good, d.Bad,
				d.Solved, d.FCR, d.Reopened, d.Backlog, list(d.FirstReply.Calendar), list(d.FirstReply.Business),
				list(d.FullResolution.Calendar), list(d.FullResolution.Business)); err != nil {
				return fmt.Errorf("%s %s: %w", d.Segment, d.Day.Format(time.DateOnly), err)
			}
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO sync_checkpoints (source, checkpoint, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`),
			segmentDaysThrough, last, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM sync_checkpoints WHERE source = ? AND checkpoint >= ?"), segmentDaysDirty, first)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: segment days: %w", err)
	}
	return nil
}

// appendFloats appends vs as a JSON array.
func appendFloats(b []byte, vs []float64) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return append(b, ']')
}

// EachSegmentDay calls fn with the stored figures of the days from from up
// to to (excluded), in day order, then by segment. Only the minutes asked
// for are read: business, else calendar. fn must not use the store.
func (s *DB) EachSegmentDay(ctx context.Context, from, to time.Time, business bool, fn func(*cohort.SegmentDay) error) error {
	reply, resolution := "first_reply", "full_resolution"
	if business {
		reply, resolution = "first_reply_business", "full_resolution_business"
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT day, segment, tickets, good, bad, solved, fcr, reopened, backlog, `+
		reply+`, `+resolution+` FROM segment_days WHERE day >= ? AND day < ? ORDER BY day, segment`),
		from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly))
	if err != nil {
		return fmt.Errorf("store: segment days: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d cohort.SegmentDay
		var day, replies, resolutions string
		if err := rows.Scan(&day, &d.Segment, &d.Tickets, &d.Good, &d.Bad, &d.Solved, &d.FCR, &d.Reopened, &d.Backlog,
			&replies, &resolutions); err != nil {
			return fmt.Errorf("store: segment days: %w", err)
		}
		if d.Day, err = time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("store: segment day %q: %w", day, err)
		}
		r, f := &jsonRow{s: replies}, &jsonRow{s: resolutions}
		lists := [2][]float64{r.floats(), f.floats()}
		if r.err != nil || f.err != nil {
			return fmt.Errorf("store: segment day %s %s: minutes: %w", day, d.Segment, errors.Join(r.err, f.err))
		}
		if business {
			d.FirstReply.Business, d.FullResolution.Business = lists[0], lists[1]
		} else {
			d.FirstReply.Calendar, d.FullResolution.Calendar = lists[0], lists[1]
		}
		if err := fn(&d); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: segment days: %w", err)
	}
	return nil
}

// SegmentsBefore returns the segments that have stored figures for a day
// before day.
func (s *DB) SegmentsBefore(ctx context.Context, day time.Time) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.q("SELECT DISTINCT segment FROM segment_days WHERE day < ? ORDER BY segment"),
		day.UTC().Format(time.DateOnly))
	if err != nil {
		return nil, fmt.Errorf("store: segments before %s: %w", day.Format(time.DateOnly), err)
	}
	defer rows.Close()
	var segs []string
	for rows.Next() {
		var seg string
		if err := rows.Scan(&seg); err != nil {
			return nil, fmt.Errorf("store: segments before %s: %w", day.Format(time.DateOnly), err)
		}
		segs = append(segs, seg)
	}
	return segs, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/cohortdesk/cohort"
)

// UsePrecedence makes p the order in which the store merges sources'
// records into customers (cohort.DefaultSourcePrecedence until called).
// When the customers were merged with another order, it merges every
// customer again, in pages, marking those that changed for re-segmenting,
// and returns how many it looked at. Every process on one database must
// use the same order: a process with another merges again at start.
func (s *DB) UsePrecedence(ctx context.Context, p cohort.SourcePrecedence) (int, error) {
	s.precedence = p
	var stored string
	err := s.db.QueryRowContext(ctx, "SELECT precedence FROM merge_state WHERE id = 1").Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// A store as old as its customers: merged with the default order,
		// each from one record.
		stored = cohort.DefaultSourcePrecedence.String()
	case err != nil:
		return 0, fmt.Errorf("store: source precedence: %w", err)
	}
	if stored == p.String() {
		return 0, s.setPrecedence(ctx, p)
	}
	s.logger.Info("source precedence changed: merging every customer again", "was", stored, "now", p.String())
	n := 0
	for after := int64(0); ; {
		var ids []int64
		rows, err := s.db.QueryContext(ctx, s.q("SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?"), after, remergePage)
		if err != nil {
			return n, fmt.Errorf("store: merge customers again: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return n, fmt.Errorf("store: merge customers again: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("store: merge customers again: %w", err)
		}
		if len(ids) == 0 {
			break
		}
		if err := s.inCustomerTx(ctx, func(tx customerTx) error { return s.remerge(ctx, tx.Tx, ids) }); err != nil {
			return n, fmt.Errorf("store: merge customers again: %w", err)
		}
		n += len(ids)
		after = slices.Max(ids)
	}
	return n, s.setPrecedence(ctx, p)
}

// remergePage is how many customers one transaction of UsePrecedence
// merges again.
const remergePage = 5000

func (s *DB) setPrecedence(ctx context.Context, p cohort.SourcePrecedence) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO merge_state (id, precedence) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET precedence = excluded.precedence`), p.String())
	if err != nil {
		return fmt.Errorf("store: source precedence: %w", err)
	}
	return nil
}

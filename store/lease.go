package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease takes the lease name for holder until ttl from now, if no
// other holder has it unexpired, and reports whether it did. The holder
// may take it again to renew it. Leases keep two processes (a syncer's
// cron and an admin's command, or two syncers) from running the same sync
// at once, on either engine; a lease whose holder died lapses after ttl.
func (s *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, s.q(`INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < ?`), name, holder, now.Add(ttl), now)
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name.
func (s *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.db.ExecContext(context.WithoutCancel(ctx), s.q("DELETE FROM leases WHERE name = ? AND holder = ?"), name, holder)
	if err != nil {
		return fmt.Errorf("store: release lease %s: %w", name, err)
	}
	return nil
}

// LeaseHolder returns who holds the lease name unexpired, or "".
func (s *DB) LeaseHolder(ctx context.Context, name string) (string, error) {
	var holder string
	err := s.db.QueryRowContext(ctx, s.q("SELECT holder FROM leases WHERE name = ? AND expires_at >= ?"), name, s.now().UTC()).Scan(&holder)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("store: lease %s: %w", name, err)
	}
	return holder, nil
}

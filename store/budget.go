package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Budget is a token bucket kept in PostgreSQL, so that every replica on the
// database draws from one budget: perMinute requests a minute, evenly
// spread, with bursts of up to a tenth of that. Each Wait is one UPDATE,
// which the row lock serializes across processes.
type Budget struct {
	db        *DB
	name      string
	perSecond float64
}

// Budget returns the shared budget called name, setting its rate. It needs
// PostgreSQL: on SQLite, where one process owns the database, a budget in
// memory does the same for less.
func (s *DB) Budget(ctx context.Context, name string, perMinute int) (*Budget, error) {
	if s.engine != Postgres {
		return nil, errors.New("store: shared budgets need PostgreSQL")
	}
	if perMinute <= 0 {
		return nil, fmt.Errorf("store: budget %s: %d a minute is not a rate", name, perMinute)
	}
	perSecond := float64(perMinute) / 60
	capacity := max(float64(perMinute)/10, 1)
	_, err := s.pool.Exec(ctx, `INSERT INTO rate_budgets (name, tokens, capacity, per_second, updated_at)
		VALUES ($1, $2, $2, $3, clock_timestamp())
		ON CONFLICT (name) DO UPDATE SET capacity = EXCLUDED.capacity, per_second = EXCLUDED.per_second`,
		name, capacity, perSecond)
	if err != nil {
		return nil, fmt.Errorf("store: budget %s: %w", name, err)
	}
	return &Budget{db: s, name: name, perSecond: perSecond}, nil
}

// Wait takes one token, waiting until one is there.
func (b *Budget) Wait(ctx context.Context) error {
	const refilled = `LEAST(capacity, tokens + per_second * EXTRACT(EPOCH FROM clock_timestamp() - updated_at))`
	for {
		var left float64
		err := b.db.pool.QueryRow(ctx, `UPDATE rate_budgets SET tokens = `+refilled+` - 1, updated_at = clock_timestamp()
			WHERE name = $1 AND `+refilled+` >= 1 RETURNING tokens`, b.name).Scan(&left)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("store: budget %s: %w", b.name, err)
		}
		var have float64
		if err := b.db.pool.QueryRow(ctx, `SELECT `+refilled+` FROM rate_budgets WHERE name = $1`, b.name).Scan(&have); err != nil {
			return fmt.Errorf("store: budget %s: %w", b.name, err)
		}
		wait := time.Duration((1 - have) / b.perSecond * float64(time.Second))
		wait = min(max(wait, 5*time.Millisecond), time.Second)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
	}
}

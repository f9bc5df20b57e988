package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OpsStats is what an operator watches in the database, read at once: the
// job queue's depth and the freshness of each sync. Every process sharing
// the database reads the same figures.
type OpsStats struct {
	// Jobs counts the jobs not yet completed, by kind ("enrich_ticket",
	// "sync_task") and River state (available, running, retryable,
	// scheduled, pending, cancelled, discarded). Completed jobs, which
	// River keeps for a day, are not counted.
	Jobs []JobCount
	// OldestAvailable is, by kind, when the longest-waiting available job
	// became available; kinds with no available job are absent.
	OldestAvailable map[string]time.Time
	// LastSync is, by source, when its newest successful sync run
	// finished: the CRM sources ("csv", "hubspot", …) and the helpdesks'
	// ticket history ("metrics:zendesk").
	LastSync map[string]time.Time
}

// JobCount is how many jobs of a kind are in a state.
type JobCount struct {
	Kind, State string
	Count       int
}

// OpsStats reads the queue's depth and each sync's last success.
func (s *DB) OpsStats(ctx context.Context) (OpsStats, error) {
	st := OpsStats{OldestAvailable: map[string]time.Time{}, LastSync: map[string]time.Time{}}
	rows, err := s.db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending', 'cancelled', 'discarded')
		GROUP BY kind, state`)
	if err != nil {
		return st, fmt.Errorf("store: count jobs: %w", err)
	}
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			rows.Close()
			return st, fmt.Errorf("store: count jobs: %w", err)
		}
		st.Jobs = append(st.Jobs, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("store: count jobs: %w", err)
	}
	for _, c := range st.Jobs {
		if c.State != "available" {
			continue
		}
		// The column itself, not MIN(): SQLite keeps its declared type
		// only for a plain column, and so the driver reads a time.
		var at time.Time
		err := s.db.QueryRowContext(ctx, s.q(`SELECT scheduled_at FROM river_job WHERE state = 'available' AND kind = ?
			ORDER BY scheduled_at LIMIT 1`), c.Kind).Scan(&at)
		if errors.Is(err, sql.ErrNoRows) {
			continue // taken since it was counted
		}
		if err != nil {
			return st, fmt.Errorf("store: oldest available job: %w", err)
		}
		st.OldestAvailable[c.Kind] = at.UTC()
	}
	if err := s.lastSyncs(ctx, st.LastSync); err != nil {
		return st, err
	}
	return st, nil
}

// lastSyncs adds, by source, when its newest successful run finished.
func (s *DB) lastSyncs(ctx context.Context, into map[string]time.Time) error {
	rows, err := s.db.QueryContext(ctx, `SELECT r.source, r.finished_at FROM sync_runs r
		WHERE r.id = (SELECT MAX(id) FROM sync_runs WHERE source = r.source AND status = 'succeeded')`)
	if err != nil {
		return fmt.Errorf("store: last successful syncs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var source string
		var at time.Time
		if err := rows.Scan(&source, &at); err != nil {
			return fmt.Errorf("store: last successful syncs: %w", err)
		}
		into[source] = at.UTC()
	}
	return rows.Err()
}

package store

import (
	"context"
	"fmt"

	"github.com/cohortdesk/cohort"
)

// OwnedMacros returns the macros cohort owns in helpdesk, by key.
func (s *DB) OwnedMacros(ctx context.Context, helpdesk string) (map[string]cohort.OwnedMacro, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT key, macro_id, active FROM owned_macros WHERE helpdesk = ? ORDER BY key`), helpdesk)
	if err != nil {
		return nil, fmt.Errorf("store: owned macros: %w", err)
	}
	defer rows.Close()
	out := map[string]cohort.OwnedMacro{}
	for rows.Next() {
		m := cohort.OwnedMacro{Helpdesk: helpdesk}
		if err := rows.Scan(&m.Key, &m.MacroID, &m.Active); err != nil {
			return nil, fmt.Errorf("store: owned macros: %w", err)
		}
		out[m.Key] = m
	}
	return out, rows.Err()
}

// SaveOwnedMacro records m, replacing what was recorded for its key.
func (s *DB) SaveOwnedMacro(ctx context.Context, m cohort.OwnedMacro) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO owned_macros (helpdesk, key, macro_id, active, updated_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (helpdesk, key) DO UPDATE SET macro_id = excluded.macro_id,
		active = excluded.active, updated_at = excluded.updated_at`), m.Helpdesk, m.Key, m.MacroID, m.Active, s.now().UTC())
	if err != nil {
		return fmt.Errorf("store: save owned macro %s: %w", m.Key, err)
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"time"
)

// InstalledItem is what cohort records of one object `cohort install` made
// or adopted in a helpdesk: a webhook, a trigger, a field, an app or its
// installation, by its kind and cohort's name for it. CreatedByCohort
// says whether cohort created it (uninstall deletes only those); Detail
// holds what the next install compares, such as the sha256 of the app
// package cohort last uploaded.
type InstalledItem struct {
	Helpdesk        string
	Kind            string
	Name            string
	RemoteID        string // the helpdesk's id for it
	CreatedByCohort bool
	Detail          string
	UpdatedAt       time.Time
}

// InstalledItems returns what install recorded in helpdesk, by kind and name.
func (s *DB) InstalledItems(ctx context.Context, helpdesk string) ([]InstalledItem, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT kind, name, remote_id, created_by_cohort, detail, updated_at
		FROM installed_items WHERE helpdesk = ? ORDER BY kind, name`), helpdesk)
	if err != nil {
		return nil, fmt.Errorf("store: installed items: %w", err)
	}
	defer rows.Close()
	var out []InstalledItem
	for rows.Next() {
		it := InstalledItem{Helpdesk: helpdesk}
		if err := rows.Scan(&it.Kind, &it.Name, &it.RemoteID, &it.CreatedByCohort, &it.Detail, &it.UpdatedAt); err != nil {
			return nil, fmt.Errorf("store: installed items: %w", err)
		}
		it.UpdatedAt = it.UpdatedAt.UTC()
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: installed items: %w", err)
	}
	return out, nil
}

// SaveInstalledItem records it, replacing what was recorded for its
// helpdesk, kind and name. UpdatedAt is set to now.
func (s *DB) SaveInstalledItem(ctx context.Context, it InstalledItem) error {
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO installed_items
		(helpdesk, kind, name, remote_id, created_by_cohort, detail, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (helpdesk, kind, name) DO UPDATE SET remote_id = excluded.remote_id,
		created_by_cohort = excluded.created_by_cohort, detail = excluded.detail, updated_at = excluded.updated_at`),
		it.Helpdesk, it.Kind, it.Name, it.RemoteID, it.CreatedByCohort, it.Detail, s.now().UTC())
	if err != nil {
		return fmt.Errorf("store: record installed %s %q: %w", it.Kind, it.Name, err)
	}
	return nil
}

// DeleteInstalledItem forgets the record of helpdesk's kind and name, if
// there is one.
func (s *DB) DeleteInstalledItem(ctx context.Context, helpdesk, kind, name string) error {
	_, err := s.db.ExecContext(ctx, s.q(`DELETE FROM installed_items WHERE helpdesk = ? AND kind = ? AND name = ?`),
		helpdesk, kind, name)
	if err != nil {
		return fmt.Errorf("store: forget installed %s %q: %w", kind, name, err)
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
)

// SyncRun is one run of a CRM source's sync.
type SyncRun struct {
	ID     int64
	Source string
	Full   bool
}

// SyncCounts is what a sync run did.
type SyncCounts struct {
	Read, Inserted, Updated, Unchanged, Rejected, Deleted int
}

// StartSyncRun records the start of a run of source.
func (s *DB) StartSyncRun(ctx context.Context, source string, full bool) (SyncRun, error) {
	run := SyncRun{Source: source, Full: full}
	err := s.db.QueryRowContext(ctx, s.q(`INSERT INTO sync_runs (source, full_sync, status, started_at)
		VALUES (?, ?, 'running', ?) RETURNING id`), source, full, s.now().UTC()).Scan(&run.ID)
	if err != nil {
		return SyncRun{}, fmt.Errorf("store: start sync run of %s: %w", source, err)
	}
	return run, nil
}

// FinishSyncRun records how run ended: failed with runErr, or succeeded.
func (s *DB) FinishSyncRun(ctx context.Context, run SyncRun, c SyncCounts, runErr error) error {
	status, msg := "succeeded", ""
	if runErr != nil {
		status, msg = "failed", runErr.Error()
	}
	_, err := s.db.ExecContext(context.WithoutCancel(ctx), s.q(`UPDATE sync_runs SET status = ?, read = ?, inserted = ?,
		updated = ?, unchanged = ?, rejected = ?, deleted = ?, error = ?, finished_at = ? WHERE id = ?`),
		status, c.Read, c.Inserted, c.Updated, c.Unchanged, c.Rejected, c.Deleted, msg, s.now().UTC(), run.ID)
	if err != nil {
		return fmt.Errorf("store: finish sync run %d: %w", run.ID, err)
	}
	return nil
}

// LastSyncRuns returns the newest run of each source, by source name.
func (s *DB) LastSyncRuns(ctx context.Context) (map[string]SyncRunRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.source, r.full_sync, r.status, r.read, r.inserted, r.updated,
		r.unchanged, r.rejected, r.deleted, r.error, r.started_at, r.finished_at
		FROM sync_runs r WHERE r.id = (SELECT MAX(id) FROM sync_runs WHERE source = r.source)`)
	if err != nil {
		return nil, fmt.Errorf("store: last sync runs: %w", err)
	}
	defer rows.Close()
	out := map[string]SyncRunRecord{}
	for rows.Next() {
		var r SyncRunRecord
		var finished sql.NullTime
		if err := rows.Scan(&r.Source, &r.Full, &r.Status, &r.Read, &r.Inserted, &r.Updated, &r.Unchanged,
			&r.Rejected, &r.Deleted, &r.Error, &r.StartedAt, &finished); err != nil {
			return nil, fmt.Errorf("store: last sync runs: %w", err)
		}
		r.StartedAt = r.StartedAt.UTC()
		if finished.Valid {
			r.FinishedAt = finished.Time.UTC()
		}
		out[r.Source] = r
	}
	return out, rows.Err()
}

// SyncRunRecord is a recorded sync run.
type SyncRunRecord struct {
	Source     string
	Full       bool
	Status     string // running, succeeded or failed
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	SyncCounts
}

// Checkpoint returns where source's next incremental sync starts, "" when
// it has none.
func (s *DB) Checkpoint(ctx context.Context, source string) (string, error) {
	var cp string
	err := s.db.QueryRowContext(ctx, s.q("SELECT checkpoint FROM sync_checkpoints WHERE source = ?"), source).Scan(&cp)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: checkpoint of %s: %w", source, err)
	}
	return cp, nil
}

// SyncBatch is one batch of a sync run, written in one transaction.
type SyncBatch struct {
	Upserts []cohort.CustomerRecord
	// Deletes name, by external id or else email, the records the source
	// reports gone.
	Deletes    []cohort.Customer
	Checkpoint string // stored with the data; "" leaves the checkpoint as it is
}

// CommitSyncBatch writes a batch of run in one transaction: its upserts
// (see UpsertCustomers), the removal of the source's records its deleted
// records name, and its checkpoint. It returns the upserts' results and
// how many records it removed.
func (s *DB) CommitSyncBatch(ctx context.Context, run SyncRun, b SyncBatch) ([]UpsertResult, int, error) {
	var (
		results []UpsertResult
		deleted int
	)
	err := s.inCustomerTx(ctx, func(tx customerTx) error {
		var err error
		if results, err = s.upsertBatch(ctx, tx, CustomerSource{Name: run.Source, Run: fullRun(run)}, b.Upserts); err != nil {
			return err
		}
		if deleted, err = s.deleteRecords(ctx, tx.Tx, run.Source, b.Deletes); err != nil {
			return err
		}
		if b.Checkpoint == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO sync_checkpoints (source, checkpoint, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at`),
			run.Source, b.Checkpoint, s.now().UTC())
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: sync batch of %s: %w", run.Source, err)
	}
	return results, deleted, nil
}

func fullRun(run SyncRun) int64 {
	if run.Full {
		return run.ID
	}
	return 0
}

// deleteRecords soft-deletes source's live records that gone name by
// external id, or by email when they have none, and merges their
// customers again: a customer other sources still have stays.
func (s *DB) deleteRecords(ctx context.Context, tx *sql.Tx, source string, gone []cohort.Customer) (int, error) {
	var extIDs, emails []string
	for _, c := range gone {
		if ext := strings.TrimSpace(c.ExternalID); ext != "" {
			extIDs = append(extIDs, ext)
		} else if email := strings.ToLower(strings.TrimSpace(c.Email)); email != "" {
			emails = append(emails, email)
		}
	}
	var customers []int64
	for _, by := range []struct {
		column string
		keys   []string
	}{{"external_id", extIDs}, {"email", emails}} {
		for chunk := range slices.Chunk(by.keys, keysPerQuery) {
			ids, err := s.softDeleteRecords(ctx, tx, "source = ? AND deleted_at IS NULL AND "+s.inList(by.column), source, s.keysArg(chunk))
			if err != nil {
				return 0, err
			}
			customers = append(customers, ids...)
		}
	}
	n := len(customers)
	slices.Sort(customers)
	return n, s.remerge(ctx, tx, slices.Compact(customers))
}

// softDeleteRecords marks deleted the records where selects and returns
// their customers' ids.
func (s *DB) softDeleteRecords(ctx context.Context, tx *sql.Tx, where string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.q(`UPDATE customer_records SET deleted_at = ? WHERE `+where+` RETURNING customer_id`),
		append([]any{s.now().UTC()}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteUnseen soft-deletes the live records of run's source that the
// full run did not see, those the source no longer has, and merges their
// customers again. Call it only after a full run read everything. It
// returns how many records it deleted.
func (s *DB) DeleteUnseen(ctx context.Context, run SyncRun) (int, error) {
	if !run.Full {
		return 0, fmt.Errorf("store: delete unseen: run %d of %s is not a full sync", run.ID, run.Source)
	}
	var n int
	err := s.inCustomerTx(ctx, func(tx customerTx) error {
		ids, err := s.softDeleteRecords(ctx, tx.Tx, "source = ? AND deleted_at IS NULL AND (seen_run IS NULL OR seen_run <> ?)",
			run.Source, run.ID)
		if err != nil {
			return err
		}
		n = len(ids)
		slices.Sort(ids)
		return s.remerge(ctx, tx.Tx, slices.Compact(ids))
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete the records %s no longer has: %w", run.Source, err)
	}
	return n, nil
}

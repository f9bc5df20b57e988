package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// jobBackend is River on one engine. River's client is generic over the
// engine's transaction type (pgx.Tx or *sql.Tx); this interface hides it.
type jobBackend interface {
	// insert runs fn in a transaction, then inserts jobs in the same
	// transaction and commits: the jobs exist if and only if fn's writes do.
	// It returns River's result for each job.
	insert(ctx context.Context, fn func(query txQuery) ([]river.InsertManyParams, error)) ([]*rivertype.JobInsertResult, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error)
	retry(ctx context.Context, id int64) (*rivertype.JobRow, error)
	subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// txQuery runs a statement in the backend's transaction and returns the
// text values of its one-column result (e.g. from RETURNING). Queries use
// "?" placeholders.
type txQuery func(ctx context.Context, query string, args ...any) ([]string, error)

type riverBackend[TTx any] struct {
	client *river.Client[TTx]
	begin  func(ctx context.Context) (TTx, txQuery, func(context.Context) error, func(context.Context) error, error)
}

func (b *riverBackend[TTx]) insert(ctx context.Context, fn func(query txQuery) ([]river.InsertManyParams, error)) ([]*rivertype.JobInsertResult, error) {
	tx, query, commit, rollback, err := b.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rollback(context.WithoutCancel(ctx)) }() // a no-op after commit
	params, err := fn(query)
	if err != nil {
		return nil, err
	}
	var results []*rivertype.JobInsertResult
	if len(params) > 0 {
		if results, err = b.client.InsertManyTx(ctx, tx, params); err != nil {
			return nil, fmt.Errorf("insert jobs: %w", err)
		}
	}
	return results, commit(ctx)
}

func (b *riverBackend[TTx]) start(ctx context.Context) error { return b.client.Start(ctx) }
func (b *riverBackend[TTx]) stop(ctx context.Context) error  { return b.client.Stop(ctx) }
func (b *riverBackend[TTx]) stopAndCancel(ctx context.Context) error {
	return b.client.StopAndCancel(ctx)
}

func (b *riverBackend[TTx]) list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error) {
	res, err := b.client.JobList(ctx, params)
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

func (b *riverBackend[TTx]) subscribe(kinds ...river.EventKind) (<-chan *river.Event, func()) {
	return b.client.SubscribeConfig(&river.SubscribeConfig{Kinds: kinds, ChanSize: 10000})
}

func (b *riverBackend[TTx]) retry(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	return b.client.JobRetry(ctx, id)
}

// newJobBackend builds River's client on s's engine.
func (s *DB) newJobBackend(cfg *river.Config) (jobBackend, error) {
	if s.engine == Postgres {
		client, err := river.NewClient(riverpgxv5.New(s.pool), cfg)
		if err != nil {
			return nil, err
		}
		return &riverBackend[pgx.Tx]{client: client, begin: func(ctx context.Context) (pgx.Tx, txQuery, func(context.Context) error, func(context.Context) error, error) {
			tx, err := s.pool.Begin(ctx)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			query := func(ctx context.Context, query string, args ...any) ([]string, error) {
				rows, err := tx.Query(ctx, s.q(query), args...)
				if err != nil {
					return nil, err
				}
				return pgx.CollectRows(rows, pgx.RowTo[string])
			}
			return tx, query, tx.Commit, tx.Rollback, nil
		}}, nil
	}
	client, err := river.NewClient(riversqlite.New(s.db), cfg)
	if err != nil {
		return nil, err
	}
	return &riverBackend[*sql.Tx]{client: client, begin: func(ctx context.Context) (*sql.Tx, txQuery, func(context.Context) error, func(context.Context) error, error) {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		query := func(ctx context.Context, query string, args ...any) ([]string, error) {
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			return out, rows.Err()
		}
		return tx, query, func(context.Context) error { return tx.Commit() }, func(context.Context) error { return tx.Rollback() }, nil
	}}, nil
}

// migrateRiver applies River's own migrations with rivermigrate.
func (s *DB) migrateRiver(ctx context.Context) error {
	var err error
	if s.engine == Postgres {
		var m *rivermigrate.Migrator[pgx.Tx]
		if m, err = rivermigrate.New(riverpgxv5.New(s.pool), &rivermigrate.Config{Logger: s.logger}); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	} else {
		var m *rivermigrate.Migrator[*sql.Tx]
		if m, err = rivermigrate.New(riversqlite.New(s.db), &rivermigrate.Config{Logger: s.logger}); err == nil {
			_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		}
	}
	if err != nil {
		return fmt.Errorf("store: migrate River's tables: %w", err)
	}
	return nil
}

// Package storetest opens throwaway stores for tests: a SQLite file in a
// temporary folder, and, when COHORT_TEST_POSTGRES_URL is set, a fresh schema
// in that PostgreSQL database, dropped when the test ends. Tests that run
// against every engine use Each; a missing PostgreSQL URL skips that engine
// with a message saying so.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/cohortdesk/cohort/store"
)

// PostgresURLVar names the variable that points tests at a PostgreSQL database.
const PostgresURLVar = "COHORT_TEST_POSTGRES_URL"

// Each runs fn as a subtest once per engine: "sqlite", then "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Open returns a fresh store on engine, closed when t ends.
func Open(t testing.TB, engine store.Engine) *store.DB {
	t.Helper()
	dbURL := URL(t, engine)
	db, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatalf("open %s store: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var schemaSeq atomic.Int64

// URL returns a database URL for a fresh, empty database on engine: a new
// SQLite file, or a new PostgreSQL schema dropped at cleanup. It skips the
// test when engine is PostgreSQL and COHORT_TEST_POSTGRES_URL is unset.
func URL(t testing.TB, engine store.Engine) string {
	t.Helper()
	if engine == store.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "cohort.db")
	}
	base := os.Getenv(PostgresURLVar)
	if base == "" {
		t.Skipf("skipping PostgreSQL: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run it", PostgresURLVar)
	}
	schema := fmt.Sprintf("cohort_test_%d_%d", time.Now().UnixNano(), schemaSeq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: bad %s: %v", PostgresURLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return strings.Replace(u.String(), "postgresql://", "postgres://", 1)
}

// StartQueue starts a queue on db with cfg, stopped (if the test has not
// stopped it) when the test ends.
func StartQueue(t testing.TB, db *store.DB, cfg store.QueueConfig) *store.Queue {
	t.Helper()
	q, err := db.NewQueue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { StopQueue(t, q) })
	return q
}

// StopQueue stops q, giving running jobs 10 s; stopping again does
// nothing.
func StopQueue(t testing.TB, q *store.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("stop queue: %v", err)
	}
}

// Package store is cohort's persistence: customers synced from CRMs, webhook
// deliveries, and enrichment records (the queue of tickets to enrich and the
// audit of what was done).
//
// One implementation serves two engines through database/sql: SQLite through
// modernc.org/sqlite (the embedded default, no cgo) and PostgreSQL through
// pgx v5 (a pgxpool wrapped by pgx's stdlib adapter, so later work can use the
// pool directly for COPY and River). Queries are written once with "?"
// placeholders and rebound for PostgreSQL; each engine has its own numbered
// migrations, embedded and applied at Open, each in its own transaction.
//
// SQLite runs in WAL mode with one connection (one writer, as the riversqlite
// driver also requires). Times are stored in UTC. The package imports the
// domain package only; it knows nothing of HTTP or helpdesks.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

//go:embed migrations
var migrations embed.FS

// DB is an open store.
type DB struct {
	db     *sql.DB
	pool   *pgxpool.Pool // nil on SQLite
	engine Engine
	logger *slog.Logger
	now    func() time.Time

	rebound  sync.Map // query text with ? → PostgreSQL text with $n
	prepared sync.Map // query text with ? → *sql.Stmt, for hot statements

	// precedence orders the sources whose records are merged into a
	// customer (see UsePrecedence).
	precedence cohort.SourcePrecedence
}

// Open opens the database that url names and applies pending migrations.
//
//	sqlite:PATH            a SQLite file (created if missing), e.g. sqlite:cohort.db
//	postgres://…           PostgreSQL (also postgresql://…), any pgx connection string
func Open(ctx context.Context, rawURL string, logger *slog.Logger) (*DB, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := connect(ctx, rawURL, logger)
	if err != nil {
		return nil, err
	}
	if err := s.migrateRetrying(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.engine == SQLite { // PostgreSQL copies customers in instead
		for _, query := range preparedInserts {
			if err := s.prepare(ctx, query); err != nil {
				s.Close()
				return nil, err
			}
		}
	}
	return s, nil
}

// connect opens the database rawURL names and checks that it answers.
func connect(ctx context.Context, rawURL string, logger *slog.Logger) (*DB, error) {
	s := &DB{logger: logger, now: time.Now, precedence: cohort.DefaultSourcePrecedence}
	path, pgCfg, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if pgCfg == nil {
		// busy_timeout first: the pragmas run in order, and switching a new
		// file to WAL while another process does the same is busy without it.
		dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
			"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_time_format=sqlite"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("open the SQLite database %s: %w", path, err)
		}
		db.SetMaxOpenConns(1)
		s.db, s.engine = db, SQLite
	} else {
		pool, err := pgxpool.NewWithConfig(ctx, pgCfg)
		if err != nil {
			return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", Redact(rawURL), err)
		}
		s.pool, s.db, s.engine = pool, stdlib.OpenDBFromPool(pool), Postgres
	}
	if err := s.ping(ctx); err != nil {
		s.Close()
		if s.engine == SQLite {
			return nil, fmt.Errorf("open the SQLite database %s: %w", path, err)
		}
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", Redact(rawURL), err)
	}
	return s, nil
}

// CheckURL reports whether rawURL is a database URL Open takes, without
// opening anything: sqlite:PATH or postgres://…. Its error never holds a
// password.
func CheckURL(rawURL string) error {
	_, _, err := parseURL(rawURL)
	return err
}

// parseURL reads a database URL: a SQLite file's path, or PostgreSQL's
// pool configuration.
func parseURL(rawURL string) (path string, pg *pgxpool.Config, err error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		path = strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
		if path == "" {
			return "", nil, errors.New("a sqlite URL needs a file path: sqlite:PATH")
		}
		return path, nil, nil
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		if _, err := url.Parse(rawURL); err != nil {
			return "", nil, fmt.Errorf("%s is not a URL (check the port, and percent-encode special characters in the password)", Redact(rawURL))
		}
		cfg, err := pgxpool.ParseConfig(rawURL)
		if err != nil {
			return "", nil, fmt.Errorf("%s is not a PostgreSQL URL cohort can use (want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)", Redact(rawURL))
		}
		return "", cfg, nil
	}
	return "", nil, fmt.Errorf("%s: want sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE", Redact(rawURL))
}

// userInfo matches the user and password part of a URL that does not
// parse, and passwordParam a password given as a parameter: a URL's
// ?password=, a keyword/value DSN's password=, quoted or not.
var (
	userInfo      = regexp.MustCompile(`//[^/@]*@`)
	passwordParam = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*)`)
)

// Redact returns a database URL or DSN with any password replaced by
// "xxxxx", for logs and errors: in the user part of a URL (all of it when
// the URL does not parse), and as a password= parameter of a URL or a
// keyword/value DSN.
func Redact(rawURL string) string {
	out := passwordParam.ReplaceAllString(rawURL, "${1}xxxxx")
	u, err := url.Parse(out)
	if err != nil {
		return userInfo.ReplaceAllString(out, "//xxxxx@")
	}
	if u.User == nil {
		return out
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// ping checks the first connection. On SQLite it retries a busy
// database a few times: the first connection switches a new file to WAL,
// and processes opening it together (serve and a syncer) collide there
// even with a busy timeout, as they do in migrate (see migrateRetrying).
func (s *DB) ping(ctx context.Context) error {
	for i := 1; ; i++ {
		err := s.db.PingContext(ctx)
		if err == nil || s.engine != SQLite || i == 8 || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(i) * 50 * time.Millisecond):
		}
	}
}

// Engine reports which engine s runs on.
func (s *DB) Engine() Engine { return s.engine }

// Ping checks that the database answers, for readiness probes.
func (s *DB) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Close closes the database.
func (s *DB) Close() error {
	s.prepared.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	err := s.db.Close()
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// q returns query with its "?" placeholders in the engine's syntax.
func (s *DB) q(query string) string {
	if s.engine != Postgres {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	s.rebound.Store(query, b.String())
	return b.String()
}

// prepare prepares query on the database for the life of s: a hot
// statement that costs more to prepare than to run, such as a full chunk
// of a multi-row INSERT. It must run before any transaction holds SQLite's
// one connection; Open calls it.
func (s *DB) prepare(ctx context.Context, query string) error {
	st, err := s.db.PrepareContext(ctx, s.q(query))
	if err != nil {
		return fmt.Errorf("store: prepare: %w", err)
	}
	s.prepared.Store(query, st)
	return nil
}

// stmt returns the statement prepare made of query, bound to tx, or nil
// if query was not prepared.
func (s *DB) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if v, ok := s.prepared.Load(query); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	return nil
}

// inTx runs fn in a transaction, committing if it returns nil. The rollback
// runs even when ctx is already cancelled.
func (s *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// migrateRetrying migrates. On SQLite, where no advisory lock exists,
// two processes opening a new file at once (cohort serve and a syncer,
// say) can race: each migration and its version row commit together, so
// the loser's step fails whole, and a second look finds it applied by the
// winner. The race shows as a busy database or an object that already
// exists; migrate is retried a few times before its error counts.
func (s *DB) migrateRetrying(ctx context.Context) error {
	const attempts = 8
	for i := 1; ; i++ {
		err := s.migrate(ctx)
		if err == nil || s.engine != SQLite || i == attempts {
			return err
		}
		s.logger.Debug("migration raced with another process; looking again", "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(i) * 100 * time.Millisecond):
		}
	}
}

// migrate applies the engine's migrations that are not yet recorded in
// schema_migrations, each in its own transaction. On PostgreSQL an advisory
// lock keeps replicas that start together from migrating twice.
func (s *DB) migrate(ctx context.Context) error {
	dir := "migrations/" + string(s.engine)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return fmt.Errorf("store: read migrations: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close()
	if s.engine == Postgres {
		const lockKey = 0x636f686f7274 // "cohort"
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
			return fmt.Errorf("store: migrate: lock: %w", err)
		}
		defer func() {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey)
		}()
	}
	if err := s.migrateOwn(ctx, conn, names, dir); err != nil {
		return err
	}
	if s.engine == SQLite {
		// River needs the one SQLite connection that conn holds.
		conn.Close()
	}
	// On PostgreSQL, River's migrations run while conn still holds the lock.
	return s.migrateRiver(ctx)
}

// migrateOwn applies cohort's migrations in dir, in name order, skipping
// those recorded in schema_migrations.
func (s *DB) migrateOwn(ctx context.Context, conn *sql.Conn, names []string, dir string) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("store: migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}

	for _, name := range names {
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("store: migration %s: name must start with a number", name)
		}
		if applied[version] {
			continue
		}
		body, err := migrations.ReadFile(dir + "/" + name)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"),
			version, name, s.now().UTC().Format(time.RFC3339)); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("store: migration %s: %w", name, err)
		}
		s.logger.Info("applied migration", "engine", s.engine, "migration", name)
	}
	return nil
}

package main

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// freshSchema creates schema in the database at COHORT_TEST_POSTGRES_URL and
// returns a URL that uses it, and a function that drops it.
func freshSchema(ctx context.Context, schema string) (string, func(), error) {
	base := os.Getenv("COHORT_TEST_POSTGRES_URL")
	if base == "" {
		return "", nil, errors.New("COHORT_TEST_POSTGRES_URL unset")
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	}
	return u.String(), drop, nil
}

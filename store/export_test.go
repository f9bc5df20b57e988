package store

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
)

// TicketFactPage is ticketFactPage, for tests that read past a page.
const TicketFactPage = ticketFactPage

// OpenMigratedThrough opens rawURL with cohort's own migrations applied up
// to and including version (none of River's): a store as an older cohort
// left it, and what closes it.
func OpenMigratedThrough(ctx context.Context, rawURL string, version int) (*sql.DB, func() error, error) {
	s, err := connect(ctx, rawURL, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, nil, err
	}
	dir := "migrations/" + string(s.engine)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	var names []string
	for _, e := range entries {
		if v, _ := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); v <= version {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	conn, err := s.db.Conn(ctx)
	if err == nil {
		err = s.migrateOwn(ctx, conn, names, dir)
		conn.Close()
	}
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s.db, s.Close, nil
}

// Q rebinds a query's ? placeholders for engine.
func Q(engine Engine, query string) string {
	return (&DB{engine: engine}).q(query)
}

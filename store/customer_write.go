package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// rowsPerInsert bounds the rows of one multi-row INSERT on SQLite (12
// parameters a row).
const rowsPerInsert = 500

// insertCustomers inserts new customers and sets their ids: through COPY
// on PostgreSQL, with multi-row INSERTs on SQLite.
func (s *DB) insertCustomers(ctx context.Context, tx customerTx, source CustomerSource, inserts []*stored) error {
	if len(inserts) == 0 {
		return nil
	}
	if s.engine == Postgres {
		return s.copyCustomers(ctx, tx, source, inserts)
	}
	for chunk := range slices.Chunk(inserts, rowsPerInsert) {
		if err := s.sqliteInsert(ctx, tx.Tx, source, chunk); err != nil {
			return err
		}
		for _, st := range chunk {
			if st.ID == 0 {
				return fmt.Errorf("insert customer %s: its email or external id was stored meanwhile", customerKey(st.ExternalID, st.Email))
			}
		}
	}
	return nil
}

// sqliteInsert inserts up to rowsPerInsert customers in one statement and
// sets the ids of those it inserted; it skips, leaving their id 0, those
// with an email or external id already stored.
//
// SQLite gives each new row of the statement, in order, the id after the
// largest in the table: when every row went in, their ids follow the
// largest before the statement, and only when some were skipped are the
// new rows read back. (Reading RETURNING's rows cost 2.5 s a million
// rows.)
func (s *DB) sqliteInsert(ctx context.Context, tx *sql.Tx, source CustomerSource, chunk []*stored) error {
	var before int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM customers").Scan(&before); err != nil {
		return err
	}
	if before > math.MaxInt64-rowsPerInsert {
		return errors.New("customer ids are exhausted")
	}
	now := s.now().UTC()
	args := make([]any, 0, 12*len(chunk)+3)
	args = append(args, source.Name, nullRun(source.Run), now)
	for _, st := range chunk {
		args = s.appendCustomerValues(args, &st.Customer)
	}
	query := fullInsertQuery
	if len(chunk) != rowsPerInsert {
		query = insertCustomersQuery(len(chunk))
	}
	var res sql.Result
	var err error
	if stmt := s.stmt(ctx, tx, query); stmt != nil {
		res, err = stmt.ExecContext(ctx, args...)
	} else {
		res, err = tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	last, err := res.LastInsertId()
	if err != nil {
		return err
	}
	switch {
	case n == int64(len(chunk)) && last == before+n:
		for i, st := range chunk {
			st.ID = before + 1 + int64(i)
		}
		return nil
	case n == 0:
		return nil
	}
	rows, err := tx.QueryContext(ctx, "SELECT id, COALESCE(external_id, ''), COALESCE(email, '') FROM customers WHERE id > ?", before)
	if err != nil {
		return err
	}
	defer rows.Close()
	byKey := make(map[string]*stored, len(chunk))
	for _, st := range chunk {
		byKey[customerKey(st.ExternalID, st.Email)] = st
	}
	for rows.Next() {
		var id int64
		var ext, email string
		if err := rows.Scan(&id, &ext, &email); err != nil {
			return err
		}
		if st := byKey[customerKey(ext, email)]; st != nil {
			st.ID = id
		}
	}
	return rows.Err()
}

// fullInsertQuery is insertCustomersQuery of a full chunk, the statement
// Open prepares.
var fullInsertQuery = insertCustomersQuery(rowsPerInsert)

// insertCustomersQuery inserts n customers on SQLite, but none whose email
// or external id is taken.
func insertCustomersQuery(n int) string {
	return `WITH batch(source, seen_run, now) AS (VALUES (?, ?, ?))
		INSERT INTO customers (email, email_domain, external_id, name, organization, plan, arr, ltv,
		signup_date, products, tech_level, attrs, source, seen_run, updated_at, created_at)
		SELECT v.*, batch.source, batch.seen_run, batch.now, batch.now FROM (VALUES ` + valuesList(n, 12) + `) AS v, batch
		WHERE true ON CONFLICT DO NOTHING`
}

// copyColumns are the columns copyCustomers fills.
var copyColumns = []string{"id", "email", "email_domain", "external_id", "name", "organization", "plan", "arr", "ltv",
	"signup_date", "products", "tech_level", "attrs", "source", "seen_run", "updated_at", "created_at"}

// copyCustomers inserts new customers on PostgreSQL with COPY, on tx's
// connection and so in its transaction, with ids taken from the table's
// sequence first.
func (s *DB) copyCustomers(ctx context.Context, tx customerTx, source CustomerSource, inserts []*stored) error {
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, $1)`, len(inserts))
	if err != nil {
		return err
	}
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&inserts[i].ID); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	now := s.now().UTC()
	run := nullRun(source.Run)
	return tx.conn.Raw(func(driverConn any) error {
		conn := driverConn.(*stdlib.Conn).Conn()
		_, err := conn.CopyFrom(ctx, pgx.Identifier{"customers"}, copyColumns, pgx.CopyFromSlice(len(inserts), func(i int) ([]any, error) {
			st := inserts[i]
			return append(s.appendCustomerValues([]any{st.ID}, &st.Customer), source.Name, run, now, now), nil
		}))
		return err
	})
}

func customerKey(extID, email string) string {
	if extID != "" {
		return "x:" + extID
	}
	return "e:" + email
}

// updateCustomers writes changed customers, restores deleted ones and
// marks them for re-segmenting.
func (s *DB) updateCustomers(ctx context.Context, tx *sql.Tx, source CustomerSource, updates []*stored) error {
	if len(updates) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.q(`UPDATE customers SET email = ?, email_domain = ?, external_id = ?,
		name = ?, organization = ?, plan = ?, arr = ?, ltv = ?, signup_date = ?, products = ?,
		tech_level = ?, attrs = ?, source = ?, seen_run = COALESCE(?, seen_run), updated_at = ?,
		deleted_at = NULL, segments_dirty = TRUE WHERE id = ?`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := s.now().UTC()
	for _, st := range updates {
		if _, err := stmt.ExecContext(ctx, append(s.appendCustomerValues(nil, &st.Customer), source.Name, nullRun(source.Run), now, st.ID)...); err != nil {
			return err
		}
	}
	return nil
}

// markSeen records that full run saw the unchanged customers ids.
func (s *DB) markSeen(ctx context.Context, tx *sql.Tx, run int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, s.q("UPDATE customers SET seen_run = ? WHERE "+s.inList("id")), run, s.idsArg(ids))
	return err
}

// appendCustomerValues appends c's columns from email to attrs, as stored.
func (s *DB) appendCustomerValues(args []any, c *cohort.Customer) []any {
	var signup any
	switch {
	case c.SignupDate.IsZero():
	case s.engine == SQLite:
		signup = sqliteDate(c.SignupDate)
	default:
		signup = truncateDay(c.SignupDate)
	}
	return append(args, nullable(c.Email), nullable(cohort.EmailDomain(c.Email)), nullable(c.ExternalID), c.Name,
		c.Organization, c.Plan, c.ARR, c.LTV, signup, jsonStrings(c.Products), c.TechLevel, jsonStringMap(c.Attrs))
}

// nullable is s, or NULL when s is empty.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// sqliteDate is day t as the SQLite driver writes a time with
// _time_format=sqlite ("2006-01-02 15:04:05.999999999-07:00", in UTC),
// without its cost per value.
func sqliteDate(t time.Time) string {
	t = truncateDay(t)
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02 15:04:05.999999999-07:00")
	}
	b := make([]byte, 0, 25)
	b = append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
	return string(append(b, " 00:00:00+00:00"...))
}

// jsonStrings is json.Marshal of list (never null), without reflection.
func jsonStrings(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b := make([]byte, 0, 16*len(list))
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, v)
	}
	return string(append(b, ']'))
}

// jsonStringMap is json.Marshal of m (keys sorted), without reflection.
func jsonStringMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b := []byte{'{'}
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

// appendJSONString appends v as encoding/json writes it: plain ASCII as
// it is, anything else through encoding/json (which escapes <, >, & and
// invalid UTF-8 its own way).
func appendJSONString(b []byte, v string) []byte {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(v)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, v...)
	return append(b, '"')
}

func nullRun(run int64) sql.NullInt64 { return sql.NullInt64{Int64: run, Valid: run != 0} }

// placeholders returns "?, ?, …" for n parameters.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// valuesList returns "(?, …), (?, …)" for rows rows of cols parameters.
func valuesList(rows, cols int) string {
	row := "(" + placeholders(cols) + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

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

// insertRecords inserts a batch's new records: first the customers that
// some of them create (each such record is its customer's first and only
// one, so the customer is the record), then the records. PostgreSQL
// copies the rows in (COPY); SQLite takes multi-row INSERTs.
func (s *DB) insertRecords(ctx context.Context, tx customerTx, source CustomerSource, inserts []*stored) error {
	var creators []*stored
	for _, st := range inserts {
		if st.newCustomer == st {
			creators = append(creators, st)
		}
	}
	now := s.now().UTC()
	if s.engine == Postgres {
		if err := s.copyCustomers(ctx, tx, creators, now); err != nil {
			return err
		}
		return s.copyRecords(ctx, tx, source, inserts, now)
	}
	for chunk := range slices.Chunk(creators, rowsPerInsert) {
		if err := s.sqliteInsertCustomers(ctx, tx.Tx, chunk, now); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(inserts, rowsPerInsert) {
		if err := s.sqliteInsertRecords(ctx, tx.Tx, source, chunk, now); err != nil {
			return err
		}
	}
	return nil
}

// sqliteInsertCustomers inserts up to rowsPerInsert customers in one
// statement and sets their ids. SQLite gives each new row of the
// statement, in order, the id after the largest in the table, so the ids
// follow the largest before the statement. (Reading RETURNING's rows cost
// 2.5 s a million rows.)
func (s *DB) sqliteInsertCustomers(ctx context.Context, tx *sql.Tx, chunk []*stored, now time.Time) error {
	var before int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM customers").Scan(&before); err != nil {
		return err
	}
	if before > math.MaxInt64-rowsPerInsert {
		return errors.New("customer ids are exhausted")
	}
	args := make([]any, 0, 12*len(chunk)+1)
	args = append(args, now)
	for _, st := range chunk {
		args = s.appendCustomerValues(args, &st.Customer)
	}
	res, err := s.execChunk(ctx, tx, insertCustomersQuery, len(chunk), args)
	if err != nil {
		return err
	}
	if last, err := res.LastInsertId(); err != nil || last != before+int64(len(chunk)) {
		return fmt.Errorf("new customers did not get consecutive ids (last %d after %d): %v", last, before, err)
	}
	for i, st := range chunk {
		st.ID = before + 1 + int64(i)
	}
	return nil
}

// sqliteInsertRecords inserts up to rowsPerInsert records of source in one
// statement.
func (s *DB) sqliteInsertRecords(ctx context.Context, tx *sql.Tx, source CustomerSource, chunk []*stored, now time.Time) error {
	args := make([]any, 0, 14*len(chunk)+3)
	args = append(args, source.Name, nullRun(source.Run), now)
	for _, st := range chunk {
		args = s.appendRecordValues(append(args, st.customerID()), &st.CustomerRecord)
	}
	_, err := s.execChunk(ctx, tx, insertRecordsQuery, len(chunk), args)
	return err
}

// execChunk runs query(n) with args, through the statement Open prepared
// for a full chunk.
func (s *DB) execChunk(ctx context.Context, tx *sql.Tx, query func(n int) string, n int, args []any) (sql.Result, error) {
	q := query(n)
	if stmt := s.stmt(ctx, tx, q); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, q, args...)
}

// insertCustomersQuery inserts n customers on SQLite.
func insertCustomersQuery(n int) string {
	return `WITH batch(now) AS (VALUES (?))
		INSERT INTO customers (email, email_domain, external_id, name, organization, plan, arr, ltv,
		signup_date, products, tech_level, attrs, updated_at, created_at)
		SELECT v.*, batch.now, batch.now FROM (VALUES ` + valuesList(n, 12) + `) AS v, batch`
}

// insertRecordsQuery inserts n records of one source on SQLite.
func insertRecordsQuery(n int) string {
	return `WITH batch(source, seen_run, now) AS (VALUES (?, ?, ?))
		INSERT INTO customer_records (customer_id, email, external_id, name, organization, plan, arr, ltv,
		signup_date, products, tech_level, attrs, source, seen_run, updated_at, created_at)
		SELECT v.*, batch.source, batch.seen_run, batch.now, batch.now FROM (VALUES ` + valuesList(n, 12) + `) AS v, batch`
}

// preparedInserts are the full-chunk statements Open prepares on SQLite.
var preparedInserts = []string{insertCustomersQuery(rowsPerInsert), insertRecordsQuery(rowsPerInsert)}

// copyCustomers inserts new customers on PostgreSQL with COPY, on tx's
// connection and so in its transaction, with ids taken from the table's
// sequence first.
func (s *DB) copyCustomers(ctx context.Context, tx customerTx, creators []*stored, now time.Time) error {
	if len(creators) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('customers', 'id')) FROM generate_series(1, $1)`, len(creators))
	if err != nil {
		return err
	}
	for i := 0; rows.Next(); i++ {
		if err := rows.Scan(&creators[i].ID); err != nil {
			rows.Close()
			return err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	columns := []string{"id", "email", "email_domain", "external_id", "name", "organization", "plan", "arr", "ltv",
		"signup_date", "products", "tech_level", "attrs", "updated_at", "created_at"}
	return s.copyRows(ctx, tx, "customers", columns, len(creators), func(i int) []any {
		st := creators[i]
		return append(s.appendCustomerValues([]any{st.ID}, &st.Customer), now, now)
	})
}

// copyRecords inserts new records of source on PostgreSQL with COPY.
func (s *DB) copyRecords(ctx context.Context, tx customerTx, source CustomerSource, inserts []*stored, now time.Time) error {
	if len(inserts) == 0 {
		return nil
	}
	columns := []string{"customer_id", "email", "external_id", "name", "organization", "plan", "arr", "ltv",
		"signup_date", "products", "tech_level", "attrs", "source", "seen_run", "updated_at", "created_at"}
	run := nullRun(source.Run)
	return s.copyRows(ctx, tx, "customer_records", columns, len(inserts), func(i int) []any {
		st := inserts[i]
		return append(s.appendRecordValues([]any{st.customerID()}, &st.CustomerRecord), source.Name, run, now, now)
	})
}

// copyRows copies n rows, row(i) each, into table on tx's connection.
func (s *DB) copyRows(ctx context.Context, tx customerTx, table string, columns []string, n int, row func(i int) []any) error {
	return tx.conn.Raw(func(driverConn any) error {
		conn := driverConn.(*stdlib.Conn).Conn()
		_, err := conn.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return row(i), nil
		}))
		return err
	})
}

// updateRecords writes changed records of source and restores deleted
// ones.
func (s *DB) updateRecords(ctx context.Context, tx *sql.Tx, source CustomerSource, updates []*stored) error {
	if len(updates) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, s.q(`UPDATE customer_records SET email = ?, external_id = ?, name = ?,
		organization = ?, plan = ?, arr = ?, ltv = ?, signup_date = ?, products = ?, tech_level = ?, attrs = ?,
		seen_run = COALESCE(?, seen_run), updated_at = ?, deleted_at = NULL WHERE id = ?`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := s.now().UTC()
	for _, st := range updates {
		if _, err := stmt.ExecContext(ctx, append(s.appendRecordValues(nil, &st.CustomerRecord), nullRun(source.Run), now, st.recID)...); err != nil {
			return err
		}
	}
	return nil
}

// markSeen records that full run saw the unchanged records ids.
func (s *DB) markSeen(ctx context.Context, tx *sql.Tx, run int64, ids []int64) error {
	for chunk := range slices.Chunk(ids, 10*keysPerQuery) {
		if _, err := tx.ExecContext(ctx, s.q("UPDATE customer_records SET seen_run = ? WHERE "+s.inList("id")), run, s.idsArg(chunk)); err != nil {
			return err
		}
	}
	return nil
}

// remerge brings the merged customers ids up to date with their records:
// a customer whose merge changed is written and marked for re-segmenting;
// one with no live record left is soft-deleted, one with a live record
// again restored.
func (s *DB) remerge(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for chunk := range slices.Chunk(ids, keysPerQuery) {
		records := map[int64][]cohort.CustomerRecord{}
		err := s.scanRecords(ctx, tx, "WHERE "+s.inList("customer_id"), s.idsArg(chunk), func(st *stored) {
			records[st.ID] = append(records[st.ID], st.CustomerRecord)
		})
		if err != nil {
			return err
		}
		current, err := s.customersByID(ctx, tx, chunk)
		if err != nil {
			return err
		}
		for _, id := range chunk {
			cur, ok := current[id]
			if !ok {
				return fmt.Errorf("customer %d has records but no row", id)
			}
			merged, _ := cohort.MergeCustomer(records[id], s.precedence)
			live := slices.ContainsFunc(records[id], func(r cohort.CustomerRecord) bool { return !r.Deleted })
			switch {
			case !live && !cur.deleted:
				if _, err := tx.ExecContext(ctx, s.q(`UPDATE customers SET deleted_at = ?, segments_dirty = TRUE WHERE id = ?`),
					s.now().UTC(), id); err != nil {
					return err
				}
			case live && (cur.deleted || !sameMerge(&cur.Customer, &merged)):
				if err := s.writeMerged(ctx, tx, id, &merged); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// writeMerged writes customer id's merge and restores it if deleted.
func (s *DB) writeMerged(ctx context.Context, tx *sql.Tx, id int64, c *cohort.Customer) error {
	_, err := tx.ExecContext(ctx, s.q(`UPDATE customers SET email = ?, email_domain = ?, external_id = ?, name = ?,
		organization = ?, plan = ?, arr = ?, ltv = ?, signup_date = ?, products = ?, tech_level = ?, attrs = ?,
		updated_at = ?, deleted_at = NULL, segments_dirty = TRUE WHERE id = ?`),
		append(s.appendCustomerValues(nil, c), s.now().UTC(), id)...)
	return err
}

// sameMerge reports whether two merged customers carry the same data.
func sameMerge(a, b *cohort.Customer) bool {
	return a.Email == b.Email && a.ExternalID == b.ExternalID && a.Name == b.Name && a.Organization == b.Organization &&
		a.Plan == b.Plan && a.ARR == b.ARR && a.LTV == b.LTV && a.SignupDate.Equal(b.SignupDate) &&
		a.TechLevel == b.TechLevel && slices.Equal(a.Products, b.Products) && maps.Equal(a.Attrs, b.Attrs)
}

// appendCustomerValues appends a customer's columns from email to attrs,
// as stored.
func (s *DB) appendCustomerValues(args []any, c *cohort.Customer) []any {
	return append(args, nullable(c.Email), nullable(cohort.EmailDomain(c.Email)), nullable(c.ExternalID), c.Name,
		c.Organization, c.Plan, c.ARR, c.LTV, s.dateValue(c.SignupDate), jsonStrings(c.Products), c.TechLevel, jsonStringMap(c.Attrs))
}

// appendRecordValues appends a record's columns from email to attrs, as
// stored: a number the source did not give is NULL.
func (s *DB) appendRecordValues(args []any, r *cohort.CustomerRecord) []any {
	number := func(has bool, v float64) any {
		if !has {
			return nil
		}
		return v
	}
	return append(args, nullable(r.Email), nullable(r.ExternalID), r.Name, r.Organization, r.Plan,
		number(r.HasARR, r.ARR), number(r.HasLTV, r.LTV), s.dateValue(r.SignupDate), jsonStrings(r.Products),
		r.TechLevel, jsonStringMap(r.Attrs))
}

// dateValue is a day as the engine stores it; NULL for none.
func (s *DB) dateValue(t time.Time) any {
	switch {
	case t.IsZero():
		return nil
	case s.engine == SQLite:
		return sqliteDate(t)
	}
	return truncateDay(t)
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

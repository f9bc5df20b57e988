package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cohortdesk/cohort"
)

// Outcome is what an upsert did with one customer record.
type Outcome int

// The outcomes of an upsert.
const (
	Inserted Outcome = iota
	Updated
	Unchanged
	Rejected
)

var outcomeNames = [...]string{"inserted", "updated", "unchanged", "rejected"}

func (o Outcome) String() string { return outcomeNames[o] }

// UpsertResult is the outcome of one record of an UpsertCustomers batch.
type UpsertResult struct {
	Outcome Outcome
	ID      int64  // the customer's id, unless rejected
	Reason  string // why it was rejected
}

const customerColumns = `id, email, external_id, name, organization, plan, arr, ltv, signup_date,
	products, tech_level, attrs, updated_at`

// packedScalarColumns are the columns of customerColumns that are not
// JSON text, in the order unpackCustomer reads them.
const packedScalarColumns = `id, email, external_id, name, organization, plan, arr, ltv, signup_date, tech_level, updated_at`

// CustomerSource says where a batch of customer records comes from.
type CustomerSource struct {
	// Name is the source's name ("csv", "hubspot", "push", …), recorded on
	// each customer it writes.
	Name string
	// Run, when not 0, is a full sync run that sees these records: every
	// one is marked seen by it, so that DeleteUnseen can find the
	// customers the source no longer has.
	Run int64
}

// UpsertCustomers inserts or updates customers in one transaction, as
// written by source. See upsertBatch for how records are matched.
func (s *DB) UpsertCustomers(ctx context.Context, source CustomerSource, customers []cohort.Customer) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inCustomerTx(ctx, func(tx customerTx) error {
		var err error
		results, err = s.upsertBatch(ctx, tx, source, customers)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: upsert customers: %w", err)
	}
	return results, nil
}

// customerTx is a transaction that writes customers. On PostgreSQL it
// runs on conn, whose pgx connection copies new customers in (COPY) as
// part of the transaction.
type customerTx struct {
	*sql.Tx
	conn *sql.Conn // nil on SQLite
}

// inCustomerTx runs fn in a transaction as inTx does, on a connection of
// its own on PostgreSQL.
func (s *DB) inCustomerTx(ctx context.Context, fn func(customerTx) error) error {
	if s.engine != Postgres {
		return s.inTx(ctx, func(tx *sql.Tx) error { return fn(customerTx{Tx: tx}) })
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if err := fn(customerTx{Tx: tx, conn: conn}); err != nil {
		return err
	}
	return tx.Commit()
}

// stored is a customer as the store has it, with what upserts need to
// know besides its data.
type stored struct {
	cohort.Customer
	deleted bool
	seenRun int64
	insert  int // index in the batch's inserts, or -1 for a stored row
}

// upsertBatch writes a batch of customers in tx. A record is identified by
// its external id if it has one, else by its email (lowercased). A record
// whose email and external id point at two different customers is rejected
// with a reason, as is one with neither; the others land. Records are
// decided in order, so a key repeated in the batch updates the record
// written earlier in it. A soft-deleted customer that comes back is
// restored. Changed customers are marked for re-segmenting.
//
// On SQLite, records whose keys no other record of the batch shares are
// first inserted as they are, skipping those whose keys are already
// stored (see insertNew): when the keys are new, as in a first import,
// that is all there is to do. The others go through lookups.
func (s *DB) upsertBatch(ctx context.Context, tx customerTx, source CustomerSource, customers []cohort.Customer) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(customers))
	in := make([]cohort.Customer, len(customers))
	for i, c := range customers {
		c.Email = strings.ToLower(strings.TrimSpace(c.Email))
		c.ExternalID = strings.TrimSpace(c.ExternalID)
		c.Products = nonNil(c.Products)
		if c.Attrs == nil {
			c.Attrs = map[string]string{}
		}
		c.SignupDate = truncateDay(c.SignupDate)
		in[i] = c
	}
	rest := make([]int, 0, len(in)) // records decided by lookups, in order
	if s.engine == SQLite {
		var err error
		if rest, err = s.insertNew(ctx, tx, source, in, results); err != nil {
			return nil, err
		}
	} else {
		for i := range in {
			rest = append(rest, i)
		}
	}
	if len(rest) == 0 {
		return results, nil
	}

	var extIDs, emails []string
	for _, i := range rest {
		if c := &in[i]; c.ExternalID != "" {
			extIDs = append(extIDs, c.ExternalID)
		}
		if c := &in[i]; c.Email != "" {
			emails = append(emails, c.Email)
		}
	}
	byExt, byEmail, err := s.storedByKeys(ctx, tx.Tx, extIDs, emails)
	if err != nil {
		return nil, err
	}

	var (
		inserts []*stored
		updates []*stored
		seen    []int64 // unchanged customers the full run marks seen
		owner   = make([]*stored, len(in))
	)
	for _, i := range rest {
		c := &in[i]
		if c.Email == "" && c.ExternalID == "" {
			results[i] = UpsertResult{Outcome: Rejected, Reason: "needs an email or an external_id"}
			continue
		}
		var ext, mail *stored
		if c.ExternalID != "" {
			ext = byExt[c.ExternalID]
		}
		if c.Email != "" {
			mail = byEmail[c.Email]
		}
		existing := ext
		switch {
		case ext != nil && mail != nil && ext != mail:
			results[i] = UpsertResult{Outcome: Rejected, Reason: fmt.Sprintf(
				"email %s already belongs to another customer (external_id %q)", c.Email, mail.ExternalID)}
			continue
		case ext == nil && mail != nil:
			if mail.ExternalID != "" && c.ExternalID != "" {
				results[i] = UpsertResult{Outcome: Rejected, Reason: fmt.Sprintf(
					"email %s already belongs to customer with external_id %q", c.Email, mail.ExternalID)}
				continue
			}
			existing = mail
		}
		if existing == nil {
			st := &stored{Customer: *c, insert: len(inserts)}
			inserts = append(inserts, st)
			owner[i] = st
			results[i].Outcome = Inserted
			s.index(byExt, byEmail, st, "", "")
			continue
		}
		owner[i] = existing
		if sameCustomer(&existing.Customer, c) && !existing.deleted {
			results[i].Outcome = Unchanged
			if source.Run != 0 && existing.insert < 0 && existing.seenRun != source.Run {
				existing.seenRun = source.Run
				seen = append(seen, existing.ID)
			}
			continue
		}
		results[i].Outcome = Updated
		oldExt, oldEmail := existing.ExternalID, existing.Email
		id := existing.ID
		existing.Customer = *c
		existing.ID = id
		if c.ExternalID == "" { // identified by email: keep the stored external id
			existing.ExternalID = oldExt
		}
		if c.Email == "" {
			existing.Email = oldEmail
		}
		existing.deleted = false
		s.index(byExt, byEmail, existing, oldExt, oldEmail)
		if existing.insert < 0 && !slices.Contains(updates, existing) {
			updates = append(updates, existing)
		}
	}

	if err := s.insertCustomers(ctx, tx, source, inserts); err != nil {
		return nil, err
	}
	if err := s.updateCustomers(ctx, tx.Tx, source, updates); err != nil {
		return nil, err
	}
	if err := s.markSeen(ctx, tx.Tx, source.Run, seen); err != nil {
		return nil, err
	}
	for i, st := range owner {
		if st != nil {
			results[i].ID = st.ID
		}
	}
	return results, nil
}

// insertNew inserts, in chunks, the records of in whose keys no other
// record of in shares, each unless a stored customer already has one of
// its keys, and sets their results. It returns the indexes of the records
// left for lookups, in order. After a chunk in which most keys were
// already stored (a re-import), it stops trying: the lookups would run for
// those records anyway.
func (s *DB) insertNew(ctx context.Context, tx customerTx, source CustomerSource, in []cohort.Customer, results []UpsertResult) ([]int, error) {
	// How many records have each key.
	exts, emails := make(map[string]int, len(in)), make(map[string]int, len(in))
	for i := range in {
		exts[in[i].ExternalID]++
		emails[in[i].Email]++
	}
	var candidates, rest []int
	for i := range in {
		c := &in[i]
		if (c.Email != "" || c.ExternalID != "") && (c.ExternalID == "" || exts[c.ExternalID] == 1) &&
			(c.Email == "" || emails[c.Email] == 1) {
			candidates = append(candidates, i)
		}
	}
	inserted := make([]bool, len(in))
	for lo := 0; lo < len(candidates); lo += rowsPerInsert {
		chunk := candidates[lo:min(lo+rowsPerInsert, len(candidates))]
		sts := make([]*stored, len(chunk))
		for j, i := range chunk {
			sts[j] = &stored{Customer: in[i]}
		}
		if err := s.sqliteInsert(ctx, tx.Tx, source, sts); err != nil {
			return nil, err
		}
		n := 0
		for j, st := range sts {
			if st.ID != 0 {
				inserted[chunk[j]] = true
				results[chunk[j]] = UpsertResult{Outcome: Inserted, ID: st.ID}
				n++
			}
		}
		if 2*n < len(chunk) {
			break
		}
	}
	for i := range in {
		if !inserted[i] {
			rest = append(rest, i)
		}
	}
	return rest, nil
}

// index keeps the batch's key maps current after st was inserted or its
// keys changed from oldExt and oldEmail.
func (s *DB) index(byExt, byEmail map[string]*stored, st *stored, oldExt, oldEmail string) {
	if oldExt != "" && oldExt != st.ExternalID && byExt[oldExt] == st {
		delete(byExt, oldExt)
	}
	if oldEmail != "" && oldEmail != st.Email && byEmail[oldEmail] == st {
		delete(byEmail, oldEmail)
	}
	if st.ExternalID != "" {
		byExt[st.ExternalID] = st
	}
	if st.Email != "" {
		byEmail[st.Email] = st
	}
}

// storedByKeys loads the customers, deleted ones included, whose external
// id is in extIDs or whose email is in emails.
func (s *DB) storedByKeys(ctx context.Context, tx *sql.Tx, extIDs, emails []string) (byExt, byEmail map[string]*stored, err error) {
	byID := map[int64]*stored{}
	byExt, byEmail = map[string]*stored{}, map[string]*stored{}
	load := func(column string, keys []string) error {
		if len(keys) == 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, s.q("SELECT "+s.customerSelect([]string{"deleted_at IS NOT NULL", "COALESCE(seen_run, 0)"}, "")+
			" FROM customers WHERE "+s.inList(column)), s.keysArg(keys))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			st := &stored{insert: -1}
			if err := s.scanCustomerRow(rows, &st.Customer, []any{&st.deleted, &st.seenRun}, nil); err != nil {
				return err
			}
			if prev := byID[st.ID]; prev == nil {
				byID[st.ID] = st
			}
		}
		return rows.Err()
	}
	if err := load("external_id", extIDs); err != nil {
		return nil, nil, err
	}
	if err := load("email", emails); err != nil {
		return nil, nil, err
	}
	for _, st := range byID {
		s.index(byExt, byEmail, st, "", "")
	}
	return byExt, byEmail, nil
}

// keysPerQuery bounds the keys of one IN (?, …) lookup, well inside both
// engines' limits on bound parameters.
const keysPerQuery = 500

// inList returns a condition that column is one of the values of a list
// parameter made by idsArg or keysArg: one parameter, so the statement is
// the same for any number of values.
func (s *DB) inList(column string) string {
	if s.engine == Postgres {
		return column + " = ANY(?)"
	}
	return column + " IN (SELECT value FROM json_each(?))"
}

// idsArg is the list parameter of inList for ids: an array on
// PostgreSQL, a JSON array on SQLite.
func (s *DB) idsArg(ids []int64) any {
	if s.engine == Postgres {
		return ids
	}
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return string(append(b, ']'))
}

// keysArg is the list parameter of inList for text keys.
func (s *DB) keysArg(keys []string) any {
	if s.engine == Postgres {
		return keys
	}
	n := 2
	for _, k := range keys {
		n += len(k) + 3
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
	}
	return string(append(b, ']'))
}

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

// sameCustomer reports whether stored and incoming carry the same data.
// Incoming has been normalized; a key it lacks is not a change.
func sameCustomer(stored, in *cohort.Customer) bool {
	return (in.Email == "" || stored.Email == in.Email) && (in.ExternalID == "" || stored.ExternalID == in.ExternalID) &&
		stored.Name == in.Name && stored.Organization == in.Organization && stored.Plan == in.Plan &&
		stored.ARR == in.ARR && stored.LTV == in.LTV && stored.SignupDate.Equal(in.SignupDate) &&
		stored.TechLevel == in.TechLevel && slices.Equal(stored.Products, in.Products) &&
		maps.Equal(stored.Attrs, in.Attrs)
}

// FindCustomer finds the customer a ticket's requester belongs to, trying in
// order: the requester's external id, the email (case-insensitive), the
// organization's external id, and the email's domain (never a public mail
// domain; the domain's customer with the highest ARR wins). It returns nil
// and "" when nothing matches.
func (s *DB) FindCustomer(ctx context.Context, q cohort.CustomerQuery) (*cohort.Customer, cohort.MatchedBy, error) {
	type attempt struct {
		by    cohort.MatchedBy
		where string
		arg   string
	}
	email := strings.ToLower(strings.TrimSpace(q.Email))
	domain := cohort.EmailDomain(email)
	if cohort.IsFreeMailDomain(domain) {
		domain = ""
	}
	attempts := []attempt{
		{cohort.MatchedByExternalID, "external_id = ?", strings.TrimSpace(q.ExternalID)},
		{cohort.MatchedByEmail, "email = ?", email},
		{cohort.MatchedByOrgExternalID, "external_id = ?", strings.TrimSpace(q.OrgExternalID)},
		{cohort.MatchedByDomain, "email_domain = ? ORDER BY arr DESC, id LIMIT 1", domain},
	}
	for _, a := range attempts {
		if a.arg == "" {
			continue
		}
		c, err := s.customerWhere(ctx, s.db, a.where, a.arg)
		if err != nil {
			return nil, "", fmt.Errorf("store: find customer by %s: %w", a.by, err)
		}
		if c != nil {
			return c, a.by, nil
		}
	}
	return nil, "", nil
}

// CountCustomers returns how many customers are stored and not deleted.
func (s *DB) CountCustomers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers WHERE deleted_at IS NULL").Scan(&n)
	return n, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// customerWhere returns the live customer matching where, or nil.
func (s *DB) customerWhere(ctx context.Context, db queryer, where string, arg any) (*cohort.Customer, error) {
	row := db.QueryRowContext(ctx, s.q("SELECT "+customerColumns+" FROM customers WHERE deleted_at IS NULL AND "+where), arg)
	var c cohort.Customer
	err := scanCustomer(row, &c)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// customerSelect returns the select list of customerColumns, then of the
// expressions scalars (booleans or integers) and then, unless it is "",
// of jsonColumn (a column of JSON arrays of strings), as scanCustomerRow
// reads it. On SQLite, where rows are read by the thousand, a row comes
// packed in one text: because the driver's cost per column read is
// several times SQLite's cost of packing, it is a JSON array of the
// scalar columns followed by the JSON text columns as stored, each after
// a unit separator (which JSON text holds only escaped).
func (s *DB) customerSelect(scalars []string, jsonColumn string) string {
	if s.engine != SQLite {
		cols := customerColumns + ", " + strings.Join(scalars, ", ")
		if jsonColumn != "" {
			cols += ", " + jsonColumn
		}
		return cols
	}
	packed := "json_array(" + packedScalarColumns + ", " + strings.Join(scalars, ", ") + ") || char(31) || products || char(31) || attrs"
	if jsonColumn != "" {
		packed += " || char(31) || " + jsonColumn
	}
	return packed
}

// scanCustomerRow scans a row of customerSelect into c, scalars (each a
// *bool or an *int64) and list (nil when there is no jsonColumn).
func (s *DB) scanCustomerRow(rows *sql.Rows, c *cohort.Customer, scalars []any, list *[]string) error {
	if s.engine == SQLite {
		var packed string
		if err := rows.Scan(&packed); err != nil {
			return err
		}
		return unpackCustomer(packed, c, scalars, list)
	}
	var raw []byte
	dest := scalars
	if list != nil {
		dest = append(slices.Clip(scalars), &raw)
	}
	if err := scanCustomer(rows, c, dest...); err != nil {
		return err
	}
	if list != nil {
		if err := unmarshalStrings(raw, list); err != nil {
			return fmt.Errorf("customer %d: %w", c.ID, err)
		}
	}
	return nil
}

// scanCustomer scans customerColumns, then extra, into c.
func scanCustomer(row interface{ Scan(...any) error }, c *cohort.Customer, extra ...any) error {
	var (
		email, extID    sql.NullString
		signup          sql.NullTime
		products, attrs []byte
	)
	err := row.Scan(append([]any{&c.ID, &email, &extID, &c.Name, &c.Organization, &c.Plan, &c.ARR, &c.LTV, &signup,
		&products, &c.TechLevel, &attrs, &c.UpdatedAt}, extra...)...)
	if err != nil {
		return err
	}
	c.Email, c.ExternalID = email.String, extID.String
	c.SignupDate = time.Time{}
	if signup.Valid {
		c.SignupDate = signup.Time.UTC()
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	if err := unmarshalStrings(products, &c.Products); err != nil {
		return fmt.Errorf("customer %d: products: %w", c.ID, err)
	}
	if string(attrs) == "{}" {
		c.Attrs = map[string]string{}
	} else if err := json.Unmarshal(attrs, &c.Attrs); err != nil {
		return fmt.Errorf("customer %d: attrs: %w", c.ID, err)
	}
	return nil
}

// unmarshalStrings decodes a JSON array of strings, the empty one without
// encoding/json.
func unmarshalStrings(raw []byte, list *[]string) error {
	if string(raw) == "[]" {
		*list = []string{}
		return nil
	}
	return json.Unmarshal(raw, list)
}

// unpackCustomer decodes a row of customerSelect on SQLite.
func unpackCustomer(packed string, c *cohort.Customer, scalars []any, list *[]string) error {
	var parts [4]string // scalars, products, attrs, list
	want := 3
	if list != nil {
		want = 4
	}
	n := 0
	for rest := packed; ; {
		i := strings.IndexByte(rest, 0x1f)
		if i < 0 || n == want-1 { // a separator left in the last part fails its parse
			parts[n] = rest
			n++
			break
		}
		parts[n], rest = rest[:i], rest[i+1:]
		n++
	}
	if n != want {
		return fmt.Errorf("customer row %.40q: %d parts, want %d", packed, n, want)
	}
	p := &jsonRow{s: parts[0]}
	p.expect('[')
	c.ID = p.int()
	c.Email = p.next().str()
	c.ExternalID = p.next().str()
	c.Name = p.next().str()
	c.Organization = p.next().str()
	c.Plan = p.next().str()
	c.ARR = p.next().float()
	c.LTV = p.next().float()
	signup := p.next().str()
	c.TechLevel = p.next().str()
	updated := p.next().str()
	for _, e := range scalars {
		switch e := e.(type) {
		case *bool:
			*e = p.next().int() != 0
		case *int64:
			*e = p.next().int()
		}
	}
	p.expect(']')
	products := &jsonRow{s: parts[1]}
	c.Products = products.strs()
	attrs := &jsonRow{s: parts[2]}
	c.Attrs = attrs.strMap()
	var listErr error
	if list != nil {
		l := &jsonRow{s: parts[3]}
		*list = l.strs()
		listErr = l.err
	}
	if err := cmp.Or(p.err, products.err, attrs.err, listErr); err != nil {
		return fmt.Errorf("customer row %.40q: %w", packed, err)
	}
	var err error
	c.SignupDate = time.Time{}
	if signup != "" {
		if c.SignupDate, err = parseStoredTime(signup); err != nil {
			return fmt.Errorf("customer %d: signup_date: %w", c.ID, err)
		}
	}
	if c.UpdatedAt, err = parseStoredTime(updated); err != nil {
		return fmt.Errorf("customer %d: updated_at: %w", c.ID, err)
	}
	return nil
}

// jsonRow reads a JSON array as SQLite's json_array writes it, element by
// element. Strings without escapes are slices of the row's text, not
// copies. The first error sticks; the readers then return zero values.
type jsonRow struct {
	s   string
	i   int
	err error
}

func (p *jsonRow) fail(want string) {
	if p.err == nil {
		p.err = fmt.Errorf("want %s at offset %d", want, p.i)
	}
}

func (p *jsonRow) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *jsonRow) peek() byte {
	p.skipSpace()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jsonRow) expect(c byte) {
	if p.peek() == c {
		p.i++
		return
	}
	p.fail(strconv.QuoteRune(rune(c)))
}

// next moves past the comma before the next element.
func (p *jsonRow) next() *jsonRow {
	p.expect(',')
	return p
}

// str reads a string, or null as "".
func (p *jsonRow) str() string {
	if p.peek() == 'n' && strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return ""
	}
	p.expect('"')
	if p.err != nil {
		return ""
	}
	start := p.i
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case '"':
			p.i++
			return p.s[start : p.i-1]
		case '\\':
			return p.escaped(start)
		}
		p.i++
	}
	p.fail("end of string")
	return ""
}

// escaped reads the rest of a string that has escapes, from start.
func (p *jsonRow) escaped(start int) string {
	var b strings.Builder
	b.WriteString(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String()
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return ""
			}
			if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(p.s[p.i:], `\u`) {
				p.i += 2
				lo, ok := p.hex4()
				if !ok {
					return ""
				}
				r = 0x10000 + (r-0xD800)<<10 + (lo - 0xDC00)
			}
			b.WriteRune(r)
		default: // " \ /
			b.WriteByte(e)
		}
	}
	p.fail("end of string")
	return ""
}

func (p *jsonRow) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		p.fail("4 hex digits")
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		p.fail("4 hex digits")
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number returns the text of a number.
func (p *jsonRow) number() string {
	p.skipSpace()
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.i]) >= 0 {
		p.i++
	}
	if p.i == start {
		p.fail("a number")
	}
	return p.s[start:p.i]
}

func (p *jsonRow) int() int64 {
	n, err := strconv.ParseInt(p.number(), 10, 64)
	if err != nil {
		p.fail("an integer")
	}
	return n
}

func (p *jsonRow) float() float64 {
	f, err := strconv.ParseFloat(p.number(), 64)
	if err != nil {
		p.fail("a number")
	}
	return f
}

// strs reads an array of strings (never nil).
func (p *jsonRow) strs() []string {
	p.expect('[')
	if p.peek() == ']' {
		p.i++
		return []string{}
	}
	var out []string
	for p.err == nil {
		out = append(out, p.str())
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	p.expect(']')
	return out
}

// strMap reads an object of strings (never nil).
func (p *jsonRow) strMap() map[string]string {
	p.expect('{')
	out := map[string]string{}
	if p.peek() == '}' {
		p.i++
		return out
	}
	for p.err == nil {
		k := p.str()
		p.expect(':')
		out[k] = p.str()
		if p.peek() != ',' {
			break
		}
		p.i++
	}
	p.expect('}')
	return out
}

// storedTimeLayouts are the layouts the SQLite driver reads times in.
var storedTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseStoredTime reads a time as SQLite stores it through the driver, in
// UTC: quickly the UTC times the store writes, else as the driver would.
func parseStoredTime(v string) (time.Time, error) {
	if t, ok := parseUTCTime(v); ok {
		return t, nil
	}
	for _, layout := range storedTimeLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time", v)
}

// parseUTCTime parses "2006-01-02 15:04:05[.fraction]+00:00".
func parseUTCTime(v string) (time.Time, bool) {
	if len(v) < 25 || v[4] != '-' || v[7] != '-' || v[10] != ' ' || v[13] != ':' || v[16] != ':' ||
		!strings.HasSuffix(v, "+00:00") {
		return time.Time{}, false
	}
	digits := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	y, ok1 := digits(v[0:4])
	mo, ok2 := digits(v[5:7])
	d, ok3 := digits(v[8:10])
	h, ok4 := digits(v[11:13])
	mi, ok5 := digits(v[14:16])
	sec, ok6 := digits(v[17:19])
	frac := v[19 : len(v)-6]
	ns := 0
	if frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		n, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		ns = n
	}
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC)
	if t.Day() != d { // 31 February and the like: let time.Parse refuse it
		return time.Time{}, false
	}
	return t, true
}

func truncateDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

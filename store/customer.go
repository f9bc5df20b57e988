package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		results, err = s.upsertBatch(ctx, tx, source, customers)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: upsert customers: %w", err)
	}
	return results, nil
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
func (s *DB) upsertBatch(ctx context.Context, tx *sql.Tx, source CustomerSource, customers []cohort.Customer) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(customers))
	in := make([]cohort.Customer, len(customers))
	var extIDs, emails []string
	for i, c := range customers {
		c.Email = strings.ToLower(strings.TrimSpace(c.Email))
		c.ExternalID = strings.TrimSpace(c.ExternalID)
		c.Products = nonNil(c.Products)
		if c.Attrs == nil {
			c.Attrs = map[string]string{}
		}
		c.SignupDate = truncateDay(c.SignupDate)
		in[i] = c
		if c.ExternalID != "" {
			extIDs = append(extIDs, c.ExternalID)
		}
		if c.Email != "" {
			emails = append(emails, c.Email)
		}
	}
	byExt, byEmail, err := s.storedByKeys(ctx, tx, extIDs, emails)
	if err != nil {
		return nil, err
	}

	var (
		inserts []*stored
		updates []*stored
		seen    []int64 // unchanged customers the full run marks seen
		owner   = make([]*stored, len(in))
	)
	for i := range in {
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
	if err := s.updateCustomers(ctx, tx, source, updates); err != nil {
		return nil, err
	}
	if err := s.markSeen(ctx, tx, source.Run, seen); err != nil {
		return nil, err
	}
	for i, st := range owner {
		if st != nil {
			results[i].ID = st.ID
		}
	}
	return results, nil
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

// keysPerQuery bounds the keys of one IN (…) lookup, well inside both
// engines' limits on bound parameters.
const keysPerQuery = 500

// storedByKeys loads the customers, deleted ones included, whose external
// id is in extIDs or whose email is in emails.
func (s *DB) storedByKeys(ctx context.Context, tx *sql.Tx, extIDs, emails []string) (byExt, byEmail map[string]*stored, err error) {
	byID := map[int64]*stored{}
	byExt, byEmail = map[string]*stored{}, map[string]*stored{}
	load := func(column string, keys []string) error {
		for chunk := range slices.Chunk(keys, keysPerQuery) {
			args := make([]any, len(chunk))
			for i, k := range chunk {
				args[i] = k
			}
			rows, err := tx.QueryContext(ctx, s.q("SELECT "+customerColumns+", deleted_at IS NOT NULL, COALESCE(seen_run, 0) FROM customers WHERE "+
				column+" IN ("+placeholders(len(chunk))+")"), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				st := &stored{insert: -1}
				if err := scanCustomer(rows, &st.Customer, &st.deleted, &st.seenRun); err != nil {
					rows.Close()
					return err
				}
				if prev := byID[st.ID]; prev == nil {
					byID[st.ID] = st
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
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

// rowsPerInsert bounds the rows of one multi-row INSERT (15 parameters a
// row).
const rowsPerInsert = 500

// insertCustomers inserts new customers with multi-row INSERTs and sets
// their ids.
func (s *DB) insertCustomers(ctx context.Context, tx *sql.Tx, source CustomerSource, inserts []*stored) error {
	now := s.now().UTC()
	for chunk := range slices.Chunk(inserts, rowsPerInsert) {
		args := make([]any, 0, 16*len(chunk))
		for _, st := range chunk {
			vals, err := customerValues(&st.Customer)
			if err != nil {
				return err
			}
			args = append(append(args, vals...), source.Name, nullRun(source.Run), now, now)
		}
		query := insertCustomersQuery(len(chunk))
		var rows *sql.Rows
		var err error
		if stmt := s.stmt(ctx, tx, query); stmt != nil {
			rows, err = stmt.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, s.q(query), args...)
		}
		if err != nil {
			return err
		}
		// RETURNING's row order is not promised: match rows by key.
		byKey := make(map[string]*stored, len(chunk))
		for _, st := range chunk {
			byKey[customerKey(st.ExternalID, st.Email)] = st
		}
		for rows.Next() {
			var id int64
			var ext, email string
			if err := rows.Scan(&id, &ext, &email); err != nil {
				rows.Close()
				return err
			}
			if st := byKey[customerKey(ext, email)]; st != nil {
				st.ID = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// insertCustomersQuery inserts n customers and returns their ids and keys.
func insertCustomersQuery(n int) string {
	return `INSERT INTO customers (email, email_domain, external_id, name, organization, plan, arr, ltv,
		signup_date, products, tech_level, attrs, source, seen_run, updated_at, created_at) VALUES ` +
		valuesList(n, 16) + ` RETURNING id, COALESCE(external_id, ''), COALESCE(email, '')`
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
		vals, err := customerValues(&st.Customer)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, append(vals, source.Name, nullRun(source.Run), now, st.ID)...); err != nil {
			return err
		}
	}
	return nil
}

// markSeen records that full run saw the unchanged customers ids.
func (s *DB) markSeen(ctx context.Context, tx *sql.Tx, run int64, ids []int64) error {
	for chunk := range slices.Chunk(ids, keysPerQuery) {
		args := make([]any, 0, len(chunk)+1)
		args = append(args, run)
		for _, id := range chunk {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE customers SET seen_run = ? WHERE id IN ("+placeholders(len(chunk))+")"), args...); err != nil {
			return err
		}
	}
	return nil
}

// customerValues returns c's columns from email to attrs, as stored.
func customerValues(c *cohort.Customer) ([]any, error) {
	products, err := json.Marshal(nonNil(c.Products))
	if err != nil {
		return nil, err
	}
	attrs, err := json.Marshal(c.Attrs)
	if err != nil {
		return nil, err
	}
	return []any{nullString(c.Email), nullString(cohort.EmailDomain(c.Email)), nullString(c.ExternalID), c.Name,
		c.Organization, c.Plan, c.ARR, c.LTV, nullDate(c.SignupDate), string(products), c.TechLevel,
		string(attrs)}, nil
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
	if err := json.Unmarshal(products, &c.Products); err != nil {
		return fmt.Errorf("customer %d: products: %w", c.ID, err)
	}
	if err := json.Unmarshal(attrs, &c.Attrs); err != nil {
		return fmt.Errorf("customer %d: attrs: %w", c.ID, err)
	}
	return nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullDate(t time.Time) sql.NullTime {
	return sql.NullTime{Time: truncateDay(t), Valid: !t.IsZero()}
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

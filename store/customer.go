package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

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
	return jsonStrings(keys)
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

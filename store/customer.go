package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort"
)

// Customers come from several sources. Each source's record of a customer
// is a row of customer_records, linked to the customer by the match keys
// (external id, email); the row of customers is their merge
// (cohort.MergeCustomer with the store's source precedence), which is
// what rules, lookups and metrics read. A source writes and deletes only
// its own records; the merge of every customer a write touched is brought
// up to date in the same transaction.
//
// A key belongs to one customer: a record whose external id and email
// lead to two different customers is rejected, as is one that would take
// another customer's key.

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

// UpsertResult is the outcome of one record of an upsert batch.
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

// recordColumns and packedRecordColumns are the same of a record, its
// customer's id in place of the id: rows that scanCustomer and
// unpackCustomer read as well.
const (
	recordColumns = `customer_id, email, external_id, name, organization, plan, COALESCE(arr, 0), COALESCE(ltv, 0),
	signup_date, products, tech_level, attrs, updated_at`
	packedRecordColumns = `customer_id, email, external_id, name, organization, plan, COALESCE(arr, 0), COALESCE(ltv, 0),
	signup_date, tech_level, updated_at`
)

// recordScalars are the columns after recordColumns that every read of
// records takes, into a stored's fields (see scanRecords).
var recordScalars = []string{"id", "source", "arr IS NOT NULL", "ltv IS NOT NULL", "deleted_at IS NOT NULL", "COALESCE(seen_run, 0)"}

// CustomerSource says where a batch of customer records comes from.
type CustomerSource struct {
	// Name is the source's name ("csv", "hubspot", "push", …): the
	// records are its own.
	Name string
	// Run, when not 0, is a full sync run that sees these records: every
	// one is marked seen by it, so that DeleteUnseen can find the records
	// the source no longer has.
	Run int64
}

// UpsertCustomers writes customers as source's records of them, in one
// transaction (see upsertBatch), an ARR or LTV of 0 taken as none given.
func (s *DB) UpsertCustomers(ctx context.Context, source CustomerSource, customers []cohort.Customer) ([]UpsertResult, error) {
	records := make([]cohort.CustomerRecord, len(customers))
	for i, c := range customers {
		records[i] = cohort.RecordOf(source.Name, c)
	}
	var results []UpsertResult
	err := s.inCustomerTx(ctx, func(tx customerTx) error {
		var err error
		results, err = s.upsertBatch(ctx, tx, source, records)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: upsert customers: %w", err)
	}
	return results, nil
}

// customerTx is a transaction that writes customers. On PostgreSQL it
// runs on conn, whose pgx connection copies new rows in (COPY) as part of
// the transaction.
type customerTx struct {
	*sql.Tx
	conn *sql.Conn // nil on SQLite
}

// inCustomerTx runs fn in a transaction as inTx does; on PostgreSQL on a
// connection of its own, after taking the lock that makes writers of
// customers take turns (SQLite has one writer anyway): linking a record
// to a customer by its keys must see every record written before.
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
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", customersLock); err != nil {
		return err
	}
	// Plan each lookup for its keys and the table as it is now: a
	// prepared statement's generic plan, made while the table was small
	// (a first import), scans the whole table for every batch after.
	if _, err := tx.ExecContext(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
		return err
	}
	if err := fn(customerTx{Tx: tx, conn: conn}); err != nil {
		return err
	}
	return tx.Commit()
}

// customersLock is the PostgreSQL advisory lock of customer writes.
const customersLock = 0x636f686f727463 // "cohortc"; the migrations hold "cohort"

// stored is a source's record of a customer as the store has it, or as a
// batch will write it.
type stored struct {
	cohort.CustomerRecord       // Customer.ID is the customer's id, 0 for a customer to create
	recID                 int64 // the record's row, 0 for a record to insert
	seenRun               int64
	newCustomer           *stored // the record whose insert creates this record's customer
}

// customerID is the id of st's customer once it exists.
func (st *stored) customerID() int64 {
	if st.newCustomer != nil {
		return st.newCustomer.ID
	}
	return st.ID
}

// batchKeys are the records a batch knows by key: those stored and those
// the batch writes. A key of a source is one record; across sources a key
// leads to one customer.
type batchKeys struct {
	source           string
	ownExt, ownEmail map[string]*stored   // the source's records
	extOf, emailOf   map[string][]*stored // every record with the key, oldest first
}

func newBatchKeys(source string) *batchKeys {
	return &batchKeys{source: source, ownExt: map[string]*stored{}, ownEmail: map[string]*stored{},
		extOf: map[string][]*stored{}, emailOf: map[string][]*stored{}}
}

// add indexes st under its keys.
func (k *batchKeys) add(st *stored) {
	if st.ExternalID != "" {
		if st.Source == k.source {
			k.ownExt[st.ExternalID] = st
		}
		k.extOf[st.ExternalID] = append(k.extOf[st.ExternalID], st)
	}
	if st.Email != "" {
		if st.Source == k.source {
			k.ownEmail[st.Email] = st
		}
		k.emailOf[st.Email] = append(k.emailOf[st.Email], st)
	}
}

// rekey moves st, whose keys were oldExt and oldEmail, to its keys now.
func (k *batchKeys) rekey(st *stored, oldExt, oldEmail string) {
	moveKey(k.ownExt, k.extOf, st, oldExt, st.ExternalID)
	moveKey(k.ownEmail, k.emailOf, st, oldEmail, st.Email)
}

// moveKey moves st, one of the source's records, from key old to key now
// in the source's index own and the index of every source's all.
func moveKey(own map[string]*stored, all map[string][]*stored, st *stored, old, now string) {
	if old == now {
		return
	}
	if old != "" {
		if own[old] == st {
			delete(own, old)
		}
		all[old] = slices.DeleteFunc(all[old], func(o *stored) bool { return o == st })
	}
	if now != "" {
		own[now] = st
		all[now] = append(all[now], st)
	}
}

// holder returns a record with key of list, the source's own first: the
// key's customer's.
func (k *batchKeys) holder(list []*stored) *stored {
	for _, st := range list {
		if st.Source == k.source {
			return st
		}
	}
	if len(list) > 0 {
		return list[0]
	}
	return nil
}

// customerOf identifies st's customer: its id, or the record whose insert
// creates it.
func customerOf(st *stored) any {
	if st.newCustomer != nil {
		return st.newCustomer
	}
	return st.ID
}

// sameCustomerAs reports whether a and b belong to one customer.
func sameCustomerAs(a, b *stored) bool { return customerOf(a) == customerOf(b) }

// upsertBatch writes a batch of source's records in tx. A record is the
// source's record it names by external id, else by email (lowercased);
// one the source has not stored yet joins the customer of any source's
// record with its external id, else with its email, or makes a new
// customer. Records are decided in order, so a key repeated in the batch
// updates the record written earlier in it. Rejected, with a reason: a
// record with neither key, and one whose keys lead to two customers or to
// two of the source's records. A deleted record that comes back is
// restored. Customers whose merge changed are marked for re-segmenting.
func (s *DB) upsertBatch(ctx context.Context, tx customerTx, source CustomerSource, records []cohort.CustomerRecord) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(records))
	in := make([]cohort.CustomerRecord, len(records))
	var exts, emails []string
	for i, r := range records {
		in[i] = normalized(source.Name, r)
		if in[i].ExternalID != "" {
			exts = append(exts, in[i].ExternalID)
		}
		if in[i].Email != "" {
			emails = append(emails, in[i].Email)
		}
	}
	keys, err := s.recordsByKeys(ctx, tx.Tx, source.Name, exts, emails)
	if err != nil {
		return nil, err
	}

	var (
		inserts  []*stored // records to insert, in order; those with newCustomer == itself create their customer
		updates  []*stored // stored records to update
		seen     []int64   // unchanged records the full run marks seen
		touched  = map[int64]bool{}
		owner    = make([]*stored, len(in))
		inUpdate = map[*stored]bool{}
	)
	for i := range in {
		r := &in[i]
		if r.Email == "" && r.ExternalID == "" {
			results[i] = UpsertResult{Outcome: Rejected, Reason: "needs an email or an external_id"}
			continue
		}
		existing, reason := keys.own(r)
		if reason == "" {
			reason = keys.conflict(r, existing)
		}
		if reason != "" {
			results[i] = UpsertResult{Outcome: Rejected, Reason: reason}
			continue
		}
		if existing == nil {
			st := &stored{CustomerRecord: *r}
			if other := keys.linked(r); other != nil {
				st.ID, st.newCustomer = other.ID, other.newCustomer
			} else {
				st.newCustomer = st
			}
			if st.newCustomer == nil {
				touched[st.ID] = true
			}
			inserts = append(inserts, st)
			keys.add(st)
			owner[i] = st
			results[i].Outcome = Inserted
			continue
		}
		owner[i] = existing
		if sameRecord(&existing.CustomerRecord, r) && !existing.Deleted {
			results[i].Outcome = Unchanged
			if source.Run != 0 && existing.recID != 0 && existing.seenRun != source.Run {
				existing.seenRun = source.Run
				seen = append(seen, existing.recID)
			}
			continue
		}
		results[i].Outcome = Updated
		oldExt, oldEmail := existing.ExternalID, existing.Email
		id := existing.ID
		existing.Customer = r.Customer
		existing.HasARR, existing.HasLTV = r.HasARR, r.HasLTV
		existing.ID = id
		if r.ExternalID == "" { // named by email: the stored external id stays
			existing.ExternalID = oldExt
		}
		if r.Email == "" {
			existing.Email = oldEmail
		}
		existing.Deleted = false
		keys.rekey(existing, oldExt, oldEmail)
		if existing.newCustomer == nil {
			touched[existing.ID] = true
		}
		if existing.recID != 0 && !inUpdate[existing] {
			inUpdate[existing] = true
			updates = append(updates, existing)
		}
	}

	if err := s.insertRecords(ctx, tx, source, inserts); err != nil {
		return nil, err
	}
	if err := s.updateRecords(ctx, tx.Tx, source, updates); err != nil {
		return nil, err
	}
	if err := s.markSeen(ctx, tx.Tx, source.Run, seen); err != nil {
		return nil, err
	}
	if err := s.remerge(ctx, tx.Tx, slices.Sorted(maps.Keys(touched))); err != nil {
		return nil, err
	}
	for i, st := range owner {
		if st != nil {
			results[i].ID = st.customerID()
		}
	}
	return results, nil
}

// own finds the source's record that r names: by external id, else by
// email; a record named by email that has another external id is not r's.
// The reason is set when r's keys name two of the source's records.
func (k *batchKeys) own(r *cohort.CustomerRecord) (*stored, string) {
	var ext, mail *stored
	if r.ExternalID != "" {
		ext = k.ownExt[r.ExternalID]
	}
	if r.Email != "" {
		mail = k.ownEmail[r.Email]
	}
	switch {
	case ext != nil && mail != nil && ext != mail:
		return nil, fmt.Sprintf("email %s already belongs to another customer (external_id %q)", r.Email, mail.ExternalID)
	case ext == nil && mail != nil && mail.ExternalID != "" && r.ExternalID != "":
		return nil, fmt.Sprintf("email %s already belongs to customer with external_id %q", r.Email, mail.ExternalID)
	case ext != nil:
		return ext, ""
	}
	return mail, ""
}

// conflict says why r, the source's record existing (nil for a new one),
// cannot be written: its keys lead to a customer not its own, or to two.
func (k *batchKeys) conflict(r *cohort.CustomerRecord, existing *stored) string {
	var byExt, byEmail *stored
	if r.ExternalID != "" {
		byExt = k.holder(k.extOf[r.ExternalID])
	}
	if r.Email != "" {
		byEmail = k.holder(k.emailOf[r.Email])
	}
	switch {
	case existing != nil && byExt != nil && !sameCustomerAs(byExt, existing):
		return fmt.Sprintf("external_id %q already belongs to another customer (in %s's records)", r.ExternalID, byExt.Source)
	case existing != nil && byEmail != nil && !sameCustomerAs(byEmail, existing):
		return fmt.Sprintf("email %s already belongs to another customer (in %s's records)", r.Email, byEmail.Source)
	case existing == nil && byExt != nil && byEmail != nil && !sameCustomerAs(byExt, byEmail):
		return fmt.Sprintf("external_id %q (in %s's records) and email %s (in %s's records) belong to two different customers",
			r.ExternalID, byExt.Source, r.Email, byEmail.Source)
	}
	return ""
}

// linked returns a record of the customer a new record r joins: one with
// its external id, else one with its email; nil for a new customer.
func (k *batchKeys) linked(r *cohort.CustomerRecord) *stored {
	if r.ExternalID != "" {
		if st := k.holder(k.extOf[r.ExternalID]); st != nil {
			return st
		}
	}
	if r.Email != "" {
		return k.holder(k.emailOf[r.Email])
	}
	return nil
}

// normalized is r as stored: keys trimmed and the email lowercased, lists
// and maps not nil, attributes without empty values, the signup a day.
func normalized(source string, r cohort.CustomerRecord) cohort.CustomerRecord {
	r.Source = source
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.ExternalID = strings.TrimSpace(r.ExternalID)
	r.Products = nonNil(r.Products)
	attrs := make(map[string]string, len(r.Attrs))
	for k, v := range r.Attrs {
		if v != "" {
			attrs[k] = v
		}
	}
	r.Attrs = attrs
	if !r.HasARR {
		r.ARR = 0
	}
	if !r.HasLTV {
		r.LTV = 0
	}
	r.SignupDate = truncateDay(r.SignupDate)
	r.ID = 0
	return r
}

// recordsByKeys loads the records, deleted ones included, of any source
// whose external id is in extIDs or whose email is in emails, indexed for
// a batch of source.
func (s *DB) recordsByKeys(ctx context.Context, tx *sql.Tx, source string, extIDs, emails []string) (*batchKeys, error) {
	keys := newBatchKeys(source)
	byID := map[int64]*stored{}
	for _, by := range []struct {
		column string
		keys   []string
	}{{"external_id", extIDs}, {"email", emails}} {
		for chunk := range slices.Chunk(by.keys, keysPerQuery) {
			err := s.scanRecords(ctx, tx, "WHERE "+s.inList(by.column), s.keysArg(chunk), func(st *stored) {
				if byID[st.recID] == nil {
					byID[st.recID] = st
				}
			})
			if err != nil {
				return nil, err
			}
		}
	}
	// Index in id order, so that with legacy duplicates the oldest wins.
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		keys.add(byID[id])
	}
	return keys, nil
}

// keysPerQuery bounds the keys of one list lookup.
const keysPerQuery = 2000

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
		b = fmt.Appendf(b, "%d", id)
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

// sameRecord reports whether stored and incoming carry the same data.
// Incoming has been normalized; a key it lacks is not a change.
func sameRecord(stored, in *cohort.CustomerRecord) bool {
	return (in.Email == "" || stored.Email == in.Email) && (in.ExternalID == "" || stored.ExternalID == in.ExternalID) &&
		stored.Name == in.Name && stored.Organization == in.Organization && stored.Plan == in.Plan &&
		stored.HasARR == in.HasARR && stored.ARR == in.ARR && stored.HasLTV == in.HasLTV && stored.LTV == in.LTV &&
		stored.SignupDate.Equal(in.SignupDate) && stored.TechLevel == in.TechLevel &&
		slices.Equal(stored.Products, in.Products) && maps.Equal(stored.Attrs, in.Attrs)
}

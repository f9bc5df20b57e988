package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
)

// FindCustomer finds the customer a ticket's requester belongs to, trying in
// order: the requester's external id, the email (case-insensitive), the
// organization's external id (each in any source's live record), and the
// email's domain (never a public mail domain; the domain's customer with
// the highest ARR wins). It returns nil and "" when nothing matches.
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
	const byRecord = "id = (SELECT customer_id FROM customer_records WHERE deleted_at IS NULL AND "
	attempts := []attempt{
		{cohort.MatchedByExternalID, byRecord + "external_id = ? LIMIT 1)", strings.TrimSpace(q.ExternalID)},
		{cohort.MatchedByEmail, byRecord + "email = ? LIMIT 1)", email},
		{cohort.MatchedByOrgExternalID, byRecord + "external_id = ? LIMIT 1)", strings.TrimSpace(q.OrgExternalID)},
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

// CustomerProfile returns the customer that q finds (see FindCustomer, a
// deleted customer included when found by external id or email) with its
// records; a cohort.KindNotFound error when none matches.
func (s *DB) CustomerProfile(ctx context.Context, q cohort.CustomerQuery) (cohort.CustomerProfile, error) {
	const op = "store.CustomerProfile"
	var id int64
	for _, k := range []struct{ column, value string }{
		{"external_id", strings.TrimSpace(q.ExternalID)}, {"email", strings.ToLower(strings.TrimSpace(q.Email))},
	} {
		if k.value == "" || id != 0 {
			continue
		}
		err := s.db.QueryRowContext(ctx, s.q("SELECT customer_id FROM customer_records WHERE "+k.column+
			" = ? ORDER BY deleted_at IS NOT NULL, id LIMIT 1"), k.value).Scan(&id)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return cohort.CustomerProfile{}, fmt.Errorf("store: customer profile: %w", err)
		}
	}
	if id == 0 {
		return cohort.CustomerProfile{}, cohort.Errorf(op, cohort.KindNotFound, "no customer has that external_id or email")
	}
	return s.CustomerProfileByID(ctx, id)
}

// CustomerProfileByID returns the customer cohort knows by id (a deleted
// one included) with its records; a cohort.KindNotFound error when there
// is none.
func (s *DB) CustomerProfileByID(ctx context.Context, id int64) (cohort.CustomerProfile, error) {
	cur, err := s.customersByID(ctx, s.db, []int64{id})
	if err != nil {
		return cohort.CustomerProfile{}, fmt.Errorf("store: customer profile: %w", err)
	}
	if _, ok := cur[id]; !ok {
		return cohort.CustomerProfile{}, cohort.Errorf("store.CustomerProfileByID", cohort.KindNotFound, "no customer has id %d", id)
	}
	p := cohort.CustomerProfile{Customer: cur[id].Customer, Deleted: cur[id].deleted}
	err = s.scanRecords(ctx, s.db, "WHERE customer_id = ?", id, func(st *stored) { p.Records = append(p.Records, st.CustomerRecord) })
	if err != nil {
		return cohort.CustomerProfile{}, fmt.Errorf("store: customer profile: %w", err)
	}
	slices.SortStableFunc(p.Records, func(a, b cohort.CustomerRecord) int { return s.precedence.Compare(a.Source, b.Source) })
	_, p.Sources = cohort.MergeCustomer(p.Records, s.precedence)
	return p, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
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

// currentCustomer is a merged customer as stored, and whether it is
// deleted.
type currentCustomer struct {
	cohort.Customer
	deleted bool
}

// customersByID reads the customers ids, deleted ones included.
func (s *DB) customersByID(ctx context.Context, db queryer, ids []int64) (map[int64]currentCustomer, error) {
	rows, err := db.QueryContext(ctx, s.q("SELECT "+s.customerSelect([]string{"deleted_at IS NOT NULL"}, "")+
		" FROM customers WHERE "+s.inList("id")), s.idsArg(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]currentCustomer, len(ids))
	for rows.Next() {
		var c currentCustomer
		if err := s.scanCustomerRow(rows, &c.Customer, []any{&c.deleted}, nil); err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	return out, rows.Err()
}

// scanRecords calls fn with each record that where (a condition on
// customer_records, with one parameter, arg) selects.
func (s *DB) scanRecords(ctx context.Context, db queryer, where string, arg any, fn func(*stored)) error {
	rows, err := db.QueryContext(ctx, s.q("SELECT "+s.rowSelect(recordColumns, packedRecordColumns, recordScalars, "")+
		" FROM customer_records "+where), arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		st := &stored{}
		if err := s.scanCustomerRow(rows, &st.Customer, []any{&st.recID, &st.Source, &st.HasARR, &st.HasLTV, &st.Deleted, &st.seenRun}, nil); err != nil {
			return err
		}
		fn(st)
	}
	return rows.Err()
}

// customerSelect returns the select list of customerColumns, then of the
// expressions scalars (booleans, integers or text) and then, unless it is
// "", of jsonColumn (a column of JSON arrays of strings), as
// scanCustomerRow reads it.
func (s *DB) customerSelect(scalars []string, jsonColumn string) string {
	return s.rowSelect(customerColumns, packedScalarColumns, scalars, jsonColumn)
}

// rowSelect is customerSelect of a row whose columns are columns, or
// packed on SQLite: because the driver's cost per column read is several
// times SQLite's cost of packing, where rows are read by the thousand a
// row comes packed in one text: a JSON array of the scalar columns
// (packed) followed by the JSON text columns as stored, each after a unit
// separator (which JSON text holds only escaped).
func (s *DB) rowSelect(columns, packed string, scalars []string, jsonColumn string) string {
	if s.engine != SQLite {
		cols := columns + ", " + strings.Join(scalars, ", ")
		if jsonColumn != "" {
			cols += ", " + jsonColumn
		}
		return cols
	}
	out := "json_array(" + packed + ", " + strings.Join(scalars, ", ") + ") || char(31) || products || char(31) || attrs"
	if jsonColumn != "" {
		out += " || char(31) || " + jsonColumn
	}
	return out
}

// scanCustomerRow scans a row of customerSelect into c, scalars (each a
// *bool, an *int64 or a *string) and list (nil when there is no
// jsonColumn).
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
		case *string:
			*e = p.next().str()
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

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

// UpsertCustomers inserts or updates customers in one transaction. A record
// is identified by its external id if it has one, else by its email. A record
// whose email and external id point at two different stored customers is
// rejected with a reason, as is one with neither; the others land.
func (s *DB) UpsertCustomers(ctx context.Context, customers []cohort.Customer) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(customers))
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for i := range customers {
			r, err := s.upsertCustomer(ctx, tx, &customers[i])
			if err != nil {
				return fmt.Errorf("store: upsert customer %d: %w", i, err)
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func (s *DB) upsertCustomer(ctx context.Context, tx *sql.Tx, c *cohort.Customer) (UpsertResult, error) {
	email := strings.ToLower(strings.TrimSpace(c.Email))
	extID := strings.TrimSpace(c.ExternalID)
	if email == "" && extID == "" {
		return UpsertResult{Outcome: Rejected, Reason: "needs an email or an external_id"}, nil
	}
	var byExt, byEmail *cohort.Customer
	var err error
	if extID != "" {
		if byExt, err = s.customerWhere(ctx, tx, "external_id = ?", extID); err != nil {
			return UpsertResult{}, err
		}
	}
	if email != "" {
		if byEmail, err = s.customerWhere(ctx, tx, "email = ?", email); err != nil {
			return UpsertResult{}, err
		}
	}
	existing := byExt
	switch {
	case byExt != nil && byEmail != nil && byExt.ID != byEmail.ID:
		return UpsertResult{Outcome: Rejected, Reason: fmt.Sprintf(
			"email %s already belongs to another customer (external_id %q)", email, byEmail.ExternalID)}, nil
	case byExt == nil && byEmail != nil:
		if byEmail.ExternalID != "" && extID != "" {
			return UpsertResult{Outcome: Rejected, Reason: fmt.Sprintf(
				"email %s already belongs to customer with external_id %q", email, byEmail.ExternalID)}, nil
		}
		existing = byEmail
	}

	products, err := json.Marshal(nonNil(c.Products))
	if err != nil {
		return UpsertResult{}, err
	}
	attrs := c.Attrs
	if attrs == nil {
		attrs = map[string]string{}
	}
	attrsJSON, err := json.Marshal(attrs)
	if err != nil {
		return UpsertResult{}, err
	}
	now := s.now().UTC()
	args := []any{nullString(email), nullString(cohort.EmailDomain(email)), nullString(extID), c.Name,
		c.Organization, c.Plan, c.ARR, c.LTV, nullDate(c.SignupDate), string(products), c.TechLevel,
		string(attrsJSON), now}

	if existing == nil {
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO customers (email, email_domain, external_id, name,
			organization, plan, arr, ltv, signup_date, products, tech_level, attrs, updated_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), append(args, now)...).Scan(&id)
		if err != nil {
			return UpsertResult{}, err
		}
		return UpsertResult{Outcome: Inserted, ID: id}, nil
	}

	incoming := *c
	incoming.Email, incoming.ExternalID = email, extID
	if sameCustomer(existing, &incoming) {
		return UpsertResult{Outcome: Unchanged, ID: existing.ID}, nil
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE customers SET email = ?, email_domain = ?, external_id = ?,
		name = ?, organization = ?, plan = ?, arr = ?, ltv = ?, signup_date = ?, products = ?,
		tech_level = ?, attrs = ?, updated_at = ? WHERE id = ?`), append(args, existing.ID)...)
	if err != nil {
		return UpsertResult{}, err
	}
	return UpsertResult{Outcome: Updated, ID: existing.ID}, nil
}

// sameCustomer reports whether stored and incoming carry the same data.
func sameCustomer(stored, in *cohort.Customer) bool {
	return stored.Email == in.Email && stored.ExternalID == in.ExternalID && stored.Name == in.Name &&
		stored.Organization == in.Organization && stored.Plan == in.Plan && stored.ARR == in.ARR &&
		stored.LTV == in.LTV && stored.SignupDate.Equal(truncateDay(in.SignupDate)) &&
		stored.TechLevel == in.TechLevel && slices.Equal(stored.Products, nonNil(in.Products)) &&
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

// CountCustomers returns how many customers are stored.
func (s *DB) CountCustomers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&n)
	return n, err
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// customerWhere returns the customer matching where, or nil.
func (s *DB) customerWhere(ctx context.Context, db queryer, where string, arg any) (*cohort.Customer, error) {
	row := db.QueryRowContext(ctx, s.q("SELECT "+customerColumns+" FROM customers WHERE "+where), arg)
	var (
		c               cohort.Customer
		email, extID    sql.NullString
		signup          sql.NullTime
		products, attrs []byte
	)
	err := row.Scan(&c.ID, &email, &extID, &c.Name, &c.Organization, &c.Plan, &c.ARR, &c.LTV, &signup,
		&products, &c.TechLevel, &attrs, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Email, c.ExternalID = email.String, extID.String
	if signup.Valid {
		c.SignupDate = signup.Time.UTC()
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	if err := json.Unmarshal(products, &c.Products); err != nil {
		return nil, fmt.Errorf("customer %d: products: %w", c.ID, err)
	}
	if err := json.Unmarshal(attrs, &c.Attrs); err != nil {
		return nil, fmt.Errorf("customer %d: attrs: %w", c.ID, err)
	}
	return &c, nil
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

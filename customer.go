package cohort

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Customer is what cohort knows of a requester from CRM data. A ticket whose
// requester matches no record is evaluated with an unknown customer (see
// Decision.Customer).
type Customer struct {
	ID           int64 // the store's id; 0 before the record is stored
	Email        string
	ExternalID   string
	Name         string
	Organization string
	Plan         string
	ARR          float64
	LTV          float64
	SignupDate   time.Time // zero when unknown
	Products     []string
	TechLevel    string
	Attrs        map[string]string // custom attributes: CSV columns beyond the contract
	UpdatedAt    time.Time
}

// DaysSinceSignup is the number of whole days between c's signup date and
// now, or -1 when the signup date is unknown.
func (c *Customer) DaysSinceSignup(now time.Time) int {
	if c.SignupDate.IsZero() {
		return -1
	}
	return int(now.Sub(c.SignupDate).Hours() / 24)
}

// CustomerQuery is what a ticket tells about its requester, used to find the
// customer record in the order DESIGN.md fixes: requester external id, then
// email (case-insensitive), then the organization's external id or the
// email's domain.
type CustomerQuery struct {
	ExternalID    string
	Email         string
	OrgExternalID string
}

// MatchedBy names the key that matched a ticket's requester to a customer.
type MatchedBy string

// The ways a requester can match a customer record, in the order tried.
const (
	MatchedByExternalID    MatchedBy = "external_id"
	MatchedByEmail         MatchedBy = "email"
	MatchedByOrgExternalID MatchedBy = "organization_external_id"
	MatchedByDomain        MatchedBy = "email_domain"
)

// EmailDomain returns the lowercased domain of an email address, or "".
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 || at == len(email)-1 {
		return ""
	}
	return strings.ToLower(email[at+1:])
}

// freeMailDomains are domains shared by unrelated people: a requester's
// domain never matches a customer through one of these.
var freeMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "yahoo.co.uk": true,
	"hotmail.com": true, "outlook.com": true, "live.com": true, "msn.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true, "aol.com": true,
	"proton.me": true, "protonmail.com": true, "gmx.com": true, "gmx.de": true,
	"web.de": true, "mail.com": true, "yandex.com": true, "yandex.ru": true,
	"zoho.com": true, "fastmail.com": true, "qq.com": true, "163.com": true,
}

// IsFreeMailDomain reports whether domain belongs to a public mail provider,
// where a shared domain says nothing about a shared company.
func IsFreeMailDomain(domain string) bool {
	return freeMailDomains[strings.ToLower(domain)]
}

// CustomerRecord is what one source (a CRM, a CSV file, pushes to cohort's
// API, the helpdesk's own users) says of a customer. cohort keeps each
// source's record apart; the Customer that rules see is their merge (see
// MergeCustomer). A field the source has no value for is its zero value,
// but for ARR and LTV, whose zero is a value: HasARR and HasLTV say
// whether the source gave them.
type CustomerRecord struct {
	Source string
	// Customer holds the record's fields; its ID is the customer the
	// record belongs to, its UpdatedAt when the record last changed.
	Customer
	HasARR, HasLTV bool
	Deleted        bool // the source no longer has the customer
}

// RecordOf is c as a record of source, ARR and LTV given when not 0.
func RecordOf(source string, c Customer) CustomerRecord {
	return CustomerRecord{Source: source, Customer: c, HasARR: c.ARR != 0, HasLTV: c.LTV != 0}
}

// SourcePrecedence orders sources for merging their records of a customer,
// first the most trusted. A source it does not name comes after every
// source it names, in name order.
type SourcePrecedence []string

// DefaultSourcePrecedence is COHORT_SOURCE_PRECEDENCE's default: what a
// person or system pushed to cohort's API first, then the CRMs, then CSV
// files, then the helpdesk's own users.
var DefaultSourcePrecedence = SourcePrecedence{"push", "salesforce", "hubspot", "csv", "zendesk"}

// ParseSourcePrecedence reads a comma-separated list of source names.
func ParseSourcePrecedence(s string) (SourcePrecedence, error) {
	var p SourcePrecedence
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			return nil, fmt.Errorf("%q: an empty source name; want names separated by commas, such as push,salesforce,hubspot,csv,zendesk", s)
		case slices.Contains(p, name):
			return nil, fmt.Errorf("%q: %s is named twice", s, name)
		}
		p = append(p, name)
	}
	return p, nil
}

func (p SourcePrecedence) String() string { return strings.Join(p, ",") }

// Compare orders sources a and b by p: negative when a comes first.
func (p SourcePrecedence) Compare(a, b string) int {
	ra, rb := slices.Index(p, a), slices.Index(p, b)
	if ra < 0 {
		ra = len(p)
	}
	if rb < 0 {
		rb = len(p)
	}
	return cmp.Or(cmp.Compare(ra, rb), strings.Compare(a, b))
}

// FieldSources says, per field of a merged customer, which source its
// value came from: "plan": "hubspot", "attrs.region": "csv". A field no
// source has a value for is absent.
type FieldSources map[string]string

// CustomerProfile is a customer with each source's record of it and, per
// field, the source its value came from: what an admin looks at to see
// why a customer is in a segment.
type CustomerProfile struct {
	Customer Customer
	Deleted  bool             // every source dropped the customer
	Records  []CustomerRecord // in precedence order, deleted ones included
	Sources  FieldSources
}

// MergeCustomer merges the live records of one customer: each field takes
// the value of the first record, in p's order, that has one (a non-empty
// text, list or date; for ARR and LTV, one the source gave), and each
// custom attribute the same way, key by key. A source therefore never
// blanks another's data: a record without a plan leaves the plan of the
// next record in line. The merged customer's ID is the records'; its
// UpdatedAt the latest of theirs.
func MergeCustomer(records []CustomerRecord, p SourcePrecedence) (Customer, FieldSources) {
	live := make([]*CustomerRecord, 0, len(records))
	for i := range records {
		if !records[i].Deleted {
			live = append(live, &records[i])
		}
	}
	slices.SortStableFunc(live, func(a, b *CustomerRecord) int { return p.Compare(a.Source, b.Source) })
	var c Customer
	from := FieldSources{}
	text := func(field string, dst *string, get func(*CustomerRecord) string) {
		for _, r := range live {
			if v := get(r); v != "" {
				*dst, from[field] = v, r.Source
				return
			}
		}
	}
	text("email", &c.Email, func(r *CustomerRecord) string { return r.Email })
	text("external_id", &c.ExternalID, func(r *CustomerRecord) string { return r.ExternalID })
	text("name", &c.Name, func(r *CustomerRecord) string { return r.Name })
	text("organization", &c.Organization, func(r *CustomerRecord) string { return r.Organization })
	text("plan", &c.Plan, func(r *CustomerRecord) string { return r.Plan })
	text("tech_level", &c.TechLevel, func(r *CustomerRecord) string { return r.TechLevel })
	for _, r := range live {
		if r.HasARR {
			c.ARR, from["arr"] = r.ARR, r.Source
			break
		}
	}
	for _, r := range live {
		if r.HasLTV {
			c.LTV, from["ltv"] = r.LTV, r.Source
			break
		}
	}
	for _, r := range live {
		if !r.SignupDate.IsZero() {
			c.SignupDate, from["signup_date"] = r.SignupDate, r.Source
			break
		}
	}
	c.Products = []string{}
	for _, r := range live {
		if len(r.Products) > 0 {
			c.Products, from["products"] = slices.Clone(r.Products), r.Source
			break
		}
	}
	c.Attrs = map[string]string{}
	for _, r := range live {
		for k, v := range r.Attrs {
			if _, taken := c.Attrs[k]; !taken && v != "" {
				c.Attrs[k], from["attrs."+k] = v, r.Source
			}
		}
	}
	for _, r := range records {
		c.ID = cmp.Or(c.ID, r.ID)
		if r.UpdatedAt.After(c.UpdatedAt) {
			c.UpdatedAt = r.UpdatedAt
		}
	}
	return c, from
}

package cohort

import (
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

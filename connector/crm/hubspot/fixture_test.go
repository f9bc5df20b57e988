package hubspot_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// account is a sandbox account's contacts and companies, as a fixture made
// them.
type account struct {
	contacts  []string
	companies []string
	// companyOf maps a contact to the index of its primary company in
	// companies, -1 for none.
	companyOf map[string]int
}

// newAccount makes n contacts and n/15 companies (at least one): contact
// i's primary company is company i%companies, but every eleventh contact has
// none, and every seventh is also associated, unlabeled, with the next
// company. Companies have a name, a plan, an arr and an industry; contacts
// the properties of the default mapping and a phone no mapping reads.
// The clock then moves an hour on, past the overlap.
func newAccount(t *testing.T, srv *sandbox.Server, clk *clock, n int) *account {
	t.Helper()
	a := &account{companyOf: map[string]int{}}
	nc := max(n/15, 1)
	for i := range nc {
		a.companies = append(a.companies, srv.CreateCompany(sandbox.Props{
			"name": fmt.Sprintf("Company %02d", i), "plan": []string{"Free", "Pro", "Enterprise"}[i%3],
			"arr": fmt.Sprint(1000 * (i + 1)), "industry": "COMPUTER_SOFTWARE", "domain": fmt.Sprintf("c%02d.example", i),
		}))
	}
	for i := range n {
		id := srv.CreateContact(sandbox.Props{
			"email": fmt.Sprintf("user%03d@example.com", i), "firstname": "User", "lastname": fmt.Sprintf("Nº%03d", i),
			"phone": "+1 555 0100", "lifecyclestage": "customer", "ltv": fmt.Sprint(i * 10), "products": "api;dashboard",
			"tech_level": "Advanced", "createdate": "2024-01-17T19:55:04.281Z",
		})
		a.contacts = append(a.contacts, id)
		a.companyOf[id] = -1
		if i%11 == 10 {
			continue
		}
		c := i % nc
		if err := srv.Associate(id, a.companies[c], true); err != nil {
			t.Fatal(err)
		}
		a.companyOf[id] = c
		if i%7 == 6 {
			if err := srv.Associate(id, a.companies[(c+1)%nc], false); err != nil {
				t.Fatal(err)
			}
		}
	}
	clk.Advance(time.Hour)
	return a
}

// primaryContacts returns the contacts whose primary company is company c.
func (a *account) primaryContacts(c int) []string {
	var out []string
	for _, id := range a.contacts {
		if a.companyOf[id] == c {
			out = append(out, id)
		}
	}
	return out
}

package hubspot_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestDefaultMappingMakesCustomers(t *testing.T) {
	srv, _ := startSandbox(t)
	acme := srv.CreateCompany(sandbox.Props{"name": "Acme Ltd", "plan": "Enterprise", "arr": "240000", "industry": "COMPUTER_SOFTWARE"})
	ana := srv.CreateContact(sandbox.Props{
		"email": "Ana.Lima@Acme.example", "firstname": "Ana", "lastname": "Lima", "company": "ACME (typed)",
		"ltv": "960000.5", "products": "payments-api;dashboard", "tech_level": "Advanced",
		"lifecyclestage": "customer", "createdate": "2021-03-15T10:00:00.000Z", "plan": "free",
	})
	bo := srv.CreateContact(sandbox.Props{"email": "bo@example.com", "company": "Bo's Bakery", "plan": "Starter", "arr": "1200", "signup_date": "2022-04-29"})
	if err := srv.Associate(ana, acme, true); err != nil {
		t.Fatal(err)
	}
	src, _ := newSource(t, srv)
	recs := read(t, src, "", true).records()
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	m := hubspot.DefaultMapping()
	tests := []struct {
		rec  cohort.SourceRecord
		want cohort.Customer
	}{
		{recs[0], cohort.Customer{
			Email: "ana.lima@acme.example", ExternalID: ana, Name: "Ana Lima", Organization: "Acme Ltd",
			Plan: "enterprise", ARR: 240000, LTV: 960000.5, SignupDate: time.Date(2021, 3, 15, 10, 0, 0, 0, time.UTC),
			Products: []string{"payments-api", "dashboard"}, TechLevel: "advanced",
			Attrs: map[string]string{"lifecycle_stage": "customer", "industry": "COMPUTER_SOFTWARE"},
		}},
		{recs[1], cohort.Customer{
			Email: "bo@example.com", ExternalID: bo, Organization: "Bo's Bakery", Plan: "starter", ARR: 1200,
			SignupDate: time.Date(2022, 4, 29, 0, 0, 0, 0, time.UTC),
		}},
	}
	for _, tt := range tests {
		got, err := m.Apply(&tt.rec)
		if err != nil {
			t.Errorf("Apply(%v): %v", tt.rec, err)
			continue
		}
		if !reflect.DeepEqual(got.Customer, tt.want) {
			t.Errorf("Apply(%v)\n got %+v\nwant %+v", tt.rec.Fields, got.Customer, tt.want)
		}
		if got.HasARR != (tt.want.ARR != 0) || got.HasLTV != (tt.want.LTV != 0) {
			t.Errorf("Apply(%v): HasARR %v, HasLTV %v; want them set for the numbers the contact has", tt.rec.Fields, got.HasARR, got.HasLTV)
		}
	}
}

// TestMappingDecidesWhatIsRead checks that a mapping that reads no company
// property spares the requests about companies.
func TestMappingDecidesWhatIsRead(t *testing.T) {
	tests := []struct {
		name     string
		mapping  string
		field    string // a field every record with a company has
		avoid    []string
		wantSome []string
	}{
		{"contacts only", "fields: {email: email, name: [firstname, lastname]}\nattrs: {seen: lastmodifieddate}", "email",
			[]string{"associations=", "/companies", "/crm/v4/", "lastmodifieddate,lastmodifieddate", `"lastmodifieddate","lastmodifieddate"`}, nil},
		{"company ids only", "fields: {external_id: id, organization: company.id}", "company.id",
			[]string{"/crm/v3/objects/companies"}, []string{"associations=companies", "/crm/v4/associations/contacts/companies/batch/read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clk := startSandbox(t)
			acct := newAccount(t, srv, clk, 90)
			m, err := crm.ParseMapping("test.yaml", []byte(tt.mapping))
			if err != nil {
				t.Fatal(err)
			}
			src, rec := newSource(t, srv, func(c *hubspot.Config) { c.Mapping = m })
			full := read(t, src, "", false)
			clk.Advance(time.Hour)
			changeAccount(t, srv, clk, acct)
			read(t, src, full.checkpoint(), false)
			reqs := strings.Join(rec.requests(), "\n")
			for _, s := range tt.avoid {
				if strings.Contains(reqs, s) {
					t.Errorf("requests contain %q:\n%s", s, reqs)
				}
			}
			for _, s := range tt.wantSome {
				if !strings.Contains(reqs, s) {
					t.Errorf("requests lack %q:\n%s", s, reqs)
				}
			}
			r := full.records()[0]
			if _, ok := r.Fields[tt.field]; !ok || len(r.Fields) > 5 {
				t.Errorf("record %v, want %s and little else", r.Fields, tt.field)
			}
		})
	}
}

package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	hubspotsb "github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
	salesforcesb "github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/internal/samplehistory"
	"github.com/cohortdesk/cohort/manifests"
)

// sampleCustomers reads the sample CRM customers
// (manifests/sample/customers.csv), with their signup dates moved so that
// the sample's reference day is today.
func sampleCustomers() ([]cohort.Customer, error) {
	f, err := manifests.Files.Open("sample/customers.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := csv.NewReader(f, "manifests/sample/customers.csv", nil)
	if err != nil {
		return nil, err
	}
	ref, _ := time.Parse(time.DateOnly, manifests.SampleReferenceDay)
	shift := time.Now().UTC().Truncate(24 * time.Hour).Sub(ref)
	mapping := csv.DefaultMapping()
	var customers []cohort.Customer
	for {
		rec, _, err := r.Next()
		if err == io.EOF {
			return customers, nil
		}
		if err != nil {
			return nil, err
		}
		c, err := mapping.Apply(&rec)
		if err == nil && rec.Problem != "" {
			err = errors.New(rec.Problem)
		}
		if err != nil {
			return nil, fmt.Errorf("sample customer %s: %w", rec.Ref, err)
		}
		if !c.SignupDate.IsZero() {
			c.SignupDate = c.SignupDate.Add(shift)
		}
		customers = append(customers, c.Customer)
	}
}

// sampleState is a Zendesk account holding the sample customers as
// end-users, with their plan and technical level as user fields (what
// cohort's Zendesk users source reads), in organizations of their
// companies.
func sampleState(customers []cohort.Customer) *sandbox.State {
	st := &sandbox.State{Version: sandbox.StateVersion,
		UserFields: []sandbox.StateField{
			{Key: "plan", Type: "text", Title: "Plan", Position: 1},
			{Key: "tech_level", Type: "text", Title: "Technical level", Position: 2},
		}}
	orgs := map[string]int64{}
	for _, c := range customers {
		if c.Organization == "" || orgs[c.Organization] != 0 {
			continue
		}
		id := int64(len(orgs) + 1)
		orgs[c.Organization] = id
		st.Organizations = append(st.Organizations, sandbox.StateOrganization{ID: id, Name: c.Organization,
			ExternalID: "org-" + strings.ReplaceAll(strings.ToLower(c.Organization), " ", "-")})
	}
	for _, c := range customers {
		fields := map[string]any{}
		if c.Plan != "" {
			fields["plan"] = c.Plan
		}
		if c.TechLevel != "" {
			fields["tech_level"] = c.TechLevel
		}
		st.Users = append(st.Users, sandbox.StateUser{Name: c.Name, Email: c.Email, ExternalID: c.ExternalID,
			OrganizationID: orgs[c.Organization], UserFields: fields, Verified: true})
	}
	return st
}

// importSampleHistory gives the sandbox account a past: days of tickets
// from customers, perDay a day on average, solved, reopened and rated, the
// way Zendesk's ticket import would leave them.
func importSampleHistory(sb *sandbox.Server, customers []cohort.Customer, days, perDay int) error {
	opts := samplehistory.Options{End: time.Now().Add(-2 * time.Minute), Days: days, PerDay: perDay, Seed: 1}
	return samplehistory.Generate(customers, opts, func(t samplehistory.Ticket) error {
		c := customers[t.Customer]
		_, err := sb.ImportTicket(sandbox.ImportedTicket{Subject: t.Subject, RequesterEmail: c.Email, RequesterName: c.Name,
			CreatedAt: t.CreatedAt, FirstReplyAt: t.FirstReplyAt, Replies: t.Replies, SolvedAt: t.SolvedAt,
			Reopens: t.Reopens, Rating: t.Rating})
		if err != nil {
			return fmt.Errorf("import the sample ticket history: %w", err)
		}
		return nil
	})
}

// seedHubSpot puts customers in the HubSpot emulator as contacts, each
// with its company (the plan and ARR are the company's), in the
// properties cohort's default HubSpot mapping reads.
func seedHubSpot(hs *hubspotsb.Server, customers []cohort.Customer) error {
	companies := map[string]string{}
	for _, c := range customers {
		first, last, _ := strings.Cut(c.Name, " ")
		props := hubspotsb.Props{"email": c.Email, "firstname": first, "lastname": last, "tech_level": c.TechLevel,
			"ltv": strconv.FormatFloat(c.LTV, 'f', -1, 64), "products": strings.Join(c.Products, ";")}
		if !c.SignupDate.IsZero() {
			props["signup_date"] = c.SignupDate.Format(time.DateOnly)
		}
		contact := hs.CreateContact(props)
		if c.Organization == "" {
			continue
		}
		company, ok := companies[c.Organization]
		if !ok {
			company = hs.CreateCompany(hubspotsb.Props{"name": c.Organization, "plan": c.Plan, "arr": strconv.FormatFloat(c.ARR, 'f', -1, 64)})
			companies[c.Organization] = company
		}
		if err := hs.Associate(contact, company, true); err != nil {
			return fmt.Errorf("seed the HubSpot emulator: %w", err)
		}
	}
	return nil
}

// seedSalesforce puts customers in the Salesforce emulator as contacts of
// accounts, in the fields cohort's default Salesforce mapping reads.
func seedSalesforce(sf *salesforcesb.Server, customers []cohort.Customer) error {
	accounts := map[string]string{}
	for _, c := range customers {
		first, last, _ := strings.Cut(c.Name, " ")
		fields := salesforcesb.Fields{"Email": c.Email, "FirstName": first, "LastName": last, "Tech_Level__c": c.TechLevel}
		if !c.SignupDate.IsZero() {
			fields["Signup_Date__c"] = c.SignupDate.Format(time.DateOnly)
		}
		if c.Organization != "" {
			account, ok := accounts[c.Organization]
			if !ok {
				var err error
				account, err = sf.InsertAccount(salesforcesb.Fields{"Name": c.Organization, "Plan__c": c.Plan, "ARR__c": c.ARR,
					"LTV__c": c.LTV, "Products__c": strings.Join(c.Products, ";")})
				if err != nil {
					return fmt.Errorf("seed the Salesforce emulator: %w", err)
				}
				accounts[c.Organization] = account
			}
			fields["AccountId"] = account
		}
		if _, err := sf.InsertContact(fields); err != nil {
			return fmt.Errorf("seed the Salesforce emulator: %w", err)
		}
	}
	return nil
}

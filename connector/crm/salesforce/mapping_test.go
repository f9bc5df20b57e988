package salesforce_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/salesforce"
	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestDefaultMappingFields(t *testing.T) {
	want := []string{"Account.ARR__c", "Account.Industry", "Account.LTV__c", "Account.Name", "Account.Plan__c",
		"Account.Products__c", "CreatedDate", "Email", "FirstName", "Id", "LastName", "Plan__c", "Signup_Date__c", "Tech_Level__c"}
	if got := salesforce.DefaultMapping().SourceFields(); !slices.Equal(got, want) {
		t.Errorf("SourceFields() = %v, want %v", got, want)
	}
}

func TestDefaultMappingMakesCustomers(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	src := o.source(o.config())
	recs := records(o.mustRead(src, "", false))
	want := map[string]cohort.Customer{
		s.ann: {
			ExternalID: s.ann, Email: "ann@acme.io", Name: "Ann Lee", Organization: "Acme", Plan: "pro",
			ARR: 250000, LTV: 15000000, SignupDate: time.Date(2022, 4, 29, 0, 0, 0, 0, time.UTC),
			Products: []string{"Chat", "Voice"}, TechLevel: "high", Attrs: map[string]string{"industry": "Software"},
		},
		// No Account: the Contact's own plan; no signup date: CreatedDate.
		s.cy: {
			ExternalID: s.cy, Email: "cy@example.com", Name: "Cy", Plan: "trial",
			SignupDate: time.Date(2026, 9, 15, 9, 2, 0, 0, time.UTC),
		},
	}
	for _, r := range recs {
		w, ok := want[r.Fields["Id"]]
		if !ok {
			continue
		}
		got, err := src.Mapping().Apply(&r)
		if err != nil {
			t.Fatalf("%s: %v", r.Ref, err)
		}
		if got.Email != w.Email || got.ExternalID != w.ExternalID || got.Name != w.Name || got.Organization != w.Organization ||
			got.Plan != w.Plan || got.ARR != w.ARR || got.LTV != w.LTV || !got.SignupDate.Equal(w.SignupDate) ||
			!slices.Equal(got.Products, w.Products) || got.TechLevel != w.TechLevel || len(got.Attrs) != len(w.Attrs) ||
			got.Attrs["industry"] != w.Attrs["industry"] {
			t.Errorf("%s:\ngot  %+v\nwant %+v", r.Ref, got, w)
		}
	}
}

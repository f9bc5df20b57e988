package cohort_test

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
)

func TestMergeCustomerTakesEachFieldFromTheFirstSourceThatHasIt(t *testing.T) {
	signup := time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC)
	today := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	records := []cohort.CustomerRecord{
		{Source: "zendesk", Customer: cohort.Customer{ID: 7, Email: "ana.lima@acme.example", Name: "Ana L.",
			SignupDate: today, Attrs: map[string]string{"zendesk_user_id": "42", "region": "us"}}},
		{Source: "csv", HasARR: true, Customer: cohort.Customer{ID: 7, Email: "ana.lima@acme.example", ExternalID: "crm-1001",
			Name: "Ana Lima", Organization: "Acme Corp", Plan: "enterprise", ARR: 240000, SignupDate: signup,
			Products: []string{"payments-api"}, TechLevel: "advanced", Attrs: map[string]string{"region": "eu-west"}}},
		{Source: "push", HasLTV: true, Customer: cohort.Customer{ID: 7, ExternalID: "crm-1001", LTV: 0,
			Attrs: map[string]string{"tier": "gold"}}},
		{Source: "hubspot", Deleted: true, Customer: cohort.Customer{ID: 7, Plan: "free"}},
	}
	got, from := cohort.MergeCustomer(records, cohort.DefaultSourcePrecedence)
	want := cohort.Customer{ID: 7, Email: "ana.lima@acme.example", ExternalID: "crm-1001", Name: "Ana Lima",
		Organization: "Acme Corp", Plan: "enterprise", ARR: 240000, LTV: 0, SignupDate: signup,
		Products: []string{"payments-api"}, TechLevel: "advanced",
		Attrs: map[string]string{"zendesk_user_id": "42", "region": "eu-west", "tier": "gold"}}
	if got.Email != want.Email || got.ExternalID != want.ExternalID || got.Name != want.Name || got.Organization != want.Organization ||
		got.Plan != want.Plan || got.ARR != want.ARR || got.LTV != want.LTV || !got.SignupDate.Equal(want.SignupDate) ||
		!slices.Equal(got.Products, want.Products) || got.TechLevel != want.TechLevel || !maps.Equal(got.Attrs, want.Attrs) || got.ID != 7 {
		t.Errorf("merged\n got %+v\nwant %+v", got, want)
	}
	wantFrom := cohort.FieldSources{"email": "csv", "external_id": "push", "name": "csv", "organization": "csv", "plan": "csv",
		"arr": "csv", "ltv": "push", "signup_date": "csv", "products": "csv", "tech_level": "csv",
		"attrs.region": "csv", "attrs.tier": "push", "attrs.zendesk_user_id": "zendesk"}
	if !maps.Equal(from, wantFrom) {
		t.Errorf("sources\n got %v\nwant %v", from, wantFrom)
	}
}

func TestMergeCustomerOfOneRecordIsTheRecord(t *testing.T) {
	c := cohort.Customer{ID: 3, Email: "a@x.example", Plan: "pro", ARR: 10, Products: []string{"x"}, Attrs: map[string]string{"k": "v"}}
	got, _ := cohort.MergeCustomer([]cohort.CustomerRecord{cohort.RecordOf("anything", c)}, cohort.DefaultSourcePrecedence)
	if got.Email != c.Email || got.Plan != c.Plan || got.ARR != c.ARR || !slices.Equal(got.Products, c.Products) || !maps.Equal(got.Attrs, c.Attrs) {
		t.Errorf("merged %+v, want %+v", got, c)
	}
	if got, from := cohort.MergeCustomer(nil, nil); got.Products == nil || got.Attrs == nil || len(from) != 0 {
		t.Errorf("no records: %+v, %v", got, from)
	}
}

func TestSourcePrecedence(t *testing.T) {
	p, err := cohort.ParseSourcePrecedence(" hubspot , csv,zendesk")
	if err != nil || p.String() != "hubspot,csv,zendesk" {
		t.Fatalf("parse = %v, %v", p, err)
	}
	sources := []string{"zendesk", "legacy", "csv", "hubspot", "archive"}
	slices.SortFunc(sources, p.Compare)
	if got := strings.Join(sources, " "); got != "hubspot csv zendesk archive legacy" {
		t.Errorf("sorted = %s; want the named ones in order, then the others by name", got)
	}
	for _, bad := range []string{"", "csv,,zendesk", "csv,zendesk,csv"} {
		if _, err := cohort.ParseSourcePrecedence(bad); err == nil {
			t.Errorf("ParseSourcePrecedence(%q) took it", bad)
		}
	}
}

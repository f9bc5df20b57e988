package zendeskusers_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/zendeskusers"
)

func TestDefaultMapping(t *testing.T) {
	m := zendeskusers.DefaultMapping()
	want := []string{"created_at", "email", "external_id", "id", "name", "organization.name",
		"organization.organization_fields.arr", "organization.organization_fields.ltv",
		"organization.organization_fields.plan", "organization.organization_fields.products",
		"user_fields.arr", "user_fields.ltv", "user_fields.plan", "user_fields.products",
		"user_fields.signup_date", "user_fields.tech_level"}
	if got := m.SourceFields(); !slices.Equal(got, want) {
		t.Errorf("source fields = %v, want %v", got, want)
	}

	tests := []struct {
		name   string
		fields map[string]string
		check  func(t *testing.T, c cohort.Customer)
	}{
		{"the user's values win", map[string]string{"id": "7", "email": "Ann@Example.com", "name": "Ann",
			"user_fields.plan": "Enterprise", "organization.organization_fields.plan": "pro",
			"user_fields.arr": "10", "organization.organization_fields.arr": "1200.5",
			"user_fields.signup_date": "2021-03-04", "created_at": "2024-01-01T00:00:00Z",
			"organization.organization_fields.products": "analytics;api", "user_fields.tech_level": "High",
			"organization.name": "Acme"},
			func(t *testing.T, c cohort.Customer) {
				if c.Email != "ann@example.com" || c.Plan != "enterprise" || c.ARR != 1200.5 || c.Organization != "Acme" ||
					!c.SignupDate.Equal(time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC)) || !slices.Equal(c.Products, []string{"analytics", "api"}) ||
					c.TechLevel != "high" || c.Attrs["zendesk_user_id"] != "7" {
					t.Errorf("customer = %+v", c)
				}
			}},
		{"the organization's fill the gaps", map[string]string{"id": "8", "external_id": "crm-8",
			"organization.organization_fields.plan": "pro", "user_fields.arr": "99", "created_at": "2024-01-01T00:00:00Z"},
			func(t *testing.T, c cohort.Customer) {
				if c.ExternalID != "crm-8" || c.Plan != "pro" || c.ARR != 99 || !c.SignupDate.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("customer = %+v", c)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := m.Apply(&cohort.SourceRecord{Fields: tt.fields})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c.Customer)
		})
	}
}

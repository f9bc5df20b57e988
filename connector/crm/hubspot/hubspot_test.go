package hubspot_test

import (
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
)

func TestNewChecksConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  hubspot.Config
		want string
	}{
		{"no token", hubspot.Config{}, "Config.Token is empty"},
		{"bad URL", hubspot.Config{Token: "t", URL: "api.hubapi.com"}, `Config.URL "api.hubapi.com"`},
		{"page size too big", hubspot.Config{Token: "t", PageSize: 201}, "Config.PageSize 201"},
		{"negative page size", hubspot.Config{Token: "t", PageSize: -1}, "Config.PageSize -1"},
		{"negative rate", hubspot.Config{Token: "t", SearchesPerSecond: -1}, "SearchesPerSecond"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := hubspot.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cohort.KindOf(err) != cohort.KindInvalid {
				t.Errorf("New: %v, want an invalid error containing %q", err, tt.want)
			}
		})
	}
	src, err := hubspot.New(hubspot.Config{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if src.Name() != "hubspot" {
		t.Errorf("Name() = %q", src.Name())
	}
}

func TestDefaultMappingReads(t *testing.T) {
	want := []string{"arr", "company", "company.arr", "company.industry", "company.name", "company.plan", "createdate",
		"email", "firstname", "id", "lastname", "lifecyclestage", "ltv", "plan", "products", "signup_date", "tech_level"}
	if got := hubspot.DefaultMapping().SourceFields(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("SourceFields() = %v, want %v", got, want)
	}
	var _ crm.Source = (*hubspot.Source)(nil)
}

package sandbox_test

import (
	"net/http"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestProperties(t *testing.T) {
	srv, _ := startSandbox(t)
	srv.CreateCompany(sandbox.Props{"name": "Acme", "plan": "Pro"})
	if err := srv.DefineProperty(sandbox.Companies, sandbox.Property{Name: "arr", Label: "ARR", Type: sandbox.TypeNumber, FieldType: "number"}); err != nil {
		t.Fatal(err)
	}
	type property struct {
		Name           string `json:"name"`
		Label          string `json:"label"`
		Type           string `json:"type"`
		FieldType      string `json:"fieldType"`
		GroupName      string `json:"groupName"`
		HubSpotDefined *bool  `json:"hubspotDefined"`
		HasUniqueValue bool   `json:"hasUniqueValue"`
		CreatedAt      string `json:"createdAt"`
	}
	var p struct {
		Results []property `json:"results"`
	}
	r := call(t, srv, http.MethodGet, "/crm/v3/properties/companies", nil)
	wantStatus(t, r, http.StatusOK)
	r.decode(t, &p)
	byName := map[string]property{}
	for _, pr := range p.Results {
		byName[pr.Name] = pr
	}
	tests := []struct {
		name, typ string
		standard  bool
	}{
		{"name", sandbox.TypeString, true},
		{"hs_lastmodifieddate", sandbox.TypeDateTime, true},
		{"annualrevenue", sandbox.TypeNumber, true},
		{"industry", sandbox.TypeEnumeration, true},
		{"plan", sandbox.TypeString, false},
		{"arr", sandbox.TypeNumber, false},
	}
	for _, tt := range tests {
		pr, ok := byName[tt.name]
		switch {
		case !ok:
			t.Errorf("%s missing from %s", tt.name, r.body)
		case pr.Type != tt.typ || (pr.HubSpotDefined != nil) != tt.standard || pr.GroupName != "companyinformation" || pr.CreatedAt == "":
			t.Errorf("%s = %+v, want type %s, hubspotDefined %v", tt.name, pr, tt.typ, tt.standard)
		}
	}
	if byName["domain"].HasUniqueValue != true {
		t.Error("domain is not unique")
	}
	var archived struct {
		Results []property `json:"results"`
	}
	call(t, srv, http.MethodGet, "/crm/v3/properties/companies?archived=true", nil).decode(t, &archived)
	if len(archived.Results) != 0 {
		t.Errorf("archived properties %v, want none", archived.Results)
	}
}

func TestDefinePropertyErrors(t *testing.T) {
	srv, _ := startSandbox(t)
	tests := map[string]struct {
		t sandbox.ObjectType
		p sandbox.Property
	}{
		"standard property": {sandbox.Contacts, sandbox.Property{Name: "email", Type: sandbox.TypeString}},
		"bad name":          {sandbox.Contacts, sandbox.Property{Name: "Plan Name", Type: sandbox.TypeString}},
		"bad type":          {sandbox.Contacts, sandbox.Property{Name: "plan", Type: "text"}},
		"bad object type":   {"deals", sandbox.Property{Name: "plan", Type: sandbox.TypeString}},
	}
	for name, tt := range tests {
		if err := srv.DefineProperty(tt.t, tt.p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

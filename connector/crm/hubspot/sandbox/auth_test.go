package sandbox_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestAuthentication(t *testing.T) {
	srv, _ := startSandbox(t)
	tests := []struct {
		name, token string
		message     string
	}{
		{"no token", "", "Authentication credentials not found"},
		{"wrong token", "pat-na1-other", "Authentication credentials are invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := callAs(t, srv, tt.token, http.MethodGet, "/crm/v3/objects/contacts", nil)
			e := wantError(t, r, http.StatusUnauthorized, sandbox.CategoryAuthentication)
			if !strings.HasPrefix(e.Message, tt.message) {
				t.Errorf("message %q, want it to start %q", e.Message, tt.message)
			}
		})
	}
	t.Run("right token", func(t *testing.T) {
		wantStatus(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil), http.StatusOK)
	})
	if got := srv.Stats().Responses[http.StatusUnauthorized]; got != 2 {
		t.Errorf("Stats.Responses[401] = %d, want 2", got)
	}
}

func TestScopes(t *testing.T) {
	srv, _ := startSandbox(t, func(c *sandbox.Config) { c.Scopes = []string{"crm.objects.contacts.read"} })
	contact := srv.CreateContact(sandbox.Props{"email": "a@example.com"})
	tests := []struct {
		name, method, path string
		body               any
		missing            []string // nil: allowed
	}{
		{"list contacts", http.MethodGet, "/crm/v3/objects/contacts", nil, nil},
		{"list contacts with companies", http.MethodGet, "/crm/v3/objects/contacts?associations=companies", nil, []string{"crm.objects.companies.read"}},
		{"list companies", http.MethodGet, "/crm/v3/objects/companies", nil, []string{"crm.objects.companies.read"}},
		{"search companies", http.MethodPost, "/crm/v3/objects/companies/search", "{}", []string{"crm.objects.companies.read"}},
		{"batch read contacts", http.MethodPost, "/crm/v3/objects/contacts/batch/read", `{"inputs":[]}`, nil},
		{"v4 contact to companies", http.MethodGet, "/crm/v4/objects/contacts/" + contact + "/associations/companies", nil, []string{"crm.objects.companies.read"}},
		{"properties", http.MethodGet, "/crm/v3/properties/contacts", nil, []string{"crm.schemas.contacts.read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, tt.method, tt.path, tt.body)
			if tt.missing == nil {
				wantStatus(t, r, http.StatusOK)
				return
			}
			e := wantError(t, r, http.StatusForbidden, sandbox.CategoryMissingScopes)
			if len(e.Errors) != 1 || !slices.Equal(e.Errors[0].Context["requiredGranularScopes"], tt.missing) {
				t.Errorf("errors %+v, want requiredGranularScopes %v", e.Errors, tt.missing)
			}
		})
	}
}

func TestUnknownEndpoint(t *testing.T) {
	srv, _ := startSandbox(t)
	wantError(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts/1/extra", nil), http.StatusNotFound, sandbox.CategoryNotFound)
	wantError(t, call(t, srv, http.MethodGet, "/crm/v3/objects/deals", nil), http.StatusBadRequest, sandbox.CategoryValidation)
	if got := srv.Stats().RequestsByRoute["GET /*"]; got != 1 {
		t.Errorf(`RequestsByRoute["GET /*"] = %d, want 1; stats %+v`, got, srv.Stats())
	}
}

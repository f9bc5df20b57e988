package zendesk

import (
	"net/http/httptest"
	"testing"
)

func TestEndpointClass(t *testing.T) {
	for _, tt := range []struct{ method, path, want string }{
		{"PUT", "/api/v2/tickets/update_many.json", "ticket_update"},
		{"PUT", "/api/v2/tickets/12.json", "ticket_update"},
		{"GET", "/api/v2/tickets/12.json", "ticket_read"},
		{"GET", "/api/v2/tickets.json", "ticket_read"},
		{"GET", "/api/v2/job_statuses/show_many.json", "job_status"},
		{"GET", "/api/v2/incremental/tickets/cursor.json", "export"},
		{"GET", "/api/v2/users/show_many.json", "users"},
		{"GET", "/api/v2/search.json", "users"},
		{"GET", "/api/v2/satisfaction_ratings.json", "ratings"},
		{"POST", "/api/v2/macros.json", "macros"},
		{"POST", "/api/v2/apps/uploads.json", "install"},
		{"GET", "/api/v2/trigger_categories.json", "install"},
		{"GET", "/api/v2/organizations/7.json", "users"},
		{"GET", "/api/v2/locales.json", "other"},
	} {
		if got := endpointClass(httptest.NewRequest(tt.method, tt.path, nil)); got != tt.want {
			t.Errorf("%s %s: %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

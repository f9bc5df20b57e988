package sandbox_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// TestStats runs a scripted session, refused and faulted requests
// included, and checks every counter.
func TestStats(t *testing.T) {
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.RateLimit = 7 })
	c := adminClient(t, srv)
	ctx := t.Context()

	// Ten API requests; the rate limit of 7 counts all but the 401, the 429
	// and the fault.
	first := createTicket(t, c, zendesk.Ticket{}) // POST /tickets
	createTicket(t, c, zendesk.Ticket{})          // POST /tickets
	if _, err := c.UpdateTicket(ctx, first.ID, zendesk.Ticket{Status: "open"}); err != nil {
		t.Fatal(err)
	}
	// PUT /tickets/update_many, then GET /job_statuses/{id}.
	job := runJob(t, srv, c, "/tickets/update_many.json?ids=1,2", map[string]any{
		"ticket": map[string]any{"priority": "low"},
	})
	if job.Status != "completed" {
		t.Fatalf("job = %+v", job)
	}
	_, err := newClient(t, srv, nil).Get(ctx, "/users/me.json")
	wantStatus(t, err, http.StatusUnauthorized)
	_, err = c.Get(ctx, "/automations.json")
	wantStatus(t, err, http.StatusNotFound)
	if _, err := c.GetTicket(ctx, first.ID); err != nil { // the 7th counted
		t.Fatal(err)
	}
	_, err = c.GetTicket(ctx, first.ID)
	wantStatus(t, err, http.StatusTooManyRequests)
	srv.SetFaults(sandbox.Faults{ErrorRate: 1})
	_, err = c.GetTicket(ctx, first.ID)
	wantStatus(t, err, http.StatusInternalServerError)

	got := srv.Stats()
	tests := []struct {
		name      string
		got, want any
	}{
		{"requests", got.Requests, 10},
		{"requests by route", got.RequestsByRoute, map[string]int{
			"POST /api/v2/tickets":            2,
			"PUT /api/v2/tickets/{id}":        1,
			"PUT /api/v2/tickets/update_many": 1,
			"GET /api/v2/job_statuses/{id}":   1,
			"GET /api/v2/users/me":            1,
			"GET /api/v2/*":                   1,
			"GET /api/v2/tickets/{id}":        3,
		}},
		{"responses", got.Responses, map[int]int{201: 2, 200: 4, 401: 1, 404: 1, 429: 1, 500: 1}},
		{"rate limited", got.RateLimited, 1},
		{"faults", got.Faults, map[sandbox.FaultKind]int{sandbox.FaultError: 1}},
		{"ticket updates", got.TicketUpdates, 3},
		{"ticket updates by id", got.TicketUpdatesByID, map[int64]int{1: 2, 2: 1}},
		{"job statuses", got.JobStatuses, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}

	// The snapshot is a copy.
	got.RequestsByRoute["GET /api/v2/*"] = 99
	if srv.Stats().RequestsByRoute["GET /api/v2/*"] != 1 {
		t.Error("Stats shares its maps")
	}
}

package sandbox_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

type jobStatus struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Total    int    `json:"total"`
	Progress int    `json:"progress"`
	Results  []struct {
		ID      int64  `json:"id"`
		Status  string `json:"status"`
		Success bool   `json:"success"`
		Error   string `json:"error"`
	} `json:"results"`
}

// runJob sends an update_many request and returns its finished job status.
func runJob(t *testing.T, srv *sandbox.Server, c *zendesk.Client, path string, body any) jobStatus {
	t.Helper()
	resp, err := c.Put(t.Context(), path, body)
	if err != nil {
		t.Fatal(err)
	}
	queued := decode[struct {
		JobStatus jobStatus `json:"job_status"`
	}](t, resp).JobStatus
	if queued.Status != "queued" || queued.ID == "" {
		t.Fatalf("job = %+v, want queued", queued)
	}
	if err := srv.WaitJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	resp, err = c.Get(t.Context(), "/job_statuses/"+queued.ID+".json")
	if err != nil {
		t.Fatal(err)
	}
	return decode[struct {
		JobStatus jobStatus `json:"job_status"`
	}](t, resp).JobStatus
}

func TestBulkUpdate(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	for range 3 {
		createTicket(t, c, zendesk.Ticket{Tags: []string{"old"}})
	}

	job := runJob(t, srv, c, "/tickets/update_many.json?ids=1,2,99", map[string]any{
		"ticket": map[string]any{"status": "pending", "additional_tags": []string{"bulk"}, "remove_tags": "old"},
	})
	if job.Status != "completed" || job.Total != 3 || job.Progress != 3 || len(job.Results) != 3 {
		t.Fatalf("job = %+v", job)
	}
	if !job.Results[0].Success || job.Results[0].Status != "Updated" || job.Results[2].Success || job.Results[2].Error != "RecordNotFound" {
		t.Errorf("results = %+v", job.Results)
	}

	tickets, err := c.GetMultipleTickets(t.Context(), []int64{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets[:2] {
		if tk.Status != "pending" || !slices.Equal(tk.Tags, []string{"bulk"}) {
			t.Errorf("ticket %d: status %q tags %q", tk.ID, tk.Status, tk.Tags)
		}
	}
	if tickets[2].Status != "new" {
		t.Errorf("ticket 3 was updated: %q", tickets[2].Status)
	}
}

func TestBatchUpdate(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	first := createTicket(t, c, zendesk.Ticket{})
	second := createTicket(t, c, zendesk.Ticket{})
	if _, err := c.UpdateTicket(t.Context(), second.ID, zendesk.Ticket{Status: "open"}); err != nil {
		t.Fatal(err)
	}

	job := runJob(t, srv, c, "/tickets/update_many", map[string]any{
		"tickets": []map[string]any{
			{"id": first.ID, "priority": "high", "safe_update": true, "updated_stamp": first.UpdatedAt},
			{"id": second.ID, "priority": "high", "safe_update": true, "updated_stamp": second.UpdatedAt},
			{"id": first.ID, "comment": map[string]any{"body": "batch note", "public": false}},
		},
	})
	if job.Status != "completed" || len(job.Results) != 3 {
		t.Fatalf("job = %+v", job)
	}
	wantSuccess := []bool{true, false, true}
	for i, r := range job.Results {
		if r.Success != wantSuccess[i] {
			t.Errorf("result %d = %+v, want success %v", i, r, wantSuccess[i])
		}
	}
	if job.Results[1].Error != "UpdateConflict" {
		t.Errorf("stale stamp result = %+v, want UpdateConflict", job.Results[1])
	}
	got, err := c.GetTicket(t.Context(), second.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Priority != "" {
		t.Errorf("the conflicting batch item was written: priority %q", got.Priority)
	}

	_, err = c.Put(t.Context(), "/tickets/update_many.json", map[string]any{
		"tickets": []map[string]any{{"id": first.ID, "priority": "low", "safe_update": true}},
	})
	wantStatus(t, err, http.StatusUnprocessableEntity)
}

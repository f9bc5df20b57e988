package sandbox_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

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

// queueJob sends an update_many request and returns its job status.
func queueJob(t *testing.T, c *zendesk.Client, path string, body any) jobStatus {
	t.Helper()
	resp, err := c.Put(t.Context(), path, body)
	if err != nil {
		t.Fatal(err)
	}
	return decode[struct {
		JobStatus jobStatus `json:"job_status"`
	}](t, resp).JobStatus
}

// showManyJobs polls jobs with GET /job_statuses/show_many.
func showManyJobs(t *testing.T, c *zendesk.Client, ids ...string) ([]jobStatus, error) {
	t.Helper()
	body, err := c.Get(t.Context(), "/job_statuses/show_many.json?ids="+strings.Join(ids, ","))
	if err != nil {
		return nil, err
	}
	return decode[struct {
		JobStatuses []jobStatus `json:"job_statuses"`
	}](t, body).JobStatuses, nil
}

func TestShowManyJobStatuses(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	createTicket(t, c, zendesk.Ticket{})
	bulk := map[string]any{"ticket": map[string]any{"status": "open"}}
	first := runJob(t, srv, c, "/tickets/update_many.json?ids=1", bulk)
	second := runJob(t, srv, c, "/tickets/update_many.json?ids=1,2", bulk)

	tooMany := make([]string, 101)
	for i := range tooMany {
		tooMany[i] = first.ID
	}
	tests := []struct {
		name    string
		ids     []string
		status  int
		wantIDs []string
	}{
		{"in the order asked, unknown ids left out", []string{second.ID, "0123abc", first.ID}, http.StatusOK, []string{second.ID, first.ID}},
		{"only unknown ids", []string{"0123abc"}, http.StatusOK, []string{}},
		{"no ids", nil, http.StatusBadRequest, nil},
		{"more than 100 ids", tooMany, http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, err := showManyJobs(t, c, tt.ids...)
			if tt.status != http.StatusOK {
				wantStatus(t, err, tt.status)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, j := range jobs {
				ids = append(ids, j.ID)
				if j.Status != "completed" || j.Total != len(j.Results) {
					t.Errorf("job %+v, want completed with its results", j)
				}
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("ids = %q, want %q", ids, tt.wantIDs)
			}
		})
	}
}

// TestTooManyJobs holds jobs queued with Faults.JobDelay until the
// account's 30 are reached, then releases them.
func TestTooManyJobs(t *testing.T) {
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Faults = sandbox.Faults{JobDelay: time.Hour} })
	c := adminClient(t, srv)
	createTicket(t, c, zendesk.Ticket{})
	bulk := map[string]any{"ticket": map[string]any{"additional_tags": []string{"bulk"}}}

	var ids []string
	for range 30 {
		ids = append(ids, queueJob(t, c, "/tickets/update_many.json?ids=1", bulk).ID)
	}
	_, err := c.Put(t.Context(), "/tickets/update_many.json?ids=1", bulk)
	ze := wantStatus(t, err, http.StatusTooManyRequests)
	body, _ := io.ReadAll(ze.Body())
	if got := decode[map[string]string](t, body); got["error"] != "TooManyJobs" {
		t.Errorf("body = %s, want TooManyJobs", body)
	}

	jobs, err := showManyJobs(t, c, ids...)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Status != "queued" || j.Progress != 0 {
			t.Errorf("job %s is %s with progress %d while JobDelay holds it", j.ID, j.Status, j.Progress)
		}
	}

	srv.SetFaults(sandbox.Faults{})
	if err := srv.WaitJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	jobs, err = showManyJobs(t, c, ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 30 {
		t.Fatalf("%d jobs, want 30", len(jobs))
	}
	for _, j := range jobs {
		if j.Status != "completed" || j.Progress != 1 {
			t.Errorf("job %s is %s with progress %d after JobDelay was cleared", j.ID, j.Status, j.Progress)
		}
	}
	if job := queueJob(t, c, "/tickets/update_many.json?ids=1", bulk); job.Status != "queued" {
		t.Errorf("job after the others completed = %+v", job)
	}
	if got := srv.Stats(); got.JobStatuses != 31 || got.RateLimited != 1 {
		t.Errorf("Stats: %d job statuses, %d 429s; want 31 and 1", got.JobStatuses, got.RateLimited)
	}
}

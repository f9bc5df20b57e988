package sandbox_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// bulkJob is a job status of create_or_update_many.
type bulkJob struct {
	ID      string `json:"id"`
	JobType string `json:"job_type"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
	Results []struct {
		Index      *int   `json:"index"`
		ID         int64  `json:"id"`
		Action     string `json:"action"`
		Status     string `json:"status"`
		Success    *bool  `json:"success"`
		Error      string `json:"error"`
		Details    string `json:"details"`
		Email      string `json:"email"`
		ExternalID string `json:"external_id"`
	} `json:"results"`
}

func TestCreateOrUpdateManyUsers(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann", Email: "ann@example.com", UserFields: zendesk.UserFields{"plan": "gold", "seats": 2}})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := c.CreateUser(ctx, zendesk.User{Name: "Bob", ExternalID: "crm-bob"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := c.Post(ctx, "/users/create_or_update_many.json", map[string]any{"users": []map[string]any{
		{"email": "ANN@example.com", "user_fields": map[string]any{"plan": "silver"}},
		{"external_id": "CRM-BOB", "user_fields": map[string]any{"plan": "bronze"}},
		{"email": "cy@example.com", "name": "Cy", "external_id": "crm-cy", "user_fields": map[string]any{"plan": "gold"}, "skip_verify_email": true},
		{"email": "not an email", "name": "Dee"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	started := decode[struct {
		JobStatus bulkJob `json:"job_status"`
	}](t, body).JobStatus
	if started.ID == "" || started.Total != 4 || started.JobType != "bulk_create_or_update_users" {
		t.Fatalf("job status = %+v", started)
	}
	if err := srv.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	job := getJSON[struct {
		JobStatus bulkJob `json:"job_status"`
	}](t, c, "/job_statuses/"+started.ID+".json").JobStatus
	if job.Status != "completed" || len(job.Results) != 4 {
		t.Fatalf("job = %+v", job)
	}
	// The shapes of Zendesk's OpenAPI document: an update's result has its
	// id, action, status and success; a create's its id and index; a
	// failure its index, error and details.
	want := []struct {
		id             int64
		index          *int
		action, status string
		success        *bool
	}{
		{ann.ID, nil, "update", "Updated", ptr(true)},
		{bob.ID, nil, "update", "Updated", ptr(true)},
		{0, ptr(2), "", "Created", nil},
		{0, ptr(3), "create", "", ptr(false)},
	}
	for i, w := range want {
		r := job.Results[i]
		if w.id != 0 && r.ID != w.id || r.Action != w.action || r.Status != w.status ||
			(r.Success == nil) != (w.success == nil) || r.Success != nil && *r.Success != *w.success ||
			(r.Index == nil) != (w.index == nil) || r.Index != nil && *r.Index != *w.index {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	if job.Results[2].ID == 0 {
		t.Error("the create's result has no id")
	}
	if r := job.Results[3]; r.Error != "RecordInvalid" || r.Email != "not an email" || r.Details == "" {
		t.Errorf("failed result = %+v", r)
	}

	got, err := c.GetUser(ctx, ann.ID)
	if err != nil || got.UserFields["plan"] != "silver" || got.UserFields["seats"] != 2.0 || got.Name != "Ann" {
		t.Errorf("ann = %+v, %v", got, err)
	}
	got, err = c.GetUser(ctx, bob.ID)
	if err != nil || got.UserFields["plan"] != "bronze" {
		t.Errorf("bob = %+v, %v", got, err)
	}
	cy, _, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "email:cy@example.com"})
	if err != nil || len(cy) != 1 || cy[0].ID != job.Results[2].ID || cy[0].Role != "end-user" || cy[0].UserFields["plan"] != "gold" {
		t.Errorf("cy = %+v, %v", cy, err)
	}
}

func TestCreateOrUpdateManyUsersRefused(t *testing.T) {
	users := func(n int) map[string]any {
		list := make([]map[string]any, n)
		for i := range list {
			list[i] = map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "name": "U"}
		}
		return map[string]any{"users": list}
	}
	c := adminClient(t, startSandbox(t))
	_, err := c.Post(t.Context(), "/users/create_or_update_many.json", users(101))
	wantStatus(t, err, http.StatusBadRequest)
	_, err = c.Post(t.Context(), "/users/create_or_update_many.json", users(0))
	wantStatus(t, err, http.StatusBadRequest)

	disabled := startSandbox(t, func(cfg *sandbox.Config) { cfg.BulkUserImportDisabled = true })
	dc, rec := recordingClient(t, disabled, zendesk.NewAPITokenCredential(testEmail, testToken), "")
	_, err = dc.Post(t.Context(), "/users/create_or_update_many.json", users(1))
	wantStatus(t, err, http.StatusForbidden)
	if body := decode[map[string]string](t, []byte(rec.response().body)); body["error"] != "Forbidden" || body["description"] == "" {
		t.Errorf("403 body = %v", body)
	}
	if n := disabled.Stats().JobStatuses; n != 0 {
		t.Errorf("%d jobs created", n)
	}
}

package zendesk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

const bulkRoute = "POST /api/v2/users/create_or_update_many"

func TestUpsertUserFields(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{ExportRateLimit: 60000, PollInterval: 10 * time.Millisecond})
	ctx := t.Context()
	// 150 users Zendesk knows, by email or by external id; 100 it does not;
	// one it cannot create.
	var items []zendesk.UserFields
	for i := range 150 {
		u := zd.User{Name: fmt.Sprint("Known ", i), UserFields: zd.UserFields{"plan": "free", "seats": 1}}
		item := zendesk.UserFields{Fields: map[string]any{"segment": "vip", "plan": "gold"}}
		if i%2 == 0 {
			u.Email, item.Email = fmt.Sprintf("known%d@example.com", i), fmt.Sprintf("Known%d@Example.com", i)
		} else {
			u.ExternalID, item.ExternalID = fmt.Sprint("crm-", i), fmt.Sprint("crm-", i)
		}
		if _, err := c.API().CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		items = append(items, item)
	}
	for i := range 100 {
		items = append(items, zendesk.UserFields{Email: fmt.Sprintf("new%d@example.com", i), ExternalID: fmt.Sprint("new-", i),
			Name: fmt.Sprint("New ", i), Fields: map[string]any{"segment": "trial"}})
	}
	items = append(items, zendesk.UserFields{Email: "not an email", Name: "Broken", Fields: map[string]any{"segment": "x"}})

	err := c.UpsertUserFields(ctx, items)
	var ue *zendesk.UpsertError
	if !errors.As(err, &ue) || cohort.KindOf(err) != cohort.KindInvalid {
		t.Fatalf("err = %v, want an *UpsertError of kind invalid", err)
	}
	if len(ue.Failures) != 1 || ue.Failures[0].User != "email not an email" || !strings.Contains(ue.Failures[0].Reason, "Email") {
		t.Errorf("failures = %+v", ue.Failures)
	}
	if n := sb.Stats().RequestsByRoute[bulkRoute]; n != 3 {
		t.Errorf("%d create_or_update_many requests for 251 users, want 3", n)
	}

	// Every user as the export has it now.
	byKey := map[string]zd.User{}
	page, err := c.ExportUsers(ctx, time.Time{}, "", 0)
	if err != nil || !page.EndOfStream {
		t.Fatalf("export: %v (end %v)", err, page.EndOfStream)
	}
	for _, u := range page.Users {
		byKey[u.Email+"|"+u.ExternalID] = u
	}
	if len(byKey) != 1+150+100 {
		t.Errorf("%d users, want the admin, 150 known and 100 new", len(byKey))
	}
	for i := range 150 {
		key := fmt.Sprintf("known%d@example.com|", i)
		if i%2 == 1 {
			key = fmt.Sprint("|crm-", i)
		}
		u := byKey[key]
		if u.UserFields["segment"] != "vip" || u.UserFields["plan"] != "gold" || fmt.Sprint(u.UserFields["seats"]) != "1" ||
			u.Name != fmt.Sprint("Known ", i) {
			t.Fatalf("known user %d = %+v", i, u)
		}
	}
	for i := range 100 {
		u := byKey[fmt.Sprintf("new%d@example.com|new-%d", i, i)]
		if u.UserFields["segment"] != "trial" || u.Role != "end-user" || u.Name != fmt.Sprint("New ", i) {
			t.Fatalf("new user %d = %+v", i, u)
		}
	}
}

func TestUpsertUserFieldsNeedsAUser(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	err := c.UpsertUserFields(t.Context(), []zendesk.UserFields{{Email: "a@example.com"}, {Name: "Nobody"}})
	if cohort.KindOf(err) != cohort.KindInvalid || !strings.Contains(err.Error(), "user 1") {
		t.Errorf("err = %v, want invalid naming user 1", err)
	}
	if n := sb.Stats().RequestsByRoute[bulkRoute]; n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestUpsertUserFieldsImportDisabled(t *testing.T) {
	const token = "s3cr3t-api-token"
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: token, BulkUserImportDisabled: true}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	c, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: token})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.UpsertUserFields(t.Context(), []zendesk.UserFields{{Email: "a@example.com", Fields: map[string]any{"plan": "gold"}}})
	if cohort.KindOf(err) != cohort.KindUnauthorized {
		t.Fatalf("err = %v, want unauthorized", err)
	}
	for _, want := range []string{"403", "bulk user imports are not enabled", "account owner", "Zendesk Customer Support"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error leaks the API token: %v", err)
	}
}

// TestUpsertMatchesResultsWithoutIndex answers results without an index,
// in another order, one missing: they are matched by email and external id.
func TestUpsertMatchesResultsWithoutIndex(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"job_status":{"id":"j1","status":"completed","results":[
			{"id":2,"action":"update","status":"Updated","success":true,"external_id":"crm-2"},
			{"action":"create","success":false,"error":"RecordInvalid","details":"Name: is too short","email":"a@example.com"}]}}`))
	}))
	defer srv.Close()
	c := client(t, srv.URL, -1)
	err := c.UpsertUserFields(context.Background(), []zendesk.UserFields{
		{Email: "A@example.com"}, {ExternalID: "crm-2"}, {Email: "c@example.com"}})
	var ue *zendesk.UpsertError
	if !errors.As(err, &ue) || len(ue.Failures) != 2 {
		t.Fatalf("err = %v, want two failures", err)
	}
	if f := ue.Failures[0]; f.Index != 0 || f.User != "email A@example.com" || f.Reason != "RecordInvalid: Name: is too short" {
		t.Errorf("first failure = %+v", f)
	}
	if f := ue.Failures[1]; f.Index != 2 || f.User != "email c@example.com" || !strings.Contains(f.Reason, "missing") {
		t.Errorf("second failure = %+v", f)
	}
}

package sandbox_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestUpdateUser(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann", Email: "ann@example.com",
		UserFields: zendesk.UserFields{"plan": "gold", "seats": 5}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	updated, err := c.UpdateUser(ctx, ann.ID, zendesk.User{OrganizationID: org.ID, UserFields: zendesk.UserFields{"plan": "silver"}})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Name != "Ann" || updated.OrganizationID != org.ID || updated.UserFields["plan"] != "silver" ||
		updated.UserFields["seats"] != 5.0 || !updated.UpdatedAt.Equal(clock.Now()) || !updated.CreatedAt.Equal(testNow) {
		t.Errorf("updated = %+v", updated)
	}
	_, err = c.UpdateUser(ctx, 999, zendesk.User{Name: "Nobody"})
	wantStatus(t, err, http.StatusNotFound)
	_, err = c.UpdateUser(ctx, ann.ID, zendesk.User{Role: "boss"})
	wantStatus(t, err, http.StatusUnprocessableEntity)

	clock.Advance(time.Minute)
	if err := srv.SetUserFields(ann.ID, map[string]any{"seats": nil, "tier": "t2"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetUser(ctx, ann.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserFields["seats"] != nil || got.UserFields["tier"] != "t2" || got.UserFields["plan"] != "silver" ||
		!got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("after SetUserFields = %+v", got)
	}
	if err := srv.SetUserFields(999, map[string]any{"x": 1}); err == nil {
		t.Error("SetUserFields of an unknown user: no error")
	}
}

func TestDeleteUser(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	ann, err := c.CreateUser(ctx, zendesk.User{Name: "Ann", Email: "ann@example.com", ExternalID: "crm-1"})
	if err != nil {
		t.Fatal(err)
	}
	// go-zendesk's Delete wants 204; Zendesk answers 200 with the user.
	del := func(id int64) (int, map[string]any) {
		t.Helper()
		resp, body := adminRequest(t, srv, http.MethodDelete, fmt.Sprintf("/api/v2/users/%d.json", id))
		return resp.StatusCode, body
	}
	status, body := del(ann.ID)
	if u, _ := body["user"].(map[string]any); status != http.StatusOK || u["active"] != false {
		t.Fatalf("DELETE = %d %v", status, body)
	}
	if status, _ := del(ann.ID); status != http.StatusNotFound {
		t.Errorf("deleting again: %d, want 404", status)
	}
	if status, _ := del(adminID(t, c)); status != http.StatusUnprocessableEntity {
		t.Errorf("deleting the admin: %d, want 422", status)
	}

	// Still found by id, inactive; not by search, email or external id.
	got, err := c.GetUser(ctx, ann.ID)
	if err != nil || got.Active {
		t.Errorf("GetUser = %+v, %v; want it inactive", got, err)
	}
	found, _, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "email:ann@example.com"})
	if err != nil || len(found) != 0 {
		t.Errorf("search finds %v, %v", found, err)
	}
	again, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Ann Again", Email: "ann@example.com", ExternalID: "crm-1"})
	if err != nil || again.ID == ann.ID || !again.Active {
		t.Errorf("create_or_update after delete = %+v, %v; want a new user", again, err)
	}
	if err := srv.DeleteUser(again.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteUser(again.ID); err == nil {
		t.Error("DeleteUser twice: no error")
	}
}

func TestUpdateOrganization(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme", ExternalID: "org-1", Tags: []string{"vip"},
		DomainNames: []string{"acme.example"}, OrganizationFields: map[string]any{"plan": "gold", "arr": 1200}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Globex"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	// go-zendesk sends every property; the empty name, null lists and
	// left-out ones stay.
	updated, err := c.UpdateOrganization(ctx, org.ID, zendesk.Organization{OrganizationFields: map[string]any{"plan": "silver"}})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Name != "Acme" || updated.ExternalID != "org-1" || !slices.Equal(updated.Tags, []string{"vip"}) ||
		!slices.Equal(updated.DomainNames, []string{"acme.example"}) || updated.OrganizationFields["plan"] != "silver" ||
		updated.OrganizationFields["arr"] != 1200.0 || !updated.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("updated = %+v", updated)
	}
	_, err = c.UpdateOrganization(ctx, org.ID, zendesk.Organization{Name: "globex"})
	wantStatus(t, err, http.StatusUnprocessableEntity)
	_, err = c.UpdateOrganization(ctx, 999, zendesk.Organization{Name: "Nobody"})
	wantStatus(t, err, http.StatusNotFound)

	clock.Advance(time.Minute)
	if err := srv.SetOrganizationFields(org.ID, map[string]any{"arr": 2400}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetOrganization(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.OrganizationFields["arr"] != 2400.0 || got.OrganizationFields["plan"] != "silver" || !got.UpdatedAt.Equal(clock.Now()) {
		t.Errorf("after SetOrganizationFields = %+v", got)
	}
	if err := srv.SetOrganizationFields(999, map[string]any{"x": 1}); err == nil {
		t.Error("SetOrganizationFields of an unknown organization: no error")
	}
}

func TestOrganizationUsers(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	org, err := c.CreateOrganization(ctx, zendesk.Organization{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	var members []int64
	for i := range 5 {
		u, err := c.CreateUser(ctx, zendesk.User{Name: fmt.Sprint("M", i), Email: fmt.Sprintf("m%d@example.com", i), OrganizationID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, u.ID)
	}
	if _, err := c.CreateUser(ctx, zendesk.User{Name: "Outsider", Email: "out@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteUser(members[4]); err != nil {
		t.Fatal(err)
	}
	want := members[:4]

	users, page, err := c.GetOrganizationUsers(ctx, org.ID, &zendesk.UserListOptions{PageOptions: zendesk.PageOptions{PerPage: 3, Page: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(userIDs(users), want[:3]) || page.Count != 4 || !page.HasNext() {
		t.Errorf("offset page 1 = %v (count %d)", userIDs(users), page.Count)
	}

	var got []int64
	it := c.GetOrganizationUsersIterator(ctx, &zendesk.PaginationOptions{PageSize: 3, IsCBP: true,
		CommonOptions: zendesk.CommonOptions{Id: org.ID}})
	for it.HasMore() {
		users, err := it.GetNext()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, userIDs(users)...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("cursor pages = %v, want %v", got, want)
	}
	_, _, err = c.GetOrganizationUsers(ctx, 999, nil)
	wantStatus(t, err, http.StatusNotFound)
}

func TestFieldDefinitions(t *testing.T) {
	c := adminClient(t, startSandbox(t))
	ctx := t.Context()
	plan, err := c.CreateUserField(ctx, zendesk.UserField{Key: "plan", Type: "dropdown", Title: "Plan",
		CustomFieldOptions: []zendesk.CustomFieldOption{{Name: "Gold", Value: "gold"}, {Name: "Silver", Value: "silver"}}})
	if err != nil {
		t.Fatal(err)
	}
	if plan.ID == 0 || !plan.Active || len(plan.CustomFieldOptions) != 2 || plan.CustomFieldOptions[1].Value != "silver" {
		t.Errorf("created user field = %+v", plan)
	}
	if _, err := c.CreateUserField(ctx, zendesk.UserField{Key: "ltv", Type: "decimal", Title: "LTV"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []zendesk.UserField{
		{Key: "plan", Type: "text", Title: "Again"},
		{Key: "bad key", Type: "text", Title: "Bad"},
		{Key: "x", Type: "colour", Title: "X"},
		{Key: "y", Type: "text"},
	} {
		_, err := c.CreateUserField(ctx, bad)
		wantStatus(t, err, http.StatusUnprocessableEntity)
	}
	fields, page, err := c.GetUserFields(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fields) != 2 || fields[0].Key != "plan" || fields[1].Type != "decimal" || page.Count != 2 {
		t.Errorf("user fields = %+v", fields)
	}

	if _, err := c.CreateOrganizationField(ctx, zendesk.OrganizationField{Key: "arr", Type: "decimal", Title: "ARR"}); err != nil {
		t.Fatal(err)
	}
	orgFields, _, err := c.GetOrganizationFields(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgFields) != 1 || orgFields[0].Key != "arr" || orgFields[0].Title != "ARR" {
		t.Errorf("organization fields = %+v", orgFields)
	}
	// The kinds are apart: "plan" is free for organizations.
	if _, err := c.CreateOrganizationField(ctx, zendesk.OrganizationField{Key: "plan", Type: "text", Title: "Plan"}); err != nil {
		t.Errorf("organization field plan: %v", err)
	}
}

package sandbox_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestUsers(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()

	grace, err := c.CreateUser(ctx, zendesk.User{
		Name:       "Grace Hopper",
		Email:      "Grace@Example.com",
		ExternalID: "crm-1",
		Phone:      "+15550100",
		Tags:       []string{"vip"},
		UserFields: zendesk.UserFields{"plan": "enterprise"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if grace.ID == 0 || grace.Email != "grace@example.com" || grace.Role != "end-user" || grace.ExternalID != "crm-1" ||
		grace.UserFields["plan"] != "enterprise" || !slices.Equal(grace.Tags, []string{"vip"}) {
		t.Errorf("created user = %+v", grace)
	}
	linus, err := c.CreateUser(ctx, zendesk.User{Name: "Linus Torvalds", Email: "linus@example.com", ExternalID: "crm-2", Role: "agent"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := c.GetUser(ctx, grace.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != grace.Name || got.Phone != grace.Phone || !got.CreatedAt.Equal(grace.CreatedAt) {
		t.Errorf("GetUser = %+v, want %+v", got, grace)
	}

	_, err = c.CreateUser(ctx, zendesk.User{Name: "Impostor", Email: "grace@example.com"})
	wantStatus(t, err, http.StatusUnprocessableEntity)

	searches := []struct {
		name string
		opts zendesk.SearchUsersOptions
		want []int64
	}{
		{"email", zendesk.SearchUsersOptions{Query: "email:grace@example.com"}, []int64{grace.ID}},
		{"free text in the name", zendesk.SearchUsersOptions{Query: "torvalds"}, []int64{linus.ID}},
		{"free text in the email", zendesk.SearchUsersOptions{Query: "example.com"}, []int64{grace.ID, linus.ID}},
		{"role", zendesk.SearchUsersOptions{Query: "role:agent example"}, []int64{linus.ID}},
		{"external id parameter", zendesk.SearchUsersOptions{ExternalIDs: "CRM-2"}, []int64{linus.ID}},
		{"no match", zendesk.SearchUsersOptions{Query: "email:nobody@example.com"}, nil},
	}
	for _, tt := range searches {
		t.Run("search by "+tt.name, func(t *testing.T) {
			users, page, err := c.SearchUsers(t.Context(), &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			if !slices.Equal(ids, tt.want) || page.Count != int64(len(tt.want)) || page.HasNext() {
				t.Errorf("ids %v count %d, want %v", ids, page.Count, tt.want)
			}
		})
	}

	lookups := []struct {
		name string
		opts zendesk.GetManyUsersOptions
		want []int64
	}{
		{"ids", zendesk.GetManyUsersOptions{IDs: "999,1," + strconv.FormatInt(linus.ID, 10) + "," + strconv.FormatInt(grace.ID, 10)}, []int64{linus.ID, grace.ID}},
		{"external ids", zendesk.GetManyUsersOptions{ExternalIDs: "crm-1,crm-9"}, []int64{grace.ID}},
	}
	for _, tt := range lookups {
		t.Run("show many by "+tt.name, func(t *testing.T) {
			users, _, err := c.GetManyUsers(t.Context(), &tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, u := range users {
				ids = append(ids, u.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestCreateOrUpdateUser(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	created, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Ann", Email: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := c.CreateOrUpdateUser(ctx, zendesk.User{Name: "Ann Smith", Email: "ann@example.com", ExternalID: "crm-7"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ID != created.ID || updated.Name != "Ann Smith" || updated.ExternalID != "crm-7" {
		t.Errorf("update by email = %+v, want user %d renamed", updated, created.ID)
	}
	byExternal, err := c.CreateOrUpdateUser(ctx, zendesk.User{ExternalID: "crm-7", Phone: "+15550111"})
	if err != nil {
		t.Fatal(err)
	}
	if byExternal.ID != created.ID || byExternal.Name != "Ann Smith" || byExternal.Phone != "+15550111" {
		t.Errorf("update by external id = %+v", byExternal)
	}
}

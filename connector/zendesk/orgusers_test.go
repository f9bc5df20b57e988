package zendesk_test

import (
	"fmt"
	"slices"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

func TestOrganizationUsers(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	ctx := t.Context()
	org, err := c.API().CreateOrganization(ctx, zd.Organization{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i := range 130 {
		u, err := c.API().CreateUser(ctx, zd.User{Name: fmt.Sprint("M", i), Email: fmt.Sprintf("m%d@example.com", i),
			OrganizationID: org.ID, UserFields: zd.UserFields{"plan": "gold"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, u.ID)
	}
	if _, err := c.API().CreateUser(ctx, zd.User{Name: "Outsider", Email: "out@example.com"}); err != nil {
		t.Fatal(err)
	}

	before := sb.Stats().RequestsByRoute["GET /api/v2/organizations/{id}/users"]
	var got []int64
	for u, err := range c.OrganizationUsers(ctx, org.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if u.UserFields["plan"] != "gold" {
			t.Errorf("user %d fields = %v", u.ID, u.UserFields)
		}
		got = append(got, u.ID)
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %d users, want the %d members in order", len(got), len(want))
	}
	if n := sb.Stats().RequestsByRoute["GET /api/v2/organizations/{id}/users"] - before; n != 2 {
		t.Errorf("%d requests for 130 users, want 2 pages of 100", n)
	}

	// Stopping early reads no further page.
	before = sb.Stats().RequestsByRoute["GET /api/v2/organizations/{id}/users"]
	for range c.OrganizationUsers(ctx, org.ID) {
		break
	}
	if n := sb.Stats().RequestsByRoute["GET /api/v2/organizations/{id}/users"] - before; n != 1 {
		t.Errorf("%d requests to read one user", n)
	}

	for _, err := range c.OrganizationUsers(ctx, 999) {
		if cohort.KindOf(err) != cohort.KindNotFound {
			t.Errorf("unknown organization: %v, want not found", err)
		}
	}
}

func TestOrganizationsByID(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	ctx := t.Context()
	var known []int64
	for i := range 3 {
		o, err := c.API().CreateOrganization(ctx, zd.Organization{Name: fmt.Sprint("Org ", i)})
		if err != nil {
			t.Fatal(err)
		}
		known = append(known, o.ID)
	}
	asked := append([]int64{}, known[0])
	for i := range 200 {
		asked = append(asked, int64(i+1))
	}
	asked = append(asked, known[1:]...)
	orgs, err := c.Organizations(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(orgs, func(o zd.Organization) int64 { return o.ID }); !slices.Equal(got, known) {
		t.Errorf("got %v, want %v", got, known)
	}
	if n := sb.Stats().RequestsByRoute["GET /api/v2/organizations/show_many"]; n != 3 {
		t.Errorf("%d requests for 203 ids, want 3", n)
	}
}

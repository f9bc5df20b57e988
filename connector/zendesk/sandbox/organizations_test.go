package sandbox_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestOrganizations(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()

	org, err := c.CreateOrganization(ctx, zendesk.Organization{
		Name:               "Rebel Alliance",
		ExternalID:         "crm-org-1",
		DomainNames:        []string{"hoth.com"},
		Tags:               []string{"enterprise"},
		OrganizationFields: map[string]any{"tier": "gold"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if org.ID == 0 || org.ExternalID != "crm-org-1" || !slices.Equal(org.DomainNames, []string{"hoth.com"}) ||
		org.OrganizationFields["tier"] != "gold" {
		t.Errorf("created = %+v", org)
	}

	got, err := c.GetOrganization(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != org.Name || !slices.Equal(got.Tags, []string{"enterprise"}) {
		t.Errorf("GetOrganization = %+v", got)
	}

	found, page, err := c.GetOrganizationByExternalID(ctx, "CRM-ORG-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].ID != org.ID || page.Count != 1 {
		t.Errorf("by external id = %+v", found)
	}
	none, _, err := c.GetOrganizationByExternalID(ctx, "missing")
	if err != nil || len(none) != 0 {
		t.Errorf("unknown external id = %v, %v", none, err)
	}

	_, err = c.CreateOrganization(ctx, zendesk.Organization{Name: "rebel alliance"})
	wantStatus(t, err, http.StatusUnprocessableEntity)

	// A ticket's organization defaults to its requester's.
	member, err := c.CreateUser(ctx, zendesk.User{Name: "Leia", Email: "leia@hoth.com", OrganizationID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	ticket := createTicket(t, c, zendesk.Ticket{RequesterID: member.ID})
	if ticket.OrganizationID != org.ID {
		t.Errorf("ticket organization = %d, want the requester's %d", ticket.OrganizationID, org.ID)
	}
}

func TestShowManyOrganizations(t *testing.T) {
	c := adminClient(t, startSandbox(t))
	var ids []string
	for _, name := range []string{"Acme", "Globex"} {
		o, err := c.CreateOrganization(t.Context(), zendesk.Organization{Name: name, ExternalID: "org-" + name})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(o.ID, 10))
	}
	body, err := c.Get(t.Context(), "/organizations/show_many.json?ids="+strings.Join(ids, ",")+",999")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Organizations []zendesk.Organization `json:"organizations"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Organizations) != 2 || got.Organizations[0].Name != "Acme" || got.Organizations[1].ExternalID != "org-Globex" {
		t.Errorf("organizations = %+v", got.Organizations)
	}
}

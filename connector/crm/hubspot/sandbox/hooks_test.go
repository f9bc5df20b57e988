package sandbox_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestCreateAndUpdate(t *testing.T) {
	srv, clk := startSandbox(t)
	clk.Advance(1234 * time.Microsecond)
	id := srv.CreateContact(sandbox.Props{"email": "zoë@example.com", "firstname": "Zoë", "createdate": "2022-04-29T08:00:00Z", "hs_object_id": "1"})
	o, err := srv.Get(sandbox.Contacts, id)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"email": "zoë@example.com", "firstname": "Zoë", "hs_object_id": id,
		"createdate": "2022-04-29T08:00:00.000Z", "lastmodifieddate": "2026-03-02T09:30:00.001Z",
	}
	for k, v := range want {
		if o.Properties[k] != v {
			t.Errorf("%s = %q, want %q", k, o.Properties[k], v)
		}
	}
	if !o.UpdatedAt.Equal(testStart.Add(time.Millisecond)) || !o.CreatedAt.Equal(time.Date(2022, 4, 29, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("createdAt %v updatedAt %v", o.CreatedAt, o.UpdatedAt)
	}

	clk.Advance(time.Hour)
	if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"firstname": "", "lastmodifieddate": "1999-01-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	var got object
	call(t, srv, http.MethodGet, "/crm/v3/objects/contacts/"+id+"?properties=firstname,lastmodifieddate", nil).decode(t, &got)
	if got.prop("firstname") != "<null>" || got.prop("lastmodifieddate") != "2026-03-02T10:30:00.001Z" || got.UpdatedAt != "2026-03-02T10:30:00.001Z" {
		t.Errorf("after update: %+v", got)
	}

	company := srv.CreateCompany(sandbox.Props{"name": "Acme"})
	c, _ := srv.Get(sandbox.Companies, company)
	if c.Properties["hs_lastmodifieddate"] != "2026-03-02T10:30:00.001Z" || c.Properties["lastmodifieddate"] != "" {
		t.Errorf("company properties %v, want hs_lastmodifieddate", c.Properties)
	}
}

func TestAssociateBumpsOnlyPrimary(t *testing.T) {
	srv, clk := startSandbox(t)
	contact := srv.CreateContact(nil)
	acme := srv.CreateCompany(nil)
	globex := srv.CreateCompany(nil)
	before, _ := srv.Get(sandbox.Contacts, contact)
	clk.Advance(time.Minute)
	if err := srv.Associate(contact, acme, false); err != nil {
		t.Fatal(err)
	}
	if o, _ := srv.Get(sandbox.Contacts, contact); !o.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("unlabeled association bumped the contact to %v", o.UpdatedAt)
	}
	if err := srv.Associate(contact, globex, true); err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Get(sandbox.Contacts, contact)
	if !o.UpdatedAt.After(before.UpdatedAt) || o.Properties["associatedcompanyid"] != globex {
		t.Errorf("primary association: %+v, want the contact bumped with associatedcompanyid %s", o, globex)
	}
	if co, _ := srv.Get(sandbox.Companies, globex); !co.UpdatedAt.Equal(testStart) {
		t.Errorf("company bumped to %v", co.UpdatedAt)
	}
}

func TestArchiveAndUnarchive(t *testing.T) {
	srv, clk := startSandbox(t)
	id := srv.CreateContact(sandbox.Props{"email": "a@example.com"})
	clk.Advance(time.Minute)
	if err := srv.Archive(sandbox.Contacts, id); err != nil {
		t.Fatal(err)
	}
	o, _ := srv.Get(sandbox.Contacts, id)
	if !o.Archived || !o.ArchivedAt.Equal(testStart.Add(time.Minute)) || !o.UpdatedAt.Equal(testStart) {
		t.Errorf("archived %+v, want archivedAt a minute later and updatedAt unchanged", o)
	}
	wantError(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts/"+id, nil), http.StatusNotFound, sandbox.CategoryNotFound)
	if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"email": "b@example.com"}); err == nil {
		t.Error("updated an archived contact")
	}
	if err := srv.Archive(sandbox.Contacts, id); err == nil {
		t.Error("archived twice")
	}
	clk.Advance(time.Minute)
	if err := srv.Unarchive(sandbox.Contacts, id); err != nil {
		t.Fatal(err)
	}
	o, _ = srv.Get(sandbox.Contacts, id)
	if o.Archived || !o.UpdatedAt.Equal(testStart.Add(2*time.Minute)) {
		t.Errorf("unarchived %+v, want live and bumped", o)
	}
	if err := srv.Unarchive(sandbox.Contacts, id); err == nil {
		t.Error("unarchived a live contact")
	}
	for _, err := range []error{
		srv.Update(sandbox.Contacts, "12", nil),
		srv.Update(sandbox.Contacts, "x", nil),
		srv.Associate(id, "12", true),
	} {
		if err == nil {
			t.Error("no error for an unknown id")
		}
	}
}

func TestMergeCompanies(t *testing.T) {
	srv, clk := startSandbox(t)
	ana := srv.CreateContact(nil)
	keep := srv.CreateCompany(sandbox.Props{"name": "Acme"})
	dup := srv.CreateCompany(sandbox.Props{"name": "Acme Inc"})
	if err := srv.Associate(ana, dup, true); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	if err := srv.Merge(sandbox.Companies, keep, dup); err != nil {
		t.Fatal(err)
	}
	k, _ := srv.Get(sandbox.Companies, keep)
	d, _ := srv.Get(sandbox.Companies, dup)
	a, _ := srv.Get(sandbox.Contacts, ana)
	if k.Properties["hs_merged_object_ids"] != dup || !k.UpdatedAt.Equal(testStart.Add(time.Minute)) {
		t.Errorf("survivor %+v, want it to list %s and be bumped", k, dup)
	}
	if !d.Archived || d.MergedInto != keep {
		t.Errorf("merged %+v, want archived into %s", d, keep)
	}
	if a.Properties["associatedcompanyid"] != keep || !a.UpdatedAt.Equal(testStart.Add(time.Minute)) {
		t.Errorf("contact %+v, want its primary company moved to %s and bumped", a, keep)
	}
	var p page
	call(t, srv, http.MethodGet, "/crm/v3/objects/companies?archived=true", nil).decode(t, &p)
	if !slices.Equal(p.ids(), []string{dup}) {
		t.Errorf("archived companies %v, want %s", p.ids(), dup)
	}
	if err := srv.Merge(sandbox.Companies, keep, keep); err == nil {
		t.Error("merged a company into itself")
	}
}

package sandbox_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// walk lists every object of path's type, page by page, calling between
// after each page, and returns the pages' ids.
func walk(t *testing.T, srv *sandbox.Server, path string, between func(page int)) []string {
	t.Helper()
	var ids []string
	after := ""
	for n := 0; ; n++ {
		p := path
		if after != "" {
			p += "&after=" + after
		}
		r := call(t, srv, http.MethodGet, p, nil)
		wantStatus(t, r, http.StatusOK)
		var pg page
		r.decode(t, &pg)
		ids = append(ids, pg.ids()...)
		if after = pg.next(); after == "" {
			return ids
		}
		if between != nil {
			between(n)
		}
	}
}

func TestListPages(t *testing.T) {
	srv, clk := startSandbox(t)
	want := createContacts(srv, clk, 25)

	r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?limit=10", nil)
	wantStatus(t, r, http.StatusOK)
	var first page
	r.decode(t, &first)
	if !slices.Equal(first.ids(), want[:10]) {
		t.Fatalf("first page %v, want %v", first.ids(), want[:10])
	}
	if n, err := strconv.ParseInt(want[0], 10, 64); err != nil || n <= 1<<31 {
		t.Errorf("id %q, want a decimal string above 2^31", want[0])
	}
	unescaped, _ := url.QueryUnescape(first.next())
	if id, _ := base64.URLEncoding.DecodeString(unescaped); string(id) != want[9]+"\n" || first.Paging.Next.Link != "?after="+first.next() {
		t.Errorf("paging %+v, want the base64 of the last id and a newline, and its link", first.Paging)
	}
	if got := walk(t, srv, "/crm/v3/objects/contacts?limit=10", nil); !slices.Equal(got, want) {
		t.Errorf("walk %v, want %v", got, want)
	}

	t.Run("cursor escaped or not", func(t *testing.T) {
		for _, after := range []string{first.next(), url.QueryEscape(first.next()), url.QueryEscape(unescaped)} {
			r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?limit=10&after="+after, nil)
			wantStatus(t, r, http.StatusOK)
			var pg page
			r.decode(t, &pg)
			if !slices.Equal(pg.ids(), want[10:20]) {
				t.Errorf("after=%s: %v, want %v", after, pg.ids(), want[10:20])
			}
		}
	})
	t.Run("padded cursor escaped once or twice", func(t *testing.T) {
		start := url.QueryEscape(base64.URLEncoding.EncodeToString([]byte("0\n"))) // "MAo%3D", as HubSpot writes it
		for _, after := range []string{start, url.QueryEscape(start)} {
			var pg page
			call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?limit=10&after="+after, nil).decode(t, &pg)
			if !slices.Equal(pg.ids(), want[:10]) {
				t.Errorf("after=%s: %v, want %v", after, pg.ids(), want[:10])
			}
		}
	})
	t.Run("default limit is 10", func(t *testing.T) {
		var pg page
		call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil).decode(t, &pg)
		if len(pg.Results) != 10 {
			t.Errorf("%d results, want 10", len(pg.Results))
		}
	})
	t.Run("last page has no paging", func(t *testing.T) {
		r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?limit=100", nil)
		if strings.Contains(string(r.body), `"paging"`) {
			t.Errorf("body has paging: %s", r.body)
		}
	})
	t.Run("empty set", func(t *testing.T) {
		r := call(t, srv, http.MethodGet, "/crm/v3/objects/companies", nil)
		wantStatus(t, r, http.StatusOK)
		if got := strings.TrimSpace(string(r.body)); got != `{"results":[]}` {
			t.Errorf("body %s, want {\"results\":[]}", got)
		}
	})
	for _, bad := range []string{"limit=101", "limit=0", "limit=x", "after=garbage!", "after=bm90LWFuLWlk", "archived=maybe"} {
		t.Run("400 for "+bad, func(t *testing.T) {
			e := wantError(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?"+bad, nil), http.StatusBadRequest, sandbox.CategoryValidation)
			t.Log(e.Message)
		})
	}
}

func TestListProperties(t *testing.T) {
	srv, _ := startSandbox(t)
	srv.CreateContact(sandbox.Props{"email": "ana@example.com", "firstname": "Ana", "plan": "Pro", "products": "api;dashboard"})
	tests := []struct {
		name, query string
		want        map[string]string
	}{
		{"defaults", "", map[string]string{
			"email": "ana@example.com", "firstname": "Ana", "lastname": "<null>", "plan": "<absent>",
			"hs_object_id": "set", "createdate": "set", "lastmodifieddate": "set",
		}},
		{"comma-separated", "?properties=email,plan,nosuchprop", map[string]string{
			"email": "ana@example.com", "plan": "Pro", "nosuchprop": "<absent>", "firstname": "<absent>", "lastmodifieddate": "<absent>",
		}},
		{"repeated", "?properties=plan&properties=products&properties=lastname", map[string]string{
			"plan": "Pro", "products": "api;dashboard", "lastname": "<null>", "email": "<absent>",
		}},
		{"both", "?properties=plan,email&properties=firstname", map[string]string{
			"plan": "Pro", "email": "ana@example.com", "firstname": "Ana",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pg page
			call(t, srv, http.MethodGet, "/crm/v3/objects/contacts"+tt.query, nil).decode(t, &pg)
			if len(pg.Results) != 1 {
				t.Fatalf("%d results, want 1", len(pg.Results))
			}
			o := pg.Results[0]
			for name, want := range tt.want {
				got := o.prop(name)
				if want == "set" && got != "<null>" && got != "<absent>" {
					continue
				}
				if got != want {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

// TestListWalkSurvivesWrites checks that creates, archives and updates
// during a walk neither skip nor repeat the other objects, and that an
// object updated before its page shows its current values.
func TestListWalkSurvivesWrites(t *testing.T) {
	srv, clk := startSandbox(t)
	ids := createContacts(srv, clk, 30)
	var created []string
	got := walk(t, srv, "/crm/v3/objects/contacts?limit=7&properties=firstname", func(page int) {
		if page != 0 {
			return
		}
		if err := srv.Archive(sandbox.Contacts, ids[3]); err != nil { // already returned
			t.Fatal(err)
		}
		if err := srv.Archive(sandbox.Contacts, ids[20]); err != nil { // not yet returned
			t.Fatal(err)
		}
		if err := srv.Update(sandbox.Contacts, ids[25], sandbox.Props{"firstname": "Renamed"}); err != nil {
			t.Fatal(err)
		}
		created = append(created, srv.CreateContact(sandbox.Props{"email": "new@example.com"}))
	})
	want := slices.Concat(slices.Delete(slices.Clone(ids), 20, 21), created)
	if !slices.Equal(got, want) {
		t.Errorf("walk %v\nwant %v", got, want)
	}
	r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts/"+ids[25]+"?properties=firstname", nil)
	var o object
	r.decode(t, &o)
	if o.prop("firstname") != "Renamed" {
		t.Errorf("firstname %s, want Renamed", o.prop("firstname"))
	}
}

func TestListArchived(t *testing.T) {
	srv, clk := startSandbox(t)
	ids := createContacts(srv, clk, 5)
	clk.Advance(time.Minute)
	if err := srv.Archive(sandbox.Contacts, ids[1]); err != nil {
		t.Fatal(err)
	}
	var pg page
	call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?archived=true&properties=email", nil).decode(t, &pg)
	if len(pg.Results) != 1 || pg.Results[0].ID != ids[1] || !pg.Results[0].Archived ||
		pg.Results[0].ArchivedAt != "2026-03-02T09:31:00.005Z" || pg.Results[0].prop("email") != "c001@example.com" {
		t.Errorf("archived list %+v, want contact %s archived at 2026-03-02T09:31:00.005Z with its email", pg.Results, ids[1])
	}
	if got := walk(t, srv, "/crm/v3/objects/contacts?archived=false", nil); slices.Contains(got, ids[1]) || len(got) != 4 {
		t.Errorf("live list %v, want the 4 others", got)
	}
}

func TestInlineAssociations(t *testing.T) {
	srv, _ := startSandbox(t)
	contact := srv.CreateContact(sandbox.Props{"email": "a@example.com"})
	lonely := srv.CreateContact(sandbox.Props{"email": "b@example.com"})
	acme := srv.CreateCompany(sandbox.Props{"name": "Acme"})
	globex := srv.CreateCompany(sandbox.Props{"name": "Globex"})
	gone := srv.CreateCompany(sandbox.Props{"name": "Gone"})
	for _, a := range []struct {
		company string
		primary bool
	}{{globex, false}, {acme, true}, {gone, false}} {
		if err := srv.Associate(contact, a.company, a.primary); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Archive(sandbox.Companies, gone); err != nil {
		t.Fatal(err)
	}
	var pg page
	call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?associations=companies,deals&properties=email", nil).decode(t, &pg)
	if len(pg.Results) != 2 {
		t.Fatalf("%d contacts, want 2", len(pg.Results))
	}
	var got []string
	for _, a := range pg.Results[0].Associations["companies"].Results {
		got = append(got, a.ID+" "+a.Type)
	}
	want := []string{acme + " contact_to_company", acme + " contact_to_company_unlabeled", globex + " contact_to_company_unlabeled"}
	if !slices.Equal(got, want) {
		t.Errorf("associations %v, want %v", got, want)
	}
	if pg.Results[1].ID != lonely || pg.Results[1].Associations != nil {
		t.Errorf("contact without companies: %+v, want no associations", pg.Results[1])
	}
	var co object
	call(t, srv, http.MethodGet, "/crm/v3/objects/companies/"+acme+"?associations=contacts", nil).decode(t, &co)
	if a := co.Associations["contacts"].Results; len(a) != 2 || a[0].Type != "company_to_contact" || a[1].Type != "company_to_contact_unlabeled" {
		t.Errorf("company associations %+v, want the contact as primary and unlabeled", a)
	}
}

func TestGetObject(t *testing.T) {
	srv, _ := startSandbox(t)
	ana := srv.CreateContact(sandbox.Props{"email": "Ana@Example.com", "firstname": "Ana"})
	dup := srv.CreateContact(sandbox.Props{"email": "ana.dup@example.com"})
	if err := srv.Merge(sandbox.Contacts, ana, dup); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantID     string // "": 404
	}{
		{"by id", "/crm/v3/objects/contacts/" + ana, ana},
		{"by email", "/crm/v3/objects/contacts/ana@example.com?idProperty=email", ana},
		{"merged id", "/crm/v3/objects/contacts/" + dup, ana},
		{"merged id, archived", "/crm/v3/objects/contacts/" + dup + "?archived=true", dup},
		{"unknown", "/crm/v3/objects/contacts/1", ""},
		{"not a number", "/crm/v3/objects/contacts/abc", ""},
		{"versioned path", "/crm/objects/2026-03/contacts/" + ana, ana},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, http.MethodGet, tt.path, nil)
			if tt.wantID == "" {
				wantError(t, r, http.StatusNotFound, sandbox.CategoryNotFound)
				return
			}
			wantStatus(t, r, http.StatusOK)
			var o object
			r.decode(t, &o)
			if o.ID != tt.wantID {
				t.Errorf("id %s, want %s", o.ID, tt.wantID)
			}
		})
	}
	wantError(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts/Ana?idProperty=firstname", nil), http.StatusBadRequest, sandbox.CategoryValidation)
	if got := srv.Stats().RequestsByRoute["GET /crm/v3/objects/contacts/{id}"]; got != len(tests)+1 {
		t.Errorf("versioned path not counted as its v3 route: %v", srv.Stats().RequestsByRoute)
	}
}

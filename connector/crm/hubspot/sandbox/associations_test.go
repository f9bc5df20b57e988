package sandbox_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// v4Target is one associated object of a v4 answer; toObjectId is kept raw
// to see whether it is a string or a number.
type v4Target struct {
	ToObjectID       json.RawMessage `json:"toObjectId"`
	AssociationTypes []struct {
		Category string  `json:"category"`
		TypeID   int     `json:"typeId"`
		Label    *string `json:"label"`
	} `json:"associationTypes"`
}

// describe writes a target as "<id> <typeId>[:<label>]…".
func (tg v4Target) describe() string {
	var id string
	if json.Unmarshal(tg.ToObjectID, &id) != nil {
		id = "#" + string(tg.ToObjectID)
	}
	for _, at := range tg.AssociationTypes {
		id += " " + at.Category + ":" + itoa(at.TypeID)
		if at.Label != nil {
			id += ":" + *at.Label
		}
	}
	return id
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// associationFixture is a contact whose primary company is acme, also
// associated with globex, and a second contact of acme.
func associationFixture(t *testing.T, configure ...func(*sandbox.Config)) (srv *sandbox.Server, ana, bo, acme, globex string) {
	t.Helper()
	srv, _ = startSandbox(t, configure...)
	ana = srv.CreateContact(sandbox.Props{"email": "ana@example.com"})
	bo = srv.CreateContact(sandbox.Props{"email": "bo@example.com"})
	acme = srv.CreateCompany(sandbox.Props{"name": "Acme"})
	globex = srv.CreateCompany(sandbox.Props{"name": "Globex"})
	for _, a := range []struct {
		contact, company string
		primary          bool
	}{{ana, globex, true}, {ana, acme, true}, {bo, acme, false}} {
		if err := srv.Associate(a.contact, a.company, a.primary); err != nil {
			t.Fatal(err)
		}
	}
	return srv, ana, bo, acme, globex
}

func TestV4List(t *testing.T) {
	srv, ana, bo, acme, globex := associationFixture(t)
	tests := []struct {
		name, path string
		want       []string
	}{
		{"contact to companies", "/crm/v4/objects/contacts/" + ana + "/associations/companies",
			[]string{acme + " HUBSPOT_DEFINED:1:Primary HUBSPOT_DEFINED:279", globex + " HUBSPOT_DEFINED:279"}},
		{"company to contacts", "/crm/v4/objects/companies/" + acme + "/associations/contacts",
			[]string{ana + " HUBSPOT_DEFINED:2:Primary HUBSPOT_DEFINED:280", bo + " HUBSPOT_DEFINED:280"}},
		{"same type", "/crm/v4/objects/contacts/" + ana + "/associations/contacts", nil},
	}
	if acme > globex {
		t.Fatal("fixture: companies are not in id order")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, http.MethodGet, tt.path, nil)
			wantStatus(t, r, http.StatusOK)
			var p struct {
				Results []v4Target `json:"results"`
			}
			r.decode(t, &p)
			var got []string
			for _, tg := range p.Results {
				got = append(got, tg.describe())
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		path := "/crm/v4/objects/companies/" + acme + "/associations/contacts?limit=1"
		var p1, p2 struct {
			Results []v4Target `json:"results"`
			Paging  *struct {
				Next struct{ After string } `json:"next"`
			} `json:"paging"`
		}
		call(t, srv, http.MethodGet, path, nil).decode(t, &p1)
		if p1.Paging == nil || len(p1.Results) != 1 {
			t.Fatalf("first page %+v, want one result and paging", p1)
		}
		call(t, srv, http.MethodGet, path+"&after="+p1.Paging.Next.After, nil).decode(t, &p2)
		if len(p2.Results) != 1 || p2.Paging != nil || p2.Results[0].describe() != bo+" HUBSPOT_DEFINED:280" {
			t.Errorf("second page %+v, want %s and no paging", p2, bo)
		}
	})
	for name, path := range map[string]string{
		"unknown object": "/crm/v4/objects/contacts/1/associations/companies",
	} {
		t.Run("404 for "+name, func(t *testing.T) {
			wantError(t, call(t, srv, http.MethodGet, path, nil), http.StatusNotFound, sandbox.CategoryNotFound)
		})
	}
	for name, path := range map[string]string{
		"limit 501":     "/crm/v4/objects/contacts/" + ana + "/associations/companies?limit=501",
		"garbage after": "/crm/v4/objects/contacts/" + ana + "/associations/companies?after=garbage",
		"unknown type":  "/crm/v4/objects/contacts/" + ana + "/associations/deals",
	} {
		t.Run("400 for "+name, func(t *testing.T) {
			wantError(t, call(t, srv, http.MethodGet, path, nil), http.StatusBadRequest, sandbox.CategoryValidation)
		})
	}
}

func TestV4NumericIDs(t *testing.T) {
	srv, ana, _, acme, _ := associationFixture(t, func(c *sandbox.Config) { c.NumericAssociationIDs = true })
	var p struct {
		Results []v4Target `json:"results"`
	}
	call(t, srv, http.MethodGet, "/crm/v4/objects/contacts/"+ana+"/associations/companies", nil).decode(t, &p)
	if got := string(p.Results[0].ToObjectID); got != acme {
		t.Errorf("toObjectId %s, want the bare number %s", got, acme)
	}
}

func TestV4BatchRead(t *testing.T) {
	srv, ana, bo, acme, _ := associationFixture(t)
	lonely := srv.CreateContact(sandbox.Props{"email": "lonely@example.com"})
	r := call(t, srv, http.MethodPost, "/crm/v4/associations/contacts/companies/batch/read",
		map[string]any{"inputs": []map[string]string{{"id": ana}, {"id": bo}, {"id": lonely}, {"id": "42"}}})
	wantStatus(t, r, http.StatusMultiStatus)
	var b struct {
		Status  string `json:"status"`
		Results []struct {
			From struct{ ID string } `json:"from"`
			To   []v4Target          `json:"to"`
		} `json:"results"`
		NumErrors int         `json:"numErrors"`
		Errors    []errorBody `json:"errors"`
	}
	r.decode(t, &b)
	var got []string
	for _, res := range b.Results {
		for _, tg := range res.To {
			got = append(got, res.From.ID+" → "+tg.describe())
		}
	}
	if want := bo + " → " + acme + " HUBSPOT_DEFINED:279"; len(b.Results) != 2 || !slices.Contains(got, want) {
		t.Errorf("results %v, want ana's two companies and %q", got, want)
	}
	if b.NumErrors != 2 || b.Errors[0].SubCategory != "crm.associations.NO_ASSOCIATIONS_FOUND" ||
		!slices.Equal(b.Errors[0].Context["fromObjectId"], []string{lonely}) || !slices.Equal(b.Errors[1].Context["ids"], []string{"42"}) {
		t.Errorf("errors %+v, want no associations for %s and not found for 42", b.Errors, lonely)
	}
}

func TestV4BatchReadPaging(t *testing.T) {
	srv, _ := startSandbox(t)
	company := srv.CreateCompany(sandbox.Props{"name": "Big"})
	var contacts []string
	for range 501 {
		c := srv.CreateContact(nil)
		if err := srv.Associate(c, company, true); err != nil {
			t.Fatal(err)
		}
		contacts = append(contacts, c)
	}
	type result struct {
		To     []v4Target `json:"to"`
		Paging *struct {
			Next struct{ After string } `json:"next"`
		} `json:"paging"`
	}
	type answer struct {
		Results []result `json:"results"`
	}
	var b, b2 answer
	path := "/crm/v4/associations/companies/contacts/batch/read"
	call(t, srv, http.MethodPost, path, map[string]any{"inputs": []map[string]string{{"id": company}}}).decode(t, &b)
	if len(b.Results) != 1 || len(b.Results[0].To) != 500 || b.Results[0].Paging == nil {
		t.Fatalf("first page: %d results, want one of 500 with paging", len(b.Results))
	}
	after := b.Results[0].Paging.Next.After
	call(t, srv, http.MethodPost, path, map[string]any{"inputs": []map[string]string{{"id": company, "after": after}}}).decode(t, &b2)
	if len(b2.Results[0].To) != 1 || b2.Results[0].Paging != nil || b2.Results[0].To[0].describe() != contacts[500]+" HUBSPOT_DEFINED:2:Primary HUBSPOT_DEFINED:280" {
		t.Errorf("second page %+v, want the last contact and no paging", b2.Results)
	}
}

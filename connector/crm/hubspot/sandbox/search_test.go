package sandbox_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// searchFixture makes five contacts a minute apart:
//
//	0 ana@acme.example   Ana Lima   lead      arr 100   products api;dashboard
//	1 bo@acme.example    Bo  (none) customer  arr 2500
//	2 cy@globex.example  Cy  Lima   customer  (no arr)
//	3 di@globex.example  Di  Souza  lead      arr 40
//	4 ed@initech.example Ed  Souza  (none)    arr 2500  (archived)
func searchFixture(t *testing.T, configure ...func(*sandbox.Config)) (*sandbox.Server, *clock, []string) {
	t.Helper()
	srv, clk := startSandbox(t, configure...)
	if err := srv.DefineProperty(sandbox.Contacts, sandbox.Property{Name: "arr", Type: sandbox.TypeNumber, FieldType: "number"}); err != nil {
		t.Fatal(err)
	}
	rows := []sandbox.Props{
		{"email": "ana@acme.example", "firstname": "Ana", "lastname": "Lima", "lifecyclestage": "lead", "arr": "100", "products": "api;dashboard"},
		{"email": "bo@acme.example", "firstname": "Bo", "lifecyclestage": "customer", "arr": "2500"},
		{"email": "cy@globex.example", "firstname": "Cy", "lastname": "Lima", "lifecyclestage": "customer"},
		{"email": "di@globex.example", "firstname": "Di", "lastname": "Souza", "lifecyclestage": "lead", "arr": "40"},
		{"email": "ed@initech.example", "firstname": "Ed", "lastname": "Souza", "arr": "2500"},
	}
	var ids []string
	for _, p := range rows {
		clk.Advance(time.Minute)
		ids = append(ids, srv.CreateContact(p))
	}
	if err := srv.Archive(sandbox.Contacts, ids[4]); err != nil {
		t.Fatal(err)
	}
	return srv, clk, ids
}

// search posts a search of contacts and returns its page.
func search(t *testing.T, srv *sandbox.Server, body any) page {
	t.Helper()
	r := call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", body)
	wantStatus(t, r, http.StatusOK)
	var p page
	r.decode(t, &p)
	return p
}

// f is one filter.
func f(prop, op string, value any) map[string]any {
	m := map[string]any{"propertyName": prop, "operator": op}
	switch v := value.(type) {
	case nil:
	case []string:
		m["values"] = v
	case [2]string:
		m["value"], m["highValue"] = v[0], v[1]
	default:
		m["value"] = v
	}
	return m
}

// groups is a search body with each filter list as a group.
func groups(fs ...[]map[string]any) map[string]any {
	var gs []map[string]any
	for _, g := range fs {
		gs = append(gs, map[string]any{"filters": g})
	}
	return map[string]any{"filterGroups": gs}
}

func TestSearchFilters(t *testing.T) {
	srv, _, ids := searchFixture(t)
	at := func(i int) string { return testStart.Add(time.Duration(i) * time.Minute).Format(time.RFC3339) }
	ms := func(i int) string {
		return strconv.FormatInt(testStart.Add(time.Duration(i)*time.Minute).UnixMilli(), 10)
	}
	tests := []struct {
		name string
		body map[string]any
		want []int
	}{
		{"no filters", map[string]any{}, []int{0, 1, 2, 3}},
		{"EQ is case-insensitive", groups([]map[string]any{f("firstname", "EQ", "ANA")}), []int{0}},
		{"EQ on enumeration is case-sensitive", groups([]map[string]any{f("lifecyclestage", "EQ", "Lead")}), nil},
		{"NEQ matches unset", groups([]map[string]any{f("lastname", "NEQ", "lima")}), []int{1, 3}},
		{"LT number", groups([]map[string]any{f("arr", "LT", "2500")}), []int{0, 3}},
		{"LTE number sent as a number", groups([]map[string]any{f("arr", "LTE", 100)}), []int{0, 3}},
		{"GT", groups([]map[string]any{f("arr", "GT", "100")}), []int{1}},
		{"GTE datetime as ms", groups([]map[string]any{f("lastmodifieddate", "GTE", ms(3))}), []int{2, 3}},
		{"GTE datetime as ISO", groups([]map[string]any{f("createdate", "GTE", at(3))}), []int{2, 3}},
		{"BETWEEN", groups([]map[string]any{f("arr", "BETWEEN", [2]string{"40", "100"})}), []int{0, 3}},
		{"IN lowercase", groups([]map[string]any{f("firstname", "IN", []string{"bo", "cy"})}), []int{1, 2}},
		{"IN uppercase matches nothing", groups([]map[string]any{f("firstname", "IN", []string{"BO"})}), nil},
		{"NOT_IN", groups([]map[string]any{f("lifecyclestage", "NOT_IN", []string{"lead"})}), []int{1, 2}},
		{"HAS_PROPERTY", groups([]map[string]any{f("arr", "HAS_PROPERTY", nil)}), []int{0, 1, 3}},
		{"NOT_HAS_PROPERTY", groups([]map[string]any{f("lastname", "NOT_HAS_PROPERTY", nil)}), []int{1}},
		{"CONTAINS_TOKEN wildcard", groups([]map[string]any{f("email", "CONTAINS_TOKEN", "*@globex.example")}), []int{2, 3}},
		{"CONTAINS_TOKEN multi-select", groups([]map[string]any{f("products", "CONTAINS_TOKEN", "dashboard")}), []int{0}},
		{"NOT_CONTAINS_TOKEN", groups([]map[string]any{f("email", "NOT_CONTAINS_TOKEN", "*acme*")}), []int{2, 3}},
		{"filters AND", groups([]map[string]any{f("lastname", "EQ", "lima"), f("lifecyclestage", "EQ", "customer")}), []int{2}},
		{"groups OR", groups([]map[string]any{f("firstname", "EQ", "ana")}, []map[string]any{f("firstname", "EQ", "di")}), []int{0, 3}},
		{"query", map[string]any{"query": "souza"}, []int{3}},
		{"archived never match", groups([]map[string]any{f("firstname", "EQ", "ed")}), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := search(t, srv, tt.body)
			var want []string
			for _, i := range tt.want {
				want = append(want, ids[i])
			}
			if !slices.Equal(p.ids(), want) || p.Total != len(want) {
				t.Errorf("ids %v total %d, want %v", p.ids(), p.Total, want)
			}
		})
	}
}

func TestSearchSortAndProperties(t *testing.T) {
	srv, _, ids := searchFixture(t)
	tests := []struct {
		name  string
		sorts any
		want  []string
	}{
		{"creation order by default", nil, []string{ids[0], ids[1], ids[2], ids[3]}},
		{"descending", []map[string]string{{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}}, []string{ids[3], ids[2], ids[1], ids[0]}},
		{"number, unset last", []map[string]string{{"propertyName": "arr", "direction": "ASCENDING"}}, []string{ids[3], ids[0], ids[1], ids[2]}},
		{"bare name", []string{"firstname"}, []string{ids[0], ids[1], ids[2], ids[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := search(t, srv, map[string]any{"sorts": tt.sorts})
			if !slices.Equal(p.ids(), tt.want) {
				t.Errorf("ids %v, want %v", p.ids(), tt.want)
			}
		})
	}
	t.Run("default properties", func(t *testing.T) {
		o := search(t, srv, map[string]any{"limit": 1}).Results[0]
		var names []string
		for n := range o.Properties {
			names = append(names, n)
		}
		slices.Sort(names)
		if want := []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}; !slices.Equal(names, want) {
			t.Errorf("properties %v, want %v", names, want)
		}
		if o.prop("lastmodifieddate") != "2026-03-02T09:31:00.000Z" || o.UpdatedAt != o.prop("lastmodifieddate") || o.Associations != nil {
			t.Errorf("object %+v, want lastmodifieddate 2026-03-02T09:31:00.000Z = updatedAt, no associations", o)
		}
	})
	t.Run("properties replace the defaults", func(t *testing.T) {
		o := search(t, srv, map[string]any{"limit": 1, "properties": []string{"arr"}}).Results[0]
		if len(o.Properties) != 1 || o.prop("arr") != "100" {
			t.Errorf("properties %v, want only arr", o.Properties)
		}
	})
}

func TestSearchPaging(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.SearchResultCap = 5 })
	ids := createContacts(srv, clk, 8)
	var got []string
	after := ""
	for {
		body := map[string]any{"limit": 2}
		if after != "" {
			body["after"] = after
		}
		p := search(t, srv, body)
		if p.Total != 8 {
			t.Errorf("total %d, want 8", p.Total)
		}
		got = append(got, p.ids()...)
		if after = p.next(); after == "" {
			t.Fatal("paging ended before the cap")
		}
		if n, _ := strconv.Atoi(after); n >= 5 {
			break
		}
	}
	if !slices.Equal(got, ids[:5]) || after != "5" {
		t.Errorf("ids %v then after %s, want %v then 5", got, after, ids[:5])
	}
	e := wantError(t, call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", map[string]any{"after": after}),
		http.StatusBadRequest, sandbox.CategoryValidation)
	if !strings.Contains(e.Message, "beyond 5") {
		t.Errorf("message %q, want it to name the cap", e.Message)
	}
	if p := search(t, srv, map[string]any{}); len(p.Results) != 5 || p.next() != "5" {
		t.Errorf("default limit: %d results, after %q; want 5, stopped by the cap, and after 5", len(p.Results), p.next())
	}
}

// TestSearchOffsetShifts shows the hazard of offset paging: a row updated
// between pages moves to the end and the next page skips a row.
func TestSearchOffsetShifts(t *testing.T) {
	srv, clk := startSandbox(t)
	ids := createContacts(srv, clk, 4)
	body := map[string]any{"limit": 2, "sorts": []map[string]string{{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}}}
	first := search(t, srv, body)
	clk.Advance(time.Second)
	if err := srv.Update(sandbox.Contacts, ids[0], sandbox.Props{"firstname": "Moved"}); err != nil {
		t.Fatal(err)
	}
	body["after"] = first.next()
	second := search(t, srv, body)
	if got, want := slices.Concat(first.ids(), second.ids()), []string{ids[0], ids[1], ids[3], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("walk %v, want %v (%s skipped)", got, want, ids[2])
	}
}

func TestSearchValidation(t *testing.T) {
	srv, _, _ := searchFixture(t)
	many := func(n int) []map[string]any {
		fs := make([]map[string]any, n)
		for i := range fs {
			fs[i] = f("firstname", "HAS_PROPERTY", nil)
		}
		return fs
	}
	tests := map[string]any{
		"limit 201":             map[string]any{"limit": 201},
		"limit 0":               map[string]any{"limit": 0},
		"after not an integer":  map[string]any{"after": "NTI1Cg=="},
		"two sorts":             map[string]any{"sorts": []string{"email", "firstname"}},
		"bad direction":         map[string]any{"sorts": []map[string]string{{"propertyName": "email", "direction": "UP"}}},
		"sort unknown property": map[string]any{"sorts": []string{"nosuchprop"}},
		"6 groups":              groups(many(1), many(1), many(1), many(1), many(1), many(1)),
		"11 filters in a group": groups(many(11)),
		"26 filters":            groups(many(10), many(10), many(6)),
		"unknown property":      groups([]map[string]any{f("nosuchprop", "EQ", "x")}),
		"unknown operator":      groups([]map[string]any{f("email", "LIKE", "x")}),
		"missing value":         groups([]map[string]any{f("email", "EQ", nil)}),
		"missing highValue":     groups([]map[string]any{f("arr", "BETWEEN", "1")}),
		"missing values":        groups([]map[string]any{f("email", "IN", nil)}),
		"bad datetime":          groups([]map[string]any{f("lastmodifieddate", "GTE", "yesterday")}),
		"bad number":            groups([]map[string]any{f("arr", "GT", "lots")}),
		"body over 3000":        map[string]any{"query": strings.Repeat("x", 3000)},
		"not JSON":              "{",
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			e := wantError(t, call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", body), http.StatusBadRequest, sandbox.CategoryValidation)
			t.Log(e.Message)
		})
	}
	t.Run("5 groups, 10 filters in a group and 25 in all pass", func(t *testing.T) {
		search(t, srv, groups(many(10), many(10), many(3), many(1), many(1)))
	})
}

func TestSearchIndexLag(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.IndexLag = 30 * time.Second })
	old := srv.CreateContact(sandbox.Props{"firstname": "Old"})
	clk.Advance(time.Minute)
	if err := srv.Update(sandbox.Contacts, old, sandbox.Props{"firstname": "Renamed"}); err != nil {
		t.Fatal(err)
	}
	fresh := srv.CreateContact(sandbox.Props{"firstname": "Fresh"})
	body := map[string]any{"properties": []string{"firstname"}}
	p := search(t, srv, body)
	if !slices.Equal(p.ids(), []string{old}) || p.Results[0].prop("firstname") != "Old" {
		t.Errorf("during the lag: %+v, want only the old contact as it was", p.Results)
	}
	clk.Advance(30 * time.Second)
	p = search(t, srv, body)
	if !slices.Equal(p.ids(), []string{old, fresh}) || p.Results[0].prop("firstname") != "Renamed" {
		t.Errorf("after the lag: %+v, want both, renamed", p.Results)
	}
}

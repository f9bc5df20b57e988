package hubspot_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// changes are the writes changeAccount makes.
type changes struct {
	updated  []string // contacts updated
	company  int      // the company updated
	members  []string // its primary contacts
	archived []string // contacts archived
}

// changeAccount updates three contacts (one of them moves to company 2),
// renames company 1 and archives two contacts, then moves the clock an
// hour on.
func changeAccount(t *testing.T, srv *sandbox.Server, clk *clock, acct *account) changes {
	t.Helper()
	ch := changes{company: 1, members: acct.primaryContacts(1)}
	for _, i := range []int{3, 40, 77} {
		id := acct.contacts[i]
		if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"lastname": "Changed"}); err != nil {
			t.Fatal(err)
		}
		ch.updated = append(ch.updated, id)
	}
	if err := srv.Associate(acct.contacts[77], acct.companies[2], true); err != nil {
		t.Fatal(err)
	}
	acct.companyOf[acct.contacts[77]] = 2
	if err := srv.Update(sandbox.Companies, acct.companies[1], sandbox.Props{"name": "Renamed Inc", "plan": "Enterprise"}); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{5, 60} {
		id := acct.contacts[i]
		if err := srv.Archive(sandbox.Contacts, id); err != nil {
			t.Fatal(err)
		}
		ch.archived = append(ch.archived, id)
	}
	ch.members = slices.DeleteFunc(ch.members, func(id string) bool { return slices.Contains(ch.archived, id) })
	clk.Advance(time.Hour)
	return ch
}

func TestIncrementalRead(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 150)
	src, _ := newSource(t, srv)
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	ch := changeAccount(t, srv, clk, acct)

	r := read(t, src, cp, false)
	got := byID(t, r.records())
	want := slices.Concat(ch.updated, ch.members, ch.archived)
	if gotIDs := slices.Sorted(maps.Keys(got)); !slices.Equal(gotIDs, slices.Sorted(slices.Values(want))) {
		t.Fatalf("records %v\nwant %v", gotIDs, slices.Sorted(slices.Values(want)))
	}
	for _, id := range ch.updated {
		f := got[id].Fields
		c := acct.companyOf[id]
		wantCompany := fmt.Sprintf("Company %02d", c)
		if c == ch.company {
			wantCompany = "Renamed Inc"
		}
		if f["lastname"] != "Changed" || f["company.id"] != acct.companies[c] || f["company.name"] != wantCompany || got[id].Deleted {
			t.Errorf("updated contact %s: %v, want lastname Changed and company %s", id, f, wantCompany)
		}
	}
	for _, id := range ch.members {
		if f := got[id].Fields; f["company.name"] != "Renamed Inc" || f["company.plan"] != "Enterprise" || f["email"] == "" {
			t.Errorf("contact %s of the renamed company: %v", id, f)
		}
	}
	for _, id := range ch.archived {
		if rec := got[id]; !rec.Deleted || rec.Fields["email"] == "" {
			t.Errorf("archived contact %s: %+v, want Deleted with its email", id, rec)
		}
	}

	// Nothing changed since: nothing to read, but the watermarks move on.
	clk.Advance(time.Hour)
	again := read(t, src, r.checkpoint(), false)
	if recs := again.records(); len(recs) != 0 {
		t.Errorf("second incremental read emitted %d records: %v", len(recs), recs)
	}
	before, after := watermarks(t, r.checkpoint()), watermarks(t, again.checkpoint())
	for i, pass := range []string{"contacts", "companies", "archived"} {
		if !after[i].After(before[i]) {
			t.Errorf("%s watermark %v, want it past %v", pass, after[i], before[i])
		}
	}
}

// watermarks returns a checkpoint's contacts, companies and archived
// watermarks.
func watermarks(t *testing.T, checkpoint string) [3]time.Time {
	t.Helper()
	var cp struct{ Contacts, Companies, Archived time.Time }
	if err := json.Unmarshal([]byte(checkpoint), &cp); err != nil {
		t.Fatalf("checkpoint %s: %v", checkpoint, err)
	}
	return [3]time.Time{cp.Contacts, cp.Companies, cp.Archived}
}

func TestIncrementalResumes(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 60)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10 })
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	for _, id := range acct.contacts[:35] {
		clk.Advance(10 * time.Second) // 350 s in all: more than the overlap
		if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"lastname": "Changed"}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)

	first := readFailing(src, cp, false, 3)
	if !errors.Is(first.err, errEmit) {
		t.Fatalf("Read: %v, want the emit error", first.err)
	}
	midContacts := watermarks(t, first.checkpoint())[0]
	rest := read(t, src, first.checkpoint(), false)

	seen := map[string]int{}
	for _, rec := range slices.Concat(first.records(), rest.records()) {
		seen[rec.Fields["id"]]++
	}
	for _, id := range acct.contacts[:35] {
		if seen[id] == 0 {
			t.Errorf("contact %s lost", id)
		}
	}
	// Duplicates only within the overlap before the checkpoint.
	dups := 0
	for _, rec := range first.records() {
		if seen[rec.Fields["id"]] < 2 {
			continue
		}
		dups++
		o, _ := srv.Get(sandbox.Contacts, rec.Fields["id"])
		if o.UpdatedAt.Before(midContacts) {
			t.Errorf("contact %s, modified %v, read again though before the checkpoint's %v", rec.Fields["id"], o.UpdatedAt, midContacts)
		}
	}
	if len(seen) != 35 || dups == 0 || dups == len(first.records()) {
		t.Errorf("%d contacts read, %d of the %d first read again; want the 35 changed, the last few read twice",
			len(seen), dups, len(first.records()))
	}
}

// TestIncrementalSurvivesUpdatesDuringTheWalk updates contacts already read
// while the read goes on: with offset paging, that would shift unread rows
// past the next page.
func TestIncrementalSurvivesUpdatesDuringTheWalk(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 40)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 5 })
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	for _, id := range acct.contacts[:30] {
		clk.Advance(time.Second)
		if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"lastname": "Changed"}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	var records []cohort.SourceRecord
	n := 0
	err := src.Read(t.Context(), cp, false, func(b crm.Batch) error {
		records = append(records, b.Records...)
		if n++; n <= 2 { // move two contacts already read to the end
			if err := srv.Update(sandbox.Contacts, b.Records[0].Fields["id"], sandbox.Props{"lastname": "Again"}); err != nil {
				t.Fatal(err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	last := map[string]string{}
	for _, r := range records {
		count[r.Fields["id"]]++
		last[r.Fields["id"]] = r.Fields["lastname"]
	}
	for _, id := range acct.contacts[:30] {
		if count[id] == 0 {
			t.Errorf("contact %s skipped", id)
		}
	}
	moved := 0
	for id, v := range last {
		if v == "Again" {
			moved++
			if count[id] != 2 {
				t.Errorf("contact %s read %d times, want twice: before and after its update", id, count[id])
			}
		}
	}
	if moved != 2 || len(count) != 30 {
		t.Errorf("%d contacts read, %d with their second update; want 30 and 2", len(count), moved)
	}
}

func TestSearchPastItsCeiling(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.SearchResultCap = 30 })
	acct := newAccount(t, srv, clk, 100)
	src, rec := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10 })
	hubspot.SetSearchCap(src, 30)
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	for _, id := range acct.contacts {
		clk.Advance(time.Millisecond)
		if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"ltv": "1"}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(time.Hour)
	rec.requests()
	r := read(t, src, cp, false)
	got := map[string]bool{}
	for _, rec := range r.records() {
		got[rec.Fields["id"]] = true
	}
	if len(got) != 100 || srv.Stats().Responses[400] != 0 {
		t.Errorf("%d contacts read (400s: %d), want all 100 without a 400", len(got), srv.Stats().Responses[400])
	}
	for _, req := range rec.requests() {
		if strings.Contains(req, `"after"`) {
			t.Errorf("search paged by offset without ties: %s", req)
		}
	}
}

func TestSearchTies(t *testing.T) {
	tests := []struct {
		name    string
		n       int
		wantErr string
	}{
		{"25 ties page by offset", 25, ""},
		{"35 ties exceed the ceiling", 35, "more than 30 share lastmodifieddate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, clk := startSandbox(t, func(c *sandbox.Config) { c.SearchResultCap = 30 })
			acct := newAccount(t, srv, clk, tt.n)
			src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10 })
			hubspot.SetSearchCap(src, 30)
			cp := read(t, src, "", false).checkpoint()
			clk.Advance(time.Hour)
			clk.Freeze()
			for _, id := range acct.contacts {
				if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"ltv": "1"}); err != nil {
					t.Fatal(err)
				}
			}
			clk.Advance(time.Hour)
			r := readFailing(src, cp, false, -1)
			if tt.wantErr != "" {
				if r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) {
					t.Errorf("Read: %v, want an error containing %q", r.err, tt.wantErr)
				}
				return
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			if got := byID(t, r.records()); len(got) != tt.n {
				t.Errorf("%d contacts read, want %d", len(got), tt.n)
			}
		})
	}
}

func TestIncrementalOverlapCoversIndexLag(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.IndexLag = 30 * time.Second })
	acct := newAccount(t, srv, clk, 10)
	src, _ := newSource(t, srv)
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	if err := srv.Update(sandbox.Contacts, acct.contacts[2], sandbox.Props{"lastname": "Late"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Second)
	early := read(t, src, cp, false)
	if n := len(early.records()); n != 0 {
		t.Errorf("%d records while the change is not yet indexed, want 0", n)
	}
	clk.Advance(time.Minute)
	late := read(t, src, early.checkpoint(), false)
	if recs := late.records(); len(recs) != 1 || recs[0].Fields["lastname"] != "Late" {
		t.Errorf("records once indexed: %v, want the late change", recs)
	}
}

func TestIncrementalNumericAssociationIDs(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.NumericAssociationIDs = true })
	acct := newAccount(t, srv, clk, 90)
	src, _ := newSource(t, srv)
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	ch := changeAccount(t, srv, clk, acct)
	got := byID(t, read(t, src, cp, false).records())
	if f := got[ch.members[0]].Fields; f["company.name"] != "Renamed Inc" {
		t.Errorf("contact of the renamed company: %v", f)
	}
	if f := got[ch.updated[0]].Fields; f["company.id"] != acct.companies[acct.companyOf[ch.updated[0]]] {
		t.Errorf("updated contact: %v, want its company", f)
	}
}

func TestCompanyWithManyContacts(t *testing.T) {
	srv, clk := startSandbox(t)
	big := srv.CreateCompany(sandbox.Props{"name": "Big"})
	var ids []string
	for range 150 {
		id := srv.CreateContact(sandbox.Props{"email": "x@example.com"})
		if err := srv.Associate(id, big, true); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	clk.Advance(time.Hour)
	src, _ := newSource(t, srv)
	cp := read(t, src, "", false).checkpoint()
	clk.Advance(time.Hour)
	if err := srv.Update(sandbox.Companies, big, sandbox.Props{"name": "Bigger"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	r := read(t, src, cp, false)
	var sizes []int
	for _, b := range r.batches {
		sizes = append(sizes, len(b.Records))
	}
	// 100 then 50 contacts of the company, then the archived pass's empty
	// batch that commits the watermarks.
	if !slices.Equal(sizes, []int{100, 50, 0}) {
		t.Fatalf("batch sizes %v, want [100 50 0]", sizes)
	}
	var got []string
	for _, rec := range r.records() {
		if rec.Fields["company.name"] != "Bigger" {
			t.Errorf("record %v, want company.name Bigger", rec.Fields)
		}
		got = append(got, rec.Fields["id"])
	}
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("read contacts %v, want the company's %v", got, ids)
	}
	first, second := watermarks(t, r.batches[0].Checkpoint), watermarks(t, r.batches[1].Checkpoint)
	if !first[1].Equal(watermarks(t, cp)[1]) || !second[1].After(first[1]) {
		t.Errorf("companies watermark %v then %v, want it moved only by the company's last batch", first[1], second[1])
	}
}

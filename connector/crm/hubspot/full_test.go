package hubspot_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestFullRead(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 300)
	src, rec := newSource(t, srv)
	start := clk.Now()

	r := read(t, src, "", false)
	if len(r.batches) != 3 {
		t.Errorf("%d batches, want one per page of 100: 3", len(r.batches))
	}
	got := byID(t, r.records())
	if len(got) != len(acct.contacts) {
		t.Fatalf("%d records, want %d", len(got), len(acct.contacts))
	}
	for i, id := range acct.contacts {
		f := got[id].Fields
		if got[id].Ref != "contact "+id || got[id].Deleted || f["email"] != fmt.Sprintf("user%03d@example.com", i) || f["phone"] != "" || f["lastname"] == "" {
			t.Errorf("record %s: %+v", id, got[id])
		}
		c := acct.companyOf[id]
		if c < 0 {
			if f["company.id"] != "" || f["company.name"] != "" {
				t.Errorf("contact %s has no company, but its record has %v", id, f)
			}
			continue
		}
		if f["company.id"] != acct.companies[c] || f["company.name"] != fmt.Sprintf("Company %02d", c) || f["company.plan"] == "" || f["company.industry"] != "COMPUTER_SOFTWARE" {
			t.Errorf("contact %s: company fields %v, want company %s's", id, f, acct.companies[c])
		}
		if _, ok := f["company.domain"]; ok {
			t.Errorf("record %s has company.domain, which no mapping reads", id)
		}
	}

	// Only the properties the mapping reads are asked for.
	reqs := rec.requests()
	list, _ := url.ParseRequestURI(strings.Fields(reqs[0])[1])
	wantProps := "arr,company,createdate,email,firstname,lastname,lifecyclestage,ltv,plan,products,signup_date,tech_level,lastmodifieddate"
	if q := list.Query(); q.Get("properties") != wantProps || q.Get("associations") != "companies" || q.Get("limit") != "100" {
		t.Errorf("list query %v, want properties %s, associations=companies, limit=100", q, wantProps)
	}
	var batchRead struct {
		Inputs     []map[string]string `json:"inputs"`
		Properties []string            `json:"properties"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(reqs[1], " ", 3)[2]), &batchRead); err != nil {
		t.Fatalf("%s: %v", reqs[1], err)
	}
	if !strings.HasPrefix(reqs[1], "POST /crm/v3/objects/companies/batch/read") ||
		!slices.Equal(batchRead.Properties, []string{"arr", "industry", "name", "plan"}) || len(batchRead.Inputs) != 20 {
		t.Errorf("second request %s, want a batch read of the 20 companies' arr, industry, name and plan", reqs[1])
	}
	if len(reqs) != 6 {
		t.Errorf("%d requests, want 3 pages and 3 batch reads:\n%s", len(reqs), strings.Join(reqs, "\n"))
	}

	// The last checkpoint starts every incremental pass from the read's
	// start, less the overlap.
	var cp map[string]any
	if err := json.Unmarshal([]byte(r.checkpoint()), &cp); err != nil {
		t.Fatal(err)
	}
	since, _ := time.Parse(time.RFC3339, cp["contacts"].(string))
	if d := start.Add(-hubspot.Overlap).Sub(since); d < 0 || d > 2*time.Second || cp["companies"] != cp["contacts"] || cp["archived"] != cp["contacts"] || cp["full"] != nil {
		t.Errorf("checkpoint %s, want every watermark at %v", r.checkpoint(), start.Add(-hubspot.Overlap))
	}
}

func TestFullReadSkipsArchived(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 20)
	if err := srv.Archive(sandbox.Contacts, acct.contacts[4]); err != nil {
		t.Fatal(err)
	}
	if err := srv.Archive(sandbox.Companies, acct.companies[0]); err != nil {
		t.Fatal(err)
	}
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 7 })
	got := byID(t, read(t, src, "", true).records())
	if _, ok := got[acct.contacts[4]]; ok || len(got) != 19 {
		t.Errorf("%d records, with the archived contact: %v", len(got), ok)
	}
	if f := got[acct.contacts[0]].Fields; f["company.id"] != "" {
		t.Errorf("contact of an archived company: %v, want no company fields", f)
	}
}

func TestFullReadResumes(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 45)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10 })

	first := readFailing(src, "", false, 2)
	if !errors.Is(first.err, errEmit) || len(first.batches) != 2 {
		t.Fatalf("Read: %v after %d batches, want the emit error after 2", first.err, len(first.batches))
	}
	if !strings.Contains(first.checkpoint(), `"full":{"after":`) {
		t.Errorf("mid-read checkpoint %s, want a full read's cursor", first.checkpoint())
	}
	// A contact created meanwhile is read when the walk reaches it.
	late := srv.CreateContact(sandbox.Props{"email": "late@example.com"})
	rest := read(t, src, first.checkpoint(), false)
	got := byID(t, append(first.records(), rest.records()...))
	if len(got) != len(acct.contacts)+1 || got[late].Fields["email"] != "late@example.com" {
		t.Errorf("%d records after resuming, want all %d and the late one", len(got), len(acct.contacts)+1)
	}
	if strings.Contains(rest.checkpoint(), "full") {
		t.Errorf("final checkpoint %s still holds a full read", rest.checkpoint())
	}
}

func TestFullReadEmptyPages(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.Faults.EmptyPageEvery = 2 })
	acct := newAccount(t, srv, clk, 30)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10 })
	if got := byID(t, read(t, src, "", true).records()); len(got) != len(acct.contacts) {
		t.Errorf("%d records past empty pages, want %d", len(got), len(acct.contacts))
	}

	srv.SetFaults(sandbox.Faults{EmptyPageEvery: 1})
	r := readFailing(src, "", true, -1)
	if r.err == nil || !strings.Contains(r.err.Error(), "10 empty pages in a row") {
		t.Errorf("Read with endless empty pages: %v, want it to give up", r.err)
	}
	if n := srv.Stats().RequestsByRoute["GET /crm/v3/objects/contacts"]; n > 20 {
		t.Errorf("%d list requests, want the walk to stop after 10 empty pages", n)
	}
}

func TestBadCheckpoint(t *testing.T) {
	srv, _ := startSandbox(t)
	src, _ := newSource(t, srv)
	tests := []struct {
		name, checkpoint, want string
		kind                   cohort.Kind
	}{
		{"not JSON", "line 12", `checkpoint "line 12" is not a HubSpot checkpoint`, cohort.KindInvalid},
		{"other version", `{"v":2}`, "has version 2", cohort.KindInvalid},
		{"garbage cursor", `{"v":1,"full":{"after":"garbage"}}`, `list contacts after "garbage": GET /crm/v3/objects/contacts: 400 VALIDATION_ERROR: after "garbage" is not a valid paging cursor`, cohort.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readFailing(src, tt.checkpoint, false, -1)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.want) || cohort.KindOf(r.err) != tt.kind {
				t.Errorf("Read: %v (kind %v), want %v containing %q", r.err, cohort.KindOf(r.err), tt.kind, tt.want)
			}
			var ae *hubspot.APIError
			if tt.name == "garbage cursor" && (!errors.As(r.err, &ae) || ae.StatusCode != 400 || ae.CorrelationID == "") {
				t.Errorf("error %v, want an *APIError 400 with a correlation id", r.err)
			}
		})
	}
}

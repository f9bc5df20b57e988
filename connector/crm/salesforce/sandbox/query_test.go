package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestQueryTypedJSON(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	_, body := o.get(queryPath("query", s.replacer().Replace("SELECT Id, FirstName, Email, Signup_Date__c, SystemModstamp, "+
		"Account.Name, Account.ARR__c, account.ltv__c, Account.NumberOfEmployees, Account.Plan__c FROM Contact "+
		"WHERE Id IN ('{ann}', '{cy}') ORDER BY SystemModstamp")))
	want := s.replacer().Replace(`{"totalSize":2,"done":true,"records":[` +
		`{"attributes":{"type":"Contact","url":"/services/data/v63.0/sobjects/Contact/{ann}"},"Id":"{ann}",` +
		`"FirstName":"Ann","Email":"ann@acme.io","Signup_Date__c":"2022-04-29","SystemModstamp":"2026-09-15T09:00:00.000+0000",` +
		`"Account":{"attributes":{"type":"Account","url":"/services/data/v63.0/sobjects/Account/{acme}"},` +
		`"Name":"Acme","ARR__c":250000.0,"LTV__c":1.5E7,"NumberOfEmployees":42,"Plan__c":"Pro"}},` +
		`{"attributes":{"type":"Contact","url":"/services/data/v63.0/sobjects/Contact/{cy}"},"Id":"{cy}",` +
		`"FirstName":null,"Email":null,"Signup_Date__c":null,"SystemModstamp":"2026-09-15T09:02:00.000+0000","Account":null}]}`)
	if string(body) != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}
}

func TestQueryIDs(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	// 18 characters: key prefix, pod, number, and the suffix encoding the
	// case of the first 15 ("003RO": R and O upper → Y).
	if s.acme != "001RO0000000001YAA" || s.ann != "003RO0000000003YAA" {
		t.Errorf("ids %s, %s: want 001RO0000000001YAA, 003RO0000000003YAA", s.acme, s.ann)
	}
}

func TestQueryCursor(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2}})
	var want []string
	for i := range 5 {
		want = append(want, o.must(o.InsertContact(sandbox.Fields{"LastName": fmt.Sprint("C", i)})))
	}
	next := regexp.MustCompile(`^/services/data/v63\.0/query/01g[0-9A-Za-z]{15}-(\d+)$`)
	var got []string
	path := queryPath("query/", "SELECT Id FROM Contact") // with the trailing slash
	for i := 0; ; i++ {
		r := o.fetch(path)
		if r.TotalSize != 5 {
			t.Errorf("batch %d: totalSize %d, want 5", i, r.TotalSize)
		}
		got = append(got, r.ids()...)
		if r.Done {
			if r.NextRecordsURL != "" || i != 2 {
				t.Errorf("batch %d done with nextRecordsUrl %q; want done at batch 2 without", i, r.NextRecordsURL)
			}
			break
		}
		m := next.FindStringSubmatch(r.NextRecordsURL)
		if m == nil || m[1] != fmt.Sprint(len(got)) || len(r.Records) != 2 {
			t.Fatalf("batch %d: %d records, nextRecordsUrl %q", i, len(r.Records), r.NextRecordsURL)
		}
		path = r.NextRecordsURL
	}
	if !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	// The cursor closed with its last batch.
	if status, e := o.failure(path); status != http.StatusBadRequest || e.ErrorCode != "INVALID_QUERY_LOCATOR" {
		t.Errorf("closed cursor: %d %s, want 400 INVALID_QUERY_LOCATOR", status, e.ErrorCode)
	}
	for _, bad := range []string{"01gRO0000000000AAA-0", "nonsense", "01gRO0000000000AAA"} {
		if status, e := o.failure(v + "/query/" + bad); status != http.StatusBadRequest || e.ErrorCode != "INVALID_QUERY_LOCATOR" {
			t.Errorf("locator %s: %d %s, want 400 INVALID_QUERY_LOCATOR", bad, status, e.ErrorCode)
		}
	}
}

func TestQueryEmptyResult(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	_, body := o.get(queryPath("query", "SELECT Id FROM Account"))
	if want := `{"totalSize":0,"done":true,"records":[]}`; string(body) != want {
		t.Errorf("got %s, want %s", body, want)
	}
}

func TestQueryBatchSizeHeader(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	for i := range 450 {
		o.must(o.InsertAccount(sandbox.Fields{"Name": fmt.Sprint("A", i)}))
	}
	for _, tt := range []struct {
		options string
		want    int
	}{
		{"", 450},
		{"batchSize=300", 300},
		{"batchSize=10", 200}, // clamped to the minimum
		{"batchSize=nonsense", 450},
	} {
		_, body := o.do(http.MethodGet, queryPath("query", "SELECT Id FROM Account"), nil,
			http.Header{"Sforce-Query-Options": {tt.options}})
		var r result
		json.Unmarshal(body, &r)
		if len(r.Records) != tt.want || r.TotalSize != 450 {
			t.Errorf("Sforce-Query-Options %q: %d records of %d, want %d of 450", tt.options, len(r.Records), r.TotalSize, tt.want)
		}
	}
}

func TestQueryShortAndEmptyBatches(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2, ShortBatchEvery: 2}})
	var want []string
	for i := range 5 {
		want = append(want, o.must(o.InsertContact(sandbox.Fields{"LastName": fmt.Sprint("C", i)})))
	}
	var got []string
	var sizes []int
	path := queryPath("query", "SELECT Id FROM Contact")
	for {
		r := o.fetch(path)
		got = append(got, r.ids()...)
		sizes = append(sizes, len(r.Records))
		if r.Done {
			break
		}
		path = r.NextRecordsURL
	}
	if !slices.Equal(got, want) || !slices.Equal(sizes, []int{2, 0, 2, 0, 1}) {
		t.Errorf("read %v in batches %v, want %v in [2 0 2 0 1]", got, sizes, want)
	}
}

func TestQueryRowsDeletedBetweenBatches(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2}})
	var ids []string
	for i := range 4 {
		ids = append(ids, o.must(o.InsertContact(sandbox.Fields{"LastName": fmt.Sprint("C", i)})))
	}
	first := o.fetch(queryPath("query", "SELECT Id FROM Contact"))
	firstAll := o.fetch(queryPath("queryAll", "SELECT Id FROM Contact"))
	if err := o.Delete(ids[2]); err != nil {
		t.Fatal(err)
	}
	if r := o.fetch(first.NextRecordsURL); !slices.Equal(r.ids(), ids[3:]) || r.TotalSize != 4 || !r.Done {
		t.Errorf("query's second batch: %v of %d, want %v of 4", r.ids(), r.TotalSize, ids[3:])
	}
	if !strings.Contains(firstAll.NextRecordsURL, "/query/") {
		t.Errorf("queryAll's nextRecordsUrl %q: want it under /query/", firstAll.NextRecordsURL)
	}
	if r := o.fetch(firstAll.NextRecordsURL); !slices.Equal(r.ids(), ids[2:]) {
		t.Errorf("queryAll's second batch: %v, want %v", r.ids(), ids[2:])
	}
}

func TestQueryAllShowsDeletedAndMerged(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(time.Second)
	if err := o.Delete(s.cy); err != nil {
		t.Fatal(err)
	}
	if err := o.Merge(s.ann, s.bob); err != nil {
		t.Fatal(err)
	}
	if r := o.fetch(queryPath("query", "SELECT Id FROM Contact")); !slices.Equal(r.ids(), []string{s.ann}) {
		t.Errorf("query: %v, want only ann", r.ids())
	}
	_, body := o.get(queryPath("queryAll/", "SELECT Id, IsDeleted, MasterRecordId, SystemModstamp FROM Contact "+
		"WHERE IsDeleted = TRUE ORDER BY Id"))
	want := s.replacer().Replace(`{"totalSize":2,"done":true,"records":[` +
		`{"attributes":{"type":"Contact","url":"/services/data/v63.0/sobjects/Contact/{bob}"},"Id":"{bob}","IsDeleted":true,"MasterRecordId":"{ann}","SystemModstamp":"2026-09-15T09:02:01.000+0000"},` +
		`{"attributes":{"type":"Contact","url":"/services/data/v63.0/sobjects/Contact/{cy}"},"Id":"{cy}","IsDeleted":true,"MasterRecordId":null,"SystemModstamp":"2026-09-15T09:02:01.000+0000"}]}`)
	if string(body) != want {
		t.Errorf("queryAll got\n%s\nwant\n%s", body, want)
	}
}

func TestQueryCursorExpires(t *testing.T) {
	o := startOrg(t, sandbox.Config{SessionTimeout: 100 * time.Hour, Faults: sandbox.Faults{MaxBatchSize: 1}})
	o.seed()
	r := o.fetch(queryPath("query", "SELECT Id FROM Contact"))
	o.clock.Advance(47 * time.Hour)
	r = o.fetch(r.NextRecordsURL)
	o.clock.Advance(time.Hour)
	if status, e := o.failure(r.NextRecordsURL); status != http.StatusBadRequest || e.ErrorCode != "INVALID_QUERY_LOCATOR" {
		t.Errorf("after 48 hours: %d %s, want 400 INVALID_QUERY_LOCATOR", status, e.ErrorCode)
	}
}

func TestQueryAnyVersion(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 1}})
	o.seed()
	r := o.fetch("/services/data/v41.0/query?q=SELECT+Id+FROM+Account")
	if !strings.HasPrefix(r.NextRecordsURL, "/services/data/v41.0/query/") {
		t.Errorf("nextRecordsUrl %q: want it under v41.0", r.NextRecordsURL)
	}
	for _, path := range []string{"/services/data/63.0/query?q=SELECT+Id+FROM+Account", "/services/data/v63.0/nothing"} {
		if status, e := o.failure(path); status != http.StatusNotFound || e.ErrorCode != "NOT_FOUND" {
			t.Errorf("GET %s: %d %s, want 404 NOT_FOUND", path, status, e.ErrorCode)
		}
	}
}

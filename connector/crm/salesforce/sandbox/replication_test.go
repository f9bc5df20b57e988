package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func feedPath(object, feed string, start, end time.Time) string {
	q := url.Values{"start": {start.Format(time.RFC3339)}, "end": {end.Format(time.RFC3339)}}
	return v + "/sobjects/" + object + "/" + feed + "/?" + q.Encode()
}

func TestUpdatedFeed(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(10 * time.Minute) // 09:12
	var got struct {
		IDs               []string `json:"ids"`
		LatestDateCovered string   `json:"latestDateCovered"`
	}
	// Seconds are truncated: [09:00:59 → 09:00, 09:01:30 → 09:01) holds ann only.
	_, body := o.get(feedPath("Contact", "updated", t0.Add(59*time.Second), t0.Add(90*time.Second)))
	json.Unmarshal(body, &got)
	if !slices.Equal(got.IDs, []string{s.ann}) || got.LatestDateCovered != "2026-09-15T09:01:00.000+0000" {
		t.Errorf("got %s", body)
	}
	// end is cut to now.
	_, body = o.get(v + "/sobjects/contact/updated?start=2026-09-15T09%3A00%3A00%2B00%3A00&end=2026-09-16T00:00:00Z")
	json.Unmarshal(body, &got)
	if !slices.Equal(got.IDs, []string{s.ann, s.bob, s.cy}) || got.LatestDateCovered != "2026-09-15T09:12:00.000+0000" {
		t.Errorf("got %s", body)
	}
}

func TestDeletedFeed(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(time.Minute) // 09:03
	if err := o.Delete(s.bob); err != nil {
		t.Fatal(err)
	}
	o.clock.Advance(time.Minute)
	_, body := o.get(feedPath("Contact", "deleted", t0, t0.Add(time.Hour)))
	want := `{"deletedRecords":[{"id":"` + s.bob + `","deletedDate":"2026-09-15T09:03:00.000+0000"}],` +
		`"earliestDateAvailable":"2026-09-15T09:00:00.000+0000","latestDateCovered":"2026-09-15T09:04:00.000+0000"}`
	if string(body) != want {
		t.Errorf("got\n%s\nwant\n%s", body, want)
	}
}

func TestFeedErrors(t *testing.T) {
	o := startOrg(t, sandbox.Config{ReplicationIDLimit: 2, SessionTimeout: 1000 * time.Hour})
	o.seed()
	o.clock.Advance(20 * 24 * time.Hour)
	now := o.clock.Now()
	tests := []struct {
		name, path string
		status     int
		code       string
	}{
		{"too many ids", feedPath("Contact", "updated", t0, now), 400, "EXCEEDED_ID_LIMIT"},
		{"start after end", feedPath("Contact", "updated", now, t0), 400, "INVALID_REPLICATION_DATE"},
		{"deleted beyond 15 days", feedPath("Contact", "deleted", t0, now), 400, "INVALID_REPLICATION_DATE"},
		{"updated beyond 30 days", feedPath("Account", "updated", now.Add(-31*24*time.Hour), now), 400, "INVALID_REPLICATION_DATE"},
		{"unparsable start", v + "/sobjects/Contact/updated/?start=yesterday&end=2026-09-16T00:00:00Z", 400, "INVALID_REPLICATION_DATE"},
		{"missing end", v + "/sobjects/Contact/updated/?start=2026-09-16T00:00:00Z", 400, "MISSING_ARGUMENT"},
		{"unknown object", feedPath("Lead", "updated", now.Add(-time.Hour), now), 404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, e := o.failure(tt.path); status != tt.status || e.ErrorCode != tt.code {
				t.Errorf("got %d %s %q, want %d %s", status, e.ErrorCode, e.Message, tt.status, tt.code)
			}
		})
	}
	if status, _ := o.failure(v + "/sobjects/Account/updated?start=x"); status == http.StatusOK {
		t.Error("a bad window succeeded")
	}
}

func TestDescribe(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	_, body := o.get(v + "/sobjects/Contact/describe/")
	var d struct {
		Name   string
		Fields []struct {
			Name, Type       string
			Custom           bool
			RelationshipName *string
		}
	}
	if err := json.Unmarshal(body, &d); err != nil || d.Name != "Contact" {
		t.Fatalf("describe: %v %s", err, body)
	}
	byName := map[string]int{}
	for i, f := range d.Fields {
		byName[f.Name] = i
	}
	if f := d.Fields[byName["Tech_Level__c"]]; !f.Custom || f.Type != "picklist" {
		t.Errorf("Tech_Level__c: %+v", f)
	}
	if f := d.Fields[byName["AccountId"]]; f.Custom || f.RelationshipName == nil || *f.RelationshipName != "Account" {
		t.Errorf("AccountId: %+v", f)
	}
	if status, e := o.failure(v + "/sobjects/Lead/describe"); status != 404 || e.ErrorCode != "NOT_FOUND" {
		t.Errorf("describe Lead: %d %s", status, e.ErrorCode)
	}
}

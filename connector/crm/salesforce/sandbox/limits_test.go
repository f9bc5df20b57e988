package sandbox_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestDailyLimit(t *testing.T) {
	o := startOrg(t, sandbox.Config{DailyLimit: 2, SessionTimeout: 48 * time.Hour})
	path := queryPath("query", "SELECT Id FROM Account")
	for i, want := range []string{"api-usage=1/2", "api-usage=2/2"} {
		resp, _ := o.get(path)
		if got := resp.Header.Get("Sforce-Limit-Info"); resp.StatusCode != http.StatusOK || got != want {
			t.Errorf("request %d: %d %q, want 200 %q", i, resp.StatusCode, got, want)
		}
	}
	resp, body := o.get(path)
	want := `[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]`
	if resp.StatusCode != http.StatusForbidden || string(body) != want || resp.Header.Get("Sforce-Limit-Info") != "api-usage=2/2" {
		t.Errorf("over the limit: %d %s %q, want 403 %s", resp.StatusCode, body, resp.Header.Get("Sforce-Limit-Info"), want)
	}
	o.clock.Advance(24 * time.Hour)
	if resp, _ := o.get(path); resp.StatusCode != http.StatusOK || resp.Header.Get("Sforce-Limit-Info") != "api-usage=1/2" {
		t.Errorf("a day later: %d %q, want 200 api-usage=1/2", resp.StatusCode, resp.Header.Get("Sforce-Limit-Info"))
	}
}

func TestFaultsUnavailable(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{Unavailable: 2}})
	path := queryPath("query", "SELECT Id FROM Account")
	for range 2 {
		if status, e := o.failure(path); status != http.StatusServiceUnavailable || e.ErrorCode != "SERVER_UNAVAILABLE" {
			t.Errorf("got %d %s, want 503 SERVER_UNAVAILABLE", status, e.ErrorCode)
		}
	}
	o.fetch(path)
	st := o.Stats()
	if st.Faults != 2 || st.APIUsage != 1 || st.Responses[503] != 2 || st.RequestsByRoute["GET /services/data/{version}/query"] != 3 {
		t.Errorf("stats %+v: want 2 faults, 1 request counted, 3 query requests", st)
	}
	o.SetFaults(sandbox.Faults{ErrorRate: 1, Seed: 1})
	if status, _ := o.failure(path); status != http.StatusServiceUnavailable {
		t.Errorf("ErrorRate 1: %d, want 503", status)
	}
	if f := o.Faults(); f.ErrorRate != 1 || f.Unavailable != 0 {
		t.Errorf("Faults() = %+v", f)
	}
}

func TestVersions(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	for _, path := range []string{"/services/data/", "/services/data"} {
		req, _ := http.NewRequest(http.MethodGet, o.URL()+path, nil) // no token needed
		resp, err := o.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var versions []struct{ Label, URL, Version string }
		err = json.NewDecoder(resp.Body).Decode(&versions)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Sforce-Limit-Info") != "" {
			t.Fatalf("GET %s: %d %v, Sforce-Limit-Info %q", path, resp.StatusCode, err, resp.Header.Get("Sforce-Limit-Info"))
		}
		found := false
		for _, v := range versions {
			found = found || (v.Version == "63.0" && v.URL == "/services/data/v63.0" && v.Label == "Spring '25")
		}
		if !found {
			t.Errorf("GET %s: %+v lacks v63.0", path, versions)
		}
	}
	if st := o.Stats(); st.APIUsage != 0 {
		t.Errorf("the version list counted against the limit: %d", st.APIUsage)
	}
}

func TestDateHeaderFollowsTheClock(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	resp, _ := o.get(queryPath("query", "SELECT Id FROM Account"))
	if got := resp.Header.Get("Date"); got != "Tue, 15 Sep 2026 09:00:00 GMT" {
		t.Errorf("Date %q", got)
	}
}

package sandbox_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestFaultCalls(t *testing.T) {
	srv, _ := startSandbox(t, func(c *sandbox.Config) {
		c.Faults = sandbox.Faults{
			Route: "POST /crm/v3/objects/contacts/search",
			Calls: map[int]sandbox.Fault{1: sandbox.FaultServerError, 2: sandbox.FaultSecondly, 3: sandbox.FaultUnavailable, 5: sandbox.FaultDaily, 6: sandbox.FaultTenSecondly},
		}
	})
	searchStatus := func() response { return call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", "{}") }
	wantStatus(t, searchStatus(), http.StatusInternalServerError)
	wantStatus(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil), http.StatusOK) // another route: not counted
	tests := []struct {
		status int
		policy string
	}{
		{http.StatusTooManyRequests, sandbox.PolicySecondly},
		{http.StatusServiceUnavailable, ""},
		{http.StatusOK, ""},
		{http.StatusTooManyRequests, sandbox.PolicyDaily},
		{http.StatusTooManyRequests, sandbox.PolicyTenSecondly},
		{http.StatusOK, ""},
	}
	for i, tt := range tests {
		r := searchStatus()
		wantStatus(t, r, tt.status)
		if tt.policy != "" {
			var e errorBody
			r.decode(t, &e)
			if e.PolicyName != tt.policy {
				t.Errorf("call %d: policy %s, want %s", i+2, e.PolicyName, tt.policy)
			}
		}
	}
	s := srv.Stats()
	if s.Faults[sandbox.FaultServerError] != 1 || s.Faults[sandbox.FaultDaily] != 1 || s.RateLimited != 3 ||
		s.RequestsByRoute["POST /crm/v3/objects/contacts/search"] != 7 || s.Responses[http.StatusOK] != 3 {
		t.Errorf("stats %+v", s)
	}
	srv.SetFaults(sandbox.Faults{Calls: map[int]sandbox.Fault{1: sandbox.FaultDrop}})
	if got := srv.Faults().Calls[1]; got != sandbox.FaultDrop {
		t.Errorf("Faults() = %v", srv.Faults())
	}
	// A POST, which net/http does not retry on a new connection.
	if resp, err := http.Post(srv.URL()+"/crm/v3/objects/contacts/search", "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Errorf("dropped request answered %d", resp.StatusCode)
	}
}

func TestFaultLatency(t *testing.T) {
	srv, _ := startSandbox(t, func(c *sandbox.Config) { c.Faults.Latency = 50 * time.Millisecond })
	start := time.Now()
	wantStatus(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil), http.StatusOK)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %v, want at least 50ms", d)
	}
}

func TestEmptyPages(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.Faults.EmptyPageEvery = 2 })
	ids := createContacts(srv, clk, 5)
	var got []string
	empty := 0
	after := ""
	for range 20 {
		var p page
		call(t, srv, http.MethodGet, "/crm/v3/objects/contacts?limit=2&after="+after, nil).decode(t, &p)
		if len(p.Results) == 0 {
			empty++
		}
		got = append(got, p.ids()...)
		if after = p.next(); after == "" {
			break
		}
	}
	if !slices.Equal(got, ids) || empty != 2 {
		t.Errorf("walk %v with %d empty pages, want %v with 2", got, empty, ids)
	}
}

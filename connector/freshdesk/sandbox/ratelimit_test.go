package sandbox_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

func TestRateLimitHeadersUnenforced(t *testing.T) {
	srv, _ := start(t)
	for i := range 3 {
		resp, _ := call(t, srv, "GET", "/api/v2/ticket_fields", nil)
		h := resp.Header
		if h.Get("X-Ratelimit-Total") != "200" || h.Get("X-RateLimit-Remaining") != strconv.Itoa(199-i) || h.Get("X-Ratelimit-Used-CurrentRequest") != "1" {
			t.Errorf("request %d: headers %v", i, h)
		}
	}
	enterprise, _ := start(t, func(c *sandbox.Config) { c.Plan = sandbox.PlanEnterprise })
	if resp, _ := call(t, enterprise, "GET", "/api/v2/ticket_fields", nil); resp.Header.Get("X-Ratelimit-Total") != "700" {
		t.Errorf("Enterprise total = %q", resp.Header.Get("X-Ratelimit-Total"))
	}
}

func TestRateLimitEnforced(t *testing.T) {
	srv, clk := start(t, func(c *sandbox.Config) { c.RateLimit = 5 })
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s"}) // 1 credit
	// A view with two embeds costs 3.
	resp, _ := call(t, srv, "GET", "/api/v2/tickets/1?include=requester,stats", nil)
	if resp.Header.Get("X-Ratelimit-Used-CurrentRequest") != "3" || resp.Header.Get("X-Ratelimit-Remaining") != "1" {
		t.Errorf("after the view: %v", resp.Header)
	}
	// Invalid calls count.
	if resp, _ := call(t, srv, "GET", "/api/v2/tickets/99", nil); resp.StatusCode != 404 || resp.Header.Get("X-Ratelimit-Remaining") != "0" {
		t.Errorf("404: %d %v", resp.StatusCode, resp.Header)
	}
	resp, data := call(t, srv, "GET", "/api/v2/tickets/1", nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "30" ||
		resp.Header.Get("X-Ratelimit-Remaining") != "0" || resp.Header.Get("X-Ratelimit-Used-CurrentRequest") != "0" {
		t.Errorf("over the limit: %d %v %s", resp.StatusCode, resp.Header, data)
	}
	if e := decode[errorBody](t, data); e.Code == "" {
		t.Errorf("429 body %s", data)
	}
	// The next window has the full budget again.
	clk.Add(30 * time.Second)
	resp, _ = call(t, srv, "GET", "/api/v2/tickets/1", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Ratelimit-Remaining") != "4" {
		t.Errorf("next window: %d %v", resp.StatusCode, resp.Header)
	}
	if st := srv.Stats(); st.RateLimited != 1 || st.Credits != 6 || id != 1 {
		t.Errorf("Stats: %d limited, %d credits", st.RateLimited, st.Credits)
	}
}

func TestEndpointLimit(t *testing.T) {
	// Growth allows 20 ticket lists a minute within a larger budget.
	srv, _ := start(t, func(c *sandbox.Config) { c.RateLimit = 1000 })
	for i := range 21 {
		resp, _ := call(t, srv, "GET", "/api/v2/tickets", nil)
		if want := map[bool]int{true: 429, false: 200}[i == 20]; resp.StatusCode != want {
			t.Errorf("list %d: %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if resp, _ := call(t, srv, "GET", "/api/v2/contacts", nil); resp.StatusCode != 200 {
		t.Errorf("contacts list: %d", resp.StatusCode)
	}
}

func TestFaults(t *testing.T) {
	srv, _ := start(t, func(c *sandbox.Config) { c.Faults = sandbox.Faults{ErrorRate: 1, Seed: 7} })
	for _, want := range []int{500, 503, 500} {
		resp, data := call(t, srv, "GET", "/api/v2/tickets", nil)
		if resp.StatusCode != want || (want == 503) != (resp.Header.Get("Retry-After") == "1") {
			t.Errorf("%d %v %s, want %d", resp.StatusCode, resp.Header, data, want)
		}
	}
	srv.SetFaults(sandbox.Faults{DropRate: 1})
	req, _ := http.NewRequest("GET", srv.URL()+"/api/v2/tickets", nil)
	req.SetBasicAuth(testKey, "X")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("a dropped request answered %s", resp.Status)
	}
	srv.SetFaults(sandbox.Faults{Latency: 20 * time.Millisecond})
	begin := time.Now()
	if resp, _ := call(t, srv, "GET", "/api/v2/tickets", nil); resp.StatusCode != 200 || time.Since(begin) < 20*time.Millisecond {
		t.Errorf("latency: %d after %v", resp.StatusCode, time.Since(begin))
	}
	srv.SetFaults(sandbox.Faults{})
	srv.FailRoute("POST /api/v2/tickets/{id}/notes", http.StatusServiceUnavailable)
	if resp, _ := call(t, srv, "POST", "/api/v2/tickets/1/notes", obj{"body": "x"}); resp.StatusCode != 503 {
		t.Errorf("FailRoute: %d", resp.StatusCode)
	}
	st := srv.Stats()
	if st.Faults[sandbox.FaultError] != 2 || st.Faults[sandbox.FaultUnavailable] != 1 || st.Faults[sandbox.FaultDrop] < 1 ||
		st.Faults[sandbox.FaultLatency] != 1 || st.Faults[sandbox.FaultRoute] != 1 || st.Credits != 1 {
		t.Errorf("Stats = %+v", st)
	}
	// (net/http may retry a dropped idempotent request: drops ≥ 1.)
	if srv.Faults() != (sandbox.Faults{}) {
		t.Errorf("Faults() = %+v", srv.Faults())
	}
}

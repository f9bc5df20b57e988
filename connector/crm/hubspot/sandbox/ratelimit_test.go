package sandbox_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestTenSecondlyWindow(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.TenSecondlyLimit = 3 })
	list := func() response { return call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil) }
	for i := range 3 {
		r := list()
		wantStatus(t, r, http.StatusOK)
		if got := r.header.Get(sandbox.HeaderRemaining); got != strconv.Itoa(2-i) {
			t.Errorf("request %d: remaining %s, want %d", i, got, 2-i)
		}
		clk.Advance(3 * time.Second) // requests at 0, 3 and 6 s
	}
	r := list() // at 9 s: three in the last 10 s
	wantStatus(t, r, http.StatusTooManyRequests)
	var e errorBody
	r.decode(t, &e)
	if e.PolicyName != sandbox.PolicyTenSecondly || e.ErrorType != "RATE_LIMIT" || e.Status != "error" || e.RequestID == "" ||
		e.CorrelationID != r.header.Get("X-HubSpot-Correlation-Id") {
		t.Errorf("429 body %s", r.body)
	}
	wantHeaders := map[string]string{
		sandbox.HeaderMax: "3", sandbox.HeaderRemaining: "0", sandbox.HeaderInterval: "10000",
		sandbox.HeaderDaily: "250000", sandbox.HeaderDailyRemaining: "249997",
	}
	for h, want := range wantHeaders {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	clk.Advance(time.Second) // at 10 s the first request leaves the window
	wantStatus(t, list(), http.StatusOK)
	if s := srv.Stats(); s.RateLimited != 1 || s.RateLimitedByPolicy[sandbox.PolicyTenSecondly] != 1 {
		t.Errorf("stats %+v, want one TEN_SECONDLY_ROLLING 429", s)
	}
}

func TestDailyLimit(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.DailyLimit = 2; c.Location = paris })
	clk.Advance(13*time.Hour + 20*time.Minute) // 22:50 UTC, 23:50 in Paris
	wantStatus(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil), http.StatusOK)
	wantStatus(t, call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", "{}"), http.StatusOK) // search counts too
	r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil)
	wantStatus(t, r, http.StatusTooManyRequests)
	var e errorBody
	r.decode(t, &e)
	if e.PolicyName != sandbox.PolicyDaily || e.Message != "You have reached your daily limit." || r.header.Get(sandbox.HeaderDailyRemaining) != "0" {
		t.Errorf("429 %s, remaining %s; want the DAILY body", r.body, r.header.Get(sandbox.HeaderDailyRemaining))
	}
	clk.Advance(15 * time.Minute) // past midnight in Paris
	r = call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil)
	wantStatus(t, r, http.StatusOK)
	if got := r.header.Get(sandbox.HeaderDailyRemaining); got != "1" {
		t.Errorf("daily remaining after midnight %s, want 1", got)
	}
}

func TestSearchLimit(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.SearchLimit = sandbox.DefaultSearchLimit; c.TenSecondlyLimit = 1 })
	for range 5 {
		r := call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", "{}")
		wantStatus(t, r, http.StatusOK)
		if r.header.Get(sandbox.HeaderMax) != "" || r.header.Get(sandbox.HeaderDaily) != "" {
			t.Errorf("search answer has rate-limit headers: %v", r.header)
		}
	}
	r := call(t, srv, http.MethodPost, "/crm/v3/objects/companies/search", "{}")
	wantStatus(t, r, http.StatusTooManyRequests)
	var e errorBody
	r.decode(t, &e)
	if e.Message != "You have reached your secondly limit." || e.PolicyName != sandbox.PolicySecondly || r.header.Get(sandbox.HeaderRemaining) != "" {
		t.Errorf("429 %s with headers %v; want the secondly body and no rate headers", r.body, r.header)
	}
	// Search is outside the burst window: one list request still passes.
	wantStatus(t, call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil), http.StatusOK)
	clk.Advance(time.Second)
	wantStatus(t, call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/search", "{}"), http.StatusOK)
}

func TestUnenforcedLimitsReportDefaults(t *testing.T) {
	srv, _ := startSandbox(t)
	for range 3 {
		call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil)
	}
	r := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil)
	for h, want := range map[string]string{
		sandbox.HeaderMax: "100", sandbox.HeaderRemaining: "96", sandbox.HeaderDaily: "250000",
		sandbox.HeaderDailyRemaining: "249996", sandbox.HeaderSecondly: "10", sandbox.HeaderSecondlyRemaining: "6",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	// A refused request counts nowhere.
	callAs(t, srv, "", http.MethodGet, "/crm/v3/objects/contacts", nil)
	if got := call(t, srv, http.MethodGet, "/crm/v3/objects/contacts", nil).header.Get(sandbox.HeaderRemaining); got != "95" {
		t.Errorf("remaining after a 401: %s, want 95", got)
	}
}

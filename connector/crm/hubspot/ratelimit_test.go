package hubspot_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

func TestTenSecondlyLimitIsWaitedOut(t *testing.T) {
	// One request per 100 ms window: the read's 6 requests hit it, and the
	// source waits the window the headers give rather than 10 s.
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.TenSecondlyLimit = 1; c.RateWindow = 100 * time.Millisecond })
	acct := newAccount(t, srv, clk, 45)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 15 })
	start := time.Now()
	got := byID(t, read(t, src, "", true).records())
	if len(got) != len(acct.contacts) {
		t.Errorf("%d records, want %d", len(got), len(acct.contacts))
	}
	s := srv.Stats()
	if s.RateLimitedByPolicy[sandbox.PolicyTenSecondly] == 0 {
		t.Errorf("no 429: the test did not hit the limit; stats %+v", s)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("read took %v: the source did not follow the window header", d)
	}
}

func TestDailyLimitStopsTheRead(t *testing.T) {
	srv, clk := startSandbox(t, func(c *sandbox.Config) { c.DailyLimit = 2 })
	newAccount(t, srv, clk, 45)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 15 })
	r := readFailing(src, "", true, -1)
	var ae *hubspot.APIError
	if !errors.As(r.err, &ae) || ae.Policy != hubspot.PolicyDaily || ae.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("Read: %v, want an *APIError of the DAILY policy", r.err)
	}
	msg := r.err.Error()
	for _, want := range []string{"429 RATE_LIMIT DAILY", "You have reached your daily limit.", "midnight", "not retried"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, testToken) {
		t.Errorf("error %q contains the token", msg)
	}
	if cohort.KindOf(r.err) != cohort.KindUnavailable {
		t.Errorf("kind %v, want unavailable", cohort.KindOf(r.err))
	}
	if n := srv.Stats().Requests; n != 3 {
		t.Errorf("%d requests, want 3: the 429 DAILY is not retried", n)
	}
	if len(r.batches) != 1 {
		t.Errorf("%d batches before the limit, want 1", len(r.batches))
	}
}

func TestSearchLimit(t *testing.T) {
	t.Run("secondly 429 is retried", func(t *testing.T) {
		srv, clk := startSandbox(t)
		acct := newAccount(t, srv, clk, 20)
		src, _ := newSource(t, srv)
		cp := read(t, src, "", false).checkpoint()
		srv.SetFaults(sandbox.Faults{Route: "POST /crm/v3/objects/contacts/search", Calls: map[int]sandbox.Fault{1: sandbox.FaultSecondly, 2: sandbox.FaultSecondly}})
		clk.Advance(time.Hour)
		if err := srv.Update(sandbox.Contacts, acct.contacts[0], sandbox.Props{"ltv": "5"}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour)
		if recs := read(t, src, cp, false).records(); len(recs) != 1 {
			t.Errorf("%d records, want 1", len(recs))
		}
		if n := srv.Stats().RateLimitedByPolicy[sandbox.PolicySecondly]; n != 2 {
			t.Errorf("%d secondly 429s, want 2", n)
		}
	})
	t.Run("the client stays under 5 searches a second", func(t *testing.T) {
		srv, clk := startSandbox(t, func(c *sandbox.Config) { c.SearchLimit = sandbox.DefaultSearchLimit })
		acct := newAccount(t, srv, clk, 30)
		src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 10; c.SearchesPerSecond = 0 })
		cp := read(t, src, "", false).checkpoint()
		clk.Advance(time.Hour)
		for _, id := range acct.contacts[:15] {
			if err := srv.Update(sandbox.Contacts, id, sandbox.Props{"ltv": "5"}); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Hour)
		read(t, src, cp, false)
		s := srv.Stats()
		if s.RequestsByRoute["POST /crm/v3/objects/contacts/search"] < 2 || s.RateLimited != 0 {
			t.Errorf("stats %+v, want several searches and no 429", s)
		}
	})
}

func TestServerErrorsAreRetried(t *testing.T) {
	srv, clk := startSandbox(t)
	acct := newAccount(t, srv, clk, 45)
	srv.SetFaults(sandbox.Faults{Calls: map[int]sandbox.Fault{1: sandbox.FaultServerError, 3: sandbox.FaultUnavailable, 4: sandbox.FaultDrop, 7: sandbox.FaultServerError}})
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.PageSize = 15 })
	if got := byID(t, read(t, src, "", true).records()); len(got) != len(acct.contacts) {
		t.Errorf("%d records, want %d", len(got), len(acct.contacts))
	}
	if f := srv.Stats().Faults; f[sandbox.FaultServerError] != 2 || f[sandbox.FaultDrop] != 1 {
		t.Errorf("faults %v", f)
	}
}

func TestRetriesRunOut(t *testing.T) {
	srv, _ := startSandbox(t)
	srv.SetFaults(sandbox.Faults{Calls: map[int]sandbox.Fault{1: sandbox.FaultUnavailable, 2: sandbox.FaultUnavailable}})
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.RetryMax = 1 })
	r := readFailing(src, "", true, -1)
	var ae *hubspot.APIError
	if !errors.As(r.err, &ae) || ae.StatusCode != http.StatusServiceUnavailable || cohort.KindOf(r.err) != cohort.KindUnavailable {
		t.Errorf("Read: %v, want the 503 as an unavailable *APIError", r.err)
	}
}

func TestUnauthorized(t *testing.T) {
	srv, _ := startSandbox(t)
	src, _ := newSource(t, srv, func(c *hubspot.Config) { c.Token = "pat-na1-wrong-secret" })
	r := readFailing(src, "", true, -1)
	if cohort.KindOf(r.err) != cohort.KindUnauthorized || !strings.Contains(r.err.Error(), "401 INVALID_AUTHENTICATION") {
		t.Errorf("Read: %v, want an unauthorized 401", r.err)
	}
	if strings.Contains(r.err.Error(), "wrong-secret") {
		t.Errorf("error %q contains the token", r.err)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests, want 1: a 401 is not retried", n)
	}
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/web"
)

const secret = "test-signing-secret"

func newServer(t *testing.T, db *store.DB) *httptest.Server {
	t.Helper()
	srv := web.New(web.Config{
		Receivers:  map[string]web.Receiver{"zendesk": &zendesk.Receiver{Secret: secret}},
		Intake:     newIntake(t, db),
		Records:    db,
		Ping:       db.Ping,
		AdminToken: "admin-token",
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func post(t *testing.T, url string, body []byte, sign func(h http.Header)) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sign != nil {
		sign(req.Header)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func signed(body []byte, invocation string) func(http.Header) {
	return func(h http.Header) {
		ts := time.Now().UTC().Format(time.RFC3339)
		h.Set(zendesk.HeaderSignatureTimestamp, ts)
		h.Set(zendesk.HeaderSignature, zendesk.Sign(secret, ts, body))
		if invocation != "" {
			h.Set(zendesk.HeaderInvocationID, invocation)
		}
	}
}

// goName matches a Go identifier such as zendesk.VerifySignature, which a
// client must never see.
var goName = regexp.MustCompile(`\b[a-z]+\.[A-Z][A-Za-z]+\b`)

func TestWebhookStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		url := ts.URL + "/webhooks/zendesk"
		body := []byte(`{"event":"ticket.created","ticket":{"id":"101","subject":"Help","requester":{"id":"5","email":"a@b.example"}}}`)
		big := []byte(`{"event":"ticket.created","ticket":{"id":"1","subject":"` + strings.Repeat("x", web.MaxWebhookBytes) + `"}}`)
		tests := []struct {
			name   string
			body   []byte
			sign   func(http.Header)
			status int
			want   string
		}{
			{"accepted", body, signed(body, "inv-1"), http.StatusAccepted, `"status":"accepted"`},
			{"same delivery again", body, signed(body, "inv-1"), http.StatusAccepted, `"status":"duplicate"`},
			{"same ticket, new delivery", body, signed(body, "inv-2"), http.StatusAccepted, `"status":"duplicate"`},
			{"no signature", body, nil, http.StatusUnauthorized, "missing"},
			{"tampered body", []byte(strings.Replace(string(body), "101", "102", 1)), signed(body, "inv-3"), http.StatusUnauthorized, "does not match"},
			{"stale timestamp", body, func(h http.Header) {
				old := time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)
				h.Set(zendesk.HeaderSignatureTimestamp, old)
				h.Set(zendesk.HeaderSignature, zendesk.Sign(secret, old, body))
			}, http.StatusUnauthorized, "more than"},
			{"malformed", []byte(`{"ticket":`), signed([]byte(`{"ticket":`), ""), http.StatusBadRequest, "not valid JSON"},
			{"over 1 MiB", big, signed(big, ""), http.StatusRequestEntityTooLarge, "1 MiB"},
			{"other event ignored", []byte(`{"event":"ticket.solved","ticket":{"id":"1"}}`),
				signed([]byte(`{"event":"ticket.solved","ticket":{"id":"1"}}`), ""), http.StatusOK, "ignored"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				resp := post(t, url, tt.body, tt.sign)
				var got map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&got)
				raw, _ := json.Marshal(got)
				if resp.StatusCode != tt.status || !strings.Contains(string(raw), tt.want) {
					t.Errorf("status %d body %s; want %d containing %q", resp.StatusCode, raw, tt.status, tt.want)
				}
				if strings.Contains(string(raw), secret) {
					t.Errorf("response leaks the secret: %s", raw)
				}
				if goName.Match(raw) {
					t.Errorf("response shows a Go name: %s", raw)
				}
			})
		}
		// Exactly one enrichment exists, for ticket 101, stored before the 202.
		list, err := db.ListEnrichments(context.Background(), 10)
		if err != nil || len(list) != 1 || list[0].TicketID != 101 || list[0].Subject != "Help" {
			t.Errorf("enrichments = %+v, %v", list, err)
		}
	})
}

func TestUnknownHelpdeskAndProbes(t *testing.T) {
	ts := newServer(t, storetest.Open(t, store.SQLite))
	for _, tt := range []struct {
		method, path, auth string
		status             int
	}{
		{http.MethodPost, "/webhooks/unknown", "", http.StatusNotFound},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/readyz", "", http.StatusOK},
		{http.MethodGet, "/api/v1/enrichments", "", http.StatusUnauthorized},
		{http.MethodGet, "/api/v1/enrichments", "Bearer wrong", http.StatusUnauthorized},
		{http.MethodGet, "/api/v1/enrichments", "Bearer admin-token", http.StatusOK},
		{http.MethodGet, "/api/v1/enrichments?limit=0", "Bearer admin-token", http.StatusBadRequest},
		{http.MethodGet, "/?token=admin-token", "", http.StatusOK},
	} {
		t.Run(tt.method+" "+tt.path+" "+tt.auth, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
}

func TestAdminOffWithoutToken(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ts := httptest.NewServer(web.New(web.Config{Records: db}))
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/v1/enrichments")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404 when COHORT_ADMIN_TOKEN is unset", resp.StatusCode)
	}
}

func TestReadinessFailsWhileDraining(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	srv := web.New(web.Config{Ping: db.Ping})
	srv.Drain()
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz while draining = %d, want 503", rec.Code)
	}
}

// newIntake starts an intake-only queue on db for the test.
func newIntake(t *testing.T, db *store.DB) *store.Queue {
	t.Helper()
	q, err := db.NewQueue(store.QueueConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	return q
}

// TestWebhookWithNULSharesItsCommit: a signed webhook whose subject and
// requester email hold a NUL escape is accepted with the NUL dropped, on
// both engines, and the webhooks that share its group commit are accepted
// too (PostgreSQL's text cannot hold a NUL).
func TestWebhookWithNULSharesItsCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newServer(t, db)
		url := ts.URL + "/webhooks/zendesk"
		const n = 18
		statuses := make(chan int, n)
		for i := range n {
			go func() {
				subject, email := fmt.Sprintf("Help %d", i), fmt.Sprintf("r%d@b.example", i)
				if i == 7 {
					subject, email = `Help\u0000 7`, `r7\u0000@b.example`
				}
				body := []byte(fmt.Sprintf(`{"event":"ticket.created","ticket":{"id":"%d","subject":"%s","requester":{"id":"5","email":"%s"}}}`,
					200+i, subject, email))
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				signed(body, fmt.Sprint("inv-", i))(req.Header)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}()
		}
		for range n {
			if status := <-statuses; status != http.StatusAccepted {
				t.Errorf("a webhook got %d, want 202", status)
			}
		}
		rec, err := db.Enrichment(context.Background(), "zendesk", 207)
		if err != nil || rec.Subject != "Help 7" || rec.RequesterEmail != "r7@b.example" {
			t.Errorf("ticket 207 = %+v, %v; want its text without the NUL", rec, err)
		}
	})
}

// TestBodiesReadAtOnceAreCapped: with every body slot held by senders that
// trickle, a further webhook is answered 503 with Retry-After instead of
// adding to the memory held; once a slot frees, webhooks are read again.
func TestBodiesReadAtOnceAreCapped(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	srv := web.New(web.Config{
		Receivers: map[string]web.Receiver{"zendesk": &zendesk.Receiver{Secret: secret}},
		Intake:    newIntake(t, db), Records: db, Ping: db.Ping,
		MaxBodies: 2, BodyWait: 100 * time.Millisecond,
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	url := ts.URL + "/webhooks/zendesk"
	// Two senders that start a body and stall.
	var stalled []io.Closer
	for range 2 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, conn)
		fmt.Fprintf(conn, "POST /webhooks/zendesk HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"ticket\":")
	}
	time.Sleep(100 * time.Millisecond) // the handlers are reading
	body := []byte(`{"event":"ticket.created","ticket":{"id":"301","subject":"Help","requester":{"id":"5"}}}`)
	resp := post(t, url, body, signed(body, "inv-301"))
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("with every slot held: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	for _, c := range stalled {
		c.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := post(t, url, body, signed(body, "inv-301b"))
		if resp.StatusCode == http.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the senders left: %d, want 202", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestForwardedForIsTrustedOnlyFromTrustedProxies: a client cannot put
// another address in the logs with X-Forwarded-For, unless it is a
// configured proxy.
func TestForwardedForIsTrustedOnlyFromTrustedProxies(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	for _, tt := range []struct {
		proxies []string
		want    string
	}{
		{nil, "remote=127.0.0.1"},
		{[]string{"127.0.0.0/8"}, "remote=203.0.113.9"},
	} {
		var logs bytes.Buffer
		srv := web.New(web.Config{
			Receivers: map[string]web.Receiver{"zendesk": &zendesk.Receiver{Secret: secret}},
			Intake:    newIntake(t, db), Records: db, Ping: db.Ping, TrustedProxies: tt.proxies,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		})
		ts := httptest.NewServer(srv)
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/zendesk", strings.NewReader(`{}`))
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ts.Close()
		if !strings.Contains(logs.String(), tt.want) {
			t.Errorf("proxies %v: logs %q, want %q", tt.proxies, logs.String(), tt.want)
		}
	}
	if err := web.CheckTrustedProxies([]string{"10.0.0.0/8", "192.168.1.4", "::1"}); err != nil {
		t.Error(err)
	}
	if err := web.CheckTrustedProxies([]string{"lb.internal"}); err == nil {
		t.Error("a host name passed as a proxy")
	}
}

// TestAdminTokenStaysOutOfURLsAndReferrers: the APIs take the admin token
// in the Authorization header only; the pages, which take it in the URL
// too, are sent with no referrer, no caching and no framing.
func TestAdminTokenStaysOutOfURLsAndReferrers(t *testing.T) {
	ts := newServer(t, storetest.Open(t, store.SQLite))
	for _, tt := range []struct {
		path, bearer string
		status       int
	}{
		{"/api/v1/enrichments?token=admin-token", "", http.StatusUnauthorized},
		{"/metrics?token=admin-token", "", http.StatusUnauthorized},
		{"/api/v1/enrichments", "admin-token", http.StatusOK},
		{"/?token=admin-token", "", http.StatusOK},
	} {
		resp := getAs(t, ts.URL+tt.path, tt.bearer)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", tt.path, resp.Header.Get("Cache-Control"))
		}
		if tt.path == "/?token=admin-token" {
			for h, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
				"Content-Security-Policy": "default-src 'none'"} {
				if !strings.Contains(resp.Header.Get(h), want) {
					t.Errorf("page header %s = %q, want %q", h, resp.Header.Get(h), want)
				}
			}
		}
	}
}

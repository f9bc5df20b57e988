package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/hubspot"
)

// TestOddAnswers reads from a server that answers every request the same
// way, as HubSpot or a proxy in front of it might.
func TestOddAnswers(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		wantKind   cohort.Kind
		wantErr    string
		wantPolicy string
	}{
		{"proxy error page", http.StatusBadGateway, "<html>Bad gateway</html>", cohort.KindUnavailable, "502: <html>Bad gateway</html>", ""},
		{"not found", http.StatusNotFound, `{"status":"error","category":"OBJECT_NOT_FOUND","message":"gone","correlationId":"c-1"}`,
			cohort.KindNotFound, "404 OBJECT_NOT_FOUND: gone (correlation id c-1)", ""},
		{"missing scopes", http.StatusForbidden, `{"status":"error","category":"MISSING_SCOPES","message":"scopes"}`,
			cohort.KindUnauthorized, "403 MISSING_SCOPES: scopes", ""},
		{"unknown 429", http.StatusTooManyRequests, `{"status":"error","errorType":"RATE_LIMIT","policyName":"WEIRD","message":"slow down"}`,
			cohort.KindUnavailable, "429 RATE_LIMIT WEIRD: slow down", "WEIRD"},
		{"teapot", http.StatusTeapot, `{"message":"short and stout"}`, cohort.KindOther, "418: short and stout", ""},
		{"not JSON", http.StatusOK, "results: none", cohort.KindOther, "the answer is not the JSON expected", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			src, err := hubspot.New(hubspot.Config{URL: srv.URL, Token: testToken, RetryMax: -1})
			if err != nil {
				t.Fatal(err)
			}
			r := readFailing(src, "", true, -1)
			if r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr) || cohort.KindOf(r.err) != tt.wantKind {
				t.Fatalf("Read: %v (kind %v), want %v containing %q", r.err, cohort.KindOf(r.err), tt.wantKind, tt.wantErr)
			}
			var ae *hubspot.APIError
			if errors.As(r.err, &ae) && ae.Policy != tt.wantPolicy {
				t.Errorf("policy %q, want %q", ae.Policy, tt.wantPolicy)
			}
		})
	}
}

// TestNoDateHeader reads from a server that sends no Date: the watermarks
// fall back on the local clock.
func TestNoDateHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = nil
		w.Write([]byte(`{"results":[{"id":"1","properties":{"email":"a@example.com","lastmodifieddate":null,"ltv":12.5}}]}`))
	}))
	defer srv.Close()
	src, err := hubspot.New(hubspot.Config{URL: srv.URL + "/", Token: testToken})
	if err != nil {
		t.Fatal(err)
	}
	r := read(t, src, "", true)
	f := r.records()[0].Fields
	if f["email"] != "a@example.com" || f["ltv"] != "12.5" || f["lastmodifieddate"] != "" {
		t.Errorf("fields %v, want the email, a number read as text, no null", f)
	}
	if w := watermarks(t, r.checkpoint()); w[0].IsZero() {
		t.Errorf("checkpoint %s, want watermarks from the local clock", r.checkpoint())
	}
}

func TestConnectionErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more
	src, err := hubspot.New(hubspot.Config{URL: srv.URL, Token: testToken, RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	r := readFailing(src, "", true, -1)
	if r.err == nil || cohort.KindOf(r.err) != cohort.KindUnavailable || strings.Contains(r.err.Error(), testToken) {
		t.Errorf("Read: %v (kind %v), want an unavailable error without the token", r.err, cohort.KindOf(r.err))
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = src.Read(ctx, "", true, func(crm.Batch) error { return nil })
	if !errors.Is(err, context.Canceled) || cohort.KindOf(err) != cohort.KindOther {
		t.Errorf("Read with a cancelled context: %v (kind %v), want context.Canceled", err, cohort.KindOf(err))
	}
}

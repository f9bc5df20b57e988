package salesforce_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

// leaks fails the test when err's text holds a secret.
func leaks(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, clientSecret, refreshToken) {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds a secret", err)
		}
	}
}

func TestExpiredTokenIsRenewedOnce(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2}})
	s := o.seed()
	src := o.source(o.config())
	var got []cohort.SourceRecord
	err := src.Read(context.Background(), "", false, func(b crm.Batch) error {
		if len(got) == 0 {
			o.ExpireTokens() // the session ends between two batches
		}
		got = append(got, b.Records...)
		return nil
	})
	o.check(err)
	want := []string{"Contact " + s.ann, "Contact " + s.bob, "Contact " + s.cy, "Contact " + s.dan, "Contact " + s.erin}
	if !slices.Equal(refs(got), want) {
		t.Errorf("read %v, want %v", refs(got), want)
	}
	if st := o.Stats(); st.TokensIssued != 2 || st.Responses[http.StatusUnauthorized] != 1 {
		t.Errorf("%d tokens issued, %d 401s; want 2 and 1", st.TokensIssued, st.Responses[http.StatusUnauthorized])
	}
}

func TestTokenRenewedOnlyOnce(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	// An org that refuses every session, however new.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/services/data/") {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`))
			return
		}
		o.ServeHTTP(w, r)
	}))
	t.Cleanup(refusing.Close)
	cfg := o.config()
	cfg.LoginURL = refusing.URL
	_, err := read(o.source(cfg), "", false)
	if err == nil || cohort.KindOf(err) != cohort.KindUnauthorized || !strings.Contains(err.Error(), "INVALID_SESSION_ID") {
		t.Fatalf("got %v, want an unauthorized error naming INVALID_SESSION_ID", err)
	}
	if n := o.Stats().TokensIssued; n != 2 {
		t.Errorf("%d tokens issued, want 2: the first and one renewal", n)
	}
}

func TestStaticAccessToken(t *testing.T) {
	const token = "00DRO0000000001!static-token"
	o := startOrg(t, sandbox.Config{AccessToken: token})
	o.seed()
	cfg := o.config()
	cfg.ClientID, cfg.ClientSecret, cfg.RefreshToken, cfg.LoginURL = "", "", "", ""
	cfg.InstanceURL, cfg.AccessToken = o.URL(), token
	src := o.source(cfg)
	if got := records(o.mustRead(src, "", false)); len(got) != 5 {
		t.Fatalf("read %d records, want 5", len(got))
	}
	o.ExpireTokens()
	_, err := read(src, "", false)
	if err == nil || cohort.KindOf(err) != cohort.KindUnauthorized || !strings.Contains(err.Error(), "401 INVALID_SESSION_ID") ||
		!strings.Contains(err.Error(), "set ClientID, ClientSecret and RefreshToken") {
		t.Fatalf("got %v, want an unauthorized error saying how to renew tokens", err)
	}
	leaks(t, err, token)
}

func TestClientCredentials(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	o.seed()
	cfg := o.config()
	cfg.RefreshToken = ""
	if got := records(o.mustRead(o.source(cfg), "", false)); len(got) != 5 {
		t.Errorf("read %d records, want 5", len(got))
	}
}

func TestTokenRefused(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	for _, tt := range []struct {
		name   string
		change func(*struct{ secret, refresh string })
		want   string
	}{
		{"wrong secret", func(c *struct{ secret, refresh string }) { c.secret = "wrong-" + clientSecret }, "400 invalid_client: invalid client credentials"},
		{"wrong refresh token", func(c *struct{ secret, refresh string }) { c.refresh = "wrong-" + refreshToken }, "400 invalid_grant: expired access/refresh token"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			creds := struct{ secret, refresh string }{clientSecret, refreshToken}
			tt.change(&creds)
			cfg := o.config()
			cfg.ClientSecret, cfg.RefreshToken = creds.secret, creds.refresh
			_, err := read(o.source(cfg), "", false)
			if err == nil || cohort.KindOf(err) != cohort.KindUnauthorized || !strings.Contains(err.Error(), tt.want) ||
				!strings.Contains(err.Error(), "get an access token from "+o.URL()) {
				t.Fatalf("got %v, want an unauthorized error with %q", err, tt.want)
			}
			leaks(t, err, creds.secret, creds.refresh)
		})
	}
}

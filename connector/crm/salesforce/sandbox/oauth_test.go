package sandbox_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

// tokenAnswer is the token endpoint's answer, success or error.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	InstanceURL string `json:"instance_url"`
	ID          string `json:"id"`
	TokenType   string `json:"token_type"`
	IssuedAt    string `json:"issued_at"`
	Signature   string `json:"signature"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func (o *org) token(form url.Values, basicUser, basicPass string) (int, tokenAnswer) {
	o.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, o.URL()+"/services/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		o.t.Fatal(err)
	}
	return resp.StatusCode, a
}

func TestTokenGrants(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {testSecret}, "refresh_token": {testRefresh}}
	with := func(k, val string) url.Values {
		f := url.Values{}
		for key, vs := range refresh {
			f[key] = vs
		}
		f.Set(k, val)
		return f
	}
	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		wantError  string
	}{
		{"refresh token", refresh, "", "", ""},
		{"client credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}, "", "", ""},
		{"client credentials, basic auth", url.Values{"grant_type": {"client_credentials"}}, testClientID, testSecret, ""},
		{"wrong client", with("client_id", "other"), "", "", "invalid_client_id"},
		{"wrong secret", with("client_secret", "other"), "", "", "invalid_client"},
		{"wrong refresh token", with("refresh_token", "other"), "", "", "invalid_grant"},
		{"password grant", with("grant_type", "password"), "", "", "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, a := o.token(tt.form, tt.user, tt.pass)
			if tt.wantError != "" {
				if status != http.StatusBadRequest || a.Error != tt.wantError || a.Description == "" {
					t.Errorf("got %d %q %q, want 400 %s", status, a.Error, a.Description, tt.wantError)
				}
				return
			}
			if status != http.StatusOK || a.AccessToken == "" || a.InstanceURL != o.URL() || a.TokenType != "Bearer" ||
				!strings.HasPrefix(a.ID, o.URL()+"/id/00D") || a.IssuedAt != "1789462800000" || a.Signature == "" {
				t.Fatalf("got %d %+v", status, a)
			}
			req, _ := http.NewRequest(http.MethodGet, a.InstanceURL+queryPath("query", "SELECT Id FROM Account"), nil)
			req.Header.Set("Authorization", "Bearer "+a.AccessToken)
			resp, err := o.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("query with the new token: %d", resp.StatusCode)
			}
		})
	}
	if got := o.Stats().TokensIssued; got != 3 {
		t.Errorf("TokensIssued %d, want 3", got)
	}
}

func TestSessionsExpire(t *testing.T) {
	const invalid = `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]`
	o := startOrg(t, sandbox.Config{})
	path := queryPath("query", "SELECT Id FROM Account")
	o.fetch(path)
	o.ExpireTokens()
	if resp, body := o.get(path); resp.StatusCode != http.StatusUnauthorized || string(body) != invalid {
		t.Errorf("after ExpireTokens: %d %s, want 401 %s", resp.StatusCode, body, invalid)
	}

	o = startOrg(t, sandbox.Config{})
	o.clock.Advance(time.Hour)
	o.fetch(path) // keeps the session alive
	o.clock.Advance(time.Hour + time.Minute)
	o.fetch(path)
	o.clock.Advance(2 * time.Hour)
	if resp, body := o.get(path); resp.StatusCode != http.StatusUnauthorized || string(body) != invalid {
		t.Errorf("after 2 hours unused: %d %s, want 401 %s", resp.StatusCode, body, invalid)
	}
	req, _ := http.NewRequest(http.MethodGet, o.URL()+path, nil)
	resp, err := o.client.Do(req) // no Authorization
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", resp.StatusCode)
	}
}

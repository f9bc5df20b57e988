package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/web"
)

const (
	appIssuer   = "acme.zendesk.com"
	appAudience = "https://acme.zendesk.com/api/v2/apps/installations/"
)

const appSegments = `segments:
  - name: enterprise
    when: customer.plan == "enterprise"
  - name: technical
    when: customer.tech_level == "advanced"
escalations:
  - name: outage
    when: ticket.subject contains "down"
    priority: urgent
`

const appMacros = `
- key: tech_deep_dive
  title: Technical deep dive
  segments: [technical]
  actions: {comment: {body: "Logs please"}}
- key: enterprise_path
  title: Enterprise escalation path
  description: Page the account's engineer
  segments: [enterprise]
  auto: true
  actions: {priority: high}
- key: outage_bridge
  title: Outage bridge
  escalations: [outage]
  actions: {status: open}
`

// appServer serves the app API over a store holding ticket 42's record
// (enterprise, technical; outage) with enterprise_path applied and synced
// to the helpdesk as macro 900.
func appServer(t *testing.T, key *rsa.PrivateKey) *httptest.Server {
	t.Helper()
	return appServerFor(t, web.AppAuth{PublicKey: &key.PublicKey, Issuer: appIssuer, AudiencePrefix: appAudience})
}

// appServerFor is appServer with the app's token rules given.
func appServerFor(t *testing.T, auth web.AppAuth) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	q := newIntake(t, db)
	if _, err := q.Enqueue(ctx, cohort.Delivery{Helpdesk: "zendesk", InvocationID: "i", Ticket: cohort.Ticket{ID: 42, Subject: "Checkout down"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishEnrichment(ctx, cohort.Enrichment{Helpdesk: "zendesk", TicketID: 42, Status: cohort.EnrichmentDone,
		Segments: []string{"enterprise", "technical"}, Escalations: []string{"outage"}, Macros: []string{"enterprise_path"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveOwnedMacro(ctx, cohort.OwnedMacro{Helpdesk: "zendesk", Key: "enterprise_path", MacroID: 900, Active: true}); err != nil {
		t.Fatal(err)
	}
	set, err := rules.Parse("segments.yaml", []byte(appSegments))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := macros.Parse(macros.File{Name: "macros.yaml", Data: []byte(appMacros)})
	if err == nil {
		err = ms.Bind(set)
	}
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{Records: db, AdminToken: "admin-token",
		Macros: macros.NewApplier(func() *macros.Set { return ms }, nil, db, nil),
		App:    auth}))
	t.Cleanup(srv.Close)
	return srv
}

// appToken signs ZAF claims with key; change alters them first.
func appToken(t *testing.T, key *rsa.PrivateKey, method jwt.SigningMethod, change func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{"iss": appIssuer, "aud": appAudience + "360001.json", "exp": time.Now().Add(5 * time.Minute).Unix(),
		"iat": time.Now().Unix(), "context": map[string]any{"product": "support", "location": "ticket_sidebar"}}
	if change != nil {
		change(claims)
	}
	var signWith any = key
	switch method {
	case jwt.SigningMethodHS256:
		signWith = []byte("a shared secret an attacker might try")
	case jwt.SigningMethodNone:
		signWith = jwt.UnsafeAllowNoneSignatureType
	}
	s, err := jwt.NewWithClaims(method, claims).SignedString(signWith)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTicketMacrosForTheApp(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := appServer(t, key)
	get := func(path, bearer string) (int, map[string]any) { return getJSON(t, srv.URL+path, bearer) }

	status, body := get("/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, nil))
	if status != http.StatusOK {
		t.Fatalf("status %d: %v", status, body)
	}
	var keys, reasons []string
	for _, m := range body["macros"].([]any) {
		m := m.(map[string]any)
		keys = append(keys, m["key"].(string))
		reasons = append(reasons, m["reason"].(string))
		if m["key"] == "enterprise_path" && (m["macro_id"] != 900.0 || m["applied"] != true || m["auto"] != true) {
			t.Errorf("enterprise_path = %v", m)
		}
		if m["key"] == "tech_deep_dive" && (m["macro_id"] != 0.0 || m["applied"] != false) {
			t.Errorf("tech_deep_dive = %v", m)
		}
	}
	if strings.Join(keys, ",") != "enterprise_path,tech_deep_dive,outage_bridge" ||
		strings.Join(reasons, ",") != "primary segment enterprise,segment technical,escalation outage" {
		t.Errorf("suggestions %v (%v), want the primary segment's first", keys, reasons)
	}

	for _, tt := range []struct {
		name, path, token string
		status            int
	}{
		{"admin token", "/app/v1/tickets/42/macros", "admin-token", http.StatusOK},
		{"token in the query: APIs take it in the header only", "/app/v1/tickets/42/macros?token=" + appToken(t, key, jwt.SigningMethodRS256, nil), "", http.StatusUnauthorized},
		{"admin token in the query", "/app/v1/tickets/42/macros?token=admin-token", "", http.StatusUnauthorized},
		{"expiry 100 years ahead", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) {
			c["exp"] = time.Now().AddDate(100, 0, 0).Unix()
		}), http.StatusUnauthorized},
		{"expiry 100 years ahead, no iat", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) {
			c["exp"] = time.Now().AddDate(100, 0, 0).Unix()
			delete(c, "iat")
		}), http.StatusUnauthorized},
		{"issued in the future", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() }), http.StatusUnauthorized},
		{"not before the future", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), http.StatusUnauthorized},
		{"a clock a little ahead", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["iat"] = time.Now().Add(30 * time.Second).Unix() }), http.StatusOK},
		{"audience with no installation", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["aud"] = appAudience }), http.StatusUnauthorized},
		{"audience that climbs out", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["aud"] = appAudience + "../../users/1.json" }), http.StatusUnauthorized},
		{"audience with a signed id", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["aud"] = appAudience + "+360001.json" }), http.StatusUnauthorized},
		{"no token", "/app/v1/tickets/42/macros", "", http.StatusUnauthorized},
		{"expired", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), http.StatusUnauthorized},
		{"no expiry", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { delete(c, "exp") }), http.StatusUnauthorized},
		{"another account", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["iss"] = "evil.zendesk.com" }), http.StatusUnauthorized},
		{"another audience", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["aud"] = "https://evil.example/" }), http.StatusUnauthorized},
		{"another key", "/app/v1/tickets/42/macros", appToken(t, otherKey, jwt.SigningMethodRS256, nil), http.StatusUnauthorized},
		{"HS256", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodHS256, nil), http.StatusUnauthorized},
		{"unsigned (alg none)", "/app/v1/tickets/42/macros", appToken(t, key, jwt.SigningMethodNone, nil), http.StatusUnauthorized},
		{"garbage", "/app/v1/tickets/42/macros", "not.a.jwt", http.StatusUnauthorized},
		{"ticket cohort never saw", "/app/v1/tickets/43/macros", "admin-token", http.StatusNotFound},
		{"bad ticket id", "/app/v1/tickets/x/macros", "admin-token", http.StatusBadRequest},
	} {
		if status, body := get(tt.path, tt.token); status != tt.status {
			t.Errorf("%s: status %d (%v), want %d", tt.name, status, body, tt.status)
		}
	}
}

func TestAppTokensOfOneInstallation(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := appServerFor(t, web.AppAuth{PublicKey: &key.PublicKey, Issuer: appIssuer, AudiencePrefix: appAudience, InstallationID: 360001})
	for _, tt := range []struct {
		aud    string
		status int
	}{
		{appAudience + "360001.json", http.StatusOK},
		{appAudience + "360002.json", http.StatusUnauthorized},
		{appAudience + "0360001.json", http.StatusUnauthorized}, // the same number, not the same audience
		{appAudience + "360001.json/", http.StatusUnauthorized},
	} {
		token := appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["aud"] = tt.aud })
		if status, body := getJSON(t, srv.URL+"/app/v1/tickets/42/macros", token); status != tt.status {
			t.Errorf("aud %s: status %d (%v), want %d", tt.aud, status, body, tt.status)
		}
	}
}

func TestTicketMacrosOffWithoutMacros(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	srv := httptest.NewServer(web.New(web.Config{Records: db, AdminToken: "admin-token"}))
	defer srv.Close()
	if status, body := getJSON(t, srv.URL+"/app/v1/tickets/42/macros", "admin-token"); status != http.StatusNotFound {
		t.Errorf("status %d (%v), want 404", status, body)
	}
}

// getAs GETs url with the bearer token (none when ""); the caller closes
// the answer's body.
func getAs(t *testing.T, url, bearer string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// getJSON GETs url with the bearer token (none when "") and returns the
// status and the JSON object answered.
func getJSON(t *testing.T, url, bearer string) (int, map[string]any) {
	t.Helper()
	resp := getAs(t, url, bearer)
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

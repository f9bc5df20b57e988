package web_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/manifests"
	"github.com/cohortdesk/cohort/web"
)

// fakeViews answers for ticket 42 only, and previews echo the requester.
type fakeViews struct{}

func (fakeViews) Ticket(_ context.Context, helpdesk string, id int64) (cohort.SidebarView, error) {
	if id != 42 || helpdesk != "zendesk" {
		return cohort.SidebarView{}, cohort.Errorf("test", cohort.KindNotFound, "no record of ticket %d", id)
	}
	return cohort.SidebarView{TicketID: 42, Segments: []cohort.SidebarRule{{Name: "enterprise", Primary: true}}}, nil
}

func (fakeViews) Preview(_ context.Context, _ string, req cohort.Requester, p cohort.Priority) (cohort.SidebarView, error) {
	if req.Email == "" && req.ExternalID == "" {
		return cohort.SidebarView{}, cohort.Errorf("test", cohort.KindInvalid, "give the requester's email or external_id")
	}
	return cohort.SidebarView{Preview: true, Customer: cohort.SidebarCustomer{Email: req.Email},
		Priority: cohort.SidebarPriority{Before: p.Label()}}, nil
}

func sidebarServer(t *testing.T, key *rsa.PrivateKey) *httptest.Server {
	t.Helper()
	assets, err := fs.Sub(manifests.ZendeskApp, "zendesk-app/assets")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.New(web.Config{Sidebar: fakeViews{}, AppAssets: assets, App: web.AppAuth{
		PublicKey: &key.PublicKey, Issuer: appIssuer, AudiencePrefix: appAudience,
		SessionKey: []byte("session key of the test"), FrameAncestors: []string{"https://acme.zendesk.com"}}}))
	t.Cleanup(srv.Close)
	return srv
}

var sessionMeta = regexp.MustCompile(`<meta name="cohort-session" content="([^"]+)">`)

// openSidebar posts a signed token to the sidebar page as Zendesk does and
// returns the page.
func openSidebar(t *testing.T, srv *httptest.Server, token string) (*http.Response, string) {
	t.Helper()
	res, err := http.PostForm(srv.URL+"/app/v1/sidebar?origin=https%3A%2F%2Facme.zendesk.com&app_guid=g1", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func getWith(t *testing.T, u, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

func TestSidebarPageVerifiesZendeskTokenAndStartsASession(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := sidebarServer(t, key)
	res, page := openSidebar(t, srv, appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["sub"] = "7" }))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", res.StatusCode, page)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors https://acme.zendesk.com") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP %q: want the helpdesk as the only frame ancestor and own scripts only", csp)
	}
	for _, want := range []string{`<base href="assets/">`, `src="zaf_sdk.min.js"`, `src="sidebar.js"`} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	m := sessionMeta.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no session token in the page:\n%s", page)
	}
	status, body := getWith(t, srv.URL+"/app/v1/tickets/42/sidebar", m[1])
	if status != http.StatusOK || body["ticket_id"] != float64(42) {
		t.Fatalf("ticket view with the session: %d %v", status, body)
	}
	// The session outlives Zendesk's five-minute token: it is cohort's own.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(m[1], claims); err != nil {
		t.Fatal(err)
	}
	if exp, _ := claims.GetExpirationTime(); exp == nil || time.Until(exp.Time) < time.Hour {
		t.Errorf("session expires %v: want hours", exp)
	}
	if claims["sub"] != "7" {
		t.Errorf("session sub = %v, want the agent's id 7", claims["sub"])
	}
}

func TestSidebarPageRefusesBadTokens(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := sidebarServer(t, key)
	for name, token := range map[string]string{
		"none":          "",
		"other key":     appToken(t, other, jwt.SigningMethodRS256, nil),
		"expired":       appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"other account": appToken(t, key, jwt.SigningMethodRS256, func(c jwt.MapClaims) { c["iss"] = "evil.zendesk.com" }),
	} {
		res, page := openSidebar(t, srv, token)
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(page, "cohort-session") {
			t.Errorf("%s: status %d, want 401 and no session", name, res.StatusCode)
		}
	}
	res, err := http.Get(srv.URL + "/app/v1/sidebar")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET without a token: %d, want 401", res.StatusCode)
	}
}

func TestSidebarAPIRefusesForgedSessions(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := sidebarServer(t, key)
	sign := func(secret string, change func(jwt.MapClaims)) string {
		c := jwt.MapClaims{"iss": "cohort", "aud": "cohort-sidebar", "exp": time.Now().Add(time.Hour).Unix()}
		if change != nil {
			change(c)
		}
		s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
		return s
	}
	if status, _ := getWith(t, srv.URL+"/app/v1/tickets/42/sidebar", sign("session key of the test", nil)); status != http.StatusOK {
		t.Fatalf("a good session: %d", status)
	}
	for name, token := range map[string]string{
		"no token":    "",
		"other key":   sign("guessed", nil),
		"expired":     sign("session key of the test", func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
		"other aud":   sign("session key of the test", func(c jwt.MapClaims) { c["aud"] = "something-else" }),
		"no exp":      sign("session key of the test", func(c jwt.MapClaims) { delete(c, "exp") }),
		"zaf, forged": appToken(t, key, jwt.SigningMethodHS256, nil),
	} {
		if status, _ := getWith(t, srv.URL+"/app/v1/tickets/42/sidebar", token); status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, status)
		}
	}
}

func TestSidebarViews(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := sidebarServer(t, key)
	zaf := appToken(t, key, jwt.SigningMethodRS256, nil) // Zendesk's own token is taken too
	if status, body := getWith(t, srv.URL+"/app/v1/tickets/43/sidebar", zaf); status != http.StatusNotFound {
		t.Errorf("a ticket not enriched: %d %v, want 404 (the sidebar then previews)", status, body)
	}
	if status, _ := getWith(t, srv.URL+"/app/v1/tickets/x/sidebar", zaf); status != http.StatusBadRequest {
		t.Errorf("ticket id x: %d, want 400", status)
	}
	status, body := getWith(t, srv.URL+"/app/v1/preview?email=ann%40acme.example&priority=high", zaf)
	if status != http.StatusOK || body["preview"] != true || body["customer"].(map[string]any)["email"] != "ann@acme.example" ||
		body["priority"].(map[string]any)["before"] != "high" {
		t.Errorf("preview: %d %v", status, body)
	}
	if status, body := getWith(t, srv.URL+"/app/v1/preview?email=a%40b.example&priority=panic", zaf); status != http.StatusBadRequest ||
		!strings.Contains(body["error"].(string), "priority") {
		t.Errorf("bad priority: %d %v, want 400 naming it", status, body)
	}
	if status, _ := getWith(t, srv.URL+"/app/v1/preview", zaf); status != http.StatusBadRequest {
		t.Errorf("no requester: %d, want 400", status)
	}
}

func TestSidebarAssets(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	srv := sidebarServer(t, key)
	for path, want := range map[string]int{
		"/app/v1/assets/zaf_sdk.min.js": http.StatusOK, "/app/v1/assets/sidebar.js": http.StatusOK,
		"/app/v1/assets/sidebar.css": http.StatusOK, "/app/v1/assets/theme.css": http.StatusOK, "/app/v1/assets/logo.png": http.StatusOK,
		"/app/v1/assets/iframe.html": http.StatusNotFound, "/app/v1/assets/nothing.js": http.StatusNotFound,
		"/app/v1/assets/../manifest.json": http.StatusNotFound,
	} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, want)
		}
		if want == http.StatusOK && (len(body) == 0 || res.Header.Get("X-Content-Type-Options") != "nosniff") {
			t.Errorf("GET %s: %d bytes, nosniff %q", path, len(body), res.Header.Get("X-Content-Type-Options"))
		}
	}
}

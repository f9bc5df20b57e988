package sandbox_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// browse GETs path from srv as a browser would, without a credential,
// and returns the response and its body.
func browse(t *testing.T, srv *sandbox.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(srv.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// match returns the submatches of re in page, failing the test when there
// are none.
func match(t *testing.T, page, re string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no %s:\n%s", re, page)
	}
	return m
}

// jsonScript decodes the JSON of the page's <script type="application/json" id=id>.
func jsonScript(t *testing.T, page, id string) map[string]any {
	t.Helper()
	raw := match(t, page, `<script type="application/json" id="`+id+`">([^<]*)</script>`)[1]
	var v map[string]any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("#%s: %v: %s", id, err, raw)
	}
	return v
}

// ticketWithConversation creates an organization, a requester and
// ticket 1, tagged and high, with a public description and an internal
// note.
func ticketWithConversation(t *testing.T, srv *sandbox.Server) (ticketID int64) {
	t.Helper()
	_, org := adminSend(t, srv, http.MethodPost, "/api/v2/organizations.json", map[string]any{"organization": map[string]any{"name": "Acme", "external_id": "org-1"}})
	_, ann := adminSend(t, srv, http.MethodPost, "/api/v2/users.json", map[string]any{"user": map[string]any{
		"name": "Ann Lee", "email": "ann@acme.example", "external_id": "crm-1", "organization_id": idOf(org["organization"].(map[string]any))}})
	resp, tk := adminSend(t, srv, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
		"subject": "Checkout <down>", "requester_id": idOf(ann["user"].(map[string]any)), "priority": "high", "tags": []string{"outage", "vip"},
		"comment": map[string]any{"body": "Payments fail\nsince 9am"}}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create ticket: %d %v", resp.StatusCode, tk)
	}
	ticketID = idOf(tk["ticket"].(map[string]any))
	if resp, body := adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/tickets/%d.json", ticketID), map[string]any{"ticket": map[string]any{
		"comment": map[string]any{"body": "Looks like the gateway", "public": false}}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("note: %d %v", resp.StatusCode, body)
	}
	return ticketID
}

// TestTicketPage: the page shows the ticket, its tags and its
// conversation (public replies and internal notes told apart, oldest
// first), needs no credential, and loads a signed app by posting its
// token to the app's frame.
func TestTicketPage(t *testing.T) {
	srv := startSandbox(t)
	ticketID := ticketWithConversation(t, srv)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"signedUrls": true,
		"location": map[string]any{"support": map[string]any{"ticket_sidebar": "https://app.example.com/sidebar?v=1"}},
		"parameters": []map[string]any{
			{"name": "limit", "type": "number", "default": 3},
			{"name": "api_key", "type": "text", "secure": true, "scopes": []string{"header"}}}}, ""))
	instID := idOf(install(t, srv, appID, map[string]any{"name": "Signed", "api_key": "s3cret"}))

	resp, page := browse(t, srv, fmt.Sprintf("/agent/tickets/%d", ticketID))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), page)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
	if strings.Contains(page, "<script>") || strings.Contains(page, " onload=") || strings.Contains(page, "style=") {
		t.Error("the page has inline script or style, which its policy refuses")
	}
	match(t, page, `<h1 id="ticket-subject">Checkout &lt;down&gt;</h1>`)
	match(t, page, `<dd id="ticket-priority" data-value="high">high</dd>`)
	match(t, page, `<dd id="ticket-status" data-value="new">new</dd>`)
	match(t, page, `id="ticket-requester" data-user-id="\d+" data-email="ann@acme.example"><span class="name">Ann Lee</span>`)
	match(t, page, `<dd id="ticket-organization" data-organization-id="\d+">Acme</dd>`)
	match(t, page, `<ul id="ticket-tags" class="tags"><li data-tag="outage">outage</li><li data-tag="vip">vip</li></ul>`)
	comments := regexp.MustCompile(`data-public="(true|false)">(?s:.*?)<div class="body">([^<]*)</div>`).FindAllStringSubmatch(page, -1)
	if len(comments) != 2 || comments[0][1] != "true" || comments[0][2] != "Payments fail\nsince 9am" ||
		comments[1][1] != "false" || comments[1][2] != "Looks like the gateway" {
		t.Errorf("comments = %q", comments)
	}
	match(t, page, `<span class="visibility">Internal note</span>`)

	frame := match(t, page, `<iframe class="app-frame" name="(app-frame-\d+)" title="Signed" data-installation-id="(\d+)"\s+data-app-id="(\d+)" data-app-guid="([0-9a-f-]{36})" data-location="ticket_sidebar"></iframe>`)
	if frame[2] != fmt.Sprint(instID) || frame[3] != fmt.Sprint(appID) {
		t.Errorf("frame = %q", frame[0])
	}
	form := match(t, page, `<form class="app-form" method="post" action="([^"]+)" target="([^"]+)" data-installation-id="\d+">\s*<input type="hidden" name="token" value="([^"]+)">`)
	action, err := url.Parse(html.UnescapeString(form[1]))
	if err != nil {
		t.Fatal(err)
	}
	q := action.Query()
	if action.Host != "app.example.com" || action.Path != "/sidebar" || q.Get("v") != "1" || q.Get("origin") != srv.URL() || q.Get("app_guid") != frame[4] || form[2] != frame[1] {
		t.Errorf("the form posts to %s, target %s; want the location with origin %s and app_guid %s, target %s", action, form[2], srv.URL(), frame[4], frame[1])
	}
	claims := verifyToken(t, form[3], publicKey(t, srv, appID))
	admin := adminID(t, adminClient(t, srv))
	if claims["sub"] != fmt.Sprint(admin) || claims["context"].(map[string]any)["location"] != "ticket_sidebar" ||
		claims["aud"] != fmt.Sprintf("https://%s/api/v2/apps/installations/%d.json", strings.TrimPrefix(srv.URL(), "http://"), instID) {
		t.Errorf("token claims = %v", claims)
	}

	data := jsonScript(t, page, "workspace-data")
	apps := data["apps"].([]any)
	if data["location"] != "ticket_sidebar" || data["ticketId"] != float64(ticketID) || len(apps) != 1 {
		t.Fatalf("workspace data = %v", data)
	}
	registry := apps[0].(map[string]any)
	meta := registry["metadata"].(map[string]any)
	if registry["guid"] != frame[4] || registry["origin"] != "https://app.example.com" || meta["name"] != "Signed" ||
		fmt.Sprint(meta["settings"]) != "map[limit:3 name:Signed]" || data["currentUser"].(map[string]any)["role"] != "admin" {
		t.Errorf("app registry = %v; want the settings with the default limit and without the secure key", registry)
	}
	tk := jsonScript(t, page, "ticket-data")["ticket"].(map[string]any)
	requester := tk["requester"].(map[string]any)
	if tk["priority"] != "high" || tk["type"] != nil || requester["email"] != "ann@acme.example" || requester["externalId"] != "crm-1" ||
		tk["organization"].(map[string]any)["externalId"] != "org-1" || tk["description"] != "Payments fail\nsince 9am" {
		t.Errorf("ticket data = %v", tk)
	}

	// The API still wants a credential.
	if resp, _ := browse(t, srv, fmt.Sprintf("/api/v2/tickets/%d.json", ticketID)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API without a credential: %d, want 401", resp.StatusCode)
	}
	if resp, _ := browse(t, srv, "/agent/tickets/999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a page of a ticket that is not there: %d, want 404", resp.StatusCode)
	}
}

// TestTicketPageServesPackagedApps: an app whose location is a file of
// its package loads it from the sandbox by GET, with origin and
// app_guid; a disabled installation is not shown.
func TestTicketPageServesPackagedApps(t *testing.T) {
	srv := startSandbox(t)
	ticketID := ticketWithConversation(t, srv)
	appID := buildApp(t, srv, appPackage(t, nil, ""))
	install(t, srv, appID, nil)
	disabledID := buildApp(t, srv, appPackage(t, nil, ""))
	resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps/installations.json", map[string]any{"app_id": disabledID, "enabled": false})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("install: %d %v", resp.StatusCode, body)
	}

	_, page := browse(t, srv, fmt.Sprintf("/agent/tickets/%d", ticketID))
	if n := strings.Count(page, `<iframe class="app-frame"`); n != 1 {
		t.Errorf("%d app frames, want the enabled installation's only", n)
	}
	src := match(t, page, `data-location="ticket_sidebar" src="([^"]+)"></iframe>`)[1]
	u, err := url.Parse(html.UnescapeString(src))
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != fmt.Sprintf("/agent/apps/%d/assets/iframe.html", appID) || u.Query().Get("origin") != srv.URL() || u.Query().Get("app_guid") == "" {
		t.Errorf("frame src = %s", u)
	}
	if strings.Contains(page, `class="app-form"`) {
		t.Error("an unsigned app is loaded by a form")
	}
	if data := jsonScript(t, page, "workspace-data"); data["apps"].([]any)[0].(map[string]any)["origin"] != "" {
		t.Errorf("a packaged app's origin = %v, want the workspace's own (\"\")", data["apps"])
	}

	for _, tt := range []struct{ file, ctype, body string }{
		{"iframe.html", "text/html", `<script src="app.js">`},
		{"app.js", "text/javascript", `console.log`},
		{"config.json", "application/json", `{"greeting":"hello"}`},
		{"logo.png", "image/png", "\x89PNG"},
	} {
		resp, body := browse(t, srv, fmt.Sprintf("/agent/apps/%d/assets/%s?origin=x", appID, tt.file))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(body, tt.body) {
			t.Errorf("%s: %d %s %.40q", tt.file, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	for _, path := range []string{fmt.Sprintf("/agent/apps/%d/assets/missing.js", appID), fmt.Sprintf("/agent/apps/%d/manifest.json", appID),
		fmt.Sprintf("/agent/apps/%d/assets/iframe.html", appID+1000)} {
		if resp, _ := browse(t, srv, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	for file, ctype := range map[string]string{"workspace.js": "text/javascript", "workspace.css": "text/css"} {
		if resp, body := browse(t, srv, "/agent/"+file); resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), ctype) || len(body) < 100 {
			t.Errorf("%s: %d %s", file, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestMacroFromWorkspace: a macro applied in the workspace saves what
// the apply endpoint shows, as one update with its comment; the pane
// shows the result; another site's page cannot do it.
func TestMacroFromWorkspace(t *testing.T) {
	srv := startSandbox(t)
	ticketID := ticketWithConversation(t, srv)
	_, m := adminSend(t, srv, http.MethodPost, "/api/v2/macros.json", map[string]any{"macro": map[string]any{"title": "Escalate", "actions": []map[string]any{
		{"field": "priority", "value": "urgent"}, {"field": "current_tags", "value": "escalated"}, {"field": "status", "value": "pending"},
		{"field": "comment_value", "value": "Escalated for {{ticket.requester.name}}"}, {"field": "comment_mode_is_public", "value": "false"}}}})
	macroID := idOf(m["macro"].(map[string]any))
	_, preview := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%d/macros/%d/apply.json", ticketID, macroID))
	want := preview["result"].(map[string]any)

	apply := func(header http.Header) (*http.Response, map[string]any) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, fmt.Sprintf("%s/agent/tickets/%d/macros/%d", srv.URL(), ticketID, macroID), nil)
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp, out
	}
	if resp, body := apply(http.Header{"Sec-Fetch-Site": {"cross-site"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site apply: %d %v, want 403", resp.StatusCode, body)
	}
	resp, body := apply(http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("apply: %d %v", resp.StatusCode, body)
	}
	_, saved := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%d.json", ticketID))
	got, wantTicket := saved["ticket"].(map[string]any), want["ticket"].(map[string]any)
	for _, field := range []string{"priority", "status", "tags"} {
		if fmt.Sprint(got[field]) != fmt.Sprint(wantTicket[field]) {
			t.Errorf("%s = %v, want %v as the apply endpoint shows", field, got[field], wantTicket[field])
		}
	}
	_, comments := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%d/comments.json", ticketID))
	list := comments["comments"].([]any)
	last := list[len(list)-1].(map[string]any)
	if len(list) != 3 || last["public"] != false || last["body"] != want["comment"].(map[string]any)["body"] || last["body"] != "Escalated for Ann Lee" {
		t.Errorf("the macro's comment = %v, want %v, internal", last, want["comment"])
	}

	_, pane := browse(t, srv, fmt.Sprintf("/agent/tickets/%d/pane", ticketID))
	match(t, pane, `<dd id="ticket-priority" data-value="urgent">urgent</dd>`)
	match(t, pane, `<li data-tag="escalated">escalated</li>`)
	if data := jsonScript(t, pane, "ticket-data"); data["ticket"].(map[string]any)["status"] != "pending" {
		t.Errorf("the pane's ticket data = %v", data)
	}
	if strings.Contains(pane, "<html") {
		t.Error("the pane is a whole page")
	}

	for path, status := range map[string]int{
		fmt.Sprintf("/agent/tickets/%d/macros/%d", ticketID, macroID+1000): http.StatusNotFound,
		fmt.Sprintf("/agent/tickets/%d/macros/%d", ticketID+1000, macroID): http.StatusNotFound,
	} {
		resp, err := http.Post(srv.URL()+path, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("POST %s: %d, want %d", path, resp.StatusCode, status)
		}
	}
}

// TestNewTicketPage: the new-ticket page takes the requester's email,
// gives its apps the requester of that email, and frames the
// new_ticket_sidebar apps.
func TestNewTicketPage(t *testing.T) {
	srv := startSandbox(t)
	ticketWithConversation(t, srv)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"location": map[string]any{"support": map[string]any{
		"ticket_sidebar": "assets/iframe.html", "new_ticket_sidebar": "assets/iframe.html?new=1"}}}, ""))
	install(t, srv, appID, nil)

	resp, page := browse(t, srv, "/agent/tickets/new?requester="+url.QueryEscape("Ann@acme.example"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("new ticket page: %d\n%s", resp.StatusCode, page)
	}
	match(t, page, `<input id="requester-email" name="requester" type="email"[^>]* value="Ann@acme.example">`)
	src := match(t, page, `data-location="new_ticket_sidebar" src="([^"]+)"`)[1]
	if u, _ := url.Parse(html.UnescapeString(src)); u.Query().Get("new") != "1" || u.Query().Get("origin") != srv.URL() {
		t.Errorf("frame src = %s", src)
	}
	data := jsonScript(t, page, "workspace-data")
	if data["location"] != "new_ticket_sidebar" || data["ticketId"] != nil {
		t.Errorf("workspace data = %v", data)
	}
	tk := jsonScript(t, page, "ticket-data")["ticket"].(map[string]any)
	if tk["id"] != nil || tk["status"] != "new" || tk["requester"].(map[string]any)["name"] != "Ann Lee" || tk["organization"].(map[string]any)["name"] != "Acme" {
		t.Errorf("new ticket data = %v", tk)
	}

	for email, want := range map[string]string{
		"ann@acme.example":      `{"organization":{"id":`,
		"new@elsewhere.example": `{"organization":null,"requester":{"email":"new@elsewhere.example"}}`,
		"":                      `{"organization":null,"requester":null}`,
	} {
		resp, body := browse(t, srv, "/agent/requester?email="+url.QueryEscape(email))
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, want) {
			t.Errorf("requester %q: %d %s, want %s…", email, resp.StatusCode, body, want)
		}
	}
	_, page = browse(t, srv, "/agent/tickets/new")
	if tk := jsonScript(t, page, "ticket-data")["ticket"].(map[string]any); tk["requester"] != nil {
		t.Errorf("a new ticket without a requester has %v", tk["requester"])
	}
}

// cohortApp returns cohort's own Zendesk app (manifests/zendesk-app)
// zipped for a deployment at base, as `cohort app package` makes it.
func cohortApp(t *testing.T, base string) []byte {
	t.Helper()
	p, err := zafapp.Read(os.DirFS("../../../manifests/zendesk-app"), ".")
	if err != nil {
		t.Fatal(err)
	}
	maps.DeleteFunc(p.Files, func(name string, _ []byte) bool { return !zafapp.Belongs(name) })
	if p, err = p.WithURL(base); err != nil {
		t.Fatal(err)
	}
	zipped, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	return zipped
}

// TestCohortAppInWorkspace: cohort's own app builds, installs its
// requirements once only, and its signed sidebar is posted a token on
// the ticket and new-ticket pages.
func TestCohortAppInWorkspace(t *testing.T) {
	srv := startSandbox(t)
	ticketID := ticketWithConversation(t, srv)
	appID := buildApp(t, srv, cohortApp(t, "https://cohort.test"))
	instID := idOf(install(t, srv, appID, map[string]any{"name": "cohort"}))
	_, reqs := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/apps/installations/%d/requirements.json", instID))
	if n := len(reqs["requirements"].([]any)); n != 2 {
		t.Errorf("cohort's requirements made %d records, want its ticket field and its user field: %v", n, reqs)
	}
	if resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps/installations.json", map[string]any{"app_id": appID}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a second installation of cohort: %d %v, want 422", resp.StatusCode, body)
	}
	key := publicKey(t, srv, appID)
	for path, location := range map[string]string{
		fmt.Sprintf("/agent/tickets/%d", ticketID):      "ticket_sidebar",
		"/agent/tickets/new?requester=ann@acme.example": "new_ticket_sidebar",
	} {
		_, page := browse(t, srv, path)
		form := match(t, page, `<form class="app-form" method="post" action="https://cohort.test/app/v1/sidebar\?[^"]+" target="app-frame-\d+" data-installation-id="\d+">\s*<input type="hidden" name="token" value="([^"]+)">`)
		if claims := verifyToken(t, form[1], key); claims["context"].(map[string]any)["location"] != location {
			t.Errorf("%s: token claims %v, want location %s", path, claims, location)
		}
		settings := jsonScript(t, page, "workspace-data")["apps"].([]any)[0].(map[string]any)["metadata"].(map[string]any)["settings"]
		if fmt.Sprint(settings) != "map[max_macros:3 name:cohort show_measures:true]" {
			t.Errorf("%s: settings = %v, want the manifest's defaults", path, settings)
		}
	}
}

package sandbox_test

import (
	"archive/zip"
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"image"
	"image/png"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// appPackage returns the zip of a small app that passes Zendesk's checks
// (appFiles), with requirements, when not "", as its requirements.json.
func appPackage(t *testing.T, manifest map[string]any, requirements string) []byte {
	t.Helper()
	files := appFiles(t, manifest)
	if requirements != "" {
		files["requirements.json"] = []byte(requirements)
	}
	return zipOf(t, files)
}

// appFiles returns the files of a small app that passes Zendesk's checks:
// manifest holds the keys that differ from a private app with a packaged
// ticket_sidebar (assets/iframe.html). Each parameter gets its label.
func appFiles(t *testing.T, manifest map[string]any) map[string][]byte {
	t.Helper()
	m := map[string]any{
		"name":             "Test App",
		"author":           map[string]string{"name": "Tester", "email": "tester@example.com"},
		"defaultLocale":    "en",
		"private":          true,
		"location":         map[string]any{"support": map[string]any{"ticket_sidebar": map[string]any{"url": "assets/iframe.html", "flexible": true}}},
		"version":          "1.0.0",
		"frameworkVersion": "2.0",
	}
	maps.Copy(m, manifest)
	labels := map[string]any{}
	params, _ := m["parameters"].([]map[string]any)
	for _, p := range params {
		labels[p["name"].(string)] = map[string]string{"label": p["name"].(string)}
	}
	return map[string][]byte{
		"manifest.json":         mustJSON(t, m),
		"translations/en.json":  mustJSON(t, map[string]any{"app": map[string]any{"name": m["name"], "parameters": labels}}),
		"assets/logo.png":       pngOf(t, 320),
		"assets/logo-small.png": pngOf(t, 128),
		"assets/iframe.html":    []byte(`<!doctype html><title>app</title><script src="app.js"></script>`),
		"assets/app.js":         []byte(`console.log("app");`),
		"assets/config.json":    []byte(`{"greeting":"hello"}`),
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngOf returns a square PNG side pixels wide.
func pngOf(t *testing.T, side int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, side, side))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipOf zips files at the zip's root.
func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadPackage uploads zipped as POST /api/v2/apps/uploads does it and
// returns the upload's id.
func uploadPackage(t *testing.T, srv *sandbox.Server, zipped []byte) int64 {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("uploaded_data", "app.zip")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(zipped)
	mw.Close()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/api/v2/apps/uploads.json", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth(testEmail+"/token", testToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ID int64 `json:"id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.ID == 0 {
		t.Fatalf("upload: %d %+v %v", resp.StatusCode, out, err)
	}
	return out.ID
}

// pollAppJob polls the app job until it is completed or failed, checking
// that the first poll finds it unfinished, and returns its last status.
func pollAppJob(t *testing.T, srv *sandbox.Server, jobID string) map[string]any {
	t.Helper()
	for i := 0; ; i++ {
		resp, job := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/job_statuses/"+jobID+".json")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("job status: %d %v", resp.StatusCode, job)
		}
		status := job["status"]
		if i == 0 && status != "queued" && status != "working" {
			t.Fatalf("the first poll found the job %v, want it queued or working", job)
		}
		if status == "completed" || status == "failed" {
			return job
		}
		if i > 500 {
			t.Fatalf("the job is still %v", job)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// buildApp uploads zipped, creates an app of it, waits for the build and
// returns the app's id.
func buildApp(t *testing.T, srv *sandbox.Server, zipped []byte) int64 {
	t.Helper()
	upload := uploadPackage(t, srv, zipped)
	resp, started := adminSend(t, srv, http.MethodPost, "/api/v2/apps.json", map[string]any{
		"name": "Test App", "short_description": "For tests", "upload_id": upload})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("create app: %d %v", resp.StatusCode, started)
	}
	job := pollAppJob(t, srv, started["job_id"].(string))
	if job["status"] != "completed" {
		t.Fatalf("build: %v", job)
	}
	return int64(job["app_id"].(float64))
}

// install installs the app with settings and returns the installation.
func install(t *testing.T, srv *sandbox.Server, appID int64, settings map[string]any) map[string]any {
	t.Helper()
	resp, inst := adminSend(t, srv, http.MethodPost, "/api/v2/apps/installations.json", map[string]any{
		"app_id": appID, "settings": settings, "enabled": true})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("install: %d %v", resp.StatusCode, inst)
	}
	return inst
}

func idOf(v map[string]any) int64 {
	return int64(v["id"].(float64))
}

// testRequirements asks for a ticket field and a user field, and a
// webhook, which the sandbox does not create.
const testRequirements = `{
	"ticket_fields": {"segment": {"type": "text", "title": "Segment", "visible_in_portal": false}},
	"user_fields": {"segment": {"type": "text", "key": "app_segment", "title": "Segment"}},
	"webhooks": {"hook": {"name": "Hook", "status": "active", "endpoint": "https://example.com/hook", "http_method": "POST", "request_format": "json"}}
}`

// TestAppBuildInstallUninstall: an uploaded package builds into an app
// after a poll or two; installing it creates its ticket and user fields,
// which uninstalling deletes with their values.
func TestAppBuildInstallUninstall(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"parameters": []map[string]any{
		{"name": "greeting", "type": "text", "default": "hi"},
		{"name": "api_key", "type": "text", "secure": true, "scopes": []string{"header"}}}}, testRequirements))

	_, owned := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/owned.json")
	if apps := owned["apps"].([]any); len(apps) != 1 || idOf(apps[0].(map[string]any)) != appID {
		t.Errorf("owned apps = %v", owned)
	}
	_, shown := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/apps/%d.json", appID))
	if shown["name"] != "Test App" || shown["version"] != "1.0.0" || len(shown["parameters"].([]any)) != 2 {
		t.Errorf("app = %v", shown)
	}

	inst := install(t, srv, appID, map[string]any{"name": "Mine", "api_key": "s3cret"})
	instID := idOf(inst)
	if inst["product"] != "support" || inst["enabled"] != true || inst["settings"].(map[string]any)["name"] != "Mine" {
		t.Errorf("installation = %v", inst)
	}
	if _, ok := inst["settings"].(map[string]any)["api_key"]; ok {
		t.Errorf("the installation shows its secure setting: %v", inst["settings"])
	}
	_, reqs := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/apps/installations/%d/requirements.json", instID))
	list := reqs["requirements"].([]any)
	if len(list) != 2 {
		t.Fatalf("requirements = %v, want the ticket field and the user field", reqs)
	}
	ids := map[string]int64{}
	for _, r := range list {
		r := r.(map[string]any)
		ids[r["requirement_type"].(string)] = int64(r["requirement_id"].(float64))
		if r["identifier"] != "segment" {
			t.Errorf("requirement %v", r)
		}
	}
	ticketField, userField := ids["ticket_fields"], ids["user_fields"]
	if resp, f := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/ticket_fields/%d.json", ticketField)); resp.StatusCode != http.StatusOK ||
		f["ticket_field"].(map[string]any)["title"] != "Segment" {
		t.Errorf("the requirement's ticket field: %d %v", resp.StatusCode, f)
	}
	if resp, f := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/user_fields/%d.json", userField)); resp.StatusCode != http.StatusOK ||
		f["user_field"].(map[string]any)["key"] != "app_segment" {
		t.Errorf("the requirement's user field: %d %v", resp.StatusCode, f)
	}

	// Values in both fields, then uninstall.
	_, tk := adminSend(t, srv, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{
		"subject": "Hi", "comment": map[string]any{"body": "x"}, "custom_fields": []map[string]any{{"id": ticketField, "value": "gold"}}}})
	ticketID := idOf(tk["ticket"].(map[string]any))
	_, u := adminSend(t, srv, http.MethodPost, "/api/v2/users.json", map[string]any{"user": map[string]any{
		"name": "Ann", "email": "ann@example.com", "user_fields": map[string]any{"app_segment": "gold", "other": "kept"}}})
	userID := idOf(u["user"].(map[string]any))
	if resp, body := adminSend(t, srv, http.MethodDelete, fmt.Sprintf("/api/v2/apps/installations/%d.json", instID), nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("uninstall: %d %v", resp.StatusCode, body)
	}
	for _, path := range []string{fmt.Sprintf("/api/v2/ticket_fields/%d.json", ticketField), fmt.Sprintf("/api/v2/user_fields/%d.json", userField),
		fmt.Sprintf("/api/v2/apps/installations/%d.json", instID)} {
		if resp, _ := adminRequest(t, srv, http.MethodGet, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after uninstalling: %d, want 404", path, resp.StatusCode)
		}
	}
	_, tk = adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%d.json", ticketID))
	for _, f := range tk["ticket"].(map[string]any)["custom_fields"].([]any) {
		if int64(f.(map[string]any)["id"].(float64)) == ticketField {
			t.Errorf("the ticket keeps the deleted field: %v", f)
		}
	}
	_, u = adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/users/%d.json", userID))
	if fields := u["user"].(map[string]any)["user_fields"].(map[string]any); fields["other"] != "kept" || fields["app_segment"] != nil {
		t.Errorf("the user's fields after uninstalling = %v, want app_segment gone and other kept", fields)
	}
	if _, owned := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/owned.json"); len(owned["apps"].([]any)) != 1 {
		t.Errorf("uninstalling removed the app: %v", owned)
	}
}

// TestAppBuildFailsOnABadPackage: a build of an upload that is not a
// valid package fails, saying why.
func TestAppBuildFailsOnABadPackage(t *testing.T) {
	srv := startSandbox(t)
	for name, tt := range map[string]struct {
		upload []byte
		want   string
	}{
		"not a zip":        {[]byte("hello"), "not an app package"},
		"no manifest":      {zipOf(t, map[string][]byte{"assets/iframe.html": []byte("x")}), "manifest.json"},
		"missing location": {appPackage(t, map[string]any{"location": map[string]any{"support": map[string]any{"ticket_sidebar": "assets/missing.html"}}}, ""), "assets/missing.html"},
	} {
		t.Run(name, func(t *testing.T) {
			upload := uploadPackage(t, srv, tt.upload)
			resp, started := adminSend(t, srv, http.MethodPost, "/api/v2/apps.json", map[string]any{"name": "Bad", "upload_id": fmt.Sprint(upload)})
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("create app: %d %v", resp.StatusCode, started)
			}
			job := pollAppJob(t, srv, started["job_id"].(string))
			if job["status"] != "failed" || !strings.Contains(fmt.Sprint(job["message"]), tt.want) || job["app_id"] != nil {
				t.Errorf("job = %v, want failed saying %q", job, tt.want)
			}
		})
	}
	if resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps.json", map[string]any{"name": "None", "upload_id": 42}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an unknown upload: %d %v, want 422", resp.StatusCode, body)
	}
}

// TestInstallRefusals: an app that is not there, a required setting
// without a value or default, and a second installation of a
// singleInstall app are refused with 422, creating nothing.
func TestInstallRefusals(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"singleInstall": true, "parameters": []map[string]any{
		{"name": "token", "type": "text", "required": true, "secure": true, "scopes": []string{"header"}},
		{"name": "mode", "type": "text", "required": true, "default": "fast"}}}, testRequirements))
	fields := func() int {
		_, list := adminRequest(t, srv, http.MethodGet, "/api/v2/ticket_fields.json")
		return len(list["ticket_fields"].([]any))
	}
	before := fields()
	for _, tt := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"unknown app", map[string]any{"app_id": appID + 1000}, "not found"},
		{"required setting", map[string]any{"app_id": appID, "settings": map[string]any{"name": "x"}}, "token is required"},
	} {
		resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps/installations.json", tt.body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), tt.want) {
			t.Errorf("%s: %d %v, want 422 saying %q", tt.name, resp.StatusCode, body, tt.want)
		}
	}
	install(t, srv, appID, map[string]any{"token": "t"}) // mode has a default
	resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps/installations.json", map[string]any{"app_id": fmt.Sprint(appID), "settings": map[string]any{"token": "t"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(body), "singleInstall") {
		t.Errorf("a second installation: %d %v, want 422 naming singleInstall", resp.StatusCode, body)
	}
	if got := fields(); got != before+1 {
		t.Errorf("ticket fields: %d, want %d (one installation's)", got, before+1)
	}
}

// TestInstallationUpdateAndAppDelete: an update merges settings and
// checks them; deleting the app uninstalls it.
func TestInstallationUpdateAndAppDelete(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"parameters": []map[string]any{
		{"name": "mode", "type": "text", "required": true}}}, testRequirements))
	inst := install(t, srv, appID, map[string]any{"mode": "slow"})
	path := fmt.Sprintf("/api/v2/apps/installations/%d.json", idOf(inst))
	resp, updated := adminSend(t, srv, http.MethodPut, path, map[string]any{"settings": map[string]any{"name": "Renamed"}, "enabled": false})
	if settings := updated["settings"].(map[string]any); resp.StatusCode != http.StatusOK || settings["mode"] != "slow" || settings["name"] != "Renamed" || updated["enabled"] != false {
		t.Errorf("update: %d %v", resp.StatusCode, updated)
	}
	if resp, body := adminSend(t, srv, http.MethodPut, path, map[string]any{"settings": map[string]any{"mode": ""}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("blanking a required setting: %d %v, want 422", resp.StatusCode, body)
	}
	_, list := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/installations.json")
	if got := list["installations"].([]any); len(got) != 1 {
		t.Fatalf("installations = %v", list)
	}
	_, reqs := adminRequest(t, srv, http.MethodGet, strings.TrimSuffix(path, ".json")+"/requirements.json")
	field := int64(reqs["requirements"].([]any)[0].(map[string]any)["requirement_id"].(float64))
	if resp, body := adminRequest(t, srv, http.MethodDelete, fmt.Sprintf("/api/v2/apps/%d.json", appID)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete app: %d %v", resp.StatusCode, body)
	}
	for _, p := range []string{path, fmt.Sprintf("/api/v2/apps/%d.json", appID), fmt.Sprintf("/api/v2/ticket_fields/%d.json", field)} {
		if resp, _ := adminRequest(t, srv, http.MethodGet, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after deleting the app: %d, want 404", p, resp.StatusCode)
		}
	}
}

// publicKey returns the app's public key from GET
// /api/v2/apps/{id}/public_key, checking the .pem form gives the same.
func publicKey(t *testing.T, srv *sandbox.Server, appID int64) *rsa.PublicKey {
	t.Helper()
	var pems []string
	for _, suffix := range []string{"public_key", "public_key.json", "public_key.pem"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, fmt.Sprintf("%s/api/v2/apps/%d/%s", srv.URL(), appID, suffix), nil)
		req.SetBasicAuth(testEmail+"/token", testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("GET %s: %d %s %s", suffix, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		pems = append(pems, string(body))
	}
	if pems[0] != pems[1] || pems[0] != pems[2] {
		t.Errorf("the public key endpoints differ:\n%s", strings.Join(pems, "\n"))
	}
	block, _ := pem.Decode([]byte(pems[0]))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("not a PEM public key: %s", pems[0])
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PublicKey)
}

// verifyToken checks token's RS256 signature with key and returns its
// claims.
func verifyToken(t *testing.T, token string, key *rsa.PublicKey) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	dec := base64.RawURLEncoding
	header, _ := dec.DecodeString(parts[0])
	payload, _ := dec.DecodeString(parts[1])
	sig, _ := dec.DecodeString(parts[2])
	if string(header) != `{"alg":"RS256","typ":"JWT"}` {
		t.Errorf("header = %s", header)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("the token does not verify with the app's public key: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// TestSignAppToken: the token verifies with the PEM of the public_key
// endpoint and carries the claims cohort checks.
func TestSignAppToken(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"signedUrls": true,
		"location": map[string]any{"support": map[string]any{"ticket_sidebar": "https://app.example.com/sidebar"}}}, ""))
	instID := idOf(install(t, srv, appID, nil))
	admin := adminID(t, adminClient(t, srv))
	token, err := srv.SignAppToken(instID, "ticket_sidebar", admin)
	if err != nil {
		t.Fatal(err)
	}
	claims := verifyToken(t, token, publicKey(t, srv, appID))
	host := strings.TrimPrefix(srv.URL(), "http://")
	now := float64(testNow.Unix())
	want := map[string]any{
		"iss": host, "aud": fmt.Sprintf("https://%s/api/v2/apps/installations/%d.json", host, instID),
		"iat": now, "nbf": now, "exp": now + 300, "sub": fmt.Sprint(admin),
		"context": map[string]any{"product": "support", "location": "ticket_sidebar"},
	}
	if fmt.Sprint(claims) != fmt.Sprint(want) {
		t.Errorf("claims = %v\nwant     %v", claims, want)
	}
	for _, tt := range []struct {
		inst, user int64
		want       string
	}{{instID + 1000, admin, "no installation"}, {instID, admin + 1000, "no user"}} {
		if _, err := srv.SignAppToken(tt.inst, "ticket_sidebar", tt.user); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SignAppToken(%d, %d): %v, want %q", tt.inst, tt.user, err, tt.want)
		}
	}
}

// TestAppUpdateKeepsKeyAndInstallations: a rebuild from a new upload
// changes the package and keeps the key and the installations.
func TestAppUpdateKeepsKeyAndInstallations(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, nil, ""))
	key := publicKey(t, srv, appID)
	instID := idOf(install(t, srv, appID, nil))
	upload := uploadPackage(t, srv, appPackage(t, map[string]any{"version": "2.0.0"}, ""))
	resp, started := adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/apps/%d.json", appID), map[string]any{"upload_id": upload})
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("update: %d %v", resp.StatusCode, started)
	}
	if job := pollAppJob(t, srv, started["job_id"].(string)); job["status"] != "completed" || int64(job["app_id"].(float64)) != appID {
		t.Fatalf("rebuild: %v", job)
	}
	if _, app := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/apps/%d.json", appID)); app["version"] != "2.0.0" || app["installation_count"] != 1.0 {
		t.Errorf("app after the update = %v", app)
	}
	if !key.Equal(publicKey(t, srv, appID)) {
		t.Error("the update changed the app's key")
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/apps/installations/%d.json", instID)); resp.StatusCode != http.StatusOK {
		t.Errorf("the installation after the update: %d", resp.StatusCode)
	}
	if resp, _ := adminSend(t, srv, http.MethodPut, fmt.Sprintf("/api/v2/apps/%d.json", appID+1000), map[string]any{"upload_id": upload}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("updating an app that is not there: %d, want 404", resp.StatusCode)
	}
}

// TestFieldUpdateAndDelete: ticket and user fields change in place, keep
// their key and type, and a deleted field takes its values with it; a
// system field stays.
func TestFieldUpdateAndDelete(t *testing.T) {
	srv := startSandbox(t)
	_, tf := adminSend(t, srv, http.MethodPost, "/api/v2/ticket_fields.json", map[string]any{"ticket_field": map[string]any{
		"type": "tagger", "title": "Tier", "custom_field_options": []map[string]any{{"name": "Gold", "value": "gold"}, {"name": "Silver", "value": "silver"}}}})
	ticketField := tf["ticket_field"].(map[string]any)
	goldID := ticketField["custom_field_options"].([]any)[0].(map[string]any)["id"]
	path := fmt.Sprintf("/api/v2/ticket_fields/%d.json", idOf(ticketField))
	resp, updated := adminSend(t, srv, http.MethodPut, path, map[string]any{"ticket_field": map[string]any{
		"title": "Customer tier", "custom_field_options": []map[string]any{{"name": "Bronze", "value": "bronze"}, {"name": "Gold!", "value": "gold"}}}})
	options := updated["ticket_field"].(map[string]any)["custom_field_options"].([]any)
	if resp.StatusCode != http.StatusOK || updated["ticket_field"].(map[string]any)["title"] != "Customer tier" || len(options) != 2 ||
		options[1].(map[string]any)["id"] != goldID || options[1].(map[string]any)["name"] != "Gold!" {
		t.Errorf("update: %d %v", resp.StatusCode, updated)
	}

	_, uf := adminSend(t, srv, http.MethodPost, "/api/v2/user_fields.json", map[string]any{"user_field": map[string]any{"type": "text", "key": "plan", "title": "Plan"}})
	userPath := fmt.Sprintf("/api/v2/user_fields/%d.json", idOf(uf["user_field"].(map[string]any)))
	for _, tt := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"user_field": map[string]any{"key": "plan", "description": "The plan"}}, http.StatusOK},
		{map[string]any{"user_field": map[string]any{"key": "tier"}}, http.StatusUnprocessableEntity},
		{map[string]any{"user_field": map[string]any{"type": "integer"}}, http.StatusUnprocessableEntity},
		{map[string]any{"user_field": map[string]any{"title": ""}}, http.StatusUnprocessableEntity},
		{map[string]any{"ticket_field": map[string]any{"title": "x"}}, http.StatusBadRequest},
	} {
		if resp, body := adminSend(t, srv, http.MethodPut, userPath, tt.body); resp.StatusCode != tt.want {
			t.Errorf("PUT %v: %d %v, want %d", tt.body, resp.StatusCode, body, tt.want)
		}
	}
	if _, shown := adminRequest(t, srv, http.MethodGet, userPath); shown["user_field"].(map[string]any)["description"] != "The plan" {
		t.Errorf("user field = %v", shown)
	}

	_, system := adminRequest(t, srv, http.MethodGet, "/api/v2/ticket_fields.json")
	subject := system["ticket_fields"].([]any)[0].(map[string]any)
	if resp, body := adminRequest(t, srv, http.MethodDelete, fmt.Sprintf("/api/v2/ticket_fields/%d.json", idOf(subject))); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("deleting the system field %v: %d %v, want 422", subject["title"], resp.StatusCode, body)
	}
	for _, p := range []string{path, userPath} {
		if resp, _ := adminRequest(t, srv, http.MethodDelete, p); resp.StatusCode != http.StatusNoContent {
			t.Errorf("DELETE %s: %d", p, resp.StatusCode)
		}
		if resp, _ := adminRequest(t, srv, http.MethodDelete, p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("DELETE %s again: %d, want 404", p, resp.StatusCode)
		}
	}
}

// TestStateKeepsApps: apps, their keys and installations go through a
// State document and come back the same; uploads not built do not.
func TestStateKeepsApps(t *testing.T) {
	srv := startSandbox(t)
	appID := buildApp(t, srv, appPackage(t, map[string]any{"parameters": []map[string]any{{"name": "limit", "type": "number", "default": 3}}}, testRequirements))
	instID := idOf(install(t, srv, appID, map[string]any{"limit": 5}))
	uploadPackage(t, srv, []byte("not built"))

	data, err := json.Marshal(srv.State())
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := sandbox.ParseState(data)
	if err != nil {
		t.Fatal(err)
	}
	again := startSandbox(t)
	if err := again.Restore(parsed); err != nil {
		t.Fatal(err)
	}
	reread, _ := json.Marshal(again.State())
	if string(reread) != string(data) {
		t.Errorf("the account changed on its way through a document:\nbefore %s\nafter  %s", data, reread)
	}
	if !publicKey(t, srv, appID).Equal(publicKey(t, again, appID)) {
		t.Error("the restored app has another key")
	}
	_, inst := adminRequest(t, again, http.MethodGet, fmt.Sprintf("/api/v2/apps/installations/%d.json", instID))
	if inst["settings"].(map[string]any)["limit"] != 5.0 {
		t.Errorf("restored installation = %v", inst)
	}
	if resp, _ := adminSend(t, again, http.MethodPost, "/api/v2/apps.json", map[string]any{"name": "x", "upload_id": appID + 3}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an upload survived the restore: %d", resp.StatusCode)
	}
}

// TestRestoreChecksApps: an app whose package does not pass, an
// installation of an app that is not there, a second installation of a
// singleInstall app and ids taken twice stop the load.
func TestRestoreChecksApps(t *testing.T) {
	srv := startSandbox(t)
	good := base64.StdEncoding.EncodeToString(appPackage(t, nil, ""))
	single := base64.StdEncoding.EncodeToString(appPackage(t, map[string]any{"singleInstall": true}, ""))
	for _, tt := range []struct{ doc, want string }{
		{`{"version":1,"apps":[{"name":"A","package":"` + base64.StdEncoding.EncodeToString([]byte("zip?")) + `"}]}`, "apps[0] (A): package: "},
		{`{"version":1,"apps":[{"name":"A","package":"` + base64.StdEncoding.EncodeToString(zipOf(t, map[string][]byte{"assets/x.html": nil})) + `"}]}`, "apps[0] (A): package: manifest.json"},
		{`{"version":1,"apps":[{"name":"A","package":"` + good + `","private_key":"nope"}]}`, "apps[0] (A): private_key: "},
		{`{"version":1,"installations":[{"app_id":7}]}`, "installations[0]: app_id 7 is not an app"},
		{`{"version":1,"apps":[{"id":7,"name":"A","package":"` + single + `"}],"installations":[{"app_id":7},{"app_id":7}]}`, "installations[1] (A): the app can be installed once only"},
		{`{"version":1,"apps":[{"id":7,"name":"A","package":"` + good + `"}],"installations":[{"id":7,"app_id":7}]}`, "installations[0] (A): id 7 is also apps[0] (A)'s"},
		{`{"version":1,"apps":[{"id":-7,"name":"A","package":"` + good + `"}]}`, "id -7 is not an id"},
		{`{"version":1,"apps":[{"id":7,"name":"A","package":"` + good + `"}],"installations":[{"app_id":7,"requirements":[{"identifier":"x","requirement_type":"webhooks","requirement_id":9}]}]}`, `requirement_type "webhooks"`},
	} {
		st, err := sandbox.ParseState([]byte(tt.doc))
		if err == nil {
			err = srv.Restore(st)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%.120s: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
	// A hand-written app without a key gets one.
	st, err := sandbox.ParseState([]byte(`{"version":1,"apps":[{"id":7,"name":"A","package":"` + good + `"}],"installations":[{"app_id":7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Restore(st); err != nil {
		t.Fatal(err)
	}
	publicKey(t, srv, 7)
	if _, list := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/installations.json"); len(list["installations"].([]any)) != 1 {
		t.Errorf("installations = %v", list)
	}
}

// TestAppUploadRefusals: an upload without the file field is a 400, and
// the apps API needs a credential like the rest.
func TestAppUploadRefusals(t *testing.T) {
	srv := startSandbox(t)
	if resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/apps/uploads.json", map[string]any{"x": 1}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an upload without uploaded_data: %d %v", resp.StatusCode, body)
	}
	resp, err := http.Get(srv.URL() + "/api/v2/apps/owned.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the apps API without a credential: %d, want 401", resp.StatusCode)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/job_statuses/nope.json"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown job: %d, want 404", resp.StatusCode)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/apps/1/private_key"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /apps/1/private_key: %d, want 404", resp.StatusCode)
	}
}

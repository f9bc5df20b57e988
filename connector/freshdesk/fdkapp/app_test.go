package fdkapp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/freshdesk/fdkapp"
)

// The repository's apps.
var (
	appDir        = filepath.Join("..", "..", "..", "manifests", "freshdesk-app")
	zendeskAssets = filepath.Join("..", "..", "..", "manifests", "zendesk-app", "assets")
)

func readApp(t *testing.T) *fdkapp.Package {
	t.Helper()
	p, err := fdkapp.Read(os.DirFS(appDir), ".")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCohortApp: cohort's own Freshdesk app passes Check with no problem
// at all, warnings included.
func TestCohortApp(t *testing.T) {
	if problems := readApp(t).Check(); len(problems) > 0 {
		t.Fatalf("manifests/freshdesk-app:\n%s", lines(problems))
	}
}

// TestSharedSidebar: the Freshdesk app runs the Zendesk app's sidebar.js
// and sidebar.css, byte for byte (each app's theme.css holds its colours).
// The Zendesk app's copies are the ones to edit; the Freshdesk app cannot
// load a file from outside its folder once packed, so it keeps copies,
// and this test keeps them true.
func TestSharedSidebar(t *testing.T) {
	app := readApp(t)
	for zendesk, freshdesk := range map[string]string{"sidebar.js": "app/scripts/sidebar.js", "sidebar.css": "app/styles/sidebar.css"} {
		want, err := os.ReadFile(filepath.Join(zendeskAssets, zendesk))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(app.Files[freshdesk], want) {
			t.Errorf("manifests/freshdesk-app/%s differs from manifests/zendesk-app/assets/%s, the one to edit: "+
				"cp manifests/zendesk-app/assets/%s manifests/freshdesk-app/%s", freshdesk, zendesk, zendesk, freshdesk)
		}
	}
}

// TestCohortAppTemplates: the app's request templates call cohort's
// sidebar API as web/ serves it: the ticket's view and the preview, for
// the Freshdesk helpdesk, over https, with cohort's token as a bearer
// token from the secure iparam; and the sidebar script invokes each one by
// name with the context the template reads.
func TestCohortAppTemplates(t *testing.T) {
	p := readApp(t)
	var requests map[string]struct {
		Schema struct {
			Method, Protocol, Host, Path string
			Headers, Query               map[string]string
		}
	}
	if err := json.Unmarshal(p.Files["config/requests.json"], &requests); err != nil {
		t.Fatal(err)
	}
	var iparams map[string]struct {
		Type     string
		Required bool
		Secure   bool
	}
	if err := json.Unmarshal(p.Files["config/iparams.json"], &iparams); err != nil {
		t.Fatal(err)
	}
	if h, tok := iparams["cohort_host"], iparams["cohort_token"]; h.Type != "text" || !h.Required || h.Secure || tok.Type != "text" || !tok.Required || !tok.Secure {
		t.Errorf("iparams: cohort_host %+v, cohort_token %+v; want a required text, and a required secure text", h, tok)
	}
	for name, path := range map[string]string{
		"cohortTicketSidebar": "/app/v1/tickets/<%= context.ticket_id %>/sidebar",
		"cohortPreview":       "/app/v1/preview",
	} {
		s := requests[name].Schema
		if s.Method != "GET" || s.Protocol != "https" || s.Host != "<%= iparam.cohort_host %>" || s.Path != path {
			t.Errorf("%s: %s %s://%s%s, want GET https://<%%= iparam.cohort_host %%>%s", name, s.Method, s.Protocol, s.Host, s.Path, path)
		}
		if s.Headers["Authorization"] != "Bearer <%= iparam.cohort_token %>" || s.Query["helpdesk"] != "freshdesk" {
			t.Errorf("%s: headers %v, query %v: want cohort's token as a bearer token and helpdesk=freshdesk", name, s.Headers, s.Query)
		}
	}
	if q := requests["cohortPreview"].Schema.Query; q["email"] != "<%= context.email %>" || q["priority"] != "<%= context.priority %>" {
		t.Errorf("cohortPreview: query %v: want the email and priority from context", q)
	}
	script := string(p.Files["app/scripts/sidebar.js"])
	for _, want := range []string{`'cohortTicketSidebar', { ticket_id:`, `'cohortPreview', context`, `context = { email: who.email, priority:`} {
		if !strings.Contains(script, want) {
			t.Errorf("sidebar.js lacks %q", want)
		}
	}
	page := string(p.Files["app/index.html"])
	if !regexp.MustCompile(`(?s)<script src="\{\{\{appclient\}\}\}"></script>\s*<script src="scripts/sidebar.js"></script>`).MatchString(page) {
		t.Errorf("app/index.html loads the app client and then the sidebar? got:\n%s", page)
	}
}

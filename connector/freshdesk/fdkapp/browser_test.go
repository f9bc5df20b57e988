package fdkapp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cohortdesk/cohort/internal/browser"
)

// This file's test runs cohort's Freshdesk app in Chromium. The package
// itself imports only the standard library; its tests may use the
// repository's browser helper.

// fakeAppClient stands in for the script the FDK serves at {{{appclient}}}:
// window.app, whose initialized() gives a client with the data, iparams,
// events, instance and request interfaces the sidebar uses, answering each
// request template from answers (template name → {status, body}). It
// records the templates invoked, with their context, in window.invoked.
const fakeAppClient = `
window.invoked = [];
var answers = ANSWERS;
var client = {
  iparams: { get: function () { return Promise.resolve({ show_measures: true, max_macros: '2' }); } },
  data: { get: function (what) {
    if (what === 'ticket') { return Promise.resolve({ ticket: { id: 41, priority: 2, subject: 'Export fails' } }); }
    if (what === 'requester') { return Promise.resolve({ requester: { id: 7, email: 'ana@example.com', name: 'Ana Lima' } }); }
    return Promise.reject({ message: 'no ' + what });
  } },
  events: { on: function (name, fn) { window.onActivated = fn; } },
  instance: { resize: function (size) { window.resizedTo = size.height; return Promise.resolve(); } },
  request: { invokeTemplate: function (name, opts) {
    window.invoked.push({ name: name, context: opts.context });
    var a = answers[name] || { status: 404, body: {} };
    var res = { status: a.status, headers: {}, response: JSON.stringify(a.body) };
    return a.status < 300 ? Promise.resolve(res) : Promise.reject(res);
  } }
};
window.app = { initialized: function () { return Promise.resolve(client); } };
`

// sidebarView is a view as GET /app/v1/tickets/:id/sidebar returns it.
var sidebarView = map[string]any{
	"ticket_id": 41, "preview": false, "status": "done",
	"segments": []any{
		map[string]any{"name": "enterprise", "description": "Accounts on the enterprise plan.", "rule": `customer.plan == "enterprise"`, "priority": "high", "primary": true},
		map[string]any{"name": "technical", "description": "Developers.", "rule": `customer.tech_level == "high"`, "priority": ""},
	},
	"escalations": []any{},
	"priority":    map[string]any{"before": "normal", "after": "high", "raised": true, "why": "enterprise asks for high"},
	"customer": map[string]any{"known": true, "matched_by": "email", "name": "Ana Lima", "email": "ana@example.com",
		"facts": []any{map[string]any{"field": "plan", "label": "Plan", "value": "enterprise", "source": "csv"}}},
	"measures": map[string]any{"from": "2026-11-01", "to": "2026-11-30",
		"segment": map[string]any{"segment": "enterprise", "tickets": 12, "csat": 0.9, "first_reply_minutes_p50": 42},
		"all":     map[string]any{"tickets": 80, "csat": 0.8, "first_reply_minutes_p50": 95}},
	"macros": []any{
		map[string]any{"key": "enterprise_welcome", "title": "Enterprise welcome", "macro_id": 9001, "reason": "enterprise"},
		map[string]any{"key": "technical_deep_dive", "title": "Technical deep dive", "macro_id": 9002, "reason": "technical"},
		map[string]any{"key": "third", "title": "Third", "macro_id": 9003},
	},
}

// serveApp serves the app's folder app/ as Freshworks frames it: its
// {{{appclient}}} replaced by the fake client answering with answers.
func serveApp(t *testing.T, answers map[string]any) string {
	t.Helper()
	client := strings.Replace(fakeAppClient, "ANSWERS", string(jsonOf(t, answers)), 1)
	files := os.DirFS(path.Join(appDir, "app"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/appclient.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte(client))
		case "/index.html":
			page, err := os.ReadFile(path.Join(appDir, "app", "index.html"))
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(strings.ReplaceAll(string(page), "{{{appclient}}}", "/appclient.js")))
		default:
			http.FileServerFS(files).ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/index.html"
}

// TestAgentSeesTheFreshdeskSidebar is what an agent sees in Freshdesk's
// ticket sidebar, in Chromium, with the FDK's client faked: the ticket's
// view through the cohortTicketSidebar template; a preview through
// cohortPreview when cohort has not enriched the ticket; and what a
// refused token means.
func TestAgentSeesTheFreshdeskSidebar(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	ctx := browser.New(t, time.Minute)

	t.Run("an enriched ticket", func(t *testing.T) {
		open(t, ctx, serveApp(t, map[string]any{"cohortTicketSidebar": map[string]any{"status": 200, "body": sidebarView}}))
		for sel, want := range map[string][]string{
			"#cohort-segments": {"enterprise", "primary", "Accounts on the enterprise plan.", `Because customer.plan == "enterprise"`, "technical"},
			"#cohort-priority": {"normal → high"},
			"#cohort-customer": {"Ana Lima", "matched by email"},
			".facts":           {"Plan", "enterprise", "csv"},
			"#cohort-measures": {"CSAT", "90%", "80%", "All customers"},
			"#cohort-macros":   {"Enterprise welcome", "Technical deep dive"},
		} {
			text := textOf(t, ctx, sel)
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("%s lacks %q:\n%s", sel, w, text)
				}
			}
		}
		if text := textOf(t, ctx, "#cohort-macros"); strings.Contains(text, "Third") {
			t.Errorf("max_macros 2 shows a third macro:\n%s", text)
		}
		if n := evaluate[int](t, ctx, `document.querySelectorAll("button.apply").length`); n != 0 {
			t.Errorf("%d Apply buttons: Freshdesk's agents insert canned responses themselves", n)
		}
		if hint := textOf(t, ctx, "main"); !strings.Contains(hint, `canned responses in the folder "cohort"`) {
			t.Errorf("no hint where the macros are:\n%s", hint)
		}
		invoked := evaluate[string](t, ctx, `JSON.stringify(window.invoked)`)
		if invoked != `[{"name":"cohortTicketSidebar","context":{"ticket_id":"41"}}]` {
			t.Errorf("templates invoked: %s", invoked)
		}
		if h := evaluate[string](t, ctx, `window.resizedTo || ""`); !strings.HasSuffix(h, "px") {
			t.Errorf("the frame was not resized (%q)", h)
		}
	})

	t.Run("a ticket not enriched yet", func(t *testing.T) {
		preview := map[string]any{}
		for k, v := range sidebarView {
			preview[k] = v
		}
		preview["preview"], preview["ticket_id"] = true, 0
		open(t, ctx, serveApp(t, map[string]any{
			"cohortTicketSidebar": map[string]any{"status": 404, "body": map[string]any{"error": "no enrichment"}},
			"cohortPreview":       map[string]any{"status": 200, "body": preview},
		}))
		if text := textOf(t, ctx, ".notice"); !strings.Contains(text, "cohort has not enriched this ticket yet") {
			t.Errorf("notice %q", text)
		}
		invoked := evaluate[string](t, ctx, `JSON.stringify(window.invoked)`)
		var calls []struct {
			Name    string
			Context map[string]string
		}
		if err := json.Unmarshal([]byte(invoked), &calls); err != nil || len(calls) != 2 || calls[1].Name != "cohortPreview" ||
			calls[1].Context["email"] != "ana@example.com" || calls[1].Context["priority"] != "normal" {
			t.Errorf("templates invoked: %s; want the preview for ana@example.com at normal (Freshdesk's 2, medium)", invoked)
		}
	})

	t.Run("a refused token", func(t *testing.T) {
		open(t, ctx, serveApp(t, map[string]any{"cohortTicketSidebar": map[string]any{"status": 401, "body": map[string]any{"error": "app token invalid"}}}))
		if text := textOf(t, ctx, "[role=alert]"); !strings.Contains(text, "check the cohort token in the app's settings") {
			t.Errorf("alert %q", text)
		}
	})
}

func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`main[aria-busy="false"]`))); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(text)
}

func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

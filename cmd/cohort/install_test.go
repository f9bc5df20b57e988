package main

import (
	"context"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/manifests"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// installToken is the sandbox API token in the install tests; it must
// never show in their output.
const installToken = "tok-install-41c2"

// installEnv is a sandbox account and a fresh store that cohort's
// environment points at, as an admin sets them before cohort install.
type installEnv struct {
	sb    *sandbox.Server
	api   *zd.Client // the admin's own client, to look and to act as an admin
	dbURL string
	dir   string
}

func newInstallEnv(t *testing.T, engine store.Engine) *installEnv {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Config{Email: "admin@example.com", APIToken: installToken}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "admin@example.com", APIToken: installToken, RateLimit: 6000, UpdateRateLimit: 6000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zc.Close() })
	env := &installEnv{sb: sb, api: zc.API(), dbURL: storetest.URL(t, engine), dir: t.TempDir()}
	for k, v := range map[string]string{
		"COHORT_DATABASE_URL": env.dbURL, "COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml",
		"COHORT_MACROS_DIR": "../../manifests/macros", "COHORT_LOG_LEVEL": "warn", "COHORT_ZENDESK_URL": sb.URL(),
		"COHORT_ZENDESK_SUBDOMAIN": "", "COHORT_ZENDESK_EMAIL": "admin@example.com", "COHORT_ZENDESK_API_TOKEN": installToken,
		"COHORT_ZENDESK_RATE_LIMIT": "6000", "COHORT_ZENDESK_UPDATE_RATE_LIMIT": "6000",
	} {
		t.Setenv(k, v)
	}
	return env
}

// run runs cohort with args, failing the test unless it exits 0.
func (e *installEnv) run(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("cohort %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	if strings.Contains(out+errOut, installToken) {
		t.Errorf("cohort %s shows the API token:\n%s%s", strings.Join(args, " "), out, errOut)
	}
	return out
}

// writes runs f and returns the requests other than GET the sandbox
// served meanwhile, by route.
func (e *installEnv) writes(f func()) map[string]int {
	before := e.sb.Stats()
	f()
	out := map[string]int{}
	for route, n := range e.sb.Stats().RequestsByRoute {
		if n > before.RequestsByRoute[route] && !strings.HasPrefix(route, "GET ") {
			out[route] = n - before.RequestsByRoute[route]
		}
	}
	return out
}

// records returns what install recorded, by kind.
func (e *installEnv) records(t *testing.T) map[string]store.InstalledItem {
	t.Helper()
	db, err := store.Open(context.Background(), e.dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.InstalledItems(context.Background(), zendesk.Name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.InstalledItem{}
	for _, it := range items {
		out[it.Kind] = it
	}
	return out
}

// planRowPattern is a line of a printed plan: what, name, action, id,
// detail, two spaces or more apart.
var planRowPattern = regexp.MustCompile(`^  (\S+(?: \S+)*)  +(\S+(?: \S+)*)  +(\S+(?: \S+)?)  +(\S+)(?:  +(.*))?$`)

// planned returns the rows of the table under title in out: action by
// what ("webhook", "macro basic_step_by_step"), and the ids.
func planned(t *testing.T, out, title string) (actions, ids map[string]string) {
	t.Helper()
	i := strings.Index(out, title+"\n")
	if i < 0 {
		t.Fatalf("no %q in:\n%s", title, out)
	}
	actions, ids = map[string]string{}, map[string]string{}
	lines := strings.Split(out[i+len(title)+1:], "\n")
	for _, line := range lines[1:] { // after the header
		m := planRowPattern.FindStringSubmatch(line)
		if m == nil || strings.HasPrefix(line, "  (") {
			break
		}
		actions[m[1]], ids[m[1]] = m[3], m[4]
	}
	return actions, ids
}

// only reports whether every action is want.
func only(actions map[string]string, want string) bool {
	for _, a := range actions {
		if a != want {
			return false
		}
	}
	return len(actions) > 0
}

// setLine returns the value of the line NAME=value install printed.
func setLine(out, name string) string {
	m := regexp.MustCompile(`(?m)^` + name + `=(\S*)$`).FindStringSubmatch(out)
	if m == nil {
		return ""
	}
	return m[1]
}

var cohortObjects = []string{"ticket field", "user field", "webhook", "trigger"}

// TestInstall: --dry-run shows the plan and writes nothing; install makes
// the fields, webhook, trigger and macros and prints what to set; run
// again, everything is already there and nothing is written.
func TestInstall(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			env := newInstallEnv(t, engine)
			var out string
			if w := env.writes(func() { out = env.run(t, "install", "--url", "https://cohort.example.com", "--dry-run") }); len(w) != 0 {
				t.Errorf("--dry-run wrote %v", w)
			}
			actions, _ := planned(t, out, "cohort install: plan")
			if !only(actions, "create") || len(actions) != len(cohortObjects)+6 || !strings.Contains(out, "dry run: nothing changed") ||
				strings.Contains(out, "COHORT_ZENDESK_WEBHOOK_SECRET") {
				t.Errorf("dry run:\n%s", out)
			}

			out = env.run(t, "install", "--url", "https://cohort.example.com")
			actions, ids := planned(t, out, "cohort install: done")
			if !only(actions, "created") || len(actions) != len(cohortObjects)+6 || !strings.Contains(out, "\n10 changes made\n") {
				t.Errorf("install:\n%s", out)
			}
			secret, err := env.api.GetWebhookSigningSecret(t.Context(), ids["webhook"])
			if err != nil || setLine(out, "COHORT_ZENDESK_WEBHOOK_SECRET") != secret.Secret ||
				setLine(out, "COHORT_ZENDESK_SEGMENT_TICKET_FIELD_ID") != ids["ticket field"] ||
				setLine(out, "COHORT_ZENDESK_SEGMENT_FIELD") != "cohort_segment" {
				t.Errorf("install prints (secret %v, %v):\n%s", secret, err, out)
			}
			hook, err := env.api.GetWebhook(t.Context(), ids["webhook"])
			if err != nil || hook.Endpoint != "https://cohort.example.com/webhooks/zendesk" || hook.Name != "cohort" {
				t.Errorf("webhook %+v (%v)", hook, err)
			}
			recs := env.records(t)
			for _, what := range cohortObjects {
				rec := recs[strings.ReplaceAll(what, " ", "_")]
				if !rec.CreatedByCohort || rec.RemoteID != ids[what] {
					t.Errorf("%s recorded as %+v, want cohort's %s", what, rec, ids[what])
				}
			}

			if w := env.writes(func() { out = env.run(t, "install", "--url", "https://cohort.example.com") }); len(w) != 0 {
				t.Errorf("the second install wrote %v", w)
			}
			again, againIDs := planned(t, out, "cohort install: plan")
			if !only(again, "already there") || len(again) != len(actions) || strings.Contains(out, "cohort install: done") {
				t.Errorf("second install:\n%s", out)
			}
			for what, id := range ids {
				if againIDs[what] != id {
					t.Errorf("%s: id %s, then %s", what, id, againIDs[what])
				}
			}
			if setLine(out, "COHORT_ZENDESK_WEBHOOK_SECRET") != secret.Secret {
				t.Errorf("the second install prints another secret:\n%s", out)
			}
		})
	}
}

// TestInstallUpdatesStaleWebhookAndTrigger: an older install's webhook,
// posting to another URL, and its trigger, with an older body, are
// updated in place: same ids, same signing secret.
func TestInstallUpdatesStaleWebhookAndTrigger(t *testing.T) {
	env := newInstallEnv(t, store.SQLite)
	out := env.run(t, "install", "--url", "https://old.example.com")
	_, ids := planned(t, out, "cohort install: done")
	secret := setLine(out, "COHORT_ZENDESK_WEBHOOK_SECRET")
	stale := map[string]any{"trigger": map[string]any{"actions": []any{
		map[string]any{"field": "notification_webhook", "value": []string{ids["webhook"], `{"ticket":{"id":"{{ticket.id}}"}}`}}}}}
	if _, err := env.api.Put(t.Context(), "/triggers/"+ids["trigger"]+".json", stale); err != nil {
		t.Fatal(err)
	}

	out = env.run(t, "install", "--url", "https://new.example.com/")
	actions, after := planned(t, out, "cohort install: plan")
	if actions["webhook"] != "update" || actions["trigger"] != "update" || actions["ticket field"] != "already there" ||
		!strings.Contains(out, `endpoint: "https://old.example.com/webhooks/zendesk" → "https://new.example.com/webhooks/zendesk"`) ||
		!strings.Contains(out, "body → cohort's") {
		t.Errorf("install with a new URL:\n%s", out)
	}
	if after["webhook"] != ids["webhook"] || after["trigger"] != ids["trigger"] || setLine(out, "COHORT_ZENDESK_WEBHOOK_SECRET") != secret {
		t.Errorf("ids %v then %v; secret kept: %v", ids, after, setLine(out, "COHORT_ZENDESK_WEBHOOK_SECRET") == secret)
	}
	hook, err := env.api.GetWebhook(t.Context(), ids["webhook"])
	if err != nil || hook.Endpoint != "https://new.example.com/webhooks/zendesk" {
		t.Errorf("webhook %+v (%v)", hook, err)
	}
	trigger, err := env.api.GetTrigger(t.Context(), mustParseID(t, ids["trigger"]))
	if err != nil || len(trigger.Actions) != 1 || !slices.Equal(toStrings(trigger.Actions[0].Value), []string{ids["webhook"], zendesk.TriggerBody}) {
		t.Errorf("trigger %+v (%v)", trigger, err)
	}
	actions, _ = planned(t, env.run(t, "install", "--url", "https://new.example.com"), "cohort install: plan")
	if !only(actions, "already there") {
		t.Errorf("after the update: %v", actions)
	}
}

// appZip writes cohort's Zendesk app for base, as cohort app package
// makes it, into dir and returns its path.
func appZip(t *testing.T, dir, base string) string {
	t.Helper()
	pkg, err := zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	if err == nil {
		pkg, err = pkg.WithURL(base)
	}
	var data []byte
	if err == nil {
		data, err = pkg.Zip()
	}
	file := filepath.Join(dir, "cohort-zendesk-app.zip")
	if err == nil {
		err = os.WriteFile(file, data, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
	return file
}

// TestInstallWithApp: the app is uploaded and installed first; the fields
// its requirements make are adopted, not cohort's; its public key is
// written beside the zip. Run again, nothing is written; a new package
// updates the app in place. Uninstall removes the installation and the
// app, and keeps the adopted fields' records out of its way.
func TestInstallWithApp(t *testing.T) {
	env := newInstallEnv(t, store.SQLite)
	zip := appZip(t, env.dir, "https://cohort.example.com")
	var out string
	if w := env.writes(func() { out = env.run(t, "install", "--url", "https://cohort.example.com", "--app", zip, "--dry-run") }); len(w) != 0 {
		t.Errorf("--dry-run wrote %v", w)
	}
	if actions, _ := planned(t, out, "cohort install: plan"); actions["app"] != "create" || actions["installation"] != "create" ||
		actions["ticket field"] != "create" || !strings.Contains(out, "unless the app's requirements make it") {
		t.Errorf("dry run:\n%s", out)
	}

	out = env.run(t, "install", "--url", "https://cohort.example.com", "--app", zip)
	actions, ids := planned(t, out, "cohort install: done")
	if actions["app"] != "created" || actions["installation"] != "created" || actions["ticket field"] != "already there" ||
		actions["user field"] != "already there" || !strings.Contains(out, "adopted: made by the app's requirements") {
		t.Errorf("install:\n%s", out)
	}
	recs := env.records(t)
	if recs["ticket_field"].CreatedByCohort || recs["user_field"].CreatedByCohort || !recs["app"].CreatedByCohort || !recs["installation"].CreatedByCohort {
		t.Errorf("records %+v", recs)
	}
	keyFile := filepath.Join(env.dir, appPublicKeyFile)
	key, err := os.ReadFile(keyFile)
	if block, _ := pem.Decode(key); err != nil || block == nil || setLine(out, "COHORT_ZENDESK_APP_PUBLIC_KEY") != keyFile ||
		setLine(out, "COHORT_ZENDESK_APP_INSTALLATION_ID") != ids["installation"] || ids["installation"] == "-" {
		t.Errorf("key file %s (%v):\n%s", key, err, out)
	}
	if w := env.writes(func() { out = env.run(t, "install", "--url", "https://cohort.example.com", "--app", zip) }); len(w) != 0 {
		t.Errorf("the second install wrote %v:\n%s", w, out)
	}
	if again, _ := planned(t, out, "cohort install: plan"); !only(again, "already there") {
		t.Errorf("second install:\n%s", out)
	}

	appZip(t, env.dir, "https://support-tools.example.com")
	out = env.run(t, "install", "--url", "https://cohort.example.com", "--app", zip)
	if updated, after := planned(t, out, "cohort install: done"); updated["app"] != "updated" || after["app"] != ids["app"] || updated["installation"] != "already there" {
		t.Errorf("install of a new package:\n%s", out)
	}

	out = env.run(t, "uninstall")
	if removed, _ := planned(t, out, "cohort uninstall: done"); removed["installation"] != "deleted" || removed["app"] != "deleted" ||
		removed["ticket field"] != "keep" || removed["webhook"] != "deleted" ||
		!strings.Contains(out, "made by the app's requirements: Zendesk removes it with the app's installation") {
		t.Errorf("uninstall:\n%s", out)
	}
	if list, err := env.api.ListInstallations(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("installations after uninstall: %+v (%v)", list, err)
	}
	if recs := env.records(t); len(recs) != 0 {
		t.Errorf("records after uninstall: %+v", recs)
	}
}

// agentMade is what an admin made in the account besides cohort.
type agentMade struct {
	webhook        string
	trigger, field int64
	macro          int64
	tickets        []int64
}

// makeAgentObjects makes a webhook, a trigger notifying it, a ticket
// field, a macro and tagged tickets, as an admin and agents would.
func makeAgentObjects(t *testing.T, api *zd.Client) agentMade {
	t.Helper()
	ctx := t.Context()
	var m agentMade
	hook, err := api.CreateWebhook(ctx, &zd.Webhook{Name: "Slack alerts", Endpoint: "https://hooks.example.com/slack",
		HTTPMethod: "POST", RequestFormat: "json", Status: "active", Subscriptions: []string{"conditional_ticket_events"}})
	if err != nil {
		t.Fatal(err)
	}
	m.webhook = hook.ID
	tr := zd.Trigger{Title: "Alert on urgent tickets", Active: true,
		Actions: []zd.TriggerAction{{Field: "notification_webhook", Value: []string{hook.ID, `{"id":"{{ticket.id}}"}`}}}}
	tr.Conditions.All = []zd.TriggerCondition{{Field: "priority", Operator: "is", Value: "urgent"}}
	tr.Conditions.Any = []zd.TriggerCondition{}
	created, err := api.CreateTrigger(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	m.trigger = created.ID
	field, err := api.CreateTicketField(ctx, zd.TicketField{Type: "text", Title: "Order number"})
	if err != nil {
		t.Fatal(err)
	}
	m.field = field.ID
	macro, err := api.CreateMacro(ctx, zd.Macro{Title: "Agent's own reply", Active: true,
		Actions: []zd.MacroAction{{Field: "comment_value", Value: "Thanks!"}}})
	if err != nil {
		t.Fatal(err)
	}
	m.macro = macro.ID
	for i, tags := range [][]string{{"vip", "seg_enterprise"}, {"billing"}} {
		tk, err := api.CreateTicket(ctx, zd.Ticket{Subject: "ticket " + strconv.Itoa(i), Tags: tags,
			Comment: &zd.TicketComment{Body: "help"}, Requester: &zd.Requester{Name: "R", Email: "r" + strconv.Itoa(i) + "@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		m.tickets = append(m.tickets, tk.ID)
	}
	return m
}

// TestUninstall: --dry-run writes nothing; uninstall deletes the trigger,
// the webhook and the fields cohort created and deactivates its macros,
// and leaves the admin's webhook, trigger, field and macro and every
// ticket and tag as they were. Run again, there is nothing to remove.
func TestUninstall(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			env := newInstallEnv(t, engine)
			agent := makeAgentObjects(t, env.api)
			tickets, err := env.api.GetMultipleTickets(t.Context(), agent.tickets)
			if err != nil {
				t.Fatal(err)
			}
			_, ids := planned(t, env.run(t, "install", "--url", "http://127.0.0.1:9"), "cohort install: done")

			var out string
			if w := env.writes(func() { out = env.run(t, "uninstall", "--dry-run") }); len(w) != 0 {
				t.Errorf("--dry-run wrote %v", w)
			}
			actions, _ := planned(t, out, "cohort uninstall: plan")
			want := map[string]string{"trigger": "delete", "webhook": "delete", "ticket field": "delete", "user field": "delete"}
			for what, a := range actions {
				if strings.HasPrefix(what, "macro ") {
					want[what] = "deactivate"
				}
				if a != want[what] {
					t.Errorf("%s: %s, want %s", what, a, want[what])
				}
			}
			if len(actions) != 4+6 || !strings.Contains(out, "dry run: nothing changed") {
				t.Errorf("dry run:\n%s", out)
			}

			var w map[string]int
			if w = env.writes(func() { out = env.run(t, "uninstall") }); !strings.Contains(out, "10 changes made; no ticket, tag or user was touched") {
				t.Errorf("uninstall:\n%s", out)
			}
			for route := range w {
				if strings.Contains(route, "/tickets") || strings.Contains(route, "/users") || strings.Contains(route, "/tags") {
					t.Errorf("uninstall wrote %s", route)
				}
			}
			if _, err := env.api.GetWebhook(t.Context(), ids["webhook"]); err == nil {
				t.Error("cohort's webhook is still there")
			}
			if _, err := env.api.GetTrigger(t.Context(), mustParseID(t, ids["trigger"])); err == nil {
				t.Error("cohort's trigger is still there")
			}
			if _, err := env.api.GetTicketField(t.Context(), mustParseID(t, ids["ticket field"])); err == nil {
				t.Error("cohort's ticket field is still there")
			}
			if _, err := env.api.GetWebhook(t.Context(), agent.webhook); err != nil {
				t.Errorf("the admin's webhook: %v", err)
			}
			if tr, err := env.api.GetTrigger(t.Context(), agent.trigger); err != nil || !tr.Active {
				t.Errorf("the admin's trigger: %+v %v", tr, err)
			}
			if _, err := env.api.GetTicketField(t.Context(), agent.field); err != nil {
				t.Errorf("the admin's field: %v", err)
			}
			list, _, err := env.api.GetMacros(t.Context(), &zd.MacroListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range list {
				if m.Active != (m.ID == agent.macro) {
					t.Errorf("macro %d %q active %v after uninstall", m.ID, m.Title, m.Active)
				}
			}
			after, err := env.api.GetMultipleTickets(t.Context(), agent.tickets)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tickets {
				if !slices.Equal(after[i].Tags, tickets[i].Tags) || !after[i].UpdatedAt.Equal(*tickets[i].UpdatedAt) {
					t.Errorf("ticket %d: tags %v then %v, updated %v then %v", tickets[i].ID, tickets[i].Tags, after[i].Tags,
						tickets[i].UpdatedAt, after[i].UpdatedAt)
				}
			}
			if recs := env.records(t); len(recs) != 0 {
				t.Errorf("records after uninstall: %+v", recs)
			}

			if w := env.writes(func() { out = env.run(t, "uninstall") }); len(w) != 0 || !strings.Contains(out, "nothing to remove") {
				t.Errorf("second uninstall wrote %v:\n%s", w, out)
			}
			// Install brings cohort back, its macros reactivated, not made
			// twice.
			actions, _ = planned(t, env.run(t, "install", "--url", "http://127.0.0.1:9"), "cohort install: done")
			for what, a := range actions {
				if strings.HasPrefix(what, "macro ") && a != "updated" || !strings.HasPrefix(what, "macro ") && a != "created" {
					t.Errorf("reinstall: %s %s", what, a)
				}
			}
		})
	}
}

// TestUninstallKeepsFieldsAndWhatWasRenamed: --keep-fields keeps the
// fields with their values; a trigger an admin renamed since install is
// no longer cohort's and stays. A later uninstall deletes the fields.
func TestUninstallKeepsFieldsAndWhatWasRenamed(t *testing.T) {
	env := newInstallEnv(t, store.SQLite)
	_, ids := planned(t, env.run(t, "install", "--url", "http://127.0.0.1:9"), "cohort install: done")
	if _, err := env.api.Put(t.Context(), "/triggers/"+ids["trigger"]+".json",
		map[string]any{"trigger": map[string]any{"title": "Send new tickets to our CRM"}}); err != nil {
		t.Fatal(err)
	}
	out := env.run(t, "uninstall", "--keep-fields")
	actions, _ := planned(t, out, "cohort uninstall: done")
	if actions["trigger"] != "keep" || actions["webhook"] != "deleted" || actions["ticket field"] != "keep" || actions["user field"] != "keep" ||
		!strings.Contains(out, `"Send new tickets to our CRM"`) || !strings.Contains(out, "--keep-fields") {
		t.Errorf("uninstall --keep-fields:\n%s", out)
	}
	if _, err := env.api.GetTrigger(t.Context(), mustParseID(t, ids["trigger"])); err != nil {
		t.Errorf("the renamed trigger: %v", err)
	}
	if _, err := env.api.GetTicketField(t.Context(), mustParseID(t, ids["ticket field"])); err != nil {
		t.Errorf("the kept ticket field: %v", err)
	}
	out = env.run(t, "uninstall")
	if actions, _ := planned(t, out, "cohort uninstall: done"); actions["ticket field"] != "deleted" || actions["user field"] != "deleted" || len(actions) != 2 {
		t.Errorf("uninstall after --keep-fields:\n%s", out)
	}
}

// TestInstallNeedsAnAdmin: a token that may not create webhooks is told
// so in plain words, without the token.
func TestInstallNeedsAnAdmin(t *testing.T) {
	env := newInstallEnv(t, store.SQLite)
	env.sb.FailRoute("POST /api/v2/webhooks", 403)
	code, out, errOut := runCLI(t, "install", "--url", "https://cohort.example.com")
	if code != exitFailure || !strings.Contains(errOut, `cohort install: the API token cannot create the webhook "cohort" (needs an admin)`) ||
		strings.Contains(out+errOut, installToken) {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "install", "--url", "cohort.example.com"); code != exitUsage || !strings.Contains(errOut, "--url") {
		t.Errorf("a URL without a scheme: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "install", "--url", "https://cohort.example.com", "--app", filepath.Join(env.dir, "none.zip")); code != exitUsage ||
		!strings.Contains(errOut, "--app") {
		t.Errorf("a missing app: exit %d %s", code, errOut)
	}
}

func mustParseID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("id %q: %v", s, err)
	}
	return id
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, len(list))
	for i, x := range list {
		out[i], _ = x.(string)
	}
	return out
}

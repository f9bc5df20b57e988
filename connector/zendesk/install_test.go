package zendesk_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/manifests"
)

// TestInstallPutsItsTriggerInTheFirstCategory: on an account with trigger
// categories, as real accounts are, install puts its trigger in the first
// category by position; run again, it creates nothing.
func TestInstallPutsItsTriggerInTheFirstCategory(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	body, err := c.API().Post(t.Context(), "/trigger_categories.json",
		map[string]any{"trigger_category": map[string]any{"name": "Routing", "position": -1}})
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Category struct{ ID string } `json:"trigger_category"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Category.ID == "" {
		t.Fatalf("create a category: %s (%v)", body, err)
	}

	inst := install(t, c, nil, "https://cohort.example.com/webhooks/zendesk", nil)
	if a := actions(inst); a[zendesk.ItemWebhook] != zendesk.Create || a[zendesk.ItemTrigger] != zendesk.Create || inst.SigningSecret == "" {
		t.Errorf("first install = %+v", inst.Steps)
	}
	trigger, err := c.API().GetTrigger(t.Context(), mustID(t, inst.ID(zendesk.ItemTrigger)))
	if err != nil || trigger.CategoryID != created.Category.ID {
		t.Errorf("the trigger went in category %q (%v), want the first, %q", trigger.CategoryID, err, created.Category.ID)
	}
	again := install(t, c, nil, "https://cohort.example.com/webhooks/zendesk", nil)
	if a := actions(again); a[zendesk.ItemWebhook] == zendesk.Create || a[zendesk.ItemTrigger] == zendesk.Create ||
		again.ID(zendesk.ItemTrigger) != inst.ID(zendesk.ItemTrigger) || again.ID(zendesk.ItemWebhook) != inst.ID(zendesk.ItemWebhook) {
		t.Errorf("second install = %+v, first %+v", again.Steps, inst.Steps)
	}
}

// memRecords keeps install's records in memory.
type memRecords struct {
	mu    sync.Mutex
	items map[zendesk.ItemKind]zendesk.Item // one name per kind in these tests
}

func (m *memRecords) InstalledItems(context.Context) ([]zendesk.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Collect(maps.Values(m.items)), nil
}

func (m *memRecords) SaveInstalledItem(_ context.Context, it zendesk.Item) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = map[zendesk.ItemKind]zendesk.Item{}
	}
	m.items[it.Kind] = it
	return nil
}

func (m *memRecords) ForgetInstalledItem(_ context.Context, kind zendesk.ItemKind, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, kind)
	return nil
}

func (m *memRecords) get(kind zendesk.ItemKind) (zendesk.Item, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[kind]
	return it, ok
}

// actions returns each step's action by kind.
func actions(p *zendesk.Plan) map[zendesk.ItemKind]zendesk.Action {
	out := map[zendesk.ItemKind]zendesk.Action{}
	for _, s := range p.Steps {
		out[s.Kind] = s.Action
	}
	return out
}

// writes counts the requests other than GET among what the sandbox served
// since before.
func writes(before, after sandbox.Stats) map[string]int {
	out := map[string]int{}
	for route, n := range after.RequestsByRoute {
		if n > before.RequestsByRoute[route] && !strings.HasPrefix(route, "GET ") {
			out[route] = n - before.RequestsByRoute[route]
		}
	}
	return out
}

// install plans and applies an install for endpoint (and app), failing
// the test on an error.
func install(t *testing.T, c *zendesk.Client, recs zendesk.Records, endpoint string, app *zendesk.AppPackage) *zendesk.Plan {
	t.Helper()
	p, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: endpoint, App: app}, recs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(t.Context(), p, recs); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanInstall: a fresh account gets the fields, the webhook and the
// trigger, each recorded as cohort's; planned again, all is already there
// and applying writes nothing to Zendesk.
func TestPlanInstall(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	const endpoint = "https://cohort.example.com/webhooks/zendesk"
	p, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: endpoint}, recs)
	if err != nil {
		t.Fatal(err)
	}
	want := map[zendesk.ItemKind]zendesk.Action{zendesk.ItemTicketField: zendesk.Create, zendesk.ItemUserField: zendesk.Create,
		zendesk.ItemWebhook: zendesk.Create, zendesk.ItemTrigger: zendesk.Create}
	if got := actions(p); !maps.Equal(got, want) || p.Pending() != 4 {
		t.Fatalf("fresh plan = %v (%d pending), want %v", got, p.Pending(), want)
	}
	if len(writes(sandbox.Stats{}, sb.Stats())) != 0 {
		t.Errorf("planning wrote: %v", writes(sandbox.Stats{}, sb.Stats()))
	}
	done, err := c.Apply(t.Context(), p, recs)
	if err != nil || done != 4 {
		t.Fatalf("apply: %d changes, %v", done, err)
	}
	secret, err := c.API().GetWebhookSigningSecret(t.Context(), p.ID(zendesk.ItemWebhook))
	if err != nil || p.SigningSecret == "" || p.SigningSecret != secret.Secret {
		t.Errorf("signing secret %q, Zendesk has %+v (%v)", p.SigningSecret, secret, err)
	}
	for kind := range want {
		it, ok := recs.get(kind)
		if !ok || !it.CreatedByCohort || it.RemoteID == "" || it.RemoteID != p.ID(kind) {
			t.Errorf("record of the %s = %+v (%v), want it cohort's with id %s", kind, it, ok, p.ID(kind))
		}
	}
	fields, _, err := c.API().GetUserFields(t.Context(), nil)
	if err != nil || !slices.ContainsFunc(fields, func(f zd.UserField) bool {
		return f.Key == zendesk.SegmentUserFieldKey && f.Type == "text" && f.Title == zendesk.SegmentFieldTitle
	}) {
		t.Errorf("user fields %+v (%v)", fields, err)
	}

	before := sb.Stats()
	again := install(t, c, recs, endpoint, nil)
	for _, s := range again.Steps {
		if s.Action != zendesk.AlreadyThere || s.ID != p.ID(s.Kind) {
			t.Errorf("second install: %+v, want already there with id %s", s, p.ID(s.Kind))
		}
	}
	if w := writes(before, sb.Stats()); len(w) != 0 {
		t.Errorf("second install wrote %v", w)
	}
}

// TestInstallUpdatesInPlace: a webhook posting to an old endpoint and a
// trigger with a stale body, inactive, are updated in place: same ids, the
// same signing secret, and the action an admin added to the trigger kept.
func TestInstallUpdatesInPlace(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	first := install(t, c, recs, "https://old.example.com/webhooks/zendesk", nil)
	hookID, triggerID := first.ID(zendesk.ItemWebhook), first.ID(zendesk.ItemTrigger)
	stale := map[string]any{"trigger": map[string]any{"active": false, "actions": []any{
		map[string]any{"field": "notification_webhook", "value": []string{hookID, `{"ticket":"{{ticket.id}}"}`}},
		map[string]any{"field": "current_tags", "value": "from_trigger"},
	}}}
	if _, err := c.API().Put(t.Context(), "/triggers/"+triggerID+".json", stale); err != nil {
		t.Fatal(err)
	}

	p, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: "https://new.example.com/webhooks/zendesk"}, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		switch s.Kind {
		case zendesk.ItemWebhook:
			if s.Action != zendesk.Update || s.ID != hookID || !strings.Contains(s.Detail, `endpoint: "https://old.example.com/webhooks/zendesk" → "https://new.example.com/webhooks/zendesk"`) {
				t.Errorf("webhook step %+v", s)
			}
		case zendesk.ItemTrigger:
			if s.Action != zendesk.Update || s.ID != triggerID || !strings.Contains(s.Detail, "inactive → active") || !strings.Contains(s.Detail, "body") {
				t.Errorf("trigger step %+v", s)
			}
		default:
			if s.Action != zendesk.AlreadyThere {
				t.Errorf("step %+v, want already there", s)
			}
		}
	}
	if _, err := c.Apply(t.Context(), p, recs); err != nil {
		t.Fatal(err)
	}
	if p.SigningSecret != first.SigningSecret {
		t.Error("the update changed the webhook's signing secret")
	}
	hook, err := c.API().GetWebhook(t.Context(), hookID)
	if err != nil || hook.Endpoint != "https://new.example.com/webhooks/zendesk" || hook.Name != zendesk.WebhookName {
		t.Errorf("webhook after the update: %+v (%v)", hook, err)
	}
	var trigger struct {
		Trigger struct {
			Active  bool
			Actions []struct {
				Field string
				Value any
			}
		}
	}
	body, err := c.API().Get(t.Context(), "/triggers/"+triggerID+".json")
	if err != nil || json.Unmarshal(body, &trigger) != nil {
		t.Fatalf("read the trigger: %s (%v)", body, err)
	}
	tr := trigger.Trigger
	if !tr.Active || len(tr.Actions) != 2 || tr.Actions[1].Field != "current_tags" {
		t.Fatalf("trigger after the update: %+v", tr)
	}
	if v, _ := tr.Actions[0].Value.([]any); len(v) != 2 || v[0] != hookID || v[1] != zendesk.TriggerBody {
		t.Errorf("notify action after the update: %v", tr.Actions[0].Value)
	}
	if again := install(t, c, recs, "https://new.example.com/webhooks/zendesk", nil); again.Pending() != 0 {
		t.Errorf("after the update, install plans %+v", again.Steps)
	}
}

// TestInstallAdoptsWhatIsThere: a field an admin made is adopted, not
// cohort's; a webhook of cohort's name with cohort's description but no
// record (an install from before records were kept) is cohort's.
func TestInstallAdoptsWhatIsThere(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	field, err := c.API().CreateTicketField(t.Context(), zd.TicketField{Type: "text", Title: zendesk.SegmentFieldTitle})
	if err != nil {
		t.Fatal(err)
	}
	hook, err := c.API().CreateWebhook(t.Context(), &zd.Webhook{Name: zendesk.WebhookName, Description: "Sends new tickets to cohort for segment enrichment",
		Endpoint: "https://cohort.example.com/webhooks/zendesk", HTTPMethod: "POST", RequestFormat: "json", Status: "active",
		Subscriptions: []string{"conditional_ticket_events"}})
	if err != nil {
		t.Fatal(err)
	}
	recs := &memRecords{}
	p := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", nil)
	if got := actions(p); got[zendesk.ItemTicketField] != zendesk.AlreadyThere || got[zendesk.ItemWebhook] != zendesk.AlreadyThere {
		t.Errorf("plan %v", got)
	}
	if it, _ := recs.get(zendesk.ItemTicketField); it.CreatedByCohort || it.RemoteID != p.ID(zendesk.ItemTicketField) || p.ID(zendesk.ItemTicketField) != strconv.FormatInt(field.ID, 10) {
		t.Errorf("the admin's field is recorded as %+v", it)
	}
	if it, _ := recs.get(zendesk.ItemWebhook); !it.CreatedByCohort || it.RemoteID != hook.ID {
		t.Errorf("cohort's unrecorded webhook is recorded as %+v", it)
	}
}

// appPackage builds cohort's Zendesk app for base as install reads it.
func appPackage(t *testing.T, base string) *zendesk.AppPackage {
	t.Helper()
	pkg, err := zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	if err == nil {
		pkg, err = pkg.WithURL(base)
	}
	var data []byte
	if err == nil {
		data, err = pkg.Zip()
	}
	if err != nil {
		t.Fatal(err)
	}
	app, err := zendesk.ReadAppPackage("cohort-zendesk-app.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// TestInstallApp: the app is uploaded, built (polled until done) and
// installed before the fields, which its requirements make: those are
// adopted, not cohort's. Run again, all is there; a changed package is
// uploaded again and the app rebuilt in place.
func TestInstallApp(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	app := appPackage(t, "https://cohort.example.com")
	if app.Name != "cohort" || !slices.Contains(app.TicketFields, zendesk.SegmentFieldTitle) || !slices.Contains(app.UserFields, zendesk.SegmentUserFieldKey) {
		t.Fatalf("package %+v", app)
	}
	p, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: "https://cohort.example.com/webhooks/zendesk", App: app}, recs)
	if err != nil {
		t.Fatal(err)
	}
	if p.Steps[0].Kind != zendesk.ItemApp || p.Steps[1].Kind != zendesk.ItemInstallation || p.Steps[2].Kind != zendesk.ItemTicketField ||
		p.Steps[0].Action != zendesk.Create || p.Steps[1].Action != zendesk.Create || p.Steps[2].Action != zendesk.Create {
		t.Fatalf("plan %+v", p.Steps)
	}
	if _, err := c.Apply(t.Context(), p, recs); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []zendesk.ItemKind{zendesk.ItemTicketField, zendesk.ItemUserField} {
		it, _ := recs.get(kind)
		if it.CreatedByCohort || it.RemoteID == "" || actions(p)[kind] != zendesk.AlreadyThere {
			t.Errorf("%s made by the app's requirements: recorded %+v, step %v", kind, it, actions(p)[kind])
		}
	}
	if it, _ := recs.get(zendesk.ItemApp); !it.CreatedByCohort || it.Detail != "sha256:"+app.SHA256 || it.RemoteID != p.ID(zendesk.ItemApp) {
		t.Errorf("app recorded as %+v", it)
	}
	if it, _ := recs.get(zendesk.ItemInstallation); !it.CreatedByCohort || it.Detail != "app "+p.ID(zendesk.ItemApp) {
		t.Errorf("installation recorded as %+v", it)
	}
	if block, _ := pem.Decode(p.AppPublicKey); block == nil || block.Type != "PUBLIC KEY" {
		t.Errorf("app public key %q", p.AppPublicKey)
	}
	if sb.Stats().RequestsByRoute["GET /api/v2/apps/job_statuses/{id}"] < 2 {
		t.Errorf("the build was polled %d times, want until done", sb.Stats().RequestsByRoute["GET /api/v2/apps/job_statuses/{id}"])
	}

	before := sb.Stats()
	again := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", app)
	if again.Pending() != 0 || len(writes(before, sb.Stats())) != 0 {
		t.Errorf("second install: %+v, wrote %v", again.Steps, writes(before, sb.Stats()))
	}

	moved := appPackage(t, "https://support-tools.example.com")
	third := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", moved)
	if a := actions(third); a[zendesk.ItemApp] != zendesk.Update || a[zendesk.ItemInstallation] != zendesk.AlreadyThere ||
		third.ID(zendesk.ItemApp) != p.ID(zendesk.ItemApp) {
		t.Errorf("install of a changed package: %+v", third.Steps)
	}
	if it, _ := recs.get(zendesk.ItemApp); it.Detail != "sha256:"+moved.SHA256 || !it.CreatedByCohort {
		t.Errorf("app recorded as %+v after the update", it)
	}
}

// TestInstallAppOverCohortsUserField: adding the app to an install that
// made the user field its requirements also make is refused when planned,
// before anything is uploaded, saying what to do.
func TestInstallAppOverCohortsUserField(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", nil)
	before := sb.Stats()
	_, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: "https://cohort.example.com/webhooks/zendesk",
		App: appPackage(t, "https://cohort.example.com")}, recs)
	if err == nil || !strings.Contains(err.Error(), `the app's requirements.json makes the user field "cohort_segment", which the account has already`) ||
		!strings.Contains(err.Error(), "take user_fields out of the requirements.json of cohort-zendesk-app.zip") {
		t.Errorf("err = %v", err)
	}
	if w := writes(before, sb.Stats()); len(w) != 0 {
		t.Errorf("a refused plan wrote %v", w)
	}
}

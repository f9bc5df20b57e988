package zendesk_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestPlanUninstall: what install created is deleted, trigger before
// webhook; a field it adopted and a trigger renamed since are kept, and
// every record goes. Planning writes nothing.
func TestPlanUninstall(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	admins, err := c.API().CreateUserField(t.Context(), zd.UserField{Key: zendesk.SegmentUserFieldKey, Type: "text", Title: "Segment"})
	if err != nil {
		t.Fatal(err)
	}
	recs := &memRecords{}
	installed := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", nil)
	triggerID := installed.ID(zendesk.ItemTrigger)
	if _, err := c.API().Put(t.Context(), "/triggers/"+triggerID+".json",
		map[string]any{"trigger": map[string]any{"title": "VIP routing"}}); err != nil {
		t.Fatal(err)
	}

	before := sb.Stats()
	p, err := c.PlanUninstall(t.Context(), zendesk.UninstallSpec{}, recs)
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(before, sb.Stats()); len(w) != 0 {
		t.Errorf("planning wrote %v", w)
	}
	var order []zendesk.ItemKind
	for _, s := range p.Steps {
		order = append(order, s.Kind)
		want := zendesk.Delete
		switch s.Kind {
		case zendesk.ItemTrigger:
			want = zendesk.Keep
			if !strings.Contains(s.Detail, `"VIP routing"`) {
				t.Errorf("the renamed trigger is kept for %q", s.Detail)
			}
		case zendesk.ItemUserField:
			want = zendesk.Keep
		}
		if s.Action != want {
			t.Errorf("%s: %s (%s), want %s", s.Kind, s.Action, s.Detail, want)
		}
	}
	if want := []zendesk.ItemKind{zendesk.ItemTrigger, zendesk.ItemWebhook, zendesk.ItemTicketField, zendesk.ItemUserField}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if done, err := c.Apply(t.Context(), p, recs); err != nil || done != 2 {
		t.Fatalf("apply: %d changes, %v", done, err)
	}
	if _, err := c.API().GetWebhook(t.Context(), installed.ID(zendesk.ItemWebhook)); err == nil {
		t.Error("the webhook is still there")
	}
	if _, err := c.API().GetTicketField(t.Context(), mustID(t, installed.ID(zendesk.ItemTicketField))); err == nil {
		t.Error("the ticket field is still there")
	}
	if tr, err := c.API().GetTrigger(t.Context(), mustID(t, triggerID)); err != nil || tr.Title != "VIP routing" {
		t.Errorf("the renamed trigger: %+v (%v)", tr, err)
	}
	if fields, _, err := c.API().GetUserFields(t.Context(), nil); err != nil || len(fields) != 1 || fields[0].ID != admins.ID {
		t.Errorf("user fields after uninstall: %+v (%v)", fields, err)
	}
	if items, _ := recs.InstalledItems(t.Context()); len(items) != 0 {
		t.Errorf("records left: %+v", items)
	}
}

// TestUninstallKeepsFields: --keep-fields keeps the fields cohort created
// and their records; a later uninstall without it deletes them.
func TestUninstallKeepsFields(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	installed := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", nil)
	p, err := c.PlanUninstall(t.Context(), zendesk.UninstallSpec{KeepFields: true}, recs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Apply(t.Context(), p, recs); err != nil {
		t.Fatal(err)
	}
	a := actions(p)
	if a[zendesk.ItemTicketField] != zendesk.Keep || a[zendesk.ItemUserField] != zendesk.Keep || a[zendesk.ItemWebhook] != zendesk.Delete {
		t.Errorf("plan %v", a)
	}
	if _, err := c.API().GetTicketField(t.Context(), mustID(t, installed.ID(zendesk.ItemTicketField))); err != nil {
		t.Errorf("the kept ticket field: %v", err)
	}
	if items, _ := recs.InstalledItems(t.Context()); len(items) != 2 {
		t.Errorf("records after --keep-fields: %+v, want the fields'", items)
	}
	p, err = c.PlanUninstall(t.Context(), zendesk.UninstallSpec{}, recs)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := c.Apply(t.Context(), p, recs); err != nil || done != 2 {
		t.Errorf("second uninstall: %d changes, %v; plan %+v", done, err, p.Steps)
	}
}

// TestUninstallApp: the installation cohort made goes (and with it what
// the app's requirements made), then the app it created.
func TestUninstallApp(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	recs := &memRecords{}
	installed := install(t, c, recs, "https://cohort.example.com/webhooks/zendesk", appPackage(t, "https://cohort.example.com"))
	p, err := c.PlanUninstall(t.Context(), zendesk.UninstallSpec{}, recs)
	if err != nil {
		t.Fatal(err)
	}
	a := actions(p)
	if a[zendesk.ItemInstallation] != zendesk.Delete || a[zendesk.ItemApp] != zendesk.Delete || a[zendesk.ItemTicketField] != zendesk.Keep {
		t.Errorf("plan %+v", p.Steps)
	}
	if _, err := c.Apply(t.Context(), p, recs); err != nil {
		t.Fatal(err)
	}
	if _, err := c.API().Get(t.Context(), "/apps/"+installed.ID(zendesk.ItemApp)+".json"); err == nil {
		t.Error("the app is still there")
	}
	if list, err := c.API().ListInstallations(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("installations left: %+v (%v)", list, err)
	}
}

// TestInstallNeedsAnAdmin: a token Zendesk refuses to write with is
// reported as one without an admin's rights, naming what it could not do.
func TestInstallNeedsAnAdmin(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	sb.FailRoute("POST /api/v2/webhooks", 403)
	p, err := c.PlanInstall(t.Context(), zendesk.InstallSpec{Endpoint: "https://cohort.example.com/webhooks/zendesk"}, nil)
	if err == nil {
		_, err = c.Apply(t.Context(), p, nil)
	}
	if err == nil || err.Error() != `the API token cannot create the webhook "cohort" (needs an admin)` {
		t.Errorf("err = %v", err)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

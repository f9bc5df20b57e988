package zendesk_test

import (
	"encoding/json"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
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

	inst, err := c.Install(t.Context(), "https://cohort.example.com/webhooks/zendesk")
	if err != nil {
		t.Fatal(err)
	}
	if !inst.WebhookCreated || !inst.TriggerCreated || inst.SigningSecret == "" {
		t.Errorf("first install = %+v", inst)
	}
	trigger, err := c.API().GetTrigger(t.Context(), inst.TriggerID)
	if err != nil || trigger.CategoryID != created.Category.ID {
		t.Errorf("the trigger went in category %q (%v), want the first, %q", trigger.CategoryID, err, created.Category.ID)
	}
	again, err := c.Install(t.Context(), "https://cohort.example.com/webhooks/zendesk")
	if err != nil {
		t.Fatal(err)
	}
	if again.WebhookCreated || again.TriggerCreated || again.TriggerID != inst.TriggerID || again.WebhookID != inst.WebhookID {
		t.Errorf("second install = %+v, first %+v", again, inst)
	}
}

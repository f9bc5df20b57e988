package zendesk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestInstallPutsItsTriggerInTheFirstCategory: on an account with trigger
// categories, as real accounts are, install puts its trigger in the first
// category by position; run again, it creates nothing.
func TestInstallPutsItsTriggerInTheFirstCategory(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	first := sandboxCall(t, sb, http.MethodPost, "/api/v2/trigger_categories.json",
		map[string]any{"trigger_category": map[string]any{"name": "Routing", "position": -1}})["trigger_category"].(map[string]any)["id"]

	inst, err := c.Install(t.Context(), "https://cohort.example.com/webhooks/zendesk")
	if err != nil {
		t.Fatal(err)
	}
	if !inst.WebhookCreated || !inst.TriggerCreated || inst.SigningSecret == "" {
		t.Errorf("first install = %+v", inst)
	}
	trigger := sandboxCall(t, sb, http.MethodGet, fmt.Sprintf("/api/v2/triggers/%d.json", inst.TriggerID), nil)["trigger"].(map[string]any)
	if trigger["category_id"] != first {
		t.Errorf("the trigger went in category %v, want the first, %v", trigger["category_id"], first)
	}
	again, err := c.Install(t.Context(), "https://cohort.example.com/webhooks/zendesk")
	if err != nil {
		t.Fatal(err)
	}
	if again.WebhookCreated || again.TriggerCreated || again.TriggerID != inst.TriggerID || again.WebhookID != inst.WebhookID {
		t.Errorf("second install = %+v, first %+v", again, inst)
	}
}

// sandboxCall sends a request to the sandbox as its admin and returns the
// JSON object answered, failing the test on a status of 300 or more.
func sandboxCall(t *testing.T, sb *sandbox.Server, method, path string, body any) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, sb.URL()+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("agent@example.com/token", "tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v (%v)", method, path, resp.StatusCode, out, err)
	}
	return out
}

package sandbox_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// newTrigger returns a trigger with the given "all" conditions and actions.
func newTrigger(title string, all []zendesk.TriggerCondition, actions ...zendesk.TriggerAction) zendesk.Trigger {
	var tr zendesk.Trigger
	tr.Title = title
	tr.Conditions.All = all
	tr.Actions = actions
	return tr
}

func TestTriggers(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()

	first, err := c.CreateTrigger(ctx, newTrigger("Escalate VIPs",
		[]zendesk.TriggerCondition{{Field: "current_tags", Operator: "includes", Value: "vip"}},
		zendesk.TriggerAction{Field: "priority", Value: "urgent"}))
	if err != nil {
		t.Fatal(err)
	}
	withCategory := newTrigger("Categorized",
		[]zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}},
		zendesk.TriggerAction{Field: "set_tags", Value: "new"})
	resp, created := adminSend(t, srv, http.MethodPost, "/api/v2/trigger_categories.json",
		map[string]any{"trigger_category": map[string]any{"name": "Cohort"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create category: %d %v", resp.StatusCode, created)
	}
	category := created["trigger_category"].(map[string]any)["id"].(string)
	withCategory.CategoryID = category
	second, err := c.CreateTrigger(ctx, withCategory)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Active || first.ID == 0 || first.Position != 0 || second.Position != 1 || second.CategoryID != category {
		t.Errorf("created = %+v and %+v", first, second)
	}
	_, categories := adminRequest(t, srv, http.MethodGet, "/api/v2/trigger_categories.json")
	if list := categories["trigger_categories"].([]any); len(list) != 2 || list[0].(map[string]any)["id"] != first.CategoryID ||
		list[0].(map[string]any)["name"] != sandbox.DefaultTriggerCategory {
		t.Errorf("a trigger created without a category went in %q; categories %v", first.CategoryID, list)
	}
	unknown := withCategory
	unknown.CategoryID = "10026"
	if _, err := c.CreateTrigger(ctx, unknown); err == nil {
		t.Error("a trigger in a category that does not exist was created")
	}

	got, err := c.GetTrigger(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != first.Title || len(got.Conditions.All) != 1 || got.Actions[0].Value != "urgent" {
		t.Errorf("GetTrigger = %+v", got)
	}

	list, page, err := c.GetTriggers(ctx, &zendesk.TriggerListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != first.ID || page.Count != 2 {
		t.Errorf("GetTriggers = %d triggers, count %d", len(list), page.Count)
	}
	list, _, err = c.GetTriggers(ctx, &zendesk.TriggerListOptions{SortBy: "alphabetical", PageOptions: zendesk.PageOptions{PerPage: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != second.ID {
		t.Errorf("alphabetical first page = %+v", list)
	}

	var ids []int64
	it := c.GetTriggersIterator(ctx, &zendesk.PaginationOptions{PageSize: 1, IsCBP: true})
	for it.HasMore() {
		page, err := it.GetNext()
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range page {
			ids = append(ids, tr.ID)
		}
	}
	if !slices.Equal(ids, []int64{first.ID, second.ID}) {
		t.Errorf("cursor iteration = %v, want %v", ids, []int64{first.ID, second.ID})
	}

	if err := c.DeleteTrigger(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetTrigger(ctx, first.ID)
	wantStatus(t, err, http.StatusNotFound)
}

func TestCreateTriggerUnsupported(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	create := []zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}}
	setPriority := zendesk.TriggerAction{Field: "priority", Value: "high"}
	tests := []struct {
		name    string
		trigger zendesk.Trigger
		want    string
	}{
		{"no conditions", newTrigger("t", nil, setPriority), "conditions"},
		{"condition field", newTrigger("t", []zendesk.TriggerCondition{{Field: "group_id", Operator: "is", Value: "1"}}, setPriority), "group_id"},
		{"condition operator", newTrigger("t", []zendesk.TriggerCondition{{Field: "status", Operator: "changed", Value: "open"}}, setPriority), "changed"},
		{"condition value", newTrigger("t", []zendesk.TriggerCondition{{Field: "priority", Operator: "is", Value: "asap"}}, setPriority), "asap"},
		{"no actions", newTrigger("t", create), "actions"},
		{"action field", newTrigger("t", create, zendesk.TriggerAction{Field: "notification_user", Value: []string{"requester_id", "s", "b"}}), "notification_user"},
		{"unknown webhook", newTrigger("t", create, zendesk.TriggerAction{Field: "notification_webhook", Value: []string{"01EJFTSCC78X5V07NPY2MHR00M", "{}"}}), "01EJFTSCC78X5V07NPY2MHR00M"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateTrigger(t.Context(), tt.trigger)
			ze := wantStatus(t, err, http.StatusUnprocessableEntity)
			if !strings.Contains(ze.Error(), tt.want) {
				t.Errorf("error %v does not mention %q", ze, tt.want)
			}
		})
	}
}

func TestTriggerActions(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	// The second trigger matches only after the first one has fired, which
	// takes the cycle a second pass.
	triggers := []zendesk.Trigger{
		newTrigger("Type urgent tickets",
			[]zendesk.TriggerCondition{{Field: "priority", Operator: "greater_than", Value: "high"}},
			zendesk.TriggerAction{Field: "type", Value: "incident"}),
		newTrigger("Escalate new VIP tickets",
			[]zendesk.TriggerCondition{
				{Field: "update_type", Operator: "is", Value: "Create"},
				{Field: "current_tags", Operator: "includes", Value: "vip gold"},
				{Field: "status", Operator: "less_than", Value: "solved"},
			},
			zendesk.TriggerAction{Field: "priority", Value: "urgent"},
			zendesk.TriggerAction{Field: "current_tags", Value: "escalated"},
			zendesk.TriggerAction{Field: "remove_tags", Value: "gold"}),
	}
	for _, tr := range triggers {
		if _, err := c.CreateTrigger(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name         string
		tags         []string
		wantPriority string
		wantType     string
		wantTags     []string
	}{
		{"matching ticket", []string{"gold"}, "urgent", "incident", []string{"escalated"}},
		{"other ticket", []string{"bronze"}, "", "", []string{"bronze"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			created := createTicket(t, c, zendesk.Ticket{Tags: tt.tags})
			if created.Priority != tt.wantPriority || created.Type != tt.wantType || !slices.Equal(created.Tags, tt.wantTags) {
				t.Errorf("priority %q type %q tags %q, want %q %q %q",
					created.Priority, created.Type, created.Tags, tt.wantPriority, tt.wantType, tt.wantTags)
			}
		})
	}

	// update_type is Create: a later update does not fire the escalation.
	created := createTicket(t, c, zendesk.Ticket{})
	updated, err := c.UpdateTicket(ctx, created.ID, zendesk.Ticket{Tags: []string{"vip"}})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Priority != "" {
		t.Errorf("an update fired a Create trigger: priority %q", updated.Priority)
	}
}

// TestTriggerUpdatesAndCategories: PUT replaces what it names (conditions
// as a whole), /triggers/active lists the active ones, and categories are
// renamed, found, and kept while active triggers are in them.
func TestTriggerUpdatesAndCategories(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	tr, err := c.CreateTrigger(t.Context(), newTrigger("Tag new",
		[]zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}},
		zendesk.TriggerAction{Field: "set_tags", Value: "new"}))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v2/triggers/%d.json", tr.ID)
	resp, body := adminSend(t, srv, http.MethodPut, path, map[string]any{"trigger": map[string]any{
		"title": "Tag fresh", "conditions": map[string]any{"any": []any{map[string]any{"field": "status", "operator": "is", "value": "new"}}}}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT: %d %v", resp.StatusCode, body)
	}
	got := body["trigger"].(map[string]any)
	conds := got["conditions"].(map[string]any)
	if got["title"] != "Tag fresh" || len(conds["all"].([]any)) != 0 || len(conds["any"].([]any)) != 1 || len(got["actions"].([]any)) != 1 {
		t.Errorf("after PUT: %v", got)
	}
	if resp, _ := adminSend(t, srv, http.MethodPut, path, map[string]any{"trigger": map[string]any{"active": false}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("deactivate: %d", resp.StatusCode)
	}
	if _, active := adminRequest(t, srv, http.MethodGet, "/api/v2/triggers/active.json"); len(active["triggers"].([]any)) != 0 {
		t.Errorf("active triggers after deactivating the only one: %v", active)
	}
	if resp, _ := adminSend(t, srv, http.MethodPut, "/api/v2/triggers/1.json", map[string]any{"trigger": map[string]any{"title": "x"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("PUT of a trigger that does not exist: %d", resp.StatusCode)
	}

	category := tr.CategoryID
	resp, body = adminSend(t, srv, http.MethodPatch, "/api/v2/trigger_categories/"+category+".json", map[string]any{"trigger_category": map[string]any{"name": "Routing"}})
	if resp.StatusCode != http.StatusOK || body["trigger_category"].(map[string]any)["name"] != "Routing" {
		t.Errorf("PATCH category: %d %v", resp.StatusCode, body)
	}
	resp, body = adminSend(t, srv, http.MethodPatch, "/api/v2/trigger_categories/"+category+".json", map[string]any{"trigger_category": map[string]any{"name": " "}})
	if errs, _ := body["errors"].([]any); resp.StatusCode != http.StatusBadRequest || len(errs) != 1 {
		t.Errorf("PATCH with a blank name: %d %v", resp.StatusCode, body)
	}
	if resp, body := adminRequest(t, srv, http.MethodGet, "/api/v2/trigger_categories/999.json"); resp.StatusCode != http.StatusNotFound ||
		body["errors"].([]any)[0].(map[string]any)["code"] != "TriggerCategoryNotFound" {
		t.Errorf("unknown category: %d %v", resp.StatusCode, body)
	}
	if resp, _ := adminSend(t, srv, http.MethodPut, path, map[string]any{"trigger": map[string]any{"active": true}}); resp.StatusCode != http.StatusOK {
		t.Fatalf("activate: %d", resp.StatusCode)
	}
	if resp, body := adminSend(t, srv, http.MethodDelete, "/api/v2/trigger_categories/"+category+".json", nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("deleting a category with an active trigger: %d %v", resp.StatusCode, body)
	}
	if err := c.DeleteTrigger(t.Context(), tr.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := adminSend(t, srv, http.MethodDelete, "/api/v2/trigger_categories/"+category+".json", nil); resp.StatusCode != http.StatusNoContent {
		t.Errorf("deleting an empty category: %d", resp.StatusCode)
	}
}

// TestTriggerPutTakesNullsAndReplacesActions: null leaves a property as
// it is; actions given replace the old ones whole, each checked.
func TestTriggerPutTakesNullsAndReplacesActions(t *testing.T) {
	srv := startSandbox(t)
	tr, err := adminClient(t, srv).CreateTrigger(t.Context(), newTrigger("Tag",
		[]zendesk.TriggerCondition{{Field: "update_type", Operator: "is", Value: "Create"}},
		zendesk.TriggerAction{Field: "set_tags", Value: "a"}))
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v2/triggers/%d.json", tr.ID)
	resp, body := adminSend(t, srv, http.MethodPut, path, map[string]any{"trigger": map[string]any{"active": nil, "position": nil, "title": "Tagged"}})
	if resp.StatusCode != http.StatusOK || body["trigger"].(map[string]any)["active"] != true || body["trigger"].(map[string]any)["title"] != "Tagged" {
		t.Errorf("PUT with nulls: %d %v", resp.StatusCode, body)
	}
	resp, body = adminSend(t, srv, http.MethodPut, path, map[string]any{"trigger": map[string]any{"actions": []any{map[string]any{"field": "remove_tags"}}}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("an action with no value took the old one's: %d %v", resp.StatusCode, body)
	}
}

package macros_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

var _ macros.Helpdesk = (*zendesk.Client)(nil)

func sandboxClient(t *testing.T, faults ...sandbox.Faults) (*sandbox.Server, *zendesk.Client) {
	t.Helper()
	cfg := sandbox.Config{Email: "agent@example.com", APIToken: "tok"}
	if len(faults) > 0 {
		cfg.Faults = faults[0]
	}
	sb, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: "tok",
		RateLimit: 60000, UpdateRateLimit: 60000, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return sb, c
}

func parse(t *testing.T, yaml string) *macros.Set {
	t.Helper()
	set, err := macros.Parse(macros.File{Name: "macros.yaml", Data: []byte(yaml)})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

var _ macros.Owned = (*store.DB)(nil)

// sync plans and applies set, and returns the plan as printed.
func sync(t *testing.T, c *zendesk.Client, db *store.DB, set *macros.Set) (macros.Plan, string) {
	t.Helper()
	plan, err := macros.PlanSync(context.Background(), c, db, set)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	plan.Write(&out)
	done, err := macros.Apply(context.Background(), c, db, plan)
	if err != nil {
		t.Fatal(err)
	}
	if done != plan.Pending() {
		t.Fatalf("applied %d of %d changes", done, plan.Pending())
	}
	return plan, out.String()
}

func actions(p macros.Plan) string {
	var out []string
	for _, c := range p.Changes {
		out = append(out, string(c.Action)+" "+c.Key)
	}
	return strings.Join(out, ", ")
}

const (
	macroA = `- key: welcome
  title: Welcome
  segments: [new_customer]
  auto: true
  actions: {comment: {body: "Hi {{ticket.requester.first_name}}!", public: true}, add_tags: [onboarding]}
`
	macroB = `- key: escalate
  title: Escalate
  segments: [enterprise]
  actions: {priority: urgent, status: open}
`
	macroC = `- key: deep_dive
  title: Deep dive
  segments: [technical]
  actions: {comment: {body: "Please send logs."}}
`
)

// TestSyncMakesTheHelpdeskMatchTheFiles walks a macro set through its
// life: created, unchanged on a second run, edited, removed, re-added;
// copies changed or deleted in Zendesk are put right; a macro cohort does
// not own is never touched.
func TestSyncMakesTheHelpdeskMatchTheFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, c := sandboxClient(t)
		foreign, err := c.API().CreateMacro(ctx, zd.Macro{Title: "Welcome", Active: true, // same title as cohort's
			Actions: []zd.MacroAction{{Field: "status", Value: "solved"}}})
		if err != nil {
			t.Fatal(err)
		}

		plan, out := sync(t, c, db, parse(t, macroA+macroB))
		if actions(plan) != "create welcome, create escalate" || !strings.Contains(out, "zendesk macros: 2 to create, 0 to update") {
			t.Fatalf("first sync:\n%s", out)
		}
		owned, _ := db.OwnedMacros(ctx, "zendesk")
		welcome, err := c.API().GetMacro(ctx, owned["welcome"].MacroID)
		if err != nil || welcome.Title != "Welcome" || !welcome.Active || welcome.ID == foreign.ID ||
			fmt.Sprint(welcome.Actions) != "[{comment_value Hi {{ticket.requester.first_name}}!} {comment_mode_is_public true} {current_tags onboarding}]" {
			t.Fatalf("welcome in Zendesk = %+v, %v", welcome, err)
		}

		plan, out = sync(t, c, db, parse(t, macroA+macroB))
		if plan.Pending() != 0 || !strings.Contains(out, "zendesk macros: up to date (2 unchanged)") {
			t.Fatalf("second sync changes something:\n%s", out)
		}

		// Edited, removed and added in the files.
		edited := strings.Replace(macroA, "title: Welcome", "title: Welcome aboard", 1)
		plan, out = sync(t, c, db, parse(t, edited+macroC))
		if actions(plan) != "update welcome, create deep_dive, deactivate escalate" ||
			!strings.Contains(out, `title: "Welcome" → "Welcome aboard"`) || !strings.Contains(out, "- deactivate escalate") {
			t.Fatalf("third sync:\n%s", out)
		}
		owned, _ = db.OwnedMacros(ctx, "zendesk")
		escalate, err := c.API().GetMacro(ctx, owned["escalate"].MacroID)
		if err != nil || escalate.Active || len(escalate.Actions) != 2 || owned["escalate"].Active {
			t.Fatalf("escalate after removal = %+v (%+v), %v", escalate, owned["escalate"], err)
		}

		// An admin edits cohort's macro in Zendesk and deletes another.
		if _, err := c.API().Put(ctx, fmt.Sprintf("/macros/%d.json", owned["welcome"].MacroID), map[string]any{"macro": map[string]any{
			"title": "Hello", "actions": []map[string]any{{"field": "subject", "value": "Hi"}}}}); err != nil {
			t.Fatal(err)
		}
		if err := c.API().DeleteMacro(ctx, owned["deep_dive"].MacroID); err != nil {
			t.Fatal(err)
		}
		// escalate comes back to the files.
		plan, out = sync(t, c, db, parse(t, edited+macroC+macroB))
		if actions(plan) != "update welcome, create deep_dive, update escalate" ||
			!strings.Contains(out, "actions the file does not have, to remove: subject=Hi") ||
			!strings.Contains(out, "is gone from zendesk") || !strings.Contains(out, "active: false → true") {
			t.Fatalf("fourth sync:\n%s", out)
		}
		if now, _ := db.OwnedMacros(ctx, "zendesk"); now["escalate"].MacroID != owned["escalate"].MacroID || !now["escalate"].Active {
			t.Errorf("escalate came back as %+v, want macro #%d reactivated", now["escalate"], owned["escalate"].MacroID)
		}
		if plan, out := sync(t, c, db, parse(t, edited+macroC+macroB)); plan.Pending() != 0 {
			t.Fatalf("fifth sync changes something:\n%s", out)
		}

		got, err := c.API().GetMacro(ctx, foreign.ID)
		if err != nil || got.Title != "Welcome" || !got.Active || !got.UpdatedAt.Equal(foreign.UpdatedAt) {
			t.Errorf("the foreign macro changed: %+v, %v", got, err)
		}
	})
}

// TestDryRunChangesNothing: a plan that is not applied writes nothing.
func TestDryRunChangesNothing(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	sb, c := sandboxClient(t)
	plan, err := macros.PlanSync(context.Background(), c, db, parse(t, macroA+macroB))
	if err != nil || plan.Pending() != 2 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	if owned, _ := db.OwnedMacros(context.Background(), "zendesk"); len(owned) != 0 {
		t.Errorf("planning recorded macros: %v", owned)
	}
	if n := sb.Stats().RequestsByRoute["POST /api/v2/macros"]; n != 0 {
		t.Errorf("planning created %d macros", n)
	}
}

// TestLostCreatesMakeNoDuplicates: Zendesk creates each macro and the
// answer is lost (a 503, then a dropped connection). The client does not
// send the create again, the sync fails, and the next sync finds the
// macros by their markers: the helpdesk ends with one macro per key.
func TestLostCreatesMakeNoDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sb, c := sandboxClient(t, sandbox.Faults{LostResponseRate: 1})
		set := parse(t, macroA+macroB)
		for _, want := range []string{"503", "connection"} {
			plan, err := macros.PlanSync(ctx, c, db, set)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := macros.Apply(ctx, c, db, plan); err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("apply with lost answers: %v, want a failure with %q", err, want)
			}
		}
		sb.SetFaults(sandbox.Faults{})
		plan, out := sync(t, c, db, set)
		if plan.Pending() != 0 || !strings.Contains(out, "found in zendesk by cohort's marker") {
			t.Fatalf("the sync after the lost creates:\n%s", out)
		}
		if plan, out := sync(t, c, db, set); plan.Pending() != 0 || strings.Contains(out, "found") {
			t.Fatalf("one more sync:\n%s", out)
		}
		list, err := c.Macros(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perKey := map[string]int{}
		for _, m := range list {
			perKey[m.Key]++
		}
		if len(list) != 2 || perKey["welcome"] != 1 || perKey["escalate"] != 1 {
			t.Errorf("Zendesk holds %d macros, %v by key; want one per key", len(list), perKey)
		}
		owned, _ := db.OwnedMacros(ctx, "zendesk")
		if len(owned) != 2 || owned["welcome"].MacroID == 0 || owned["escalate"].MacroID == 0 {
			t.Errorf("recorded %+v", owned)
		}
	})
}

// TestSecondCopiesAreDeactivated: two macros marked with one key (two syncs
// that raced, say) leave one active, the one cohort records.
func TestSecondCopiesAreDeactivated(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	_, c := sandboxClient(t)
	set := parse(t, macroA)
	first, err := c.CreateMacro(ctx, set.Macros[0].Macro, true)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.CreateMacro(ctx, set.Macros[0].Macro, true)
	if err != nil {
		t.Fatal(err)
	}
	plan, out := sync(t, c, db, set)
	if actions(plan) != "unchanged welcome, deactivate welcome" || !strings.Contains(out, fmt.Sprintf("a second copy of welcome (cohort keeps #%d)", first)) {
		t.Fatalf("sync:\n%s", out)
	}
	owned, _ := db.OwnedMacros(ctx, "zendesk")
	if owned["welcome"].MacroID != first || !owned["welcome"].Active {
		t.Errorf("recorded %+v, want #%d active", owned["welcome"], first)
	}
	list, _ := c.Macros(ctx)
	for _, m := range list {
		if m.ID == second && m.Active {
			t.Errorf("the second copy #%d is still active", second)
		}
	}
	if plan, out := sync(t, c, db, set); plan.Pending() != 0 {
		t.Fatalf("one more sync:\n%s", out)
	}
}

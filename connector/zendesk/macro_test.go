package zendesk_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// readMacro reads macro id through Macros, and whether it was listed.
func readMacro(t *testing.T, c *zendesk.Client, id int64) (cohort.HelpdeskMacro, bool) {
	t.Helper()
	list, err := c.Macros(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ID == id {
			return m, true
		}
	}
	return cohort.HelpdeskMacro{}, false
}

// TestMacroRoundTrip: a macro cohort writes reads back the same, its key
// from the marker in its description; one an admin changed in Zendesk
// reads back with the change.
func TestMacroRoundTrip(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	ctx := context.Background()
	group, err := c.API().CreateGroup(ctx, zd.Group{Name: "Tier 2"})
	if err != nil {
		t.Fatal(err)
	}
	m := cohort.Macro{Key: "k", Title: "Escalate", Description: "For key accounts", Actions: cohort.MacroActions{
		Comment: "Hi {{ticket.requester.first_name}}", Public: true, AddTags: []string{"vip", "escalated"},
		Priority: cohort.PriorityUrgent, Status: "pending", Type: "incident", GroupID: group.ID}}
	id, err := c.CreateMacro(ctx, m, true)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := readMacro(t, c, id)
	if !ok || !got.Active {
		t.Fatalf("Macros lists %+v, %v", got, ok)
	}
	if !reflect.DeepEqual(got.Macro, m) {
		t.Errorf("read back\n got %+v\nwant %+v", got.Macro, m)
	}
	raw, err := c.API().GetMacro(ctx, id)
	if err != nil || raw.Description != "For key accounts\n\ncohort key: k" {
		t.Errorf("description in Zendesk = %q, %v; want it to end with cohort's marker", raw.Description, err)
	}
	if err := c.UpdateMacro(ctx, id, cohort.Macro{Key: "k", Title: "Escalate", Actions: cohort.MacroActions{Status: "open"}}, false); err != nil {
		t.Fatal(err)
	}
	// An admin adds an action cohort does not write, with an array value.
	if _, err := c.API().Put(ctx, fmt.Sprintf("/macros/%d.json", id), map[string]any{"macro": map[string]any{"actions": []map[string]any{
		{"field": "status", "value": "open"}, {"field": "comment_value", "value": []string{"channel:all", "Hello"}},
		{"field": "subject", "value": "Renamed"}}}}); err != nil {
		t.Fatal(err)
	}
	got, ok = readMacro(t, c, id)
	if !ok || got.Active || got.Key != "k" || got.Actions.Comment != "Hello" || !reflect.DeepEqual(got.Actions.Other, []string{"subject=Renamed"}) {
		t.Errorf("after an admin's edit: %+v, %v", got, ok)
	}
}

func TestRenderMacro(t *testing.T) {
	for _, inTicket := range []bool{false, true} {
		sb, c := sandboxClient(t, sandbox.Config{MacroCommentInTicket: inTicket}, zendesk.Config{})
		ctx := context.Background()
		ticket := createTickets(t, c, 1)[0]
		id, err := c.CreateMacro(ctx, cohort.Macro{Title: "Hello", Actions: cohort.MacroActions{
			Comment: "Ticket {{ticket.id}}, handled by {{current_user.first_name}}"}}, true)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.RenderMacro(ctx, ticket.ID, id)
		first, _, _ := strings.Cut(sandbox.AdminName, " ")
		if want := fmt.Sprintf("Ticket %d, handled by %s", ticket.ID, first); err != nil || got != want {
			t.Errorf("comment in ticket %v: RenderMacro = %q, %v; want %q", inTicket, got, err, want)
		}
		if sb.Stats().TicketUpdates != 0 {
			t.Error("rendering changed a ticket")
		}
	}
}

// TestUpdateWithMacroActions: an update with a macro's reply, status,
// type and group writes them, keeps cohort's note in the audit, alone and
// inside a batch.
func TestUpdateWithMacroActions(t *testing.T) {
	for _, batch := range []int{1, 10} {
		t.Run(fmt.Sprint("batch size ", batch), func(t *testing.T) {
			_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchSize: batch})
			ctx := context.Background()
			group, err := c.API().CreateGroup(ctx, zd.Group{Name: "Onboarding"})
			if err != nil {
				t.Fatal(err)
			}
			tickets := createTickets(t, c, 3)
			var wg sync.WaitGroup
			errs := make([]error, len(tickets))
			for i, tk := range tickets {
				u := update(tk)
				u.Reply, u.Status, u.Type, u.GroupID, u.Macros = "Welcome!", "pending", "question", group.ID, []string{"welcome"}
				wg.Go(func() { errs[i] = c.UpdateTicket(ctx, u) })
			}
			wg.Wait()
			for i, tk := range tickets {
				if errs[i] != nil {
					t.Fatal(errs[i])
				}
				got, err := c.API().GetTicket(ctx, tk.ID)
				if err != nil || got.Status != "pending" || got.Type != "question" || got.GroupID.String() != fmt.Sprint(group.ID) ||
					got.Priority != "high" {
					t.Fatalf("ticket %d = %+v, %v", tk.ID, got, err)
				}
				page, err := c.API().ListTicketComments(ctx, tk.ID, nil)
				if err != nil || len(page.TicketComments) != 2 {
					t.Fatalf("comments = %+v, %v", page, err)
				}
				reply := page.TicketComments[1]
				custom, _ := reply.Metadata["custom"].(map[string]any)
				audit, _ := custom["cohort"].(map[string]any)
				if reply.Body != "Welcome!" || !*reply.Public || audit["note"] != "why" || fmt.Sprint(audit["macros"]) != "[welcome]" {
					t.Errorf("reply = %+v, metadata %v", reply, reply.Metadata)
				}
			}
		})
	}
}

// TestMacrosReadsEveryPage: Macros follows the cursor past the first page
// of 100.
func TestMacrosReadsEveryPage(t *testing.T) {
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{})
	for i := range 130 {
		if _, err := c.API().CreateMacro(context.Background(), zd.Macro{Title: fmt.Sprint("m", i),
			Actions: []zd.MacroAction{{Field: "status", Value: "open"}}}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := c.Macros(context.Background())
	if err != nil || len(list) != 130 {
		t.Fatalf("Macros = %d macros, %v; want 130", len(list), err)
	}
	if list[0].Key != "" {
		t.Errorf("a macro without cohort's marker has key %q", list[0].Key)
	}
}

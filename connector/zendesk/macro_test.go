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

// TestMacroRoundTrip: a macro cohort writes reads back the same; one an
// admin changed in Zendesk reads back with the change.
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
	got, active, err := c.Macro(ctx, id)
	if err != nil || !active {
		t.Fatalf("Macro = %+v, %v, %v", got, active, err)
	}
	want := m
	want.Key = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n got %+v\nwant %+v", got, want)
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
	got, active, err = c.Macro(ctx, id)
	if err != nil || active || got.Actions.Comment != "Hello" || !reflect.DeepEqual(got.Actions.Other, []string{"subject=Renamed"}) {
		t.Errorf("after an admin's edit: %+v, %v, %v", got, active, err)
	}
	if _, _, err := c.Macro(ctx, 999); cohort.KindOf(err) != cohort.KindNotFound {
		t.Errorf("a deleted macro: %v", err)
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

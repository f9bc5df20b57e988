package sandbox_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestMacroLifecycle: go-zendesk creates, reads, lists, updates and
// deletes macros; updates keep what they do not name.
func TestMacroLifecycle(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	created, err := c.CreateMacro(ctx, zendesk.Macro{Title: "Roger Wilco", Active: true, Description: "Close it",
		Actions: []zendesk.MacroAction{{Field: "status", Value: "solved"}, {Field: "current_tags", Value: "done"}}})
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == 0 || !created.Active || created.Title != "Roger Wilco" || len(created.Actions) != 2 ||
		created.URL == "" || created.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", created)
	}
	other, err := c.CreateMacro(ctx, zendesk.Macro{Title: "Assign priority tag", Active: false,
		Actions: []zendesk.MacroAction{{Field: "priority", Value: "high"}}})
	if err != nil {
		t.Fatal(err)
	}

	got, err := c.GetMacro(ctx, created.ID)
	if err != nil || got.Title != "Roger Wilco" || got.Description != "Close it" || got.Actions[0].Value != "solved" {
		t.Fatalf("GetMacro = %+v, %v", got, err)
	}
	list, _, err := c.GetMacros(ctx, &zendesk.MacroListOptions{})
	if err != nil || len(list) != 2 || list[0].ID != other.ID { // alphabetical: "Assign…" first
		t.Fatalf("GetMacros = %+v, %v", list, err)
	}
	body, err := c.Get(ctx, "/macros/active.json")
	if err != nil {
		t.Fatal(err)
	}
	active := decode[struct {
		Macros []zendesk.Macro `json:"macros"`
	}](t, body).Macros
	if len(active) != 1 || active[0].ID != created.ID {
		t.Fatalf("active macros = %+v", active)
	}

	// go-zendesk sends every field; a raw PUT with only active keeps the rest.
	if err := call(t, c, http.MethodPut, fmt.Sprintf("/macros/%d.json", created.ID),
		map[string]any{"macro": map[string]any{"active": false}}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetMacro(ctx, created.ID)
	if got.Active || got.Title != "Roger Wilco" || len(got.Actions) != 2 {
		t.Fatalf("after deactivating: %+v", got)
	}
	updated, err := c.UpdateMacro(ctx, created.ID, zendesk.Macro{Title: "Roger", Active: true,
		Actions: []zendesk.MacroAction{{Field: "status", Value: "pending"}}})
	if err != nil || updated.Title != "Roger" || !updated.Active || len(updated.Actions) != 1 || updated.Description != nil {
		t.Fatalf("UpdateMacro = %+v, %v", updated, err)
	}
	if err := c.DeleteMacro(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetMacro(ctx, created.ID)
	wantStatus(t, err, http.StatusNotFound)
	wantStatus(t, c.DeleteMacro(ctx, created.ID), http.StatusNotFound)
}

func TestMacroValidation(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	for _, tt := range []struct {
		name  string
		macro zendesk.Macro
	}{
		{"no title", zendesk.Macro{Actions: []zendesk.MacroAction{{Field: "status", Value: "open"}}}},
		{"no actions", zendesk.Macro{Title: "x"}},
		{"closed status", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "status", Value: "closed"}}}},
		{"new status", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "status", Value: "new"}}}},
		{"bad priority", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "priority", Value: "asap"}}}},
		{"unknown group", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "group_id", Value: "999"}}}},
		{"unknown field", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "notification_user", Value: "x"}}}},
		{"bad comment mode", zendesk.Macro{Title: "x", Actions: []zendesk.MacroAction{{Field: "comment_mode_is_public", Value: "yes"}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateMacro(t.Context(), tt.macro)
			wantStatus(t, err, http.StatusUnprocessableEntity)
		})
	}
}

// TestApplyMacro: both apply endpoints show what a macro would do, with
// its placeholders rendered, and change nothing.
func TestApplyMacro(t *testing.T) {
	for _, inTicket := range []bool{false, true} {
		t.Run(fmt.Sprint("comment in ticket ", inTicket), func(t *testing.T) {
			srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.MacroCommentInTicket = inTicket })
			c := adminClient(t, srv)
			ctx := t.Context()
			g, err := c.CreateGroup(ctx, zendesk.Group{Name: "Tier 2"})
			if err != nil {
				t.Fatal(err)
			}
			ticket := createTicket(t, c, zendesk.Ticket{Subject: "Checkout down", Tags: []string{"web"},
				Requester: &zendesk.Requester{Name: "Ana Lima", Email: "ana@acme.example"}})
			m, err := c.CreateMacro(ctx, zendesk.Macro{Title: "Escalate", Active: true, Actions: []zendesk.MacroAction{
				{Field: "comment_value", Value: "Hi {{ticket.requester.first_name}}, ticket #{{ticket.id}} ({{ticket.title}}) is with {{ticket.group.name}}. {{current_user.name}}"},
				{Field: "comment_mode_is_public", Value: "false"},
				{Field: "group_id", Value: fmt.Sprint(g.ID)},
				{Field: "priority", Value: "urgent"},
				{Field: "current_tags", Value: "escalated"},
			}})
			if err != nil {
				t.Fatal(err)
			}
			body, err := c.Get(ctx, fmt.Sprintf("/tickets/%d/macros/%d/apply.json", ticket.ID, m.ID))
			if err != nil {
				t.Fatal(err)
			}
			type commentJSON struct {
				Body       string     `json:"body"`
				Public     bool       `json:"public"`
				ScopedBody [][]string `json:"scoped_body"`
			}
			res := decode[struct {
				Result struct {
					Ticket struct {
						zendesk.Ticket
						Comment *commentJSON `json:"comment"`
					} `json:"ticket"`
					Comment *commentJSON `json:"comment"`
				} `json:"result"`
			}](t, body).Result
			comment := res.Comment
			if inTicket {
				comment = res.Ticket.Comment
			}
			want := fmt.Sprintf("Hi Ana, ticket #%d (Checkout down) is with Tier 2. %s", ticket.ID, sandbox.AdminName)
			if comment == nil || comment.Body != want || comment.Public || len(comment.ScopedBody) != 1 {
				t.Fatalf("comment = %+v, want body %q", comment, want)
			}
			if (res.Comment == nil) == !inTicket {
				t.Errorf("comment placed %+v / %+v", res.Comment, res.Ticket.Comment)
			}
			after := res.Ticket.Ticket
			if after.ID != ticket.ID || after.GroupID.String() != fmt.Sprint(g.ID) || after.Priority != "urgent" || len(after.Tags) != 2 {
				t.Errorf("ticket after = %+v", after)
			}
			now, err := c.GetTicket(ctx, ticket.ID)
			if err != nil || now.GroupID != "" || now.Priority == "urgent" || len(now.Tags) != 1 {
				t.Errorf("apply changed the ticket: %+v, %v", now, err)
			}

			body, err = c.Get(ctx, fmt.Sprintf("/macros/%d/apply.json", m.ID))
			if err != nil {
				t.Fatal(err)
			}
			changes := decode[map[string]map[string]any](t, body)["result"]
			if tk, ok := changes["ticket"].(map[string]any); !ok || tk["priority"] != "urgent" || len(tk) != 3 {
				t.Errorf("changes = %v", changes)
			}
		})
	}
}

// TestTicketGroupAndMetadata: a ticket write may set a group and carry
// custom metadata, which its comment shows.
func TestTicketGroupAndMetadata(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	g, err := c.CreateGroup(ctx, zendesk.Group{Name: "Escalations"})
	if err != nil {
		t.Fatal(err)
	}
	groups, _, err := c.GetGroups(ctx, nil)
	if err != nil || len(groups) != 1 || groups[0].Name != "Escalations" {
		t.Fatalf("groups = %+v, %v", groups, err)
	}
	ticket := createTicket(t, c, zendesk.Ticket{Subject: "Help"})
	err = call(t, c, http.MethodPut, fmt.Sprintf("/tickets/%d.json", ticket.ID), map[string]any{"ticket": map[string]any{
		"group_id": g.ID, "comment": map[string]any{"body": "Welcome!", "public": true},
		"metadata": map[string]any{"cohort": map[string]any{"note": "why"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetTicket(ctx, ticket.ID)
	if err != nil || got.GroupID.String() != fmt.Sprint(g.ID) {
		t.Fatalf("ticket = %+v, %v", got, err)
	}
	page, err := c.ListTicketComments(ctx, ticket.ID, nil)
	if err != nil || len(page.TicketComments) != 2 {
		t.Fatalf("comments = %+v, %v", page, err)
	}
	comments := page.TicketComments
	custom, _ := comments[1].Metadata["custom"].(map[string]any)
	if note, _ := custom["cohort"].(map[string]any); note["note"] != "why" {
		t.Errorf("metadata = %v", comments[1].Metadata)
	}
	err = call(t, c, http.MethodPut, fmt.Sprintf("/tickets/%d.json", ticket.ID), map[string]any{"ticket": map[string]any{"group_id": 12345}})
	wantStatus(t, err, http.StatusUnprocessableEntity)
}

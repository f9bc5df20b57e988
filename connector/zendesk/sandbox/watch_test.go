package sandbox_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestWatchTagSeesEveryWritePath(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ids, stop := srv.WatchTag("enriched")
	defer stop()
	a := createTicket(t, c, zendesk.Ticket{Subject: "a", Comment: &zendesk.TicketComment{Body: "x"}})
	b := createTicket(t, c, zendesk.Ticket{Subject: "b", Comment: &zendesk.TicketComment{Body: "x"}, Tags: []string{"enriched"}})
	if _, err := c.UpdateTicket(t.Context(), a.ID, zendesk.Ticket{Tags: []string{"enriched"}}); err != nil {
		t.Fatal(err)
	}
	// Already tagged: no second event.
	if _, err := c.UpdateTicket(t.Context(), a.ID, zendesk.Ticket{Priority: "high"}); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for range 2 {
		select {
		case id := <-ids:
			got = append(got, id)
		case <-time.After(5 * time.Second):
			t.Fatalf("saw %v, want tickets %d and %d", got, b.ID, a.ID)
		}
	}
	if got[0] != b.ID || got[1] != a.ID {
		t.Errorf("saw %v, want [%d %d] (created tagged, then updated)", got, b.ID, a.ID)
	}
	select {
	case id := <-ids:
		t.Errorf("extra event for ticket %d", id)
	default:
	}
}

func TestRenderLikeATrigger(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	tk := createTicket(t, c, zendesk.Ticket{Subject: `Say "hi"` + "\nnow", Priority: "high", Comment: &zendesk.TicketComment{Body: "x"}})
	body, err := srv.Render(tk.ID, `{"id":"{{ticket.id}}","subject":"{{ticket.title}}","priority":"{{ticket.priority}}"}`, true)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("rendered body is not JSON: %v\n%s", err, body)
	}
	if got["subject"] != `Say "hi"`+"\nnow" || got["priority"] != "High" {
		t.Errorf("rendered %v", got)
	}
	if _, err := srv.Render(987654, "{{ticket.id}}", true); err == nil {
		t.Error("rendering a missing ticket: want an error")
	}
}

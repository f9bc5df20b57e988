package zendesk_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// sandboxClient starts a sandbox with cfg and returns it with a client.
func sandboxClient(t *testing.T, sbCfg sandbox.Config, cfg zendesk.Config) (*sandbox.Server, *zendesk.Client) {
	t.Helper()
	sbCfg.Email, sbCfg.APIToken = "agent@example.com", "tok"
	sb, err := sandbox.Start(sbCfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	cfg.URL, cfg.Email, cfg.APIToken = sb.URL(), "agent@example.com", "tok"
	if cfg.RateLimit == 0 {
		cfg.RateLimit, cfg.UpdateRateLimit = 60000, 60000
	}
	c, err := zendesk.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return sb, c
}

// createTickets makes n tickets and returns them as cohort reads them.
func createTickets(t *testing.T, c *zendesk.Client, n int) []cohort.Ticket {
	t.Helper()
	var out []cohort.Ticket
	for i := range n {
		created, err := c.API().CreateTicket(context.Background(), zd.Ticket{Subject: fmt.Sprint("ticket ", i),
			Tags: []string{"agent_tag"}, Comment: &zd.TicketComment{Body: "hello"},
			Requester: &zd.Requester{Name: "R", Email: fmt.Sprintf("r%d@example.com", i)}})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := c.Ticket(context.Background(), created.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tk)
	}
	return out
}

func update(t cohort.Ticket) cohort.TicketUpdate {
	return cohort.TicketUpdate{TicketID: t.ID, Tags: append(slices.Clone(t.Tags), "seg_x"), AddTags: []string{"seg_x"},
		Priority: cohort.PriorityHigh, Note: "why", UpdatedStamp: t.UpdatedAt,
		Fields: []cohort.FieldValue{{ID: 360001, Value: "x"}}}
}

// updateAtOnce updates every ticket from its own goroutine, as concurrent
// jobs would, and returns each update's error.
func updateAtOnce(c *zendesk.Client, tickets []cohort.Ticket) []error {
	var wg sync.WaitGroup
	errs := make([]error, len(tickets))
	for i, tk := range tickets {
		wg.Go(func() { errs[i] = c.UpdateTicket(context.Background(), update(tk)) })
	}
	wg.Wait()
	return errs
}

func TestConcurrentUpdatesShareABatch(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchWait: 500 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	tickets := createTickets(t, c, 60)
	before := sb.Stats()
	errs := updateAtOnce(c, tickets)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("ticket %d: %v", tickets[i].ID, err)
		}
	}
	after := sb.Stats()
	if n := after.RequestsByRoute["PUT /api/v2/tickets/update_many"] - before.RequestsByRoute["PUT /api/v2/tickets/update_many"]; n != 1 {
		t.Errorf("%d batch updates for 60 concurrent tickets, want 1", n)
	}
	if n := after.RequestsByRoute["PUT /api/v2/tickets/{id}"] - before.RequestsByRoute["PUT /api/v2/tickets/{id}"]; n != 0 {
		t.Errorf("%d single updates, want 0", n)
	}
	for _, tk := range tickets {
		got, err := c.API().GetTicket(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got.Tags, "agent_tag") || !slices.Contains(got.Tags, "seg_x") || got.Priority != "high" {
			t.Errorf("ticket %d after batch: tags %v priority %q", tk.ID, got.Tags, got.Priority)
		}
	}
}

func TestLoneUpdateGoesAlone(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchWait: 10 * time.Millisecond})
	tk := createTickets(t, c, 1)[0]
	if err := c.UpdateTicket(context.Background(), update(tk)); err != nil {
		t.Fatal(err)
	}
	st := sb.Stats()
	if st.RequestsByRoute["PUT /api/v2/tickets/{id}"] != 1 || st.RequestsByRoute["PUT /api/v2/tickets/update_many"] != 0 {
		t.Errorf("routes = %v, want one single-ticket update", st.RequestsByRoute)
	}
}

func TestConflictInsideABatch(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchWait: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	tickets := createTickets(t, c, 3)
	// An agent changes the second ticket after cohort read it.
	if _, err := c.API().UpdateTicket(context.Background(), tickets[1].ID, zd.Ticket{Priority: "urgent"}); err != nil {
		t.Fatal(err)
	}
	errs := updateAtOnce(c, tickets)
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("unchanged tickets: %v, %v", errs[0], errs[2])
	}
	if cohort.KindOf(errs[1]) != cohort.KindConflict {
		t.Fatalf("changed ticket: err = %v, want a conflict", errs[1])
	}
	got, _ := c.API().GetTicket(context.Background(), tickets[1].ID)
	if got.Priority != "urgent" {
		t.Errorf("the agent's priority was overwritten: %q", got.Priority)
	}
	// Re-planned from a fresh read, the ticket's next update goes alone.
	fresh, err := c.Ticket(context.Background(), tickets[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	singles := sb.Stats().RequestsByRoute["PUT /api/v2/tickets/{id}"]
	if err := c.UpdateTicket(context.Background(), update(fresh)); err != nil {
		t.Fatal(err)
	}
	if n := sb.Stats().RequestsByRoute["PUT /api/v2/tickets/{id}"] - singles; n != 1 {
		t.Errorf("retry after a batch conflict made %d single updates, want 1", n)
	}
}

func TestBudgetKeepsUnderTheAccountLimit(t *testing.T) {
	// The account allows 60 requests a minute, enforced with 429s. cohort's
	// budget of 60 a minute (1 a second, bursts of 6) must never meet one.
	sb, c := sandboxClient(t, sandbox.Config{RateLimit: 60}, zendesk.Config{RateLimit: 60, UpdateRateLimit: 60, BatchSize: 1})
	start := time.Now()
	for range 10 {
		if _, err := c.API().Get(context.Background(), "/users/me.json"); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(start)
	if st := sb.Stats(); st.RateLimited != 0 || st.Requests != 10 {
		t.Errorf("%d requests, %d answered 429; want 10 and none", st.Requests, st.RateLimited)
	}
	if took < 3*time.Second {
		t.Errorf("10 requests at 1 a second after a burst of 6 took %v, want about 4s", took)
	}
}

package zendesk_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// Routes of the job status endpoints, as the sandbox names them.
const (
	routeShowMany = "GET /api/v2/job_statuses/show_many"
	routeShowJob  = "GET /api/v2/job_statuses/{id}"
	routeBatch    = "PUT /api/v2/tickets/update_many"
	routeSingle   = "PUT /api/v2/tickets/{id}"
)

// updateAllWithin updates every ticket at once and fails the test if that
// takes longer than limit (a wait for a job that never ends).
func updateAllWithin(t *testing.T, c *zendesk.Client, tickets []cohort.Ticket, limit time.Duration) []error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, len(tickets))
	for i, tk := range tickets {
		wg.Go(func() { errs[i] = c.UpdateTicket(ctx, update(tk)) })
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("updates still waiting after %v: %v", limit, errs)
	}
	return errs
}

// updateAllOK updates every ticket at once and fails the test unless each
// update succeeded within 10 seconds.
func updateAllOK(t *testing.T, c *zendesk.Client, tickets []cohort.Ticket) {
	t.Helper()
	for i, err := range updateAllWithin(t, c, tickets, 10*time.Second) {
		if err != nil {
			t.Errorf("ticket %d: %v", tickets[i].ID, err)
		}
	}
}

// wantUpdated fails the test unless every ticket carries the update once.
func wantUpdated(t *testing.T, c *zendesk.Client, tickets []cohort.Ticket) {
	t.Helper()
	for _, tk := range tickets {
		got, err := c.API().GetTicket(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got.Tags, "seg_x") || got.Priority != "high" {
			t.Errorf("ticket %d not updated: tags %v, priority %q", tk.ID, got.Tags, got.Priority)
		}
	}
}

// TestJobsReadAloneWithoutShowMany: an account (or proxy) without
// job_statuses/show_many answers it 404; cohort reads each job alone and
// the batch completes.
func TestJobsReadAloneWithoutShowMany(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchWait: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	sb.FailRoute(routeShowMany, http.StatusNotFound)
	tickets := createTickets(t, c, 3)
	updateAllOK(t, c, tickets)
	wantUpdated(t, c, tickets)
	st := sb.Stats()
	if st.RequestsByRoute[routeBatch] != 1 || st.RequestsByRoute[routeShowMany] != 1 || st.RequestsByRoute[routeShowJob] < 1 {
		t.Errorf("routes %v: want one batch, show_many tried once, then the job read alone", st.RequestsByRoute)
	}
}

// TestUnreadableJobIsCheckedOnTheTickets: no job status can be read at
// all. After the job timeout cohort reads the batch's tickets, finds the
// update applied, and stops waiting; updates that follow go alone.
func TestUnreadableJobIsCheckedOnTheTickets(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{BatchWait: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		JobTimeout: 300 * time.Millisecond, RetryMax: -1})
	sb.FailRoute(routeShowMany, http.StatusServiceUnavailable)
	sb.FailRoute(routeShowJob, http.StatusServiceUnavailable)
	tickets := createTickets(t, c, 4)
	updateAllOK(t, c, tickets[:3])
	if n := sb.Stats().RequestsByRoute[routeSingle]; n != 0 {
		t.Errorf("%d tickets were updated again alone; the batch had applied", n)
	}
	// Job statuses still cannot be read: the next update goes alone.
	if err := updateAllWithin(t, c, tickets[3:], 5*time.Second)[0]; err != nil {
		t.Fatal(err)
	}
	wantUpdated(t, c, tickets)
	st := sb.Stats()
	if st.RequestsByRoute[routeBatch] != 1 || st.RequestsByRoute[routeSingle] != 1 {
		t.Errorf("routes %v: want one batch, then one update alone", st.RequestsByRoute)
	}
}

// TestUnreadableJobNotRunIsRetriedAlone: the job cannot be read and has
// not run either (it waits in Zendesk's queue): once the job timeout has
// passed, the tickets it has not updated are updated alone, and the job,
// when it runs late, writes nothing twice.
func TestUnreadableJobNotRunIsRetriedAlone(t *testing.T) {
	sb, c := sandboxClient(t, sandbox.Config{Faults: sandbox.Faults{JobDelay: time.Hour}},
		zendesk.Config{BatchWait: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond, JobTimeout: 300 * time.Millisecond, RetryMax: -1})
	sb.FailRoute(routeShowMany, http.StatusServiceUnavailable)
	sb.FailRoute(routeShowJob, http.StatusServiceUnavailable)
	tickets := createTickets(t, c, 3)
	updateAllOK(t, c, tickets)
	wantUpdated(t, c, tickets)
	if n := sb.Stats().RequestsByRoute[routeSingle]; n != 3 {
		t.Errorf("%d updates alone, want 3", n)
	}
	sb.SetFaults(sandbox.Faults{}) // the queued job runs now
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := sb.WaitJobs(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tk := range tickets {
		res, err := c.API().ListTicketComments(context.Background(), tk.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		notes := 0
		for _, cm := range res.TicketComments {
			if cm.Body == "why" {
				notes++
			}
		}
		if notes != 1 {
			t.Errorf("ticket %d has %d notes of cohort's, want 1", tk.ID, notes)
		}
	}
}

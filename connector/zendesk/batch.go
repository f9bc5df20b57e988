package zendesk

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// batcher combines the ticket updates of concurrent enrich jobs into
// Zendesk's batch update (PUT /tickets/update_many with a list of tickets,
// each with its own changes), then polls the background jobs that Zendesk
// answers with. An update alone in its window goes out as a single-ticket
// update, which costs one request instead of two.
//
// While the jobs' statuses cannot be read, updates go alone. A ticket
// whose update fails inside a batch is not sent in a batch again:
// a conflict goes back to the caller (who re-reads and re-plans, and whose
// next update goes alone); any other failure is retried alone at once, so
// its error is the ticket's own.
type batcher struct {
	c       *Client
	jobs    *jobPoller
	timeout time.Duration // the job timeout: a batch is given a minute more
	slots   chan struct{} // bounds outstanding bulk jobs (Zendesk allows 30)
	gather  *gatherer[batchItem]

	mu    sync.Mutex
	alone map[int64]bool // tickets to update alone next time
}

type batchItem struct {
	ctx  context.Context
	u    cohort.TicketUpdate
	done chan error
}

func newBatcher(c *Client, size int, wait time.Duration, maxJobs int, jobTimeout time.Duration) *batcher {
	b := &batcher{c: c, jobs: c.jobs, timeout: jobTimeout, slots: make(chan struct{}, maxJobs), alone: map[int64]bool{}}
	b.gather = newGatherer(size, wait, c.throttle.prepay, b.send)
	return b
}

func (b *batcher) close() {
	b.gather.close()
}

// update sends u, in a batch if others come along within the window.
func (b *batcher) update(ctx context.Context, u cohort.TicketUpdate) error {
	b.mu.Lock()
	alone := b.alone[u.TicketID]
	delete(b.alone, u.TicketID)
	b.mu.Unlock()
	item := batchItem{ctx: ctx, u: u, done: make(chan error, 1)}
	if alone || b.jobs.unreadable() || !b.gather.add(ctx, item) {
		return b.c.updateOne(ctx, u)
	}
	select {
	case err := <-item.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send updates the batch's tickets and answers each item. ctx carries the
// request tokens taken while the batch filled.
func (b *batcher) send(ctx context.Context, batch []batchItem, budgetErr error) {
	if budgetErr != nil {
		for _, it := range batch {
			it.done <- cohort.E("zendesk.UpdateTicket", cohort.KindUnavailable, budgetErr)
		}
		return
	}
	if len(batch) == 1 {
		it := batch[0]
		batch[0].done <- b.c.updateOne(withPrepaid(it.ctx, ctx), it.u)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout+time.Minute)
	defer cancel()
	updates := make([]cohort.TicketUpdate, len(batch))
	for i, it := range batch {
		updates[i] = it.u
	}
	b.slots <- struct{}{}
	results, err := b.c.updateMany(ctx, updates, b.jobs)
	<-b.slots
	for _, it := range batch {
		switch r, ok := results[it.u.TicketID]; {
		case err != nil:
			it.done <- err
		case !ok:
			it.done <- cohort.Errorf("zendesk.UpdateTicket", cohort.KindUnavailable, "ticket %d missing from the batch job's results", it.u.TicketID)
		case r.ok():
			it.done <- nil
		case isConflict(r):
			b.mu.Lock()
			b.alone[it.u.TicketID] = true
			b.mu.Unlock()
			it.done <- cohort.Errorf("zendesk.UpdateTicket", cohort.KindConflict, "ticket %d changed since it was read (%s)", it.u.TicketID, r.Error)
		default:
			b.c.logger.Info("ticket failed inside a batch update; retrying it alone", "ticket_id", it.u.TicketID, "error", r.Error, "details", r.Details)
			it.done <- b.c.updateOne(it.ctx, it.u)
		}
	}
}

// withPrepaid gives ctx the prepaid tokens that from carries.
func withPrepaid(ctx, from context.Context) context.Context {
	if p, ok := from.Value(prepaidKey{}).(*prepaid); ok {
		return context.WithValue(ctx, prepaidKey{}, p)
	}
	return ctx
}

func isConflict(r jobResult) bool {
	return strings.Contains(strings.ToLower(r.Error), "conflict")
}

// jobStatus is Zendesk's background job status.
type jobStatus struct {
	ID       string      `json:"id"`
	Status   string      `json:"status"` // queued, working, failed, completed
	Message  string      `json:"message"`
	Results  []jobResult `json:"results"`
	Total    int         `json:"total"`
	Progress int         `json:"progress"`
}

// jobResult is one item's result. Index, Email and ExternalID come with the
// users of a bulk user write.
type jobResult struct {
	Index      *int   `json:"index"`
	ID         int64  `json:"id"`
	Action     string `json:"action"`
	Status     string `json:"status"`
	Success    *bool  `json:"success"`
	Error      string `json:"error"`
	Details    string `json:"details"`
	Email      string `json:"email"`
	ExternalID string `json:"external_id"`
}

// ok reports whether the item succeeded: it says so, or, like the results
// of creates in Zendesk's OpenAPI document ({id, index}), it names what it
// made with no error and no failed status.
func (r jobResult) ok() bool {
	if r.Success != nil {
		return *r.Success
	}
	return r.Error == "" && !strings.EqualFold(r.Status, "Failed") && r.ID != 0
}

// updateMany sends updates as one batch update and waits for its job. It
// returns each ticket's result.
//
// Zendesk API docs: PUT /api/v2/tickets/update_many
func (c *Client) updateMany(ctx context.Context, updates []cohort.TicketUpdate, jobs *jobPoller) (map[int64]jobResult, error) {
	const op = "zendesk.UpdateTicket (batch)"
	c.observer.Batch(len(updates))
	tickets := make([]ticketWrite, len(updates))
	safe := true
	for i, u := range updates {
		tickets[i] = ticketWriteOf(u)
		tickets[i].ID, tickets[i].AdditionalTags = u.TicketID, u.AddTags
		safe = safe && tickets[i].SafeUpdate
	}
	if safe {
		ctx = httpretry.Repeatable(ctx) // a repeated job's items fail as conflicts
	}
	body, err := c.api.Put(ctx, "/tickets/update_many.json", map[string]any{"tickets": tickets})
	if err != nil {
		return nil, apiError(op, err)
	}
	job, err := jobs.await(ctx, op, body)
	if errors.Is(err, errJobUnread) {
		return c.verifyUpdates(ctx, updates)
	}
	if err != nil {
		return nil, err
	}
	results := make(map[int64]jobResult, len(job.Results))
	for _, r := range job.Results {
		results[r.ID] = r
	}
	return results, nil
}

// verifyUpdates finds out which of a batch's updates applied when its job
// could not be read: an update applied if the ticket has every tag it
// adds (cohort's updates always add its marker tag). The others come back
// failed, and the batcher updates them alone.
//
// Zendesk API docs: GET /api/v2/tickets/show_many
func (c *Client) verifyUpdates(ctx context.Context, updates []cohort.TicketUpdate) (map[int64]jobResult, error) {
	const op = "zendesk.UpdateTicket (batch check)"
	results := make(map[int64]jobResult, len(updates))
	for chunk := range slices.Chunk(updates, 100) {
		ids := make([]string, len(chunk))
		for i, u := range chunk {
			ids[i] = strconv.FormatInt(u.TicketID, 10)
		}
		var page struct {
			Tickets []struct {
				ID   int64    `json:"id"`
				Tags []string `json:"tags"`
			} `json:"tickets"`
		}
		if err := c.getJSON(ctx, "/tickets/show_many.json?ids="+strings.Join(ids, ","), &page); err != nil {
			return nil, cohort.E(op, cohort.KindUnavailable, err)
		}
		tags := make(map[int64][]string, len(page.Tickets))
		for _, t := range page.Tickets {
			tags[t.ID] = t.Tags
		}
		for _, u := range chunk {
			applied := len(u.AddTags) > 0
			for _, tag := range u.AddTags {
				applied = applied && slices.Contains(tags[u.TicketID], tag)
			}
			r := jobResult{ID: u.TicketID, Success: &applied}
			if !applied {
				r.Error = "the batch job could not be read and the ticket does not show the update"
			}
			results[u.TicketID] = r
		}
	}
	c.logger.Info("checked a batch whose job could not be read", "tickets", len(updates))
	return results, nil
}

package freshdesk

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// apiTicket is a ticket as Freshdesk's API gives it, with the embeds
// cohort asks for (include=requester,company; reference sheet §10.2).
type apiTicket struct {
	ID           int64          `json:"id"`
	Subject      string         `json:"subject"`
	Description  string         `json:"description_text"`
	Status       int            `json:"status"`
	Priority     int            `json:"priority"`
	Source       int            `json:"source"`
	Tags         []string       `json:"tags"`
	RequesterID  int64          `json:"requester_id"`
	CompanyID    int64          `json:"company_id"`
	CustomFields map[string]any `json:"custom_fields"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Requester    *apiContact    `json:"requester"`
	Company      *apiCompany    `json:"company"`
}

type apiContact struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	ExternalID string `json:"unique_external_id"`
}

type apiCompany struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Freshdesk's ticket statuses (reference sheet §10.2); custom statuses
// have higher numbers.
var statusNames = map[int]string{2: "open", 3: "pending", 4: "resolved", 5: "closed"}

// Freshdesk's ticket sources as cohort's channels (reference sheet §10.2).
var sourceChannels = map[int]string{1: "email", 2: "web", 3: "phone", 7: "chat", 9: "web", 10: "email"}

// Ticket reads ticket id with its requester and company, as cohort
// decides on it.
func (c *Client) Ticket(ctx context.Context, id int64) (cohort.Ticket, error) {
	op := "freshdesk.Ticket " + strconv.FormatInt(id, 10)
	var t apiTicket
	if _, err := c.do(ctx, op, http.MethodGet, idPath("/tickets", id)+"?include=requester,company", nil, &t); err != nil {
		return cohort.Ticket{}, err
	}
	return t.ticket(), nil
}

// ticket is t as cohort sees it.
func (t *apiTicket) ticket() cohort.Ticket {
	out := cohort.Ticket{
		ID: t.ID, Subject: cohort.CleanText(t.Subject), Description: cohort.CleanText(t.Description),
		Priority: priorityOf(t.Priority), Status: statusNames[t.Status], Tags: t.Tags,
		Channel: sourceChannels[t.Source], CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		Requester: cohort.Requester{ID: t.RequesterID}, Organization: cohort.Organization{ID: t.CompanyID},
	}
	if out.Status == "" && t.Status > 5 {
		out.Status = "custom"
	}
	if out.Channel == "" && t.Source != 0 {
		out.Channel = "other"
	}
	if r := t.Requester; r != nil {
		out.Requester = cohort.Requester{ID: cmpID(r.ID, t.RequesterID), Email: strings.TrimSpace(r.Email),
			Name: cohort.CleanText(r.Name), ExternalID: r.ExternalID}
	}
	if co := t.Company; co != nil {
		out.Organization = cohort.Organization{ID: cmpID(co.ID, t.CompanyID), Name: cohort.CleanText(co.Name)}
	}
	return out
}

func cmpID(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// priorityOf maps Freshdesk's 1 low, 2 medium, 3 high, 4 urgent onto
// cohort's priorities (medium is normal).
func priorityOf(p int) cohort.Priority {
	switch p {
	case 1:
		return cohort.PriorityLow
	case 2:
		return cohort.PriorityNormal
	case 3:
		return cohort.PriorityHigh
	case 4:
		return cohort.PriorityUrgent
	}
	return cohort.PriorityNone
}

// freshdeskPriority is p as Freshdesk's integer, 0 for none.
func freshdeskPriority(p cohort.Priority) int {
	if p < cohort.PriorityLow || p > cohort.PriorityUrgent {
		return 0
	}
	return int(p) // cohort's 1..4 are Freshdesk's low, medium, high, urgent
}

// TicketWrite is one PUT of a ticket: Freshdesk has no add-tags and no
// collision check, so Tags is the whole list to write (the ticket's tags
// as just read, merged), and cohort writes right after reading.
type TicketWrite struct {
	Tags         []string          // nil: left as it is
	Priority     cohort.Priority   // PriorityNone: left as it is
	Status       int               // Freshdesk's status number; 0: left as it is
	Type         string            // "": left as it is
	GroupID      int64             // 0: left as it is
	CustomFields map[string]string // cf_<name>: value
}

// PutTicket writes w to ticket id with PUT /api/v2/tickets/{id}, once: its
// tag list was built from a read, and a later resend could overwrite what
// an agent changed since. When the write is refused for now (429, 5xx) or
// its answer is lost, the error has KindConflict, so that the caller reads
// the ticket again and plans anew.
func (c *Client) PutTicket(ctx context.Context, id int64, w TicketWrite) error {
	op := "freshdesk.PutTicket " + strconv.FormatInt(id, 10)
	body := map[string]any{}
	if w.Tags != nil {
		body["tags"] = w.Tags
	}
	if p := freshdeskPriority(w.Priority); p != 0 {
		body["priority"] = p
	}
	if w.Status != 0 {
		body["status"] = w.Status
	}
	if w.Type != "" {
		body["type"] = w.Type
	}
	if w.GroupID != 0 {
		body["group_id"] = w.GroupID
	}
	if len(w.CustomFields) > 0 {
		body["custom_fields"] = w.CustomFields
	}
	if len(body) == 0 {
		return nil
	}
	_, err := c.do(httpretry.Once(ctx), op, http.MethodPut, idPath("/tickets", id), body, nil)
	if cohort.KindOf(err) == cohort.KindUnavailable && ctx.Err() == nil {
		return cohort.Errorf(op, cohort.KindConflict, "the write may not have landed; read the ticket again: %w", err)
	}
	return err
}

// AddNote adds a note to ticket id: private (agents only) or public. A
// POST creates a note each time it lands, so a lost answer is not sent
// again; cohort's marker tag tells a retried job that it already wrote.
func (c *Client) AddNote(ctx context.Context, id int64, body string, private bool) error {
	op := "freshdesk.AddNote " + strconv.FormatInt(id, 10)
	_, err := c.do(ctx, op, http.MethodPost, idPath("/tickets", id)+"/notes",
		map[string]any{"body": body, "private": private}, nil)
	return err
}

// TicketsUpdatedSince calls fn with each page of the tickets changed since
// since (GET /api/v2/tickets?updated_since=…, oldest first, 100 a page,
// following the Link header), stopping at fn's first error.
func (c *Client) TicketsUpdatedSince(ctx context.Context, since time.Time, fn func([]cohort.Ticket) error) error {
	const op = "freshdesk.TicketsUpdatedSince"
	q := url.Values{"updated_since": {since.UTC().Format(time.RFC3339)}, "order_by": {"updated_at"},
		"order_type": {"asc"}, "per_page": {"100"}, "include": {"requester"}}
	page := "/tickets?" + q.Encode()
	for page != "" {
		var got []apiTicket
		next, err := c.do(ctx, op, http.MethodGet, page, nil, &got)
		if err != nil {
			return err
		}
		tickets := make([]cohort.Ticket, len(got))
		for i := range got {
			tickets[i] = got[i].ticket()
		}
		if err := fn(tickets); err != nil {
			return err
		}
		page = next
	}
	return nil
}

package zendesk

import (
	"context"
	"strconv"
	"strings"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// Ticket reads a ticket's current state. The requester and organization
// carry only their IDs; FillRequester completes them.
//
// Zendesk API docs: GET /api/v2/tickets/{ticket_id}
func (c *Client) Ticket(ctx context.Context, id int64) (cohort.Ticket, error) {
	t, err := c.api.GetTicket(ctx, id)
	if err != nil {
		return cohort.Ticket{}, apiError("zendesk.Ticket", err)
	}
	return fromAPITicket(t), nil
}

func fromAPITicket(t zd.Ticket) cohort.Ticket {
	p, _ := cohort.ParsePriority(t.Priority) // an unknown priority counts as none
	out := cohort.Ticket{
		ID: t.ID, Subject: t.Subject, Description: t.Description, Priority: p, Status: t.Status,
		Tags:         append([]string(nil), t.Tags...),
		Requester:    cohort.Requester{ID: t.RequesterID},
		Organization: cohort.Organization{ID: t.OrganizationID},
	}
	if t.Via != nil {
		out.Channel = t.Via.Channel
	}
	if t.UpdatedAt != nil {
		out.UpdatedAt = t.UpdatedAt.UTC()
	}
	if t.CreatedAt != nil {
		out.CreatedAt = t.CreatedAt.UTC()
	}
	return out
}

// FillRequester looks up the requester (and their organization) by ID when
// the webhook did not say who they are: an event webhook carries no email.
// Concurrent lookups are batched into show_many requests.
//
// Zendesk API docs: GET /api/v2/users/show_many, GET /api/v2/organizations/show_many
func (c *Client) FillRequester(ctx context.Context, t *cohort.Ticket) error {
	r := &t.Requester
	if r.ID != 0 && r.Email == "" && r.ExternalID == "" {
		u, err := lookup(ctx, c.lookups.users, "user", r.ID)
		if err != nil {
			return err
		}
		r.Email, r.ExternalID = strings.ToLower(u.Email), u.ExternalID
		if r.Name == "" {
			r.Name = u.Name
		}
		if t.Organization.ID == 0 {
			t.Organization.ID = u.OrganizationID
		}
	}
	o := &t.Organization
	if o.ID != 0 && o.ExternalID == "" && o.Name == "" {
		org, err := lookup(ctx, c.lookups.orgs, "organization", o.ID)
		if err != nil {
			return err
		}
		o.Name, o.ExternalID = org.Name, org.ExternalID
	}
	return nil
}

// UpdateTicket applies u as one update. Under load, updates of concurrent
// callers are combined into one batch update (see batcher). With
// u.UpdatedStamp set it is a safe update: if the ticket changed since it was
// read, nothing is written and the error has cohort.KindConflict.
func (c *Client) UpdateTicket(ctx context.Context, u cohort.TicketUpdate) error {
	if c.batcher == nil {
		return c.updateOne(ctx, u)
	}
	return c.batcher.update(ctx, u)
}

// updateOne applies u in one request. Tags are written as the full set
// u.Tags (the ticket's tags plus cohort's), which safe_update makes safe.
//
// Zendesk API docs: PUT /api/v2/tickets/{ticket_id}
func (c *Client) updateOne(ctx context.Context, u cohort.TicketUpdate) error {
	c.observer.Batch(1)
	w := ticketWriteOf(u)
	w.Tags = u.Tags
	if w.SafeUpdate {
		ctx = httpretry.Repeatable(ctx) // a repeat that lands second is refused as a conflict
	}
	_, err := c.api.Put(ctx, "/tickets/"+strconv.FormatInt(u.TicketID, 10)+".json", map[string]any{"ticket": w})
	return apiError("zendesk.UpdateTicket "+strconv.FormatInt(u.TicketID, 10), err)
}

// ticketWrite is the body of one ticket's update, alone or in a batch.
type ticketWrite struct {
	ID             int64          `json:"id,omitempty"` // batch items only
	Tags           []string       `json:"tags,omitempty"`
	AdditionalTags []string       `json:"additional_tags,omitempty"`
	Priority       string         `json:"priority,omitempty"`
	Status         string         `json:"status,omitempty"`
	Type           string         `json:"type,omitempty"`
	GroupID        int64          `json:"group_id,omitempty"`
	CustomFields   []customField  `json:"custom_fields,omitempty"`
	Comment        *commentWrite  `json:"comment,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty"`
	SafeUpdate     bool           `json:"safe_update,omitempty"`
	UpdatedStamp   *time.Time     `json:"updated_stamp,omitempty"`
}

type customField struct {
	ID    int64  `json:"id"`
	Value string `json:"value"`
}

type commentWrite struct {
	Body   string `json:"body"`
	Public bool   `json:"public"`
}

// ticketWriteOf is u as Zendesk takes it, without its tags. An update
// carries one comment: a macro's public reply when there is one, with
// cohort's note then kept in the audit's metadata, else the note, private.
// The keys of the macros applied go in the metadata too.
func ticketWriteOf(u cohort.TicketUpdate) ticketWrite {
	w := ticketWrite{Priority: u.Priority.String(), Status: u.Status, Type: u.Type, GroupID: u.GroupID}
	for _, f := range u.Fields {
		w.CustomFields = append(w.CustomFields, customField{ID: f.ID, Value: f.Value})
	}
	audit := map[string]any{}
	switch {
	case u.Reply != "":
		w.Comment = &commentWrite{Body: u.Reply, Public: true}
		if u.Note != "" {
			audit["note"] = u.Note
		}
	case u.Note != "":
		w.Comment = &commentWrite{Body: u.Note}
	}
	if len(u.Macros) > 0 {
		audit["macros"] = u.Macros
	}
	if len(audit) > 0 {
		w.Metadata = map[string]any{"cohort": audit}
	}
	if !u.UpdatedStamp.IsZero() {
		stamp := u.UpdatedStamp.UTC().Truncate(time.Second)
		w.SafeUpdate, w.UpdatedStamp = true, &stamp
	}
	return w
}

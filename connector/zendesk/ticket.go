package zendesk

import (
	"context"
	"strconv"
	"strings"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
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
// u.Tags (the ticket's tags plus cohort's), which safe_update makes safe:
// go-zendesk's Ticket has no additional_tags.
//
// Zendesk API docs: PUT /api/v2/tickets/{ticket_id}
func (c *Client) updateOne(ctx context.Context, u cohort.TicketUpdate) error {
	t := zd.Ticket{Tags: u.Tags, Priority: u.Priority.String()}
	if !u.UpdatedStamp.IsZero() {
		stamp := u.UpdatedStamp.UTC().Truncate(time.Second)
		t.SafeUpdate, t.UpdatedStamp = true, &stamp
	}
	for _, f := range u.Fields {
		t.CustomFields = append(t.CustomFields, zd.CustomField{ID: f.ID, Value: f.Value})
	}
	if u.Note != "" {
		note := zd.NewPrivateTicketComment(u.Note, 0)
		t.Comment = &note
	}
	_, err := c.api.UpdateTicket(ctx, u.TicketID, t)
	return apiError("zendesk.UpdateTicket "+strconv.FormatInt(u.TicketID, 10), err)
}

package freshdesk

import (
	"context"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort"
)

var _ cohort.Helpdesk = (*Client)(nil)

// Name is "freshdesk".
func (c *Client) Name() string { return Name }

// FillRequester completes the requester's email, name and external id, and
// the company's name, from their ids where t lacks an email or a company
// name. Ticket includes the requester (without its external id, which
// include=requester does not carry) and the company, so this reads only
// for a ticket that came from elsewhere.
func (c *Client) FillRequester(ctx context.Context, t *cohort.Ticket) error {
	if r := &t.Requester; r.ID != 0 && r.Email == "" {
		op := "freshdesk.Contact " + strconv.FormatInt(r.ID, 10)
		var got apiContact
		if _, err := c.do(ctx, op, http.MethodGet, idPath("/contacts", r.ID), nil, &got); err != nil {
			return err
		}
		r.Email, r.ExternalID = strings.TrimSpace(got.Email), got.ExternalID
		r.Name = cmpText(r.Name, cohort.CleanText(got.Name))
	}
	if o := &t.Organization; o.ID != 0 && o.Name == "" {
		op := "freshdesk.Company " + strconv.FormatInt(o.ID, 10)
		var got apiCompany
		if _, err := c.do(ctx, op, http.MethodGet, idPath("/companies", o.ID), nil, &got); err != nil {
			return err
		}
		o.Name = cohort.CleanText(got.Name)
	}
	return nil
}

func cmpText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// UpdateTicket applies u in as few calls as Freshdesk allows: one PUT with
// the whole tag list (u.Tags, the tags as just read plus cohort's: a PUT
// replaces the list, and Freshdesk has neither add-tags nor a collision
// check, apps-freshdesk-ops.md §2.3), the priority and the macros' status,
// type and group; then the private note (HTML), and a macro's public
// reply. The PUT carries the marker tag, so a retried job that finds it
// writes nothing more.
func (c *Client) UpdateTicket(ctx context.Context, u cohort.TicketUpdate) error {
	w := TicketWrite{Tags: u.Tags, Priority: u.Priority, Status: statusNumbers[u.Status], Type: u.Type, GroupID: u.GroupID}
	if err := c.PutTicket(ctx, u.TicketID, w); err != nil {
		return err
	}
	if u.Note != "" {
		if err := c.AddNote(ctx, u.TicketID, textHTML(u.Note), true); err != nil {
			return err
		}
	}
	if u.Reply != "" {
		op := "freshdesk.Reply " + strconv.FormatInt(u.TicketID, 10)
		if _, err := c.do(ctx, op, http.MethodPost, idPath("/tickets", u.TicketID)+"/reply",
			map[string]any{"body": textHTML(u.Reply)}, nil); err != nil {
			return err
		}
	}
	return nil
}

// statusNumbers are Freshdesk's numbers of the status names macros use.
var statusNumbers = map[string]int{"open": 2, "pending": 3, "resolved": 4, "solved": 4, "closed": 5}

// textHTML is plain text as the HTML a note's body takes: escaped, with
// its line breaks kept.
func textHTML(s string) string {
	return strings.ReplaceAll(html.EscapeString(s), "\n", "<br>")
}

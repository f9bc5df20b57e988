package cohort

import "context"

// Helpdesk is what the enrich job needs of any helpdesk. Connectors (such as
// connector/zendesk) satisfy it; their errors carry a Kind, KindConflict when
// a collision-safe update found the ticket changed.
type Helpdesk interface {
	// Name is the helpdesk's short name, "zendesk" or "freshdesk".
	Name() string
	// Ticket reads a ticket's current state.
	Ticket(ctx context.Context, id int64) (Ticket, error)
	// FillRequester completes t.Requester and t.Organization from their IDs
	// where the webhook left out email or external ids.
	FillRequester(ctx context.Context, t *Ticket) error
	// UpdateTicket applies u as one update.
	UpdateTicket(ctx context.Context, u TicketUpdate) error
}

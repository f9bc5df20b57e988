package macros

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/cohortdesk/cohort"
)

// Renderer renders a macro's comment on a ticket, for placeholders only
// the helpdesk can fill.
type Renderer interface {
	Name() string
	RenderMacro(ctx context.Context, ticketID, macroID int64) (string, error)
}

// Applier applies automatic macros to new tickets (the enricher chooses
// them with Set.Auto): it merges their actions into cohort's one update,
// and suggests the macros that fit a ticket to the sidebar app.
type Applier struct {
	set      func() *Set
	helpdesk Renderer
	owned    Owned
	logger   *slog.Logger
}

// NewApplier returns an Applier of the macros set returns (the current
// ones, bound to the segments), rendering through hd the comments cohort
// cannot render itself.
func NewApplier(set func() *Set, hd Renderer, owned Owned, logger *slog.Logger) *Applier {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Applier{set: set, helpdesk: hd, owned: owned, logger: logger}
}

// Merge adds the actions of chosen to u, the update planned for ticket t
// whose requester is c (nil when none matched): tags are added, status,
// type and group set (the last macro's win), and each comment rendered:
// an internal note goes after cohort's note, a public reply becomes u's
// Reply. Priority is not touched: a macro's priority counts in the
// decision, which never lowers one. A comment with placeholders only the
// helpdesk fills is rendered by the helpdesk's copy of the macro; one
// whose macro has no copy yet (cohort macros sync has not run) is left
// out, with a warning, rather than sent unrendered.
func (a *Applier) Merge(ctx context.Context, t *cohort.Ticket, c *cohort.Customer, chosen []*Macro, u *cohort.TicketUpdate) error {
	for _, m := range chosen {
		act := &m.Actions
		for _, tag := range act.AddTags {
			if !slices.Contains(u.Tags, tag) {
				u.Tags = append(u.Tags, tag)
				u.AddTags = append(u.AddTags, tag)
			}
		}
		if act.Status != "" {
			u.Status = act.Status
		}
		if act.Type != "" {
			u.Type = act.Type
		}
		if act.GroupID != 0 {
			u.GroupID = act.GroupID
		}
		u.Macros = append(u.Macros, m.Key)
		if act.Comment == "" {
			continue
		}
		body, ok := Render(act.Comment, t, c)
		if !ok {
			var err error
			if body, ok, err = a.renderByHelpdesk(ctx, t.ID, m); err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		switch {
		case !act.Public:
			u.Note += fmt.Sprintf("\nMacro %q:\n%s\n", m.Title, body)
		case u.Reply != "":
			u.Reply += "\n\n" + body
		default:
			u.Reply = body
		}
	}
	return nil
}

// renderByHelpdesk renders m's comment on ticket id with the helpdesk's
// copy of m; false when there is none.
func (a *Applier) renderByHelpdesk(ctx context.Context, ticketID int64, m *Macro) (string, bool, error) {
	owned, err := a.owned.OwnedMacros(ctx, a.helpdesk.Name())
	if err != nil {
		return "", false, err
	}
	rec, ok := owned[m.Key]
	if !ok || !rec.Active {
		a.logger.Warn("macro comment left out: its placeholders need the helpdesk, which has no copy of the macro; run cohort macros sync",
			"macro", m.Key, "ticket_id", ticketID)
		return "", false, nil
	}
	body, err := a.helpdesk.RenderMacro(ctx, ticketID, rec.MacroID)
	if cohort.KindOf(err) == cohort.KindNotFound {
		a.logger.Warn("macro comment left out: the helpdesk's copy of the macro is gone; run cohort macros sync",
			"macro", m.Key, "macro_id", rec.MacroID, "ticket_id", ticketID)
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("macros: render %s on ticket %d: %w", m.Key, ticketID, err)
	}
	return body, true, nil
}

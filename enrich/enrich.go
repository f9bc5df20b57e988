// Package enrich turns a new ticket into one update: it finds the requester
// among synced customers, evaluates the segment rules, computes the
// priority, and writes tags, priority, fields, a private note and the
// actions of the primary segment's automatic macros back through the
// helpdesk, safely and once.
//
// It declares the small interfaces it needs (CustomerFinder) and talks to
// the helpdesk through cohort.Helpdesk; it imports no adapter package and
// links no database. Its rules and macros come from a playbook provider,
// asked once per ticket, so one ticket is decided by one version of them.
//
// Exactly-once note: every update also adds MarkerTag. The update is sent
// as a collision-safe update (Zendesk's safe_update), so a ticket changed
// since it was read makes the helpdesk refuse it with a conflict; cohort
// then re-reads the ticket and plans again. A ticket that already carries
// MarkerTag was enriched by an earlier attempt whose record was lost, and
// gets no second note.
package enrich

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/playbook"
)

// MarkerTag marks a ticket cohort has enriched.
const MarkerTag = "cohort_enriched"

// maxConflicts is how many times a ticket is re-read and re-planned after a
// collision before the attempt fails (and the queue retries later).
const maxConflicts = 3

// CustomerFinder finds the customer record of a ticket's requester.
type CustomerFinder interface {
	FindCustomer(ctx context.Context, q cohort.CustomerQuery) (*cohort.Customer, cohort.MatchedBy, error)
}

// Options tune an Enricher.
type Options struct {
	// TagPrefix goes before each segment name to make its tag (default "seg_").
	TagPrefix string
	// SegmentFieldID, when not 0, is a ticket field that gets the primary
	// segment's name.
	SegmentFieldID int64
	// Macros, if set, applies the automatic macros of the ticket's
	// primary segment and escalations (the playbook's) inside the same
	// update.
	Macros *macros.Applier
	Now    func() time.Time
	Logger *slog.Logger
}

// Playbook hands out the current rules and macros (a *playbook.Provider).
type Playbook interface {
	Current() *playbook.Playbook
}

// Enricher enriches tickets of one helpdesk.
type Enricher struct {
	helpdesk  cohort.Helpdesk
	customers CustomerFinder
	book      Playbook
	opts      Options
}

// New returns an Enricher deciding with book's current rules and macros.
func New(h cohort.Helpdesk, customers CustomerFinder, book Playbook, opts Options) *Enricher {
	if opts.TagPrefix == "" {
		opts.TagPrefix = "seg_"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Enricher{helpdesk: h, customers: customers, book: book, opts: opts}
}

// Decide finds t's customer and evaluates the current rules.
func (e *Enricher) Decide(ctx context.Context, t *cohort.Ticket) (cohort.Decision, error) {
	return e.decide(ctx, e.book.Current().Rules, t)
}

// decide finds t's customer and evaluates set.
func (e *Enricher) decide(ctx context.Context, set *rules.Set, t *cohort.Ticket) (cohort.Decision, error) {
	c, by, err := e.customers.FindCustomer(ctx, cohort.CustomerQuery{
		ExternalID: t.Requester.ExternalID, Email: t.Requester.Email, OrgExternalID: t.Organization.ExternalID,
	})
	if err != nil {
		return cohort.Decision{}, fmt.Errorf("enrich: find customer: %w", err)
	}
	r := set.Evaluate(ctx, c, t, e.opts.Now())
	d := cohort.Decision{
		Customer: c, MatchedBy: by, Segments: r.Segments, Escalations: r.Escalations,
		PriorityBefore: t.Priority, Priority: cohort.MaxPriority(t.Priority, r.Priority), Reasons: r.Reasons,
	}
	for _, name := range r.Segments {
		d.Tags = appendNew(d.Tags, e.opts.TagPrefix+name)
	}
	for _, seg := range set.Segments {
		if slices.Contains(r.Segments, seg.Name) {
			for _, tag := range seg.Tags {
				d.Tags = appendNew(d.Tags, tag)
			}
		}
	}
	return d, nil
}

// Plan turns a decision into the one update for ticket t: it adds the
// decision's tags and MarkerTag (keeping every tag t has), raises the
// priority if the decision's is higher, sets the segment field, and writes
// the note. fieldID 0 sets no field.
func Plan(t *cohort.Ticket, d *cohort.Decision, fieldID int64) cohort.TicketUpdate {
	u := cohort.TicketUpdate{TicketID: t.ID, UpdatedStamp: t.UpdatedAt, Tags: slices.Clone(t.Tags)}
	for _, tag := range append(slices.Clone(d.Tags), MarkerTag) {
		if !slices.Contains(u.Tags, tag) {
			u.Tags = append(u.Tags, tag)
			u.AddTags = append(u.AddTags, tag)
		}
	}
	if d.Priority > t.Priority {
		u.Priority = d.Priority
	}
	if fieldID != 0 && d.Primary() != "" {
		u.Fields = []cohort.FieldValue{{ID: fieldID, Value: d.Primary()}}
	}
	u.Note = Note(t, d)
	return u
}

// Note is the private note that tells agents what cohort decided and why.
func Note(t *cohort.Ticket, d *cohort.Decision) string {
	var b strings.Builder
	b.WriteString("cohort: customer segments for this ticket\n\n")
	if len(d.Segments) == 0 {
		b.WriteString("Segments: none matched\n")
	} else {
		segs := slices.Clone(d.Segments)
		segs[0] += " (primary)"
		b.WriteString("Segments: " + strings.Join(segs, ", ") + "\n")
	}
	if len(d.Escalations) > 0 {
		b.WriteString("Escalations: " + strings.Join(d.Escalations, ", ") + "\n")
	}
	if len(d.Macros) > 0 {
		b.WriteString("Macros applied: " + strings.Join(d.Macros, ", ") + "\n")
	}
	if d.Priority > d.PriorityBefore {
		fmt.Fprintf(&b, "Priority: %s → %s\n", d.PriorityBefore.Label(), d.Priority.Label())
	} else {
		fmt.Fprintf(&b, "Priority: %s (unchanged; cohort never lowers a priority)\n", d.Priority.Label())
	}
	if c := d.Customer; c != nil {
		fmt.Fprintf(&b, "Customer: %s (matched by %s)\n", describe(c), strings.ReplaceAll(string(d.MatchedBy), "_", " "))
	} else {
		who := t.Requester.Email
		if who == "" {
			who = fmt.Sprintf("requester %d", t.Requester.ID)
		}
		fmt.Fprintf(&b, "Customer: no CRM record matched %s (tried external id, email, organization, email domain)\n", who)
	}
	if len(d.Reasons) > 0 {
		b.WriteString("\nWhy:\n")
		for _, r := range d.Reasons {
			b.WriteString("- " + r + "\n")
		}
	}
	return b.String()
}

func describe(c *cohort.Customer) string {
	parts := []string{}
	name := c.Name
	if name == "" {
		name = c.Email
	} else if c.Email != "" {
		name += " <" + c.Email + ">"
	}
	if name == "" {
		name = "external id " + c.ExternalID
	}
	parts = append(parts, name)
	if c.Organization != "" {
		parts = append(parts, c.Organization)
	}
	if c.Plan != "" {
		parts = append(parts, "plan "+c.Plan)
	}
	if c.ARR > 0 {
		parts = append(parts, fmt.Sprintf("ARR %.0f", c.ARR))
	}
	if c.TechLevel != "" {
		parts = append(parts, "tech level "+c.TechLevel)
	}
	return strings.Join(parts, ", ")
}

// Enrich enriches the ticket of one delivery and returns the record of what
// it did. Its signature fits the store's queue handler.
func (e *Enricher) Enrich(ctx context.Context, d cohort.Delivery) (cohort.Enrichment, error) {
	t := d.Ticket
	rec := cohort.Enrichment{Helpdesk: e.helpdesk.Name(), TicketID: t.ID, Subject: t.Subject}
	log := e.opts.Logger.With("ticket_id", t.ID)

	if t.UpdatedAt.IsZero() {
		// The delivery did not say when the ticket last changed (or gave a
		// value cohort could not read): read it, to update it safely.
		if err := e.refresh(ctx, &t); err != nil {
			return rec, err
		}
	}
	for conflicts := 0; ; conflicts++ {
		// A no-op when the delivery named the requester; after a re-read it
		// also catches a requester an agent changed meanwhile.
		if err := e.helpdesk.FillRequester(ctx, &t); err != nil {
			return rec, fmt.Errorf("enrich: requester of ticket %d: %w", t.ID, err)
		}
		rec.RequesterEmail = t.Requester.Email
		book := e.book.Current()
		dec, err := e.decide(ctx, book.Rules, &t)
		if err != nil {
			return rec, err
		}
		var chosen []*macros.Macro
		if e.opts.Macros != nil {
			chosen = book.Macros.Auto(dec.Primary(), dec.Escalations)
			for _, m := range chosen {
				dec.Macros = append(dec.Macros, m.Key)
				dec.Priority = cohort.MaxPriority(dec.Priority, m.Actions.Priority)
			}
		}
		fill(&rec, &dec)
		if t.HasTag(MarkerTag) {
			log.Info("ticket already enriched; no second update")
			return rec, nil
		}
		u := Plan(&t, &dec, e.opts.SegmentFieldID)
		if len(chosen) > 0 {
			if err := e.opts.Macros.Merge(ctx, &t, dec.Customer, chosen, &u); err != nil {
				return rec, fmt.Errorf("enrich: macros for ticket %d: %w", t.ID, err)
			}
		}
		err = e.helpdesk.UpdateTicket(ctx, u)
		if err == nil {
			log.Info("ticket enriched", "segments", dec.Segments, "priority", dec.Priority.Label())
			return rec, nil
		}
		if cohort.KindOf(err) != cohort.KindConflict || conflicts == maxConflicts {
			return rec, fmt.Errorf("enrich: update ticket %d: %w", t.ID, err)
		}
		log.Info("ticket changed since read; re-reading and planning again")
		if err := e.refresh(ctx, &t); err != nil {
			return rec, err
		}
	}
}

// refresh re-reads t from the helpdesk: its tags, priority, status and
// updated time, keeping what the delivery said about the requester.
func (e *Enricher) refresh(ctx context.Context, t *cohort.Ticket) error {
	fresh, err := e.helpdesk.Ticket(ctx, t.ID)
	if err != nil {
		return fmt.Errorf("enrich: read ticket %d: %w", t.ID, err)
	}
	if fresh.Requester.ID == t.Requester.ID || t.Requester.ID == 0 && t.Requester.Email == "" {
		fresh.Requester = mergeRequester(fresh.Requester, t.Requester)
		fresh.Organization = mergeOrganization(fresh.Organization, t.Organization)
	}
	if fresh.Subject == "" {
		fresh.Subject = t.Subject
	}
	*t = fresh
	return nil
}

func mergeRequester(fresh, known cohort.Requester) cohort.Requester {
	if fresh.ID == 0 {
		fresh.ID = known.ID
	}
	if fresh.Email == "" {
		fresh.Email, fresh.Name, fresh.ExternalID = known.Email, known.Name, known.ExternalID
	}
	return fresh
}

func mergeOrganization(fresh, known cohort.Organization) cohort.Organization {
	if fresh.ID == 0 || fresh.ID == known.ID {
		return known
	}
	return fresh
}

// fill copies a decision into the record.
func fill(rec *cohort.Enrichment, d *cohort.Decision) {
	rec.Segments, rec.Escalations, rec.Reasons, rec.Macros = d.Segments, d.Escalations, d.Reasons, d.Macros
	rec.PriorityBefore, rec.PriorityAfter = d.PriorityBefore, d.Priority
	rec.MatchedBy, rec.CustomerID = d.MatchedBy, 0
	if d.Customer != nil {
		rec.CustomerID = d.Customer.ID
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

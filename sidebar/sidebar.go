// Package sidebar assembles what the helpdesk app's sidebar shows an agent
// (cohort.SidebarView): for a ticket cohort enriched, its recorded
// decision; for a ticket not yet written (Zendesk's new-ticket sidebar), a
// decision made now for the requester the agent typed, written nowhere.
// Either way it adds what each segment means, the customer facts with
// their sources, the primary segment's recent measures beside all
// customers', and the macros that fit.
//
// It declares the small interfaces it reads through; cmd/cohort wires the
// store, the enricher, the macros and the rules that satisfy them.
package sidebar

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cohortdesk/cohort"
)

// Records reads a ticket's enrichment record.
type Records interface {
	Enrichment(ctx context.Context, helpdesk string, ticketID int64) (cohort.Enrichment, error)
}

// Profiles reads a customer with the source of each field.
type Profiles interface {
	CustomerProfileByID(ctx context.Context, id int64) (cohort.CustomerProfile, error)
}

// Decider decides a ticket without writing anything.
type Decider interface {
	Decide(ctx context.Context, t *cohort.Ticket) (cohort.Decision, error)
}

// Suggester lists the macros that fit an enrichment's segments.
type Suggester interface {
	Suggestions(ctx context.Context, rec cohort.Enrichment) ([]cohort.MacroSuggestion, error)
}

// Measures reads every segment's measures, and all customers', over the
// days from from up to to (excluded), as one period.
type Measures func(ctx context.Context, from, to time.Time) ([]cohort.SegmentMeasures, error)

// Rules returns the current segments and escalations.
type Rules func() ([]cohort.Segment, []cohort.Escalation)

// Window is how far back the measures the sidebar shows reach.
const Window = 30 * 24 * time.Hour

// measuresTTL is how long the window's measures are reused: they change
// when the syncer aggregates (hourly by default), not per ticket.
const measuresTTL = 5 * time.Minute

// Builder builds sidebar views.
type Builder struct {
	Records  Records
	Profiles Profiles
	Decider  Decider
	Macros   Suggester
	Measures Measures // nil: the view has no measures
	Rules    Rules
	Now      func() time.Time // nil: time.Now

	mu      sync.Mutex
	rows    []cohort.SegmentMeasures
	rowsEnd time.Time // the day the cached rows end, exclusive
	rowsAt  time.Time // when they were read
}

// Ticket returns the view of a ticket cohort has a record of; a
// cohort.KindNotFound error when it has none (not enriched yet: the
// sidebar then asks for a preview).
func (b *Builder) Ticket(ctx context.Context, helpdesk string, ticketID int64) (cohort.SidebarView, error) {
	rec, err := b.Records.Enrichment(ctx, helpdesk, ticketID)
	if err != nil {
		return cohort.SidebarView{}, err
	}
	v := cohort.SidebarView{TicketID: ticketID, Status: rec.Status}
	b.explain(&v, rec.Segments, rec.Escalations, rec.PriorityBefore, rec.PriorityAfter)
	v.Customer = cohort.SidebarCustomer{Known: rec.CustomerID != 0, MatchedBy: rec.MatchedBy, Email: rec.RequesterEmail, Facts: []cohort.CustomerFact{}}
	if rec.CustomerID != 0 {
		if err := b.customer(ctx, rec.CustomerID, &v.Customer); err != nil {
			return cohort.SidebarView{}, err
		}
	}
	if v.Macros, err = b.Macros.Suggestions(ctx, rec); err != nil {
		return cohort.SidebarView{}, err
	}
	if v.Measures, err = b.measures(ctx, rec.Segments); err != nil {
		return cohort.SidebarView{}, err
	}
	return v, nil
}

// Preview returns the view of a ticket not yet written, for its requester
// (by external id or email) at priority p: the rules decide it now, and
// nothing is stored or sent.
func (b *Builder) Preview(ctx context.Context, helpdesk string, req cohort.Requester, p cohort.Priority) (cohort.SidebarView, error) {
	if req.Email == "" && req.ExternalID == "" {
		return cohort.SidebarView{}, cohort.Errorf("sidebar.Preview", cohort.KindInvalid, "give the requester's email or external_id")
	}
	t := &cohort.Ticket{Requester: req, Priority: p, Status: "new"}
	d, err := b.Decider.Decide(ctx, t)
	if err != nil {
		return cohort.SidebarView{}, err
	}
	v := cohort.SidebarView{Preview: true}
	b.explain(&v, d.Segments, d.Escalations, d.PriorityBefore, d.Priority)
	v.Customer = cohort.SidebarCustomer{Known: d.Customer != nil, MatchedBy: d.MatchedBy, Email: req.Email, Facts: []cohort.CustomerFact{}}
	if d.Customer != nil {
		if err := b.customer(ctx, d.Customer.ID, &v.Customer); err != nil {
			return cohort.SidebarView{}, err
		}
	}
	rec := cohort.Enrichment{Helpdesk: helpdesk, Segments: d.Segments, Escalations: d.Escalations}
	if v.Macros, err = b.Macros.Suggestions(ctx, rec); err != nil {
		return cohort.SidebarView{}, err
	}
	if v.Measures, err = b.measures(ctx, d.Segments); err != nil {
		return cohort.SidebarView{}, err
	}
	return v, nil
}

// explain fills v's segments, escalations and priority decision with what
// the current rules say of them.
func (b *Builder) explain(v *cohort.SidebarView, segments, escalations []string, before, after cohort.Priority) {
	segs, escs := b.Rules()
	v.Priority = priority(segs, escs, segments, escalations, before, after)
	v.Segments = make([]cohort.SidebarRule, 0, len(segments))
	for i, name := range segments {
		r := cohort.SidebarRule{Name: name, Primary: i == 0}
		if j := slices.IndexFunc(segs, func(s cohort.Segment) bool { return s.Name == name }); j >= 0 {
			r.Description, r.Rule, r.Priority = segs[j].Description, oneLine(segs[j].When), priorityName(segs[j].Priority)
		}
		v.Segments = append(v.Segments, r)
	}
	v.Escalations = make([]cohort.SidebarRule, 0, len(escalations))
	for _, name := range escalations {
		r := cohort.SidebarRule{Name: name}
		if j := slices.IndexFunc(escs, func(e cohort.Escalation) bool { return e.Name == name }); j >= 0 {
			r.Rule, r.Priority = oneLine(escs[j].When), priorityName(escs[j].Priority)
		}
		v.Escalations = append(v.Escalations, r)
	}
}

// priority explains the decision from before to after: which of the
// matching rules (segments and escalations, among segs and escs) asked
// for the final priority.
func priority(segs []cohort.Segment, escs []cohort.Escalation, segments, escalations []string, before, after cohort.Priority) cohort.SidebarPriority {
	p := cohort.SidebarPriority{Before: before.Label(), After: after.Label(), Raised: after > before}
	if !p.Raised {
		p.Why = "No matching rule asks for more than the ticket's priority; cohort never lowers a priority."
		if after == cohort.PriorityNone {
			p.Why = "No matching rule sets a priority."
		}
		return p
	}
	var by []string
	for _, s := range segs {
		if s.Priority == after && slices.Contains(segments, s.Name) {
			by = append(by, "segment "+s.Name)
		}
	}
	for _, e := range escs {
		if e.Priority == after && slices.Contains(escalations, e.Name) {
			by = append(by, "escalation "+e.Name)
		}
	}
	if len(by) == 0 {
		p.Why = "Raised to " + after.Label() + " by the rules in force when the ticket was decided."
		return p
	}
	p.Why = "Raised to " + after.Label() + " by " + strings.Join(by, " and ") + "."
	return p
}

// facts are the customer fields the sidebar lists, as rules name them.
var facts = []struct{ field, label string }{
	{"plan", "Plan"}, {"arr", "ARR"}, {"ltv", "Lifetime value"}, {"signup_date", "Signed up"},
	{"tech_level", "Tech level"}, {"products", "Products"}, {"organization", "Organization"},
}

// customer fills c with customer id's name and facts, each with its
// source.
func (b *Builder) customer(ctx context.Context, id int64, c *cohort.SidebarCustomer) error {
	p, err := b.Profiles.CustomerProfileByID(ctx, id)
	if cohort.KindOf(err) == cohort.KindNotFound {
		c.Known = false // deleted since the ticket was decided
		return nil
	}
	if err != nil {
		return err
	}
	cu := &p.Customer
	c.Name = cu.Name
	if cu.Email != "" {
		c.Email = cu.Email
	}
	for _, f := range facts {
		var value string
		switch f.field {
		case "plan":
			value = cu.Plan
		case "arr":
			value = money(cu.ARR, p.Sources[f.field] != "")
		case "ltv":
			value = money(cu.LTV, p.Sources[f.field] != "")
		case "signup_date":
			if !cu.SignupDate.IsZero() {
				value = cu.SignupDate.Format(time.DateOnly)
				if days := cu.DaysSinceSignup(b.now()); days >= 0 {
					value += fmt.Sprintf(" (%d days ago)", days)
				}
			}
		case "tech_level":
			value = cu.TechLevel
		case "products":
			value = strings.Join(cu.Products, ", ")
		case "organization":
			value = cu.Organization
		}
		if value != "" {
			c.Facts = append(c.Facts, cohort.CustomerFact{Field: f.field, Label: f.label, Value: value, Source: p.Sources[f.field]})
		}
	}
	return nil
}

// measures returns the primary segment's measures over the last Window
// beside all customers', or nil when no segment matched or nothing is
// stored for it.
func (b *Builder) measures(ctx context.Context, segments []string) (*cohort.SidebarMeasures, error) {
	if b.Measures == nil || len(segments) == 0 {
		return nil, nil
	}
	now := b.now()
	end := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	from := end.Add(-Window)
	rows, err := b.window(ctx, from, end)
	if err != nil {
		return nil, err
	}
	m := &cohort.SidebarMeasures{From: from.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly)}
	var found bool
	for _, r := range rows {
		switch r.Segment {
		case cohort.AllCustomers:
			m.All = r
		case segments[0]:
			m.Segment, found = r, true
		}
	}
	if !found {
		return nil, nil
	}
	return m, nil
}

// window returns the measures of the window ending at end, read at most
// measuresTTL ago.
func (b *Builder) window(ctx context.Context, from, end time.Time) ([]cohort.SegmentMeasures, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.rows != nil && b.rowsEnd.Equal(end) && b.now().Sub(b.rowsAt) < measuresTTL {
		return b.rows, nil
	}
	rows, err := b.Measures(ctx, from, end)
	if err != nil {
		return nil, err
	}
	b.rows, b.rowsEnd, b.rowsAt = rows, end, b.now()
	return rows, nil
}

func (b *Builder) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// money writes an amount without cents, with thousands separated:
// 120,000; "" for 0 unless a source gave it.
func money(v float64, given bool) string {
	if v == 0 && !given {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func priorityName(p cohort.Priority) string {
	if p == cohort.PriorityNone {
		return ""
	}
	return p.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

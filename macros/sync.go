package macros

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort"
)

// Helpdesk is what syncing macros needs of a helpdesk.
type Helpdesk interface {
	Name() string
	// Macros reads every macro of the helpdesk, with the key of cohort's
	// marker in its description (cohort.MarkMacroDescription).
	Macros(ctx context.Context) ([]cohort.HelpdeskMacro, error)
	// CreateMacro creates m, its description marked with its key.
	CreateMacro(ctx context.Context, m cohort.Macro, active bool) (int64, error)
	UpdateMacro(ctx context.Context, id int64, m cohort.Macro, active bool) error
	// DeactivateMacro makes a macro inactive, changing nothing else.
	DeactivateMacro(ctx context.Context, id int64) error
}

// Owned records which macros cohort owns in each helpdesk, by key: cohort
// finds its macros by this record, or else by the marker it writes in
// their descriptions, never by title, and touches no other.
type Owned interface {
	OwnedMacros(ctx context.Context, helpdesk string) (map[string]cohort.OwnedMacro, error)
	SaveOwnedMacro(ctx context.Context, m cohort.OwnedMacro) error
}

// Action is what a sync does to one macro.
type Action string

// The actions of a plan.
const (
	Create     Action = "create"
	Update     Action = "update"
	Deactivate Action = "deactivate"
	Unchanged  Action = "unchanged"
)

// Change is one macro's line in a plan.
type Change struct {
	Action  Action
	Key     string
	Title   string
	MacroID int64    // the helpdesk's id; 0 for a macro to create
	Diffs   []string // what an update changes, or why a create is needed
	// Found says cohort found the macro by the marker in its description,
	// not by its record: its create's answer was lost, or the record is
	// gone. Applying the change records it.
	Found bool
	macro *Macro // the definition to write; nil for a deactivation
}

// Plan is what a sync would do to make a helpdesk's macros match the files.
type Plan struct {
	Helpdesk string
	Changes  []Change // the files' macros in order, then those to deactivate
}

// Pending counts the changes that are not Unchanged.
func (p *Plan) Pending() int {
	n := 0
	for _, c := range p.Changes {
		if c.Action != Unchanged {
			n++
		}
	}
	return n
}

// PlanSync compares the macros of set with the helpdesk's copies of the
// macros cohort owns there, found by their record or else by the marker in
// their description: a macro without a copy is to create; one whose copy
// differs, or is inactive, to update; an owned macro no longer in the
// files, or a second copy of one, and still active, to deactivate.
func PlanSync(ctx context.Context, hd Helpdesk, owned Owned, set *Set) (Plan, error) {
	plan := Plan{Helpdesk: hd.Name()}
	records, err := owned.OwnedMacros(ctx, hd.Name())
	if err != nil {
		return plan, err
	}
	list, err := hd.Macros(ctx)
	if err != nil {
		return plan, err
	}
	byID := make(map[int64]*cohort.HelpdeskMacro, len(list))
	marked := map[string][]*cohort.HelpdeskMacro{} // by key, in id order
	for i := range list {
		m := &list[i]
		byID[m.ID] = m
		if m.Key != "" {
			marked[m.Key] = append(marked[m.Key], m)
		}
	}
	for _, ms := range marked {
		slices.SortFunc(ms, func(a, b *cohort.HelpdeskMacro) int { return cmp.Compare(a.ID, b.ID) })
	}
	// copyOf finds the helpdesk's copy of key: the recorded one, else the
	// first marked with key.
	copyOf := func(key string) (have *cohort.HelpdeskMacro, found bool) {
		if rec, ok := records[key]; ok && byID[rec.MacroID] != nil {
			return byID[rec.MacroID], false
		}
		if ms := marked[key]; len(ms) > 0 {
			return ms[0], true
		}
		return nil, false
	}
	kept := map[int64]bool{} // the copies the plan keeps
	for i := range set.Macros {
		m := &set.Macros[i]
		c := Change{Action: Create, Key: m.Key, Title: m.Title, macro: m}
		have, found := copyOf(m.Key)
		switch {
		case have != nil:
			c.MacroID, c.Found, c.Diffs = have.ID, found, differences(&m.Macro, have)
			c.Action = Update
			if len(c.Diffs) == 0 {
				c.Action = Unchanged
			}
			kept[have.ID] = true
		case records[m.Key].MacroID != 0:
			c.Diffs = []string{fmt.Sprintf("macro #%d is gone from %s", records[m.Key].MacroID, hd.Name())}
		}
		plan.Changes = append(plan.Changes, c)
	}
	// What cohort owns and no longer keeps: recorded macros gone from the
	// files, marked ones it never recorded, second copies. An inactive one
	// needs nothing, but a record if it has none.
	type retiree struct {
		key   string
		have  *cohort.HelpdeskMacro
		found bool
	}
	var retire []retiree
	for _, key := range slices.Sorted(maps.Keys(records)) {
		if have := byID[records[key].MacroID]; have != nil && !kept[have.ID] {
			retire = append(retire, retiree{key, have, false})
			kept[have.ID] = true
		}
	}
	for _, key := range slices.Sorted(maps.Keys(marked)) {
		for _, have := range marked[key] {
			if !kept[have.ID] {
				retire = append(retire, retiree{key, have, true})
				kept[have.ID] = true
			}
		}
	}
	for _, r := range retire {
		c := Change{Action: Deactivate, Key: r.key, Title: r.have.Title, MacroID: r.have.ID, Found: r.found}
		if set.Get(r.key) != nil {
			c.Diffs = []string{fmt.Sprintf("a second copy of %s (cohort keeps #%d)", r.key, plan.idOf(r.key))}
		}
		if !r.have.Active {
			if _, recorded := records[r.key]; !r.found || recorded || set.Get(r.key) != nil {
				continue
			}
			c.Action = Unchanged
		}
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}

// idOf returns the helpdesk id the plan keeps for key.
func (p *Plan) idOf(key string) int64 {
	for _, c := range p.Changes {
		if c.Key == key && c.Action != Deactivate && c.macro != nil {
			return c.MacroID
		}
	}
	return 0
}

// differences lists how the helpdesk's copy differs from the definition m.
func differences(m *cohort.Macro, have *cohort.HelpdeskMacro) []string {
	var d []string
	str := func(field, want, got string) {
		if want != got {
			d = append(d, fmt.Sprintf("%s: %q → %q", field, got, want))
		}
	}
	str("title", m.Title, have.Title)
	str("description", m.Description, strings.TrimSpace(have.Description))
	want, got := m.Actions, have.Actions
	str("comment", want.Comment, got.Comment)
	if want.Comment != "" && want.Public != got.Public {
		d = append(d, fmt.Sprintf("comment public: %v → %v", got.Public, want.Public))
	}
	if !slices.Equal(sortedCopy(want.AddTags), sortedCopy(got.AddTags)) {
		d = append(d, fmt.Sprintf("add_tags: %v → %v", got.AddTags, want.AddTags))
	}
	str("priority", want.Priority.Label(), got.Priority.Label())
	str("status", want.Status, got.Status)
	str("type", want.Type, got.Type)
	if want.GroupID != got.GroupID {
		d = append(d, fmt.Sprintf("group_id: %d → %d", got.GroupID, want.GroupID))
	}
	if len(got.Other) > 0 {
		d = append(d, "actions the file does not have, to remove: "+strings.Join(got.Other, ", "))
	}
	if have.Key != m.Key {
		d = append(d, fmt.Sprintf("marker: %q → %q", have.Key, m.Key))
	}
	if !have.Active {
		d = append(d, "active: false → true")
	}
	return d
}

func sortedCopy(s []string) []string {
	return slices.Sorted(slices.Values(s))
}

// Apply carries the plan out, in order, recording each macro cohort
// creates, changes or finds as it goes: a run that fails part way leaves a
// record of what it did, and the next plan picks up from there. It sets
// the MacroID of each change it creates in plan.Changes, which the
// caller's plan shares. It returns how many changes it made.
func Apply(ctx context.Context, hd Helpdesk, owned Owned, plan Plan) (int, error) {
	done := 0
	for i := range plan.Changes {
		c := &plan.Changes[i]
		var err error
		switch c.Action {
		case Create:
			c.MacroID, err = hd.CreateMacro(ctx, c.macro.Macro, true)
		case Update:
			err = hd.UpdateMacro(ctx, c.MacroID, c.macro.Macro, true)
		case Deactivate:
			err = hd.DeactivateMacro(ctx, c.MacroID)
		}
		if err != nil {
			return done, fmt.Errorf("macros: %s %s: %w", c.Action, c.Key, err)
		}
		if c.Action != Unchanged {
			done++
		}
		if rec, ok := plan.record(*c); ok {
			if err := owned.SaveOwnedMacro(ctx, rec); err != nil {
				return done, fmt.Errorf("macros: %s %s: %w", c.Action, c.Key, err)
			}
		}
	}
	return done, nil
}

// record returns what to record of change c once applied: the macro a key
// of the files now has, or the retired macro of a key the files no longer
// have; nothing for an unchanged macro already recorded, or for a second
// copy of a key whose first copy the plan keeps.
func (p *Plan) record(c Change) (cohort.OwnedMacro, bool) {
	rec := cohort.OwnedMacro{Helpdesk: p.Helpdesk, Key: c.Key, MacroID: c.MacroID, Active: c.macro != nil}
	switch {
	case c.Key == "":
		return rec, false
	case c.macro != nil: // a macro of the files
		return rec, c.Action != Unchanged || c.Found
	default: // a macro to retire
		return rec, p.idOf(c.Key) == 0 && (c.Action != Unchanged || c.Found)
	}
}

// Sync plans and applies at once (see PlanSync and Apply); it returns the
// plan, as planned, and how many of its changes were made.
func Sync(ctx context.Context, hd Helpdesk, owned Owned, set *Set) (Plan, int, error) {
	plan, err := PlanSync(ctx, hd, owned, set)
	if err != nil {
		return plan, 0, err
	}
	done, err := Apply(ctx, hd, owned, Plan{Helpdesk: plan.Helpdesk, Changes: slices.Clone(plan.Changes)})
	return plan, done, err
}

// Write prints the plan as a diff: a summary line, then a line per macro,
// with what an update changes beneath it.
func (p *Plan) Write(w io.Writer) {
	counts := map[Action]int{}
	for _, c := range p.Changes {
		counts[c.Action]++
	}
	if p.Pending() == 0 {
		fmt.Fprintf(w, "%s macros: up to date (%d unchanged)\n", p.Helpdesk, counts[Unchanged])
	} else {
		fmt.Fprintf(w, "%s macros: %d to create, %d to update, %d to deactivate, %d unchanged\n", p.Helpdesk,
			counts[Create], counts[Update], counts[Deactivate], counts[Unchanged])
	}
	marks := map[Action]string{Create: "+", Update: "~", Deactivate: "-", Unchanged: "="}
	for _, c := range p.Changes {
		id := "new"
		if c.MacroID != 0 {
			id = fmt.Sprintf("#%d", c.MacroID)
		}
		fmt.Fprintf(w, "%s %-10s %-32s %-10s %q\n", marks[c.Action], c.Action, c.Key, id, c.Title)
		if c.Found {
			fmt.Fprintf(w, "      found in %s by cohort's marker (its create's answer was lost, or its record)\n", p.Helpdesk)
		}
		for _, d := range c.Diffs {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
}

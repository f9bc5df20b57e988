package macros

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
)

// Helpdesk is what syncing macros needs of a helpdesk.
type Helpdesk interface {
	Name() string
	// Macro reads a macro: its title, description and actions, and whether
	// it is active; a cohort.KindNotFound error when it is gone.
	Macro(ctx context.Context, id int64) (cohort.Macro, bool, error)
	CreateMacro(ctx context.Context, m cohort.Macro, active bool) (int64, error)
	UpdateMacro(ctx context.Context, id int64, m cohort.Macro, active bool) error
	// DeactivateMacro makes a macro inactive, changing nothing else.
	DeactivateMacro(ctx context.Context, id int64) error
}

// Owned records which macros cohort owns in each helpdesk, by key: cohort
// finds its macros by this record, never by title, and touches no other.
type Owned interface {
	OwnedMacros(ctx context.Context, helpdesk string) (map[string]store.OwnedMacro, error)
	SaveOwnedMacro(ctx context.Context, m store.OwnedMacro) error
}

var _ Owned = (*store.DB)(nil)

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
	macro   *Macro   // the definition to write; nil for a deactivation
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
// macros cohort owns there: a macro without a copy (or whose copy is gone)
// is to create; one whose copy differs, or is inactive, to update; an
// owned macro no longer in the files, and still active, to deactivate.
func PlanSync(ctx context.Context, hd Helpdesk, owned Owned, set *Set) (Plan, error) {
	plan := Plan{Helpdesk: hd.Name()}
	records, err := owned.OwnedMacros(ctx, hd.Name())
	if err != nil {
		return plan, err
	}
	for i := range set.Macros {
		m := &set.Macros[i]
		c := Change{Action: Create, Key: m.Key, Title: m.Title, macro: m}
		if rec, ok := records[m.Key]; ok {
			have, active, err := hd.Macro(ctx, rec.MacroID)
			switch {
			case cohort.KindOf(err) == cohort.KindNotFound:
				c.Diffs = []string{fmt.Sprintf("macro #%d is gone from %s", rec.MacroID, hd.Name())}
			case err != nil:
				return plan, err
			default:
				c.MacroID, c.Diffs = rec.MacroID, differences(&m.Macro, &have, active)
				c.Action = Update
				if len(c.Diffs) == 0 {
					c.Action = Unchanged
				}
			}
		}
		plan.Changes = append(plan.Changes, c)
	}
	keys := make([]string, 0, len(records))
	for key := range records {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		rec := records[key]
		if set.Get(key) != nil || !rec.Active {
			continue
		}
		have, active, err := hd.Macro(ctx, rec.MacroID)
		switch {
		case cohort.KindOf(err) == cohort.KindNotFound:
			continue // gone already
		case err != nil:
			return plan, err
		}
		c := Change{Action: Deactivate, Key: key, Title: have.Title, MacroID: rec.MacroID}
		if !active {
			c.Action = Unchanged
		}
		plan.Changes = append(plan.Changes, c)
	}
	return plan, nil
}

// differences lists how the helpdesk's copy (have, active) differs from
// the definition m.
func differences(m, have *cohort.Macro, active bool) []string {
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
	if !active {
		d = append(d, "active: false → true")
	}
	return d
}

func sortedCopy(s []string) []string {
	return slices.Sorted(slices.Values(s))
}

// Apply carries the plan out, in order, recording each macro cohort
// creates or changes as it goes: a run that fails part way leaves a record
// of what it did, and the next plan picks up from there. It returns how
// many changes it made.
func Apply(ctx context.Context, hd Helpdesk, owned Owned, plan Plan) (int, error) {
	done := 0
	for _, c := range plan.Changes {
		rec := store.OwnedMacro{Helpdesk: hd.Name(), Key: c.Key, MacroID: c.MacroID, Active: true}
		var err error
		switch c.Action {
		case Create:
			rec.MacroID, err = hd.CreateMacro(ctx, c.macro.Macro, true)
		case Update:
			err = hd.UpdateMacro(ctx, c.MacroID, c.macro.Macro, true)
		case Deactivate:
			rec.Active = false
			err = hd.DeactivateMacro(ctx, c.MacroID)
		default:
			continue
		}
		if err == nil {
			err = owned.SaveOwnedMacro(ctx, rec)
		}
		if err != nil {
			return done, fmt.Errorf("macros: %s %s: %w", c.Action, c.Key, err)
		}
		done++
	}
	return done, nil
}

// Sync plans and applies at once (see PlanSync and Apply); it returns the
// plan and how many of its changes were made.
func Sync(ctx context.Context, hd Helpdesk, owned Owned, set *Set) (Plan, int, error) {
	plan, err := PlanSync(ctx, hd, owned, set)
	if err != nil {
		return plan, 0, err
	}
	done, err := Apply(ctx, hd, owned, plan)
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
		for _, d := range c.Diffs {
			fmt.Fprintf(w, "      %s\n", d)
		}
	}
}

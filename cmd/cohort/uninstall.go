package main

import (
	"context"
	"fmt"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/macros"
)

func runUninstall(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "uninstall", "uninstall [--dry-run] [--keep-fields]", `Removes from the Zendesk account of COHORT_ZENDESK_* what cohort install
created there, and only that: what it recorded in the database
(COHORT_DATABASE_URL), found by its id and confirmed by its name. In order:

  trigger            deleted first, so nothing notifies the webhook
  webhook            deleted
  installation, app  the app's installation is deleted (Zendesk removes
                     what its requirements made), then the app, if cohort
                     created it
  ticket field,      deleted with the values they hold, unless --keep-fields
  user field
  macros             those cohort owns are deactivated, as macros sync
                     retires a macro: kept in Zendesk, inactive, so that
                     install can bring them back

What install found there and adopted, and what was renamed since (or whose
id now names something else), is kept, and said so. Tickets, their tags and
users are never touched. It prints the plan (delete, keep) first; with
--dry-run it stops there and changes nothing.`)
	dryRun := fs.Bool("dry-run", false, "print the plan, change nothing")
	keepFields := fs.Bool("keep-fields", false, "keep the ticket and user fields cohort created, and the values they hold")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError(fs, "")
	}
	s, zc, closeAll, err := c.setupZendesk(ctx, needZendesk|needStore)
	if err != nil {
		return err
	}
	defer closeAll()

	// An empty set retires every macro cohort owns; those it finds by
	// their marker alone, or whose copy no longer carries the marker, it
	// has no record of, and keeps.
	hd := &listedMacros{Helpdesk: zc}
	ms, err := planMacroSync(ctx, s, hd, &macros.Set{})
	if err != nil {
		return err
	}
	defer ms.release()
	kept := ownedOnly(&ms.plan, hd.list)
	records := installRecords{s.db}
	plan, err := zc.PlanUninstall(ctx, zendesk.UninstallSpec{KeepFields: *keepFields}, records)
	if err != nil {
		return err
	}

	rows := append(stepRows(plan, false), macroRows(ms.plan, false)...)
	rows = append(rows, kept...)
	writePlan(c.stdout, "cohort uninstall: plan", rows)
	if len(rows) == 0 {
		fmt.Fprintln(c.stdout, "cohort has no record of an install in this database (COHORT_DATABASE_URL): nothing to remove")
		return nil
	}
	if *dryRun {
		fmt.Fprintln(c.stdout, "dry run: nothing changed")
		return nil
	}
	pending, done, err := applyWithMacros(ctx, zc, plan, records, ms)
	if pending > 0 {
		writePlan(c.stdout, "cohort uninstall: done", append(append(stepRows(plan, true), macroRows(ms.plan, true)...), kept...))
	}
	if err != nil {
		fmt.Fprintf(c.stdout, "%d changes made before an error; no ticket, tag or user was touched\n", done)
		return err
	}
	fmt.Fprintf(c.stdout, "%d changes made; no ticket, tag or user was touched\n", done)
	return nil
}

// listedMacros is a macros.Helpdesk that keeps the list of macros the
// plan read, to check each one's marker without reading them twice.
type listedMacros struct {
	macros.Helpdesk
	list []cohort.HelpdeskMacro
}

func (l *listedMacros) Macros(ctx context.Context) ([]cohort.HelpdeskMacro, error) {
	list, err := l.Helpdesk.Macros(ctx)
	l.list = list
	return list, err
}

// ownedOnly leaves in p, a plan retiring every macro, only the macros
// cohort has a record of whose copy still carries cohort's marker for
// their key, and returns lines for the recorded ones it keeps.
func ownedOnly(p *macros.Plan, list []cohort.HelpdeskMacro) []planRow {
	keys := map[int64]string{}
	for _, m := range list {
		keys[m.ID] = m.Key
	}
	var keep []macros.Change
	var kept []planRow
	for _, c := range p.Changes {
		switch {
		case c.Found: // by its marker alone: no record of it
		case keys[c.MacroID] != c.Key:
			kept = append(kept, planRow{what: "macro " + c.Key, name: c.Title, action: string(zendesk.Keep),
				id: fmt.Sprint(c.MacroID), detail: "no longer carries cohort's marker for " + c.Key + ": left as it is"})
		default:
			keep = append(keep, c)
		}
	}
	p.Changes = keep
	return kept
}

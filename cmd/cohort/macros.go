package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer"
	"github.com/cohortdesk/cohort/syncer/lease"
)

func runMacros(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "macros", "macros check [DIR] | macros sync [--dry-run]", `check validates the macro files of a folder (default: COHORT_MACROS_DIR) against
the segments file (COHORT_SEGMENTS_FILE). It prints each problem as
FILE:LINE: macro "KEY": what is wrong, and exits 1 if there is any.

sync makes the Zendesk account's macros match the files: it creates the
macros the account lacks, updates those whose copy differs (an edit made in
Zendesk is put back), and deactivates those cohort owns that are no longer
in the files. cohort tracks its macros by key, never by title: by its
record, or by the "cohort key: KEY" line it ends each macro's description
with (so a create whose answer was lost is found, not made twice). It never
touches a macro it does not own. It prints the plan as a diff first; with
--dry-run it stops there. A second run changes nothing.`)
	dryRun := fs.Bool("dry-run", false, "sync: print the plan, change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() >= 1 && fs.NArg() <= 2 && fs.Arg(0) == "check":
		return macrosCheck(c, fs.Arg(1))
	case fs.NArg() == 1 && fs.Arg(0) == "sync":
		return macrosSync(ctx, c, *dryRun)
	}
	return usageError(fs, "")
}

// macrosCheck validates dir's macro files (COHORT_MACROS_DIR when dir is
// empty) and prints what they hold.
func macrosCheck(c *cli, dir string) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if dir != "" {
		cfg.MacrosDir = dir
	}
	set, err := rules.Load(cfg.SegmentsFile)
	if err != nil {
		return configError(fmt.Errorf("COHORT_SEGMENTS_FILE: %w", err))
	}
	ms, err := macros.Load(cfg.MacrosDir)
	if err == nil {
		err = ms.Bind(set)
	}
	var list yamlfile.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(c.stdout, e)
		}
		fmt.Fprintf(c.stdout, "%d problem(s) in %s\n", len(list), cfg.MacrosDir)
		return errReported
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "%s: ok: %d macros\n", cfg.MacrosDir, len(ms.Macros))
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, m := range ms.Macros {
		how := "suggested"
		if m.Auto {
			how = "automatic"
		}
		serves := strings.Join(m.Segments, ", ")
		if len(m.Escalations) > 0 {
			serves = strings.TrimPrefix(serves+", ↑ "+strings.Join(m.Escalations, ", "), ", ")
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\t%q\n", m.Key, how, serves, m.Title)
	}
	return w.Flush()
}

// macrosSync plans, prints and (unless dryRun) applies a macro sync.
func macrosSync(ctx context.Context, c *cli, dryRun bool) error {
	s, zc, closeAll, err := c.setupZendesk(ctx, needZendesk|needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer closeAll()
	ms, err := planMacroSync(ctx, s, zc, s.book.Macros())
	if err != nil {
		return err
	}
	defer ms.release()
	ms.plan.Write(c.stdout)
	if dryRun || ms.plan.Pending() == 0 {
		if dryRun {
			fmt.Fprintln(c.stdout, "dry run: nothing changed")
		}
		return nil
	}
	done, err := ms.apply(ctx)
	fmt.Fprintf(c.stdout, "%d of %d changes made\n", done, ms.plan.Pending())
	return err
}

// setupZendesk is c.setup(ctx, needs) with the Zendesk client made from it;
// the caller calls closeAll, which closes both, unless err is non-nil.
func (c *cli) setupZendesk(ctx context.Context, needs int) (s *setup, zc *zendesk.Client, closeAll func(), err error) {
	if s, err = c.setup(ctx, needs); err != nil {
		return nil, nil, nil, err
	}
	if zc, err = newZendeskClient(ctx, s.cfg, s.db, nil, s.logger); err != nil {
		s.close()
		return nil, nil, nil, err
	}
	return s, zc, func() { zc.Close(); s.close() }, nil
}

// macroSync is a macro sync planned under the macros lease, which it holds
// until released: `cohort macros sync` prints and applies it, `cohort
// install` and `cohort uninstall` make it part of their plans.
type macroSync struct {
	plan    macros.Plan
	hd      macros.Helpdesk
	db      *store.DB
	release func()
}

// planMacroSync takes the macros lease and plans making hd's macros match
// set (an empty set retires every macro cohort owns).
func planMacroSync(ctx context.Context, s *setup, hd macros.Helpdesk, set *macros.Set) (*macroSync, error) {
	release, err := lease.Hold(ctx, s.db, syncer.MacrosLease, "", s.logger)
	if err != nil {
		return nil, err
	}
	plan, err := macros.PlanSync(ctx, hd, s.db, set)
	if err != nil {
		release()
		return nil, err
	}
	return &macroSync{plan: plan, hd: hd, db: s.db, release: release}, nil
}

// apply carries the plan out (see macros.Apply), setting the ids of the
// macros it creates in ms.plan.
func (ms *macroSync) apply(ctx context.Context) (int, error) {
	return macros.Apply(ctx, ms.hd, ms.db, ms.plan)
}

// macroSyncer returns the syncer's macro task: sync book's current macros.
func macroSyncer(db *store.DB, zc *zendesk.Client, book *playbook.Provider, logger *slog.Logger) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		ms := book.Macros()
		plan, done, err := macros.Sync(ctx, zc, db, ms)
		if plan.Pending() > 0 {
			var b strings.Builder
			plan.Write(&b)
			logger.Info("macros: synced", "plan", b.String())
		}
		return fmt.Sprintf("%d changes made, %d macros", done, len(ms.Macros)), err
	}
}

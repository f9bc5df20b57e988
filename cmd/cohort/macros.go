package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
	"github.com/cohortdesk/cohort/macros"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync"
)

func runMacros(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("macros", "macros check [DIR] | macros sync [--dry-run]", `check validates the macro files of a folder (default: COHORT_MACROS_DIR) against
the segments file (COHORT_SEGMENTS_FILE). It prints each problem as
FILE:LINE: macro "KEY": what is wrong, and exits 1 if there is any.

sync makes the Zendesk account's macros match the files: it creates the
macros the account lacks, updates those whose copy differs (an edit made in
Zendesk is put back), and deactivates those cohort owns that are no longer
in the files. cohort tracks its macros by key, never by title, and never
touches a macro it does not own. It prints the plan as a diff first; with
--dry-run it stops there. A second run changes nothing.`, stderr)
	dryRun := fs.Bool("dry-run", false, "sync: print the plan, change nothing")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() >= 1 && fs.NArg() <= 2 && fs.Arg(0) == "check":
		return macrosCheck(fs.Arg(1), stdout, stderr)
	case fs.NArg() == 1 && fs.Arg(0) == "sync":
		return macrosSync(ctx, *dryRun, stdout, stderr)
	}
	fs.Usage()
	return exitUsage
}

// macrosCheck validates dir's macro files (COHORT_MACROS_DIR when dir is
// empty) and prints what they hold.
func macrosCheck(dir string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitUsage
	}
	if dir != "" {
		cfg.MacrosDir = dir
	}
	set, err := loadRules(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitUsage
	}
	ms, err := macros.Load(cfg.MacrosDir)
	if err == nil {
		err = ms.Bind(set)
	}
	var list yamlfile.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(stdout, e)
		}
		fmt.Fprintf(stdout, "%d problem(s) in %s\n", len(list), cfg.MacrosDir)
		return exitFailure
	case err != nil:
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: ok: %d macros\n", cfg.MacrosDir, len(ms.Macros))
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
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
	w.Flush()
	return exitOK
}

// macrosSync plans, prints and (unless dryRun) applies a macro sync.
func macrosSync(ctx context.Context, dryRun bool, stdout, stderr io.Writer) int {
	cfg, err := loadConfig()
	if err == nil {
		err = cfg.requireZendesk(false)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitUsage
	}
	ms, err := loadMacros(cfg, nil)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitUsage
	}
	logger := newLogger(cfg, stderr)
	db, err := store.Open(ctx, cfg.DatabaseURL, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitFailure
	}
	defer db.Close()
	zc, err := newZendeskClient(ctx, cfg, db, logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitUsage
	}
	defer zc.Close()
	release, err := sync.Hold(ctx, db, sync.MacrosLease, "", logger)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitFailure
	}
	defer release()
	plan, err := macros.PlanSync(ctx, zc, db, ms)
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitFailure
	}
	plan.Write(stdout)
	if dryRun || plan.Pending() == 0 {
		if dryRun {
			fmt.Fprintln(stdout, "dry run: nothing changed")
		}
		return exitOK
	}
	done, err := macros.Apply(ctx, zc, db, plan)
	fmt.Fprintf(stdout, "%d of %d changes made\n", done, plan.Pending())
	if err != nil {
		fmt.Fprintln(stderr, "cohort macros:", err)
		return exitFailure
	}
	return exitOK
}

// loadMacros loads COHORT_MACROS_DIR and binds it to the segments (set;
// loaded from COHORT_SEGMENTS_FILE when nil). A missing default folder
// means no macros; a folder named in COHORT_MACROS_DIR must exist.
func loadMacros(cfg Config, set *rules.Set) (*macros.Set, error) {
	if set == nil {
		var err error
		if set, err = loadRules(cfg); err != nil {
			return nil, err
		}
	}
	ms, err := macros.Load(cfg.MacrosDir)
	if errors.Is(err, fs.ErrNotExist) && cfg.MacrosDir == defaultMacrosDir {
		return &macros.Set{Dir: cfg.MacrosDir}, nil
	}
	if err == nil {
		err = ms.Bind(set)
	}
	if err != nil {
		return nil, fmt.Errorf("COHORT_MACROS_DIR: %w", err)
	}
	return ms, nil
}

// defaultMacrosDir is COHORT_MACROS_DIR's default.
const defaultMacrosDir = "manifests/macros"

// macroSyncer returns the syncer's macro task: load the files and sync.
func macroSyncer(cfg Config, db *store.DB, zc *zendesk.Client, logger *slog.Logger) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		ms, err := loadMacros(cfg, nil)
		if err != nil {
			return "", err
		}
		plan, done, err := macros.Sync(ctx, zc, db, ms)
		if plan.Pending() > 0 {
			var b strings.Builder
			plan.Write(&b)
			logger.Info("macros: synced", "plan", b.String())
		}
		return fmt.Sprintf("%d changes made, %d macros", done, len(ms.Macros)), err
	}
}

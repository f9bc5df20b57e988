package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/enrich/rules"
)

func runSegments(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("segments", "segments check [FILE]", `Validates a segments file (default: COHORT_SEGMENTS_FILE) and compiles every
rule. Prints each problem as FILE:LINE: segment "NAME": what is wrong, and
exits 1 if there is any.`, stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 || fs.Arg(0) != "check" || fs.NArg() > 2 {
		fs.Usage()
		return exitUsage
	}
	path := fs.Arg(1)
	if path == "" {
		cfg, err := loadConfig()
		if err != nil {
			fmt.Fprintln(stderr, "cohort segments:", err)
			return exitUsage
		}
		path = cfg.SegmentsFile
	}
	set, err := rules.Load(path)
	var list rules.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(stdout, e)
		}
		fmt.Fprintf(stdout, "%d problem(s) in %s\n", len(list), path)
		return exitFailure
	case err != nil:
		fmt.Fprintln(stderr, "cohort segments:", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "%s: ok: %d segments, %d escalations\n", path, len(set.Segments), len(set.Escalations))
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, s := range set.Segments {
		fmt.Fprintf(w, "  segment\t%s\tpriority %s\t%s\n", s.Name, s.Priority.Label(), s.Description)
	}
	for _, e := range set.Escalations {
		fmt.Fprintf(w, "  escalation\t%s\tpriority %s\t\n", e.Name, e.Priority.Label())
	}
	w.Flush()
	return exitOK
}

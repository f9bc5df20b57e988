package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
	"github.com/cohortdesk/cohort/syncer/resegment"
)

func runSegments(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "segments", "segments check [FILE] | segments stats", `check validates a segments file (default: COHORT_SEGMENTS_FILE) and compiles
every rule. It prints each problem as FILE:LINE: segment "NAME": what is
wrong, and exits 1 if there is any.

stats brings segment membership up to date (all customers if the segments
file changed) and prints how many customers each segment has.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 1 && fs.Arg(0) == "stats" {
		return segmentStats(ctx, c)
	}
	if fs.NArg() == 0 || fs.Arg(0) != "check" || fs.NArg() > 2 {
		return usageError(fs, "")
	}
	path := fs.Arg(1)
	if path == "" {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		path = cfg.SegmentsFile
	}
	set, err := rules.Load(path)
	var list yamlfile.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintln(c.stdout, e)
		}
		fmt.Fprintf(c.stdout, "%d problem(s) in %s\n", len(list), path)
		return errReported
	case err != nil:
		return err
	}
	fmt.Fprintf(c.stdout, "%s: ok: %d segments, %d escalations\n", path, len(set.Segments), len(set.Escalations))
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	for _, s := range set.Segments {
		fmt.Fprintf(w, "  segment\t%s\tpriority %s\t%s\n", s.Name, s.Priority.Label(), s.Description)
	}
	for _, e := range set.Escalations {
		fmt.Fprintf(w, "  escalation\t%s\tpriority %s\t\n", e.Name, e.Priority.Label())
	}
	return w.Flush()
}

// segmentStats recomputes membership as needed and prints members per
// segment, in the segments file's order.
func segmentStats(ctx context.Context, c *cli) error {
	s, err := c.setup(ctx, needPlaybook|needStore)
	if err != nil {
		return err
	}
	defer s.close()
	syncer, err := newSyncer(s.cfg, s.db, nil, s.book, s.logger)
	if err != nil {
		return err
	}
	rs, err := syncer.Resegment(ctx)
	if err != nil {
		return err
	}
	members, primary, none, err := s.db.SegmentCounts(ctx)
	if err != nil {
		return err
	}
	total := none
	for _, n := range primary {
		total += n
	}
	if rs.Computed > 0 {
		fmt.Fprintf(c.stdout, "recomputed %d customers (%d changed) in %.2fs\n", rs.Computed, rs.Changed, rs.Duration.Seconds())
	}
	printRuleFailures(c.stdout, rs)
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "segment\tmembers\tshare\tprimary\t")
	share := func(n int) string {
		if total == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
	}
	for _, seg := range s.book.Rules().Segments {
		if !seg.CustomerOnly() {
			fmt.Fprintf(w, "%s\t(per ticket)\t\t\t\n", seg.Name)
			continue
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%d\t\n", seg.Name, members[seg.Name], share(members[seg.Name]), primary[seg.Name])
	}
	fmt.Fprintf(w, "(none)\t%d\t%s\t\t\n", none, share(none))
	fmt.Fprintf(w, "customers\t%d\t\t\t\n", total)
	return w.Flush()
}

// printRuleFailures says which segments' rules failed at run time, for how
// many customers, and the first error: those customers are not members.
func printRuleFailures(w io.Writer, rs resegment.Summary) {
	for _, seg := range slices.Sorted(maps.Keys(rs.Failed)) {
		f := rs.Failed[seg]
		fmt.Fprintf(w, "segment %s: the rule failed for %d customers, who are not members: %v\n", seg, f.Customers, f.First)
	}
}

// formatCounts renders members per segment as "a 3, b 1", largest first.
func formatCounts(counts map[string]int) string {
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %d", name, counts[name])
	}
	if len(parts) == 0 {
		return "no members"
	}
	return strings.Join(parts, ", ")
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command failed
	exitUsage   = 2 // bad arguments or configuration
	exitPartial = 3 // it ran, but some input was rejected or some work not done
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"serve", "receive helpdesk webhooks and enrich tickets (the production process)", runServe},
		{"demo", "run everything locally against the built-in Zendesk sandbox", runDemo},
		{"syncer", "sync CRM sources on a schedule and keep segments current", runSyncer},
		{"sync", "sync CRM sources now: cohort sync crm [--source NAME] [--full]", runSyncCmd},
		{"import", "load CRM customers once: cohort import customers FILE.csv|URL", runImport},
		{"metrics", "per-segment support measures: cohort metrics export --from --to [--granularity] [--format csv|json]", runMetrics},
		{"segments", "cohort segments check [FILE]: validate rules; cohort segments stats: members per segment", runSegments},
		{"macros", "cohort macros check [DIR]: validate macro files; cohort macros sync [--dry-run]: put them in Zendesk", runMacros},
		{"install", "create the Zendesk webhook and trigger that send cohort new tickets", runInstall},
		{"jobs", "list and retry dead jobs: cohort jobs list --dead, cohort jobs retry ID|--all-dead", runJobs},
	}
}

// run dispatches to a subcommand and returns the process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "cohort: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "cohort: segment-aware support for your helpdesk")
	fmt.Fprintln(w, "\nUsage: cohort COMMAND [flags]   (cohort COMMAND --help for more)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from COHORT_* environment variables; see .env.example.")
}

// newFlags returns a flag set for a subcommand whose --help prints summary
// and the flags.
func newFlags(name, synopsis, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: cohort %s\n\n%s\n", synopsis, summary)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, returning the exit code to stop with, if any.
// Flags may come before, between or after the positional arguments
// (cohort sync crm --full), which fs.Args() then returns in order.
func parseFlags(fs *flag.FlagSet, args []string) (int, bool) {
	var positional []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return exitOK, false
		case err != nil:
			return exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...) // after "--", nothing is a flag
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	_ = fs.Parse(append([]string{"--"}, positional...))
	return 0, true
}

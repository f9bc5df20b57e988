package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/cohortdesk/cohort/playbook"
	"github.com/cohortdesk/cohort/store"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command failed
	exitUsage   = 2 // bad arguments or configuration
	exitPartial = 3 // it ran, but some input was rejected or some work not done
)

// cli is where a subcommand writes: stdout for its results, stderr for
// logs, progress and errors.
type cli struct {
	stdout, stderr io.Writer
}

// command is one subcommand. run returns an error rather than printing it:
// report, the one place that does, turns it into a message and an exit
// code (see exitError).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c *cli, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "receive helpdesk webhooks and enrich tickets (the production process)", runServe},
		{"demo", "run everything locally against the built-in Zendesk sandbox", runDemo},
		{"sandbox", "run the built-in Zendesk sandbox on its own, to try cohort or any Zendesk client against", runSandbox},
		{"syncer", "sync CRM sources on a schedule and keep segments current", runSyncer},
		{"sync", "sync CRM sources now: cohort sync crm [--source NAME] [--full]", runSyncCmd},
		{"import", "load CRM customers once: cohort import customers FILE.csv|URL", runImport},
		{"customers", "a customer as rules see it, and where each field came from: cohort customers show EMAIL|ID", runCustomers},
		{"metrics", "per-segment support measures: cohort metrics export --from --to [--granularity] [--format csv|json]", runMetrics},
		{"segments", "cohort segments check [FILE]: validate rules; cohort segments stats: members per segment", runSegments},
		{"macros", "cohort macros check [DIR]: validate macro files; cohort macros sync [--dry-run]: put them in Zendesk", runMacros},
		{"app", "cohort app package --url URL [--out FILE]: zip the Zendesk sidebar app for this deployment", runApp},
		{"install", "make the Zendesk account ready: webhook, trigger, fields, app, macros (--dry-run: the plan)", runInstall},
		{"uninstall", "remove what cohort install created, and only that: cohort uninstall [--dry-run] [--keep-fields]", runUninstall},
		{"jobs", "list and retry dead jobs: cohort jobs list --dead, cohort jobs retry ID|--all-dead", runJobs},
		{"healthcheck", "exit 0 if the cohort on this machine answers /readyz with 200 (the container's HEALTHCHECK)", runHealthcheck},
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
			return report(stderr, c.name, c.run(ctx, &cli{stdout: stdout, stderr: stderr}, args[1:]))
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
	width := 0
	for _, c := range commands() {
		width = max(width, len(c.name))
	}
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from COHORT_* environment variables; see .env.example.")
}

// exitError ends a command with an exit code other than exitFailure, or
// with nothing more to print.
type exitError struct {
	code  int
	err   error         // printed as "cohort CMD: err"; nil prints nothing
	usage *flag.FlagSet // its usage is printed after err when set
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError is a mistake in the command line: exit 2, with the message
// (when format is not "") and fs's usage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	e := &exitError{code: exitUsage, usage: fs}
	if format != "" {
		e.err = fmt.Errorf(format, args...)
	}
	return e
}

// configError is a mistake in the configuration (a COHORT_* variable, a
// file one names): exit 2. err names the variable.
func configError(err error) error {
	return &exitError{code: exitUsage, err: err}
}

// errPartial ends a command that ran but rejected some of its input, which
// it reported: exit 3.
var errPartial = &exitError{code: exitPartial}

// errReported ends a command that failed and has already said why: exit 1.
var errReported = &exitError{code: exitFailure}

// report prints err, if any, and returns the exit code it calls for.
func report(stderr io.Writer, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "cohort %s: stopped before it finished\n", name)
		return exitFailure
	}
	var e *exitError
	if !errors.As(err, &e) {
		fmt.Fprintf(stderr, "cohort %s: %s\n", name, err)
		return exitFailure
	}
	if e.err != nil {
		fmt.Fprintf(stderr, "cohort %s: %s\n", name, e.err)
	}
	if e.usage != nil {
		if e.err != nil {
			fmt.Fprintln(stderr)
		}
		e.usage.Usage()
	}
	return e.code
}

// newFlags returns a flag set for a subcommand whose --help prints summary
// and the flags.
func newFlags(c *cli, name, synopsis, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "Usage: cohort %s\n\n%s\n", synopsis, summary)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(c.stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args. Flags may come before, between or after the
// positional arguments (cohort sync crm --full), which fs.Args() then
// returns in order. It returns flag.ErrHelp after --help (exit 0), and an
// exit 2 error after a bad flag, which the flag package has reported.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		err := fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return err
		case err != nil:
			return &exitError{code: exitUsage}
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
	return nil
}

// setup is what a command runs with: the configuration, a logger, and, as
// the command needs them, the playbook and the store.
type setup struct {
	cfg    Config
	logger *slog.Logger
	book   *playbook.Provider // nil without needPlaybook
	db     *store.DB          // nil without needStore
}

// What a command's setup needs besides the configuration.
const (
	needZendesk  = 1 << iota // the COHORT_ZENDESK_* account
	needPlaybook             // the segments file and the macros
	needStore                // the database
)

// setup loads the configuration and opens what needs asks for, in an
// order that stops at a bad file before it touches the database. The
// caller closes it.
func (c *cli) setup(ctx context.Context, needs int) (*setup, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	if needs&needZendesk != 0 {
		if err := cfg.requireZendesk(false); err != nil {
			return nil, err
		}
	}
	s := &setup{cfg: cfg, logger: newLogger(cfg, c.stderr)}
	if needs&needPlaybook != 0 {
		if s.book, err = newPlaybook(cfg, s.logger); err != nil {
			return nil, err
		}
	}
	if needs&needStore != 0 {
		if s.db, err = openStore(ctx, cfg, s.logger); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// close closes the store, if open.
func (s *setup) close() {
	if s.db != nil {
		s.db.Close()
	}
}

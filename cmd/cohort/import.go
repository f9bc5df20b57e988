package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/sync"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("import", "import customers FILE.csv", `Loads CRM customers from a CSV file into the database (COHORT_DATABASE_URL).
Columns: email, external_id, name, organization, plan, arr, ltv, signup_date
(YYYY-MM-DD), products (;-separated), tech_level; other columns become custom
attributes. A customer is matched by external_id, else email, and updated.
Rows that break the contract are reported with their line and skipped; the
rest load. Exit status: 0 all loaded, 3 some rows rejected, 1 failure.`, stderr)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() != 2 || fs.Arg(0) != "customers" {
		fs.Usage()
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitUsage
	}
	path := fs.Arg(1)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitFailure
	}
	defer f.Close()
	src, err := csv.NewReader(f, path)
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitFailure
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitFailure
	}
	defer db.Close()
	sum, err := sync.Import(ctx, src, db)
	printImport(stdout, path, sum)
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitFailure
	}
	if sum.Rejected > 0 {
		return exitPartial
	}
	return exitOK
}

func printImport(w io.Writer, path string, sum sync.Summary) {
	for _, r := range sum.Rejects {
		fmt.Fprintf(w, "%s:%d: rejected: %s\n", path, r.Line, r.Reason)
	}
	fmt.Fprintf(w, "%s: read %d, inserted %d, updated %d, unchanged %d, rejected %d (%.2fs)\n",
		path, sum.Read, sum.Inserted, sum.Updated, sum.Unchanged, sum.Rejected, sum.Duration.Seconds())
}

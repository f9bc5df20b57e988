package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/sync"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("import", "import customers [--mapping FILE] FILE.csv|URL", `Loads CRM customers from a CSV file or https URL into the database
(COHORT_DATABASE_URL), once, then recomputes the segments of those that
changed. Columns: email, external_id, name, organization, plan, arr, ltv,
signup_date (YYYY-MM-DD), products (;-separated), tech_level; other columns
become custom attributes. --mapping reads other column names (see
connector/crm/csv/mapping.yaml). A customer is matched by external_id, else
email, and updated. Rows that break the contract are reported with their
line and skipped; the rest load. Exit status: 0 all loaded, 3 some rows
rejected, 1 failure.`, stderr)
	mappingPath := fs.String("mapping", "", "a mapping `file` for other column names")
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
	mapping, err := mappingOr(*mappingPath, "--mapping", csv.DefaultMapping)
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitUsage
	}
	src, err := csv.NewSource("import", fs.Arg(1), mapping, nil)
	if err != nil {
		fmt.Fprintln(stderr, "cohort import:", err)
		return exitUsage
	}
	only := func([]sync.Source) ([]sync.Source, error) { return []sync.Source{{Source: src, Mapping: mapping}}, nil }
	return runSync(ctx, cfg, only, sync.Options{FromStart: true}, stdout, stderr)
}

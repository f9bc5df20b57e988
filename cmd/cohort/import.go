package main

import (
	"context"

	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/syncer/crmsync"
)

func runImport(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "import", "import customers [--mapping FILE] FILE.csv|URL", `Loads CRM customers from a CSV file or https URL into the database
(COHORT_DATABASE_URL), once, then recomputes the segments of those that
changed. Columns: email, external_id, name, organization, plan, arr, ltv,
signup_date (YYYY-MM-DD), products (;-separated), tech_level; other columns
become custom attributes. --mapping reads other column names (see
connector/crm/csv/mapping.yaml). The rows are the "csv" source's records of
the customers (see COHORT_SOURCE_PRECEDENCE), found by external_id, else
email, and updated. Rows that break the contract are reported with their
line and skipped; the rest load. Exit status: 0 all loaded, 3 some rows
rejected, 1 failure.`)
	mappingPath := fs.String("mapping", "", "a mapping `file` for other column names")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 || fs.Arg(0) != "customers" {
		return usageError(fs, "")
	}
	mapping, err := mappingOr(*mappingPath, "--mapping", csv.DefaultMapping)
	if err != nil {
		return err
	}
	src, err := csv.NewSource("csv", fs.Arg(1), mapping, nil)
	if err != nil {
		return err
	}
	only := func([]crmsync.Source) ([]crmsync.Source, error) {
		return []crmsync.Source{{Source: src, Mapping: mapping}}, nil
	}
	return runSync(ctx, c, only, crmsync.Options{FromStart: true})
}

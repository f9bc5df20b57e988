package sync_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/sync"
)

func TestImportCountsEveryRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var b strings.Builder
		b.WriteString("email,external_id,plan\n")
		rows := sync.BatchSize + 10 // crosses a batch boundary
		for i := range rows {
			fmt.Fprintf(&b, "user%d@a.example,ext-%d,pro\n", i, i)
		}
		b.WriteString("bad-email,,pro\n")                       // rejected by the reader
		b.WriteString("user0@a.example,ext-other,enterprise\n") // rejected by the store: email taken
		src, err := csv.NewReader(strings.NewReader(b.String()), "c.csv")
		if err != nil {
			t.Fatal(err)
		}
		sum, err := sync.Import(ctx, src, db)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != rows+2 || sum.Inserted != rows || sum.Rejected != 2 || len(sum.Rejects) != 2 {
			t.Fatalf("summary = %+v", sum)
		}
		if r := sum.Rejects[0]; r.Line != rows+2 || !strings.Contains(r.Reason, "not an email") {
			t.Errorf("reader reject = %+v", r)
		}
		if r := sum.Rejects[1]; r.Line != rows+3 || !strings.Contains(r.Reason, "already belongs") {
			t.Errorf("store reject = %+v", r)
		}

		// Importing the same file again changes nothing.
		src, _ = csv.NewReader(strings.NewReader(b.String()), "c.csv")
		sum, err = sync.Import(ctx, src, db)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Unchanged != rows || sum.Inserted != 0 || sum.Updated != 0 {
			t.Errorf("second import = %+v", sum)
		}
		if n, _ := db.CountCustomers(ctx); n != rows {
			t.Errorf("customers = %d, want %d", n, rows)
		}
	})
}

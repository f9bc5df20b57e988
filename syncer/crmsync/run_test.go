package crmsync_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/lease"
	"github.com/cohortdesk/cohort/syncer/synctest"
)

func TestRunCountsEveryRowAndReportsRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n := csv.BatchSize + 10 // crosses a batch boundary
		content := synctest.Rows(n, func(int) string { return "pro" }) +
			"bad-email,,pro,1\n" + // rejected by the mapping
			"user0@a.example,ext-other,enterprise,1\n" + // rejected by the store: email taken
			"x@a.example,,pro\n" // rejected by the reader: too few fields
		src := synctest.CSVSource(t, filepath.Join(t.TempDir(), "c.csv"), content)
		sum, err := crmsync.Run(ctx, db, src, crmsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != n+3 || sum.Inserted != n || sum.Rejected != 3 || len(sum.Rejects) != 3 {
			t.Fatalf("summary = %+v", sum)
		}
		want := []string{
			fmt.Sprintf(`csv: %s:%d: email: "bad-email" is not an email address`, "c.csv", n+2),
			fmt.Sprintf(`csv: %s:%d: email user0@a.example already belongs`, "c.csv", n+3),
			fmt.Sprintf(`csv: %s:%d: has 3 fields, header has 4`, "c.csv", n+4),
		}
		for i, r := range sum.Rejects {
			got := strings.Replace(r.String(), filepath.Dir(r.Ref)+string(filepath.Separator), "", 1)
			if !strings.HasPrefix(got, want[i]) {
				t.Errorf("reject %d = %q, want prefix %q", i, got, want[i])
			}
		}
		if c, _ := db.CountCustomers(ctx); c != n {
			t.Errorf("customers = %d, want %d", c, n)
		}
	})
}

func TestIncrementalSkipsAnUnchangedFileAndPicksUpChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "c.csv")
		src := synctest.CSVSource(t, path, synctest.Rows(50, func(int) string { return "pro" }))
		if _, err := crmsync.Run(ctx, db, src, crmsync.Options{}); err != nil {
			t.Fatal(err)
		}
		sum, err := crmsync.Run(ctx, db, src, crmsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != 0 {
			t.Errorf("unchanged file read again: %+v", sum)
		}
		// Three plans change: the new version is read, and only they update.
		synctest.WriteFile(t, path, synctest.Rows(50, func(i int) string {
			if i%20 == 0 {
				return "enterprise"
			}
			return "pro"
		}))
		sum, err = crmsync.Run(ctx, db, src, crmsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != 50 || sum.Updated != 3 || sum.Unchanged != 47 || sum.Inserted != 0 {
			t.Errorf("changed file: %+v", sum)
		}
	})
}

// failAfter wraps a source so that its run stops with an error after n
// batches were written, as a crash would.
type failAfter struct {
	crm.Source
	n int
}

var errCrash = errors.New("crash")

func (f *failAfter) Read(ctx context.Context, cp string, full bool, emit func(crm.Batch) error) error {
	written := 0
	return f.Source.Read(ctx, cp, full, func(b crm.Batch) error {
		if written == f.n {
			return errCrash
		}
		written++
		return emit(b)
	})
}

func TestInterruptedRunResumesFromItsCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		n := 3*csv.BatchSize + 7
		src := synctest.CSVSource(t, filepath.Join(t.TempDir(), "c.csv"), synctest.Rows(n, func(int) string { return "pro" }))
		crashing := crmsync.Source{Source: &failAfter{Source: src.Source, n: 2}, Mapping: src.Mapping}
		sum, err := crmsync.Run(ctx, db, crashing, crmsync.Options{})
		if !errors.Is(err, errCrash) {
			t.Fatalf("err = %v, want the crash", err)
		}
		if sum.Inserted != 2*csv.BatchSize {
			t.Fatalf("before the crash: %+v", sum)
		}
		// The next run reads only what was not written.
		sum, err = crmsync.Run(ctx, db, src, crmsync.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Read != n-2*csv.BatchSize || sum.Inserted != sum.Read {
			t.Errorf("resumed run: %+v", sum)
		}
		if c, _ := db.CountCustomers(ctx); c != n {
			t.Errorf("customers = %d, want %d", c, n)
		}
		runs, err := db.LastSyncRuns(ctx)
		if err != nil || runs["csv"].Status != "succeeded" || runs["csv"].Inserted != sum.Inserted {
			t.Errorf("last run = %+v, %v", runs["csv"], err)
		}
	})
}

func TestFullRunSoftDeletesWhatTheSourceNoLongerHas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		path := filepath.Join(t.TempDir(), "c.csv")
		src := synctest.CSVSource(t, path, synctest.Rows(10, func(int) string { return "pro" }))
		if _, err := crmsync.Run(ctx, db, src, crmsync.Options{}); err != nil {
			t.Fatal(err)
		}
		// A customer from another source is never deleted by this one.
		if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "push"}, []cohort.Customer{{Email: "other@b.example"}}); err != nil {
			t.Fatal(err)
		}
		synctest.WriteFile(t, path, synctest.Rows(7, func(int) string { return "pro" }))
		sum, err := crmsync.Run(ctx, db, src, crmsync.Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Deleted != 3 || sum.Unchanged != 7 {
			t.Errorf("full run: %+v", sum)
		}
		if c, _ := db.CountCustomers(ctx); c != 8 {
			t.Errorf("customers = %d, want 8", c)
		}
		gone, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "ext-9"})
		if err != nil || gone != nil {
			t.Errorf("deleted customer still found: %+v, %v", gone, err)
		}
		// Back in the file, it is restored.
		synctest.WriteFile(t, path, synctest.Rows(10, func(int) string { return "pro" }))
		sum, err = crmsync.Run(ctx, db, src, crmsync.Options{})
		if err != nil || sum.Updated != 3 {
			t.Errorf("restore: %+v, %v", sum, err)
		}
		if c, _ := db.CountCustomers(ctx); c != 11 {
			t.Errorf("customers after restore = %d, want 11", c)
		}
	})
}

func TestASecondRunOfTheSameSourceWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		src := synctest.CSVSource(t, filepath.Join(t.TempDir(), "c.csv"), synctest.Rows(5, func(int) string { return "pro" }))
		ok, err := db.AcquireLease(ctx, "sync:csv", "someone-else", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lease: %v, %v", ok, err)
		}
		_, err = crmsync.Run(ctx, db, src, crmsync.Options{})
		if !errors.Is(err, lease.ErrBusy) || !strings.Contains(err.Error(), "someone-else") {
			t.Errorf("err = %v, want ErrBusy naming the holder", err)
		}
	})
}

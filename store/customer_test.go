package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// TestUpsertBatchMixingNewAndStoredCustomers runs batches larger than one
// INSERT (or COPY) in which new customers sit next to stored ones,
// repeated keys and rejects: the bulk paths for new keys must give the
// same outcomes and ids as record-by-record matching.
func TestUpsertBatchMixingNewAndStoredCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		src := store.CustomerSource{Name: "test"}
		stored := []cohort.Customer{
			{Email: "a@x.example", ExternalID: "a", Plan: "pro"},
			{Email: "b@x.example", ExternalID: "b", Plan: "pro"},
			{Email: "c@x.example", ExternalID: "c", Plan: "pro"},
		}
		first, err := db.UpsertCustomers(ctx, src, stored)
		if err != nil {
			t.Fatal(err)
		}

		odd := cohort.Customer{Email: "odd@x.example", ExternalID: "odd", Name: "Ann \"the\" <Admin> & co\n\u2028é",
			Products: []string{"payments-api", "naïve \\ product"}, Attrs: map[string]string{"note": "tab\there", "ü": "☃"},
			SignupDate: date("2021-03-04"), ARR: 0.1 + 0.2, LTV: 1e15 + 0.5}
		var batch []cohort.Customer
		want := map[int]store.Outcome{}
		for i := range 1200 {
			batch = append(batch, cohort.Customer{Email: fmt.Sprintf("n%d@y.example", i), ExternalID: fmt.Sprintf("n%d", i), Plan: "free"})
			want[len(batch)-1] = store.Inserted
			switch i {
			case 100: // a stored customer, unchanged, in the middle of new ones
				batch = append(batch, stored[0])
				want[len(batch)-1] = store.Unchanged
			case 600: // a stored customer, changed
				b := stored[1]
				b.Plan = "enterprise"
				batch = append(batch, b)
				want[len(batch)-1] = store.Updated
			case 700: // a new key twice: inserted, then updated
				batch = append(batch, cohort.Customer{Email: "n700@y.example", ExternalID: "n700", Plan: "business"})
				want[len(batch)-1] = store.Updated
			case 800: // another customer's email under a new external id
				batch = append(batch, cohort.Customer{Email: "c@x.example", ExternalID: "thief"})
				want[len(batch)-1] = store.Rejected
			case 900: // no key at all
				batch = append(batch, cohort.Customer{Name: "nobody"})
				want[len(batch)-1] = store.Rejected
			case 1000:
				batch = append(batch, odd)
				want[len(batch)-1] = store.Inserted
			}
		}
		res, err := db.UpsertCustomers(ctx, src, batch)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[int64]bool{}
		for i, r := range res {
			if r.Outcome != want[i] {
				t.Fatalf("record %d (%s): %v (%s), want %v", i, batch[i].ExternalID, r.Outcome, r.Reason, want[i])
			}
			if r.Outcome == store.Rejected {
				continue
			}
			if r.ID == 0 {
				t.Fatalf("record %d: no id", i)
			}
			if r.Outcome == store.Inserted && ids[r.ID] {
				t.Fatalf("record %d: id %d given twice", i, r.ID)
			}
			ids[r.ID] = true
		}
		if res[101].ID != first[0].ID || res[602].ID != first[1].ID {
			t.Errorf("stored customers got ids %d, %d; want %d, %d", res[101].ID, res[602].ID, first[0].ID, first[1].ID)
		}
		// Every id is the customer's: look a few up by key.
		for _, i := range []int{0, 99, 102, 499, 500, 501, 703, 1199 + 6} {
			c, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: batch[i].ExternalID})
			if err != nil || c == nil || c.ID != res[i].ID || c.Email != batch[i].Email {
				t.Errorf("record %d: found %+v, %v; want id %d", i, c, err, res[i].ID)
			}
		}
		if c, _, _ := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "n700"}); c == nil || c.Plan != "business" {
			t.Errorf("n700 = %+v, want the later record's plan", c)
		}
		if n, err := db.CountCustomers(ctx); err != nil || n != 3+1200+1 {
			t.Errorf("count = %d, %v; want %d", n, err, 3+1200+1)
		}

		// What is stored reads back the same, escapes and all, through both
		// ways of reading customers.
		found, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "odd"})
		if err != nil || found == nil {
			t.Fatalf("find odd: %v", err)
		}
		var paged *cohort.Customer
		for after := int64(0); paged == nil; {
			page, err := db.CustomersAfter(ctx, after, 500, false)
			if err != nil || len(page) == 0 {
				t.Fatalf("customers after %d: %d, %v", after, len(page), err)
			}
			for _, m := range page {
				if m.ExternalID == "odd" {
					paged = &m.Customer
				}
			}
			after = page[len(page)-1].ID
		}
		for _, got := range []*cohort.Customer{found, paged} {
			if got.Name != odd.Name || !slices.Equal(got.Products, odd.Products) || !maps.Equal(got.Attrs, odd.Attrs) ||
				!got.SignupDate.Equal(odd.SignupDate) || got.ARR != odd.ARR || got.LTV != odd.LTV || got.UpdatedAt.IsZero() {
				t.Errorf("round trip: %+v, want %+v", got, odd)
			}
		}

		// The same batch again, all stored now: nothing changes but n700,
		// which its two records set to one plan and then the other.
		res, err = db.UpsertCustomers(ctx, src, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			w := store.Unchanged
			switch {
			case want[i] == store.Rejected:
				w = store.Rejected
			case batch[i].ExternalID == "n700":
				w = store.Updated
			}
			if r.Outcome != w {
				t.Fatalf("again, record %d: %v, want %v", i, r.Outcome, w)
			}
		}
	})
}

// TestFailedSyncBatchLeavesNoTrace: a batch that fails part way, after
// new customers were inserted (copied in, on PostgreSQL), leaves neither
// them nor its checkpoint.
func TestFailedSyncBatchLeavesNoTrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		run, err := db.StartSyncRun(ctx, "csv", false)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CommitSyncBatch(ctx, run, store.SyncBatch{Checkpoint: "1",
			Upserts: []cohort.CustomerRecord{{Customer: cohort.Customer{Email: "old@x.example", ExternalID: "x"}}}}); err != nil {
			t.Fatal(err)
		}
		// x moves to a new email while a new customer takes its old one in
		// the same batch: the new one is written before x lets go of it.
		_, _, err = db.CommitSyncBatch(ctx, run, store.SyncBatch{Checkpoint: "2", Upserts: []cohort.CustomerRecord{
			{Customer: cohort.Customer{Email: "new@x.example", ExternalID: "x"}},
			{Customer: cohort.Customer{Email: "fresh@x.example", ExternalID: "fresh"}},
			{Customer: cohort.Customer{Email: "old@x.example", ExternalID: "y"}},
		}})
		if err == nil {
			t.Fatal("batch succeeded; want a conflict on old@x.example")
		}
		if c, _, _ := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "fresh"}); c != nil {
			t.Errorf("a customer of the failed batch was kept: %+v", c)
		}
		if c, _, _ := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "x"}); c == nil || c.Email != "old@x.example" {
			t.Errorf("x = %+v, want it unchanged", c)
		}
		if cp, err := db.Checkpoint(ctx, "csv"); err != nil || cp != "1" {
			t.Errorf("checkpoint = %q, %v; want the last good batch's", cp, err)
		}
	})
}

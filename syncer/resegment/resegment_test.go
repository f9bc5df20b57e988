package resegment_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/resegment"
	"github.com/cohortdesk/cohort/syncer/synctest"
)

func TestResegmentComputesChangedCustomersOrEveryoneWhenRulesChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
		_, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{
			{Email: "ent@a.example", Plan: "enterprise", SignupDate: now.AddDate(0, 0, -3)},
			{Email: "pro@a.example", Plan: "pro", SignupDate: now.AddDate(0, 0, -100)},
			{Email: "new@a.example", Plan: "pro", SignupDate: now.AddDate(0, 0, -29)},
		})
		if err != nil {
			t.Fatal(err)
		}
		set := synctest.Rules(t, synctest.Segments)
		rs, err := resegment.All(ctx, db, set, now)
		if err != nil || !rs.All || rs.Computed != 3 || rs.Changed != 2 {
			t.Fatalf("first run: %+v, %v", rs, err)
		}
		members, primary, none, err := db.SegmentCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The ticket rule has no stored members.
		if members["enterprise"] != 1 || members["new_customer"] != 2 || members["outage_reporter"] != 0 ||
			primary["enterprise"] != 1 || primary["new_customer"] != 1 || none != 1 {
			t.Errorf("counts: members %v primary %v none %d", members, primary, none)
		}

		// Nothing changed: nothing to compute.
		if rs, err = resegment.All(ctx, db, set, now); err != nil || rs.All || rs.Computed != 0 {
			t.Errorf("idle run: %+v, %v", rs, err)
		}
		// One customer changes: only it is computed.
		if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{
			{Email: "pro@a.example", Plan: "enterprise", SignupDate: now.AddDate(0, 0, -100)}}); err != nil {
			t.Fatal(err)
		}
		if rs, err = resegment.All(ctx, db, set, now); err != nil || rs.All || rs.Computed != 1 || rs.Changed != 1 {
			t.Errorf("after one change: %+v, %v", rs, err)
		}
		// The next day, date rules make everyone be computed again; "new"
		// is then 30 days in and leaves new_customer.
		rs, err = resegment.All(ctx, db, set, now.AddDate(0, 0, 1))
		if err != nil || !rs.All || rs.Computed != 3 || rs.Changed != 1 {
			t.Errorf("next day: %+v, %v", rs, err)
		}
		// New rules: everyone is computed.
		set2 := synctest.Rules(t, `
segments:
  - name: paying
    when: customer.plan in ["pro", "enterprise"]
`)
		rs, err = resegment.All(ctx, db, set2, now.AddDate(0, 0, 1))
		if err != nil || !rs.All || rs.Computed != 3 || rs.Changed != 3 {
			t.Errorf("new rules: %+v, %v", rs, err)
		}
		page, err := db.CustomersAfter(ctx, 0, 10, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			if !slices.Equal(c.Segments, []string{"paying"}) || c.Dirty {
				t.Errorf("customer %s: segments %v dirty %v", c.Email, c.Segments, c.Dirty)
			}
		}
	})
}

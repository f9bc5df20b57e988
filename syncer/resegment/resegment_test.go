package resegment_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// TestFailingRulesAreReportedAndOverBudgetStops: a rule that fails at run
// time for some customers is reported with their number, not silently no
// members; a rule over its budget stops the re-segmenting with an error
// naming its segment; so does a cancelled context, at once.
func TestFailingRulesAreReportedAndOverBudgetStops(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	var customers []cohort.Customer
	for i := range 30 {
		c := cohort.Customer{Email: fmt.Sprintf("c%d@a.example", i), Plan: "pro", ARR: 100, LTV: float64(i % 3)}
		for j := range 400 { // 160,000 steps for a rule that loops over them twice
			c.Products = append(c.Products, fmt.Sprint("p", j))
		}
		customers = append(customers, c)
	}
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, customers); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	set := synctest.Rules(t, "segments:\n  - name: ratio\n    when: int(customer.arr) % int(customer.ltv) == 0\n  - name: pro\n    when: customer.plan == \"pro\"\n")
	rs, err := resegment.All(ctx, db, set, now)
	if err != nil || rs.Computed != 30 || rs.Failed["ratio"].Customers != 10 || !strings.Contains(rs.Failed["ratio"].First.Error(), "divide by zero") {
		t.Fatalf("summary %+v, %v; want ratio failing for the 10 customers with no LTV", rs, err)
	}

	slow := synctest.Rules(t, "segments:\n  - name: quadratic\n    when: 'any(customer.products, any(customer.products, # == \"zz\"))'\n")
	if _, err := resegment.All(ctx, db, slow, now); err == nil || !strings.Contains(err.Error(), "segment quadratic: the rule ran over its budget") {
		t.Errorf("a rule over budget: %v", err)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	nested := synctest.Rules(t, "segments:\n  - name: nested\n    when: 'any(customer.products, any(1..200, # == 0) && false)'\n")
	start := time.Now()
	if _, err := resegment.All(cancelled, db, nested, now); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("cancelled: %v after %v", err, time.Since(start))
	}
}

package rules_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
)

func TestARuleOverBudgetEvenWithNoDataFailsTheCheck(t *testing.T) {
	for _, when := range []string{
		`all(1..999999, customer.name contains "x" || true)`,
		`len(map(1..400000, # * 2)) > 0`, // a range over expr's memory budget is a run-time error, not a budget one
	} {
		_, err := rules.Parse("segments.yaml", []byte("segments:\n  - name: slow\n    when: "+when+"\n"))
		switch {
		case strings.HasPrefix(when, "all"):
			// Steps or time, whichever runs out first (time, on a loaded
			// machine under -race).
			if err == nil || !strings.Contains(err.Error(), `segments.yaml:3: segment "slow": when: the rule ran over its budget: more than `) ||
				!strings.Contains(err.Error(), "for a customer with no data") {
				t.Errorf("%s: err = %v", when, err)
			}
		case err == nil:
			t.Errorf("%s: the check passed it", when)
		}
	}
	if _, err := rules.Parse("segments.yaml", []byte("segments:\n  - name: x\n    when: __budget != nil\n")); err == nil ||
		!strings.Contains(err.Error(), "__budget is a name cohort keeps for itself") {
		t.Errorf("a rule naming the budget: %v", err)
	}
}

// TestARuleSlowOnDataRunsOutOfTime: a rule cheap for an empty customer but
// not for this one's data stops at the time budget, as a failure naming
// its segment; the other rules still decide.
func TestARuleSlowOnDataRunsOutOfTime(t *testing.T) {
	set, err := rules.Parse("segments.yaml", []byte(`segments:
  - name: slow
    when: 'any(customer.products, customer.name contains # + "zz")'
  - name: pro
    when: customer.plan == "pro"
`))
	if err != nil {
		t.Fatal(err)
	}
	products := make([]string, 20000)
	for i := range products {
		products[i] = fmt.Sprint("p", i)
	}
	c := &cohort.Customer{Plan: "pro", Name: strings.Repeat("n", 1<<20), Products: products}
	start := time.Now()
	segs, failed := set.Membership(context.Background(), c, time.Now(), rules.NewBudget(context.Background()))
	took := time.Since(start)
	if len(segs) != 1 || segs[0] != "pro" || len(failed) != 1 || failed[0].Segment != "slow" || !errors.Is(failed[0].Err, rules.ErrBudget) {
		t.Fatalf("segments %v, failed %+v", segs, failed)
	}
	if took > 2*rules.MaxTime+time.Second {
		t.Errorf("took %v; the budget is %v", took, rules.MaxTime)
	}
	r := set.Evaluate(context.Background(), c, &cohort.Ticket{ID: 1}, time.Now())
	if len(r.Segments) != 1 || !strings.Contains(strings.Join(r.Reasons, "\n"), "segment slow: rule failed, counted as no match: the rule ran over its budget") {
		t.Errorf("a ticket's evaluation: %+v", r)
	}
}

// TestACancelledEvaluationStops: a long evaluation stops soon after its
// context is done.
func TestACancelledEvaluationStops(t *testing.T) {
	set, err := rules.Parse("segments.yaml", []byte("segments:\n  - name: slow\n    when: 'any(customer.products, customer.name contains #)'\n"))
	if err != nil {
		t.Fatal(err)
	}
	products := make([]string, 5000)
	for i := range products {
		products[i] = fmt.Sprint("p", i)
	}
	c := &cohort.Customer{Name: strings.Repeat("n", 1<<20), Products: products}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	_, failed := set.Membership(ctx, c, time.Now(), rules.NewBudget(ctx))
	if len(failed) != 1 || !strings.Contains(failed[0].Err.Error(), "stopped") || time.Since(start) > rules.MaxTime/2 {
		t.Errorf("failed %+v after %v; want a prompt stop", failed, time.Since(start))
	}
	start = time.Now()
	r := set.Evaluate(ctx, c, &cohort.Ticket{ID: 1}, time.Now())
	if !strings.Contains(strings.Join(r.Reasons, "\n"), "stopped: context canceled") || time.Since(start) > rules.MaxTime/2 {
		t.Errorf("a ticket's evaluation: %+v after %v; want a prompt stop", r, time.Since(start))
	}
}

// TestRunTimeFailuresAreReported: a rule that fails at run time is a
// failure of its segment, not silently no match.
func TestRunTimeFailuresAreReported(t *testing.T) {
	set, err := rules.Parse("segments.yaml", []byte("segments:\n  - name: ratio\n    when: int(customer.arr) % int(customer.ltv) == 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	segs, failed := set.Membership(context.Background(), &cohort.Customer{ARR: 10}, time.Now(), rules.NewBudget(context.Background()))
	if len(segs) != 0 || len(failed) != 1 || failed[0].Segment != "ratio" || !strings.Contains(failed[0].Err.Error(), "divide by zero") {
		t.Errorf("segments %v, failed %+v", segs, failed)
	}
}

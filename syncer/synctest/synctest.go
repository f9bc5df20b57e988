// Package synctest holds what the syncer's tests share: a CSV source over
// a file the test writes, rows of customers, and segment rules. Only
// tests import it.
package synctest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/syncer/crmsync"
)

// CSVSource writes content to path and returns a CSV source named "csv"
// reading it with the default mapping.
func CSVSource(t testing.TB, path, content string) crmsync.Source {
	t.Helper()
	WriteFile(t, path, content)
	m := csv.DefaultMapping()
	src, err := csv.NewSource("csv", path, m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return crmsync.Source{Source: src, Mapping: m}
}

// WriteFile writes content and moves the modification time on, so that a
// rewrite within the same clock tick still reads as a new version.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	old, _ := os.Stat(path)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if old != nil {
		next := old.ModTime().Add(time.Second)
		if err := os.Chtimes(path, next, next); err != nil {
			t.Fatal(err)
		}
	}
}

// Rows is a CSV of n customers user<i>@a.example (external id ext-<i>,
// ARR i), each with the plan plan(i).
func Rows(n int, plan func(i int) string) string {
	var b strings.Builder
	b.WriteString("email,external_id,plan,arr\n")
	for i := range n {
		fmt.Fprintf(&b, "user%d@a.example,ext-%d,%s,%d\n", i, i, plan(i), i)
	}
	return b.String()
}

// Rules parses segment rules, failing the test on an error.
func Rules(t testing.TB, yaml string) *rules.Set {
	t.Helper()
	set, err := rules.Parse("segments.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Segments are rules with a segment by plan, one by signup date and one by
// ticket subject.
const Segments = `
segments:
  - name: enterprise
    when: customer.plan == "enterprise"
  - name: new_customer
    when: customer.days_since_signup >= 0 && customer.days_since_signup < 30
  - name: outage_reporter
    when: ticket.subject contains "outage"
`

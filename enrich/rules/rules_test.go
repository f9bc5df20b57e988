package rules_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
)

// testCase is one file of testdata/cases: rules, customer, ticket and the
// decision they must give.
type testCase struct {
	Rules    string `yaml:"rules"` // relative to testdata
	Now      string `yaml:"now"`
	Customer *struct {
		Email      string            `yaml:"email"`
		ExternalID string            `yaml:"external_id"`
		Plan       string            `yaml:"plan"`
		ARR        float64           `yaml:"arr"`
		LTV        float64           `yaml:"ltv"`
		SignupDate string            `yaml:"signup_date"`
		Products   []string          `yaml:"products"`
		TechLevel  string            `yaml:"tech_level"`
		Attrs      map[string]string `yaml:"attrs"`
	} `yaml:"customer"`
	Ticket struct {
		Subject  string   `yaml:"subject"`
		Priority string   `yaml:"priority"`
		Tags     []string `yaml:"tags"`
		Channel  string   `yaml:"channel"`
	} `yaml:"ticket"`
	Want struct {
		Segments    []string `yaml:"segments"`
		Escalations []string `yaml:"escalations"`
		Priority    string   `yaml:"priority"`
	} `yaml:"want"`
}

func TestCases(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".yaml"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var tc testCase
			if err := yaml.Unmarshal(data, &tc); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			set, err := rules.Load(filepath.Join("testdata", tc.Rules))
			if err != nil {
				t.Fatal(err)
			}
			now, err := time.Parse(time.DateOnly, tc.Now)
			if err != nil {
				t.Fatal(err)
			}
			var c *cohort.Customer
			if tc.Customer != nil {
				c = &cohort.Customer{Email: tc.Customer.Email, ExternalID: tc.Customer.ExternalID, Plan: tc.Customer.Plan,
					ARR: tc.Customer.ARR, LTV: tc.Customer.LTV, Products: tc.Customer.Products,
					TechLevel: tc.Customer.TechLevel, Attrs: tc.Customer.Attrs}
				if tc.Customer.SignupDate != "" {
					if c.SignupDate, err = time.Parse(time.DateOnly, tc.Customer.SignupDate); err != nil {
						t.Fatal(err)
					}
				}
			}
			prio, err := cohort.ParsePriority(tc.Ticket.Priority)
			if err != nil {
				t.Fatal(err)
			}
			ticket := &cohort.Ticket{ID: 1, Subject: tc.Ticket.Subject, Priority: prio, Tags: tc.Ticket.Tags, Channel: tc.Ticket.Channel}
			got := set.Evaluate(context.Background(), c, ticket, now)
			final := cohort.MaxPriority(prio, got.Priority)
			if !slices.Equal(got.Segments, tc.Want.Segments) && len(got.Segments)+len(tc.Want.Segments) > 0 {
				t.Errorf("segments = %v, want %v", got.Segments, tc.Want.Segments)
			}
			if !slices.Equal(got.Escalations, tc.Want.Escalations) && len(got.Escalations)+len(tc.Want.Escalations) > 0 {
				t.Errorf("escalations = %v, want %v", got.Escalations, tc.Want.Escalations)
			}
			if final.String() != tc.Want.Priority {
				t.Errorf("priority = %q, want %q", final, tc.Want.Priority)
			}
			if final < prio {
				t.Errorf("priority lowered from %v to %v", prio, final)
			}
			if n := len(got.Segments) + len(got.Escalations); len(got.Reasons) != n {
				t.Errorf("%d reasons for %d matches: %v", len(got.Reasons), n, got.Reasons)
			}
		})
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown field", "segments:\n  - name: a\n    when: customer.plann == \"x\"\n",
			[]string{`x.yaml:3: segment "a": when: customer has no field plann`}},
		{"syntax error in literal block", "segments:\n  - name: a\n    when: |\n      customer.known\n        && (\n",
			[]string{`x.yaml:5: segment "a": when: unexpected token EOF`}},
		{"not a boolean", "segments:\n  - name: a\n    when: customer.arr\n", []string{`x.yaml:3: segment "a": when: expected bool`}},
		{"bad name and duplicate", "segments:\n  - name: Big Spenders\n    when: true\n  - name: b\n    when: true\n  - name: b\n    when: true\n",
			[]string{`x.yaml:2: segment "Big Spenders": name must be lowercase`, `x.yaml:6: segment "b": name already used on line 4`}},
		{"missing when and bad priority", "segments:\n  - name: a\n    priority: asap\n",
			[]string{`x.yaml:2: segment "a": missing when`, `x.yaml:3: segment "a": priority: "asap" is not one of`}},
		{"unknown key", "segments:\n  - name: a\n    when: true\n    colour: red\n", []string{`x.yaml:4: segment "a": unknown key "colour"`}},
		{"escalation needs priority", "segments: []\nescalations:\n  - name: e\n    when: true\n",
			[]string{`x.yaml:3: escalation "e": missing priority`}},
		{"escalation name clashes with segment", "segments:\n  - name: a\n    when: true\nescalations:\n  - name: a\n    when: true\n    priority: high\n",
			[]string{`x.yaml:5: escalation "a": name already used on line 2`}},
		{"not yaml", "segments: [\n", []string{`x.yaml:1: not valid YAML: did not find expected node content`}},
		{"empty", "", []string{`x.yaml: file is empty`}},
		{"no segments", "escalations: []\n", []string{`x.yaml:1: missing segments: list`}},
		{"io in rules is not possible", "segments:\n  - name: a\n    when: readFile(\"/etc/passwd\") != \"\"\n",
			[]string{`x.yaml:3: segment "a": when: unknown name readFile`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Parse("x.yaml", []byte(tt.src))
			var list yamlfile.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if len(list) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(list), len(tt.want), err)
			}
			for i, want := range tt.want {
				if !strings.HasPrefix(list[i].Error(), want) {
					t.Errorf("error %d = %q\nwant prefix %q", i, list[i].Error(), want)
				}
			}
		})
	}
}

func TestSampleSegmentsFileIsValid(t *testing.T) {
	set, err := rules.Load("../../manifests/segments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range set.Segments {
		names = append(names, s.Name)
	}
	for _, want := range []string{"enterprise", "technical", "new_customer", "basic", "unknown_requester"} {
		if !slices.Contains(names, want) {
			t.Errorf("sample segments lack %q (have %v)", want, names)
		}
	}
}

func FuzzParse(f *testing.F) {
	// Small seeds: the fuzzer's minimizer crawls on the full sample file.
	f.Add([]byte("segments:\n  - name: a\n    when: customer.arr > 1 && ticket.priority == \"high\"\n    priority: high\n"))
	f.Add([]byte("segments:\n  - name: b\n    when: |\n      any(customer.products, {# in [\"x\"]})\n    tags: [t]\n" +
		"escalations:\n  - name: e\n    when: lower(ticket.subject) matches \"down\"\n    priority: urgent\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := rules.Parse("fuzz.yaml", data)
		if err != nil {
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			return
		}
		// Whatever compiled must evaluate without panicking.
		set.Evaluate(context.Background(), nil, &cohort.Ticket{ID: 1}, time.Now())
		set.Evaluate(context.Background(), &cohort.Customer{Email: "a@b.c"}, &cohort.Ticket{ID: 1, Tags: []string{"x"}}, time.Now())
	})
}

// BenchmarkMembership computes the customer segments of the sample
// segments file for one customer.
func BenchmarkMembership(b *testing.B) {
	set, err := rules.Load("../../manifests/segments.yaml")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	c := &cohort.Customer{ID: 1, Email: "ann@acme.example", ExternalID: "crm-1", Plan: "pro", ARR: 12000, LTV: 36000,
		SignupDate: now.AddDate(0, 0, -12), Products: []string{"dashboard", "payments-api"}, TechLevel: "intermediate",
		Attrs: map[string]string{"region": "eu-west"}}
	budget := rules.NewBudget(context.Background())
	b.ReportAllocs()
	for b.Loop() {
		set.Membership(context.Background(), c, now, budget)
	}
}

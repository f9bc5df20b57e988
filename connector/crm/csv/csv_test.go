package csv_test

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/csv"
)

// readAll reads every row through the default mapping, returning customers
// and "ref: reason" rejects.
func readAll(t *testing.T, r *csv.Reader) ([]cohort.Customer, []string) {
	t.Helper()
	m := csv.DefaultMapping()
	var got []cohort.Customer
	var rejects []string
	for {
		rec, _, err := r.Next()
		if err == io.EOF {
			return got, rejects
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Problem != "" {
			rejects = append(rejects, rec.Ref+": "+rec.Problem)
			continue
		}
		c, err := m.Apply(&rec)
		if err != nil {
			rejects = append(rejects, rec.Ref+": "+err.Error())
			continue
		}
		got = append(got, c.Customer)
	}
}

func TestReadContract(t *testing.T) {
	in := "\ufeffEmail, external_id ,name,organization,plan,arr,ltv,signup_date,products,tech_level,region\n" +
		"Ana@Acme.example,crm-1,Ana Lima,Acme,Enterprise,240000,960000.50,2021-03-15,payments-api; dashboard ;,Advanced,eu-west\n" +
		",crm-2,,,,,,,,,\n"
	r, err := csv.NewReader(strings.NewReader(in), "c.csv", csv.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	got, rejects := readAll(t, r)
	if len(rejects) > 0 || len(got) != 2 {
		t.Fatalf("got %d customers, rejects %v", len(got), rejects)
	}
	ana := got[0]
	if ana.Email != "ana@acme.example" || ana.ExternalID != "crm-1" || ana.Name != "Ana Lima" || ana.Organization != "Acme" ||
		ana.Plan != "enterprise" || ana.ARR != 240000 || ana.LTV != 960000.5 ||
		!ana.SignupDate.Equal(time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC)) ||
		strings.Join(ana.Products, "|") != "payments-api|dashboard" || ana.TechLevel != "advanced" ||
		ana.Attrs["region"] != "eu-west" {
		t.Errorf("ana = %+v", ana)
	}
	if got[1].ExternalID != "crm-2" || got[1].Attrs != nil || got[1].Products != nil {
		t.Errorf("sparse row = %+v", got[1])
	}
}

func TestRejectsNameLineAndReason(t *testing.T) {
	in := "email,external_id,arr,ltv,signup_date\n" +
		"ok@a.example,,1,2,2024-01-01\n" + // line 2: fine
		"not-an-email,,,,\n" + // 3
		"b@a.example,,lots,,\n" + // 4
		"c@a.example,,,-5,\n" + // 5
		"d@a.example,,,,23/01/2024\n" + // 6
		",,,,\n" + // 7
		"e@a.example,,1\n" + // 8: too few fields
		"\"f@a.example\nstill quoted\",,,,\n" + // 9-10: a quoted newline is one record
		"g@a.example,,NaN,,\n" + // 11
		"h@a.example,x,1,2,2024-02-30\n" // 12
	r, err := csv.NewReader(strings.NewReader(in), "c.csv", csv.DefaultMapping())
	if err != nil {
		t.Fatal(err)
	}
	got, rejects := readAll(t, r)
	want := []string{
		`c.csv:3: email: "not-an-email" is not an email address`,
		`c.csv:4: arr: "lots" is not a non-negative number`,
		`c.csv:5: ltv: "-5" is not a non-negative number`,
		`c.csv:6: signup_date: "23/01/2024" is not a date (YYYY-MM-DD) or a time`,
		`c.csv:7: needs an email or an external_id`,
		`c.csv:8: has 3 fields, header has 5`,
		`c.csv:9: email: "f@a.example\nstill quoted" is not an email address`,
		`c.csv:11: arr: "NaN" is not a non-negative number`,
		`c.csv:12: signup_date: "2024-02-30" is not a date (YYYY-MM-DD) or a time`,
	}
	if len(got) != 1 || got[0].Email != "ok@a.example" {
		t.Errorf("loaded %+v, want only ok@a.example", got)
	}
	if strings.Join(rejects, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects:\n%s\nwant:\n%s", strings.Join(rejects, "\n"), strings.Join(want, "\n"))
	}
}

func TestHeaderErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty file", "", "empty file"},
		{"no identity column", "name,plan\nA,pro\n", "header has none of the columns customers are identified by (email, external_id)"},
		{"duplicate column", "email,Email\n", `header names column "email" twice`},
		{"blank column", "email,,plan\n", "header column 2 has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := csv.NewReader(strings.NewReader(tt.in), "c.csv", csv.DefaultMapping())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkWideHeader reads a header of 100,000 columns: the duplicate
// check is linear (it was quadratic: 11 s).
func BenchmarkWideHeader(b *testing.B) {
	var h strings.Builder
	h.WriteString("email")
	for i := range 100_000 {
		fmt.Fprintf(&h, ",col%d", i)
	}
	h.WriteString("\n")
	header := h.String()
	for b.Loop() {
		if _, err := csv.NewReader(strings.NewReader(header), "wide.csv", csv.DefaultMapping()); err != nil {
			b.Fatal(err)
		}
	}
}

package csv_test

import (
	"io"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/csv"
)

// FuzzReader reads any bytes as a CSV: a bad header is an error, a bad
// row a record with a Problem and a line; nothing panics, and every
// record maps or is rejected with a reason.
func FuzzReader(f *testing.F) {
	f.Add([]byte("email,external_id,plan,arr\nann@acme.example,c-1,pro,100\n"))
	f.Add([]byte("email,name\nbob@x.example,\"Bob \"\"B\"\" Ray\"\ncy@x.example,\"Cy\n"))
	f.Add([]byte("\ufeffEmail,Plan,region\nA@B.example,Pro,eu\n,,\n"))
	f.Add([]byte("email,name\nx@y.example,Nu\x00l\nz@y.example,\xff\xfe\n"))
	m := csv.DefaultMapping()
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := csv.NewReader(strings.NewReader(string(data)), "fuzz.csv", m)
		if err != nil {
			return
		}
		for range 1000 {
			rec, line, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if rec.Problem != "" {
				if line < 1 || !strings.HasPrefix(rec.Ref, "fuzz.csv:") {
					t.Fatalf("a problem without its line: %+v", rec)
				}
				continue
			}
			if _, err := m.Apply(&rec); err != nil && err.Error() == "" {
				t.Fatal("a reject without a reason")
			}
		}
	})
}

package crm_test

import (
	"errors"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// FuzzMapping parses any mapping file, then maps a record of any values
// through it: a bad file is an error naming it, a bad value a
// *crm.FieldError, and a mapped record has a key.
func FuzzMapping(f *testing.F) {
	f.Add([]byte("fields:\n  email: email\n  name: [first, last]\n  arr: arr\nattrs:\n  tier: tier\nother_fields: attrs\n"), "a@b.example", "12.5", "gold")
	f.Add([]byte("fields:\n  external_id: id\n  signup_date: created\n  products: p\n"), "42", "2021-03-04T10:00:00Z", "a;b;;c")
	f.Add([]byte("fields: [\n"), "", "", "")
	f.Fuzz(func(t *testing.T, data []byte, a, b, c string) {
		m, err := crm.ParseMapping("fuzz.yaml", data)
		if err != nil {
			return
		}
		r := cohort.SourceRecord{Ref: "fuzz", Fields: map[string]string{}}
		for i, src := range m.SourceFields() {
			r.Fields[src] = []string{a, b, c}[i%3]
		}
		rec, err := m.Apply(&r)
		if err != nil {
			var fe *crm.FieldError
			if !errors.As(err, &fe) || fe.Error() == "" {
				t.Fatalf("error %v is not a FieldError with a reason", err)
			}
			return
		}
		if rec.Email == "" && rec.ExternalID == "" {
			t.Fatalf("a mapped record with no key: %+v", rec)
		}
	})
}

package salesforce

import (
	"testing"
)

// FuzzDecode decodes any record of a query answer: one without an Id or
// a SystemModstamp is an error, any other a record holding the mapping's
// fields as text.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"attributes":{"type":"Contact"},"Id":"003RO0000035WQgYAM","Email":"sam@sf.example","FirstName":"Sam",`+
		`"SystemModstamp":"2026-09-15T09:00:00.000+0000","Account":{"Name":"Globex","ARR__c":500000.0,"Industry":null}}`), false)
	f.Add([]byte(`{"Id":"x","SystemModstamp":"2026-09-15","Account":null,"Products__c":"a;b","Signup_Date__c":1e30}`), true)
	f.Add([]byte(`[1,2,3]`), false)
	src, err := New(Config{InstanceURL: "https://acme.my.salesforce.com", AccessToken: "t", Mapping: DefaultMapping()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte, deleted bool) {
		rec, row, err := src.decode(raw, deleted)
		if err != nil {
			return
		}
		if row.id == "" || rec.Ref != "Contact "+row.id || rec.Deleted != deleted {
			t.Fatalf("record %+v, row %+v", rec, row)
		}
	})
}

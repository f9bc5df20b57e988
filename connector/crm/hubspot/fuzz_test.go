package hubspot

import (
	"encoding/json"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm"
)

// FuzzObject decodes any contact or company as HubSpot's API answers it,
// makes the record of it, and maps that: a value of the wrong type is a
// decoding error, everything else a record, mapped or rejected with a
// reason.
func FuzzObject(f *testing.F) {
	f.Add([]byte(`{"id":"151","properties":{"email":"ann@hub.example","firstname":"Ann","arr":"120000","products":"a;b"},"archived":false}`),
		[]byte(`{"id":"9","properties":{"name":"Acme","plan":"enterprise","arr":250000.5}}`))
	f.Add([]byte(`{"id":1e400,"properties":{"email":null,"createdate":true}}`), []byte(`null`))
	f.Add([]byte(`{"id":"2","properties":{"email":"x@y.example","lifecyclestage":["a"]}}`), []byte(`{}`))
	m := DefaultMapping()
	src, err := New(Config{Token: "t", Mapping: m})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, contactJSON, companyJSON []byte) {
		var contact object
		if json.Unmarshal(contactJSON, &contact) != nil {
			return
		}
		var company *object
		var c object
		if json.Unmarshal(companyJSON, &c) == nil {
			company = &c
		}
		rec := src.record(&contact, company)
		if rec.Ref == "" || rec.Fields[fieldID] != string(contact.ID) {
			t.Fatalf("record %+v of contact %q", rec, contact.ID)
		}
		if _, err := m.Apply(&rec); err != nil {
			if _, ok := err.(*crm.FieldError); !ok {
				t.Fatalf("a reject that is not a FieldError: %v", err)
			}
		}
	})
}

package web

import (
	"strings"
	"testing"
)

// FuzzParsePush reads any push body: a bad one is an error, a good one
// records that each carry a ref and at most MaxPushRecords of them.
func FuzzParsePush(f *testing.F) {
	f.Add([]byte(`{"customers": [{"email": "a@b.example", "arr": 12.5, "products": ["x"], "attrs": {"tier": "gold"}}, {"email": "c@d.example", "deleted": true}]}`))
	f.Add([]byte(`{"customers": [{"external_id": 42, "attrs": {"n": null}, "deleted": "yes"}]}`))
	f.Add([]byte(`{"customers": null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		records, err := parsePush(body)
		if err != nil {
			return
		}
		if len(records) > MaxPushRecords {
			t.Fatalf("%d records", len(records))
		}
		for _, r := range records {
			if !strings.HasPrefix(r.Ref, "customers[") {
				t.Fatalf("a record without its ref: %+v", r)
			}
		}
	})
}

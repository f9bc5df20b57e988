package zendeskusers

import (
	"encoding/json"
	"testing"

	zd "github.com/nukosuke/go-zendesk/zendesk"
)

// FuzzRecord makes the record of any user as Zendesk's export answers it
// (user fields of any JSON type) and maps it through the default mapping.
func FuzzRecord(f *testing.F) {
	f.Add([]byte(`{"id":42,"email":"zoe@zd.example","name":"Zoe","active":true,"created_at":"2026-01-02T03:04:05Z",` +
		`"tags":["vip","beta"],"user_fields":{"plan":"enterprise","arr":1200.5,"products":["a","b"],"flag":true,"none":null}}`))
	f.Add([]byte(`{"id":-1,"user_fields":{"nested":{"a":[1,{"b":2}]}}}`))
	m := DefaultMapping()
	f.Fuzz(func(t *testing.T, data []byte) {
		var u zd.User
		if json.Unmarshal(data, &u) != nil {
			return
		}
		rec := record(u, nil)
		if rec.Deleted != !u.Active {
			t.Fatalf("record %+v of a user active=%v", rec, u.Active)
		}
		_, _ = m.Apply(&rec)
	})
}

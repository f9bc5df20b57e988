package salesforce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// row is what the source needs of a record besides its fields.
type row struct {
	id    string
	stamp time.Time // SystemModstamp
}

// decode turns one record of a query answer into a cohort.SourceRecord holding the
// mapping's fields as text: numbers in decimal without exponent, booleans
// true or false, dates and datetimes as Salesforce writes them; null
// fields, and those of a null parent, are absent. A parent's fields are
// named "<Relationship>.<Field>".
func (s *Source) decode(raw json.RawMessage, deleted bool) (cohort.SourceRecord, row, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return cohort.SourceRecord{}, row{}, fmt.Errorf("decode a record: %w", err)
	}
	flat := map[string]string{} // lowercased path → text
	flatten("", obj, flat)
	r := row{id: flat["id"]}
	stamp, ok := crm.ParseTime(flat["systemmodstamp"])
	if r.id == "" || !ok {
		return cohort.SourceRecord{}, row{}, fmt.Errorf("a record lacks Id or a SystemModstamp: %s", snippet(raw))
	}
	r.stamp = stamp
	rec := cohort.SourceRecord{Ref: "Contact " + r.id, Fields: map[string]string{}, Deleted: deleted}
	for path, text := range flat {
		for _, name := range s.names[path] {
			rec.Fields[name] = text
		}
	}
	return rec, r, nil
}

// flatten writes obj's values as text into flat, under their lowercased
// paths, nested objects (parents) under "<name>.".
func flatten(prefix string, obj map[string]any, flat map[string]string) {
	for k, v := range obj {
		if k == "attributes" {
			continue
		}
		path := prefix + strings.ToLower(k)
		switch v := v.(type) {
		case map[string]any:
			flatten(path+".", v, flat)
		case string:
			flat[path] = v
		case json.Number:
			flat[path] = decimal(v)
		case bool:
			flat[path] = strconv.FormatBool(v)
		}
	}
}

// decimal writes a JSON number in decimal without exponent: 250000.0 →
// 250000, 1.5E7 → 15000000. Integers stay as written, whatever their size.
func decimal(n json.Number) string {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// digest sums what a record says, to tell a record emitted again unchanged.
func digest(rec cohort.SourceRecord) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%t", rec.Deleted)
	for _, k := range slices.Sorted(maps.Keys(rec.Fields)) {
		fmt.Fprintf(h, "\x00%s\x00%s", k, rec.Fields[k])
	}
	return h.Sum64()
}

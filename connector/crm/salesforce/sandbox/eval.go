package sandbox

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// resolver reads field values of records, following relationships to
// parent records.
type resolver struct {
	records map[string]*record
}

// parent returns the record f's relationship points to from rec, or nil.
func (r resolver) parent(rec *record, rel *relationship) *record {
	id, _ := rec.values[rel.field.name].(string)
	return r.records[id]
}

// value returns f's value on rec, nil for null.
func (r resolver) value(rec *record, f *fieldRef) any {
	if f.rel != nil {
		if rec = r.parent(rec, f.rel); rec == nil {
			return nil
		}
	}
	return rec.values[f.def.name]
}

// run returns the records of q's object that match its WHERE, in its
// ORDER BY, cut to its LIMIT. Deleted records count only when all is set
// (queryAll). Records of equal order keep their insertion order.
func (r resolver) run(q *query, rows []*record, all bool) []*record {
	var out []*record
	for _, rec := range rows {
		if rec.obj != q.obj || (rec.deleted() && !all) {
			continue
		}
		if q.where == nil || q.where.match(r, rec) {
			out = append(out, rec)
		}
	}
	slices.SortStableFunc(out, func(a, b *record) int {
		for _, k := range q.order {
			c := compareNullable(r.value(a, k.field), r.value(b, k.field))
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	if q.limit >= 0 && len(out) > q.limit {
		out = out[:q.limit]
	}
	return out
}

func (l *logical) match(r resolver, rec *record) bool {
	for _, e := range l.items {
		if e.match(r, rec) != l.and {
			return !l.and
		}
	}
	return l.and
}

// match compares like SOQL: text case-insensitively; a null field equals
// only null, and differs from any value.
func (c *comparison) match(r resolver, rec *record) bool {
	v := r.value(rec, c.field)
	switch {
	case c.value.val == nil:
		return (v == nil) == (c.op == "=")
	case v == nil:
		return c.op == "!="
	}
	n := compare(v, c.value.val)
	switch c.op {
	case "=":
		return n == 0
	case "!=":
		return n != 0
	case "<":
		return n < 0
	case "<=":
		return n <= 0
	case ">":
		return n > 0
	default: // ">="
		return n >= 0
	}
}

func (in *inList) match(r resolver, rec *record) bool {
	v := r.value(rec, in.field)
	if v == nil {
		return false
	}
	return slices.ContainsFunc(in.values, func(l literal) bool { return compare(v, l.val) == 0 })
}

// compareNullable orders null first.
func compareNullable(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return compare(a, b)
}

// compare orders two values of the same kind; int and float64 mix.
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(strings.ToLower(a), strings.ToLower(b.(string)))
	case bool:
		switch b := b.(bool); {
		case a == b:
			return 0
		case a:
			return 1
		}
		return -1
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	return cmp.Compare(number(a), number(b))
}

func number(v any) float64 {
	if i, ok := v.(int64); ok {
		return float64(i)
	}
	return v.(float64)
}

package sandbox

import (
	"fmt"
	"strings"
)

// query is a parsed SOQL query; resolve binds its names to the schema.
type query struct {
	src       string
	fields    []*fieldRef
	object    string
	objectPos int
	obj       *sobject
	where     expr // nil without WHERE
	order     []orderKey
	limit     int // -1 without LIMIT
}

// fieldRef is a field path as written in the query, and what it names.
type fieldRef struct {
	path string
	pos  int
	rel  *relationship // the parent's relationship, nil for a field of the queried object
	def  *fieldDef
}

// key names the field canonically, to spot duplicates.
func (f *fieldRef) key() string {
	if f.rel != nil {
		return f.rel.name + "." + f.def.name
	}
	return f.def.name
}

type orderKey struct {
	field *fieldRef
	desc  bool
}

// expr is a WHERE condition.
type expr interface {
	match(r resolver, rec *record) bool
}

// logical is conditions joined by AND (and true) or OR.
type logical struct {
	and   bool
	items []expr
}

// comparison is "field op value".
type comparison struct {
	field *fieldRef
	op    string // =, !=, <, <=, >, >=
	value literal
}

// inList is "field IN (values)".
type inList struct {
	field  *fieldRef
	values []literal
}

// literal is a constant of the query: its kind and value (a string,
// float64, bool, time.Time or nil), which resolve checks against the
// field it is compared with.
type literal struct {
	tok tokKind
	val any
	pos int
}

// resolve binds q to the schema: the object (400 INVALID_TYPE when
// unknown), every field path (400 INVALID_FIELD), the type of every
// literal (400 INVALID_FIELD).
func resolve(q *query, objects map[string]*sobject) error {
	q.obj = objects[strings.ToLower(q.object)]
	if q.obj == nil {
		return queryError(codeInvalidType, q.src, q.objectPos, fmt.Sprintf("sObject type '%s' is not supported. "+
			"If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "+
			"Please reference your WSDL or the describe call for the appropriate names.", q.object))
	}
	seen := map[string]bool{}
	for _, f := range q.fields {
		if err := q.bind(f); err != nil {
			return err
		}
		if seen[f.key()] {
			return malformed(q.src, f.pos, "duplicate field selected: %s", f.path)
		}
		seen[f.key()] = true
	}
	for _, k := range q.order {
		if err := q.bind(k.field); err != nil {
			return err
		}
	}
	if q.where != nil {
		return q.bindExpr(q.where)
	}
	return nil
}

// bind finds what a field path names.
func (q *query) bind(f *fieldRef) error {
	parts := strings.Split(f.path, ".")
	obj := q.obj
	for _, part := range parts[:len(parts)-1] {
		rel := obj.relations[strings.ToLower(part)]
		if rel == nil || f.rel != nil {
			return queryError(codeInvalidField, q.src, f.pos, fmt.Sprintf("Didn't understand relationship '%s' in field path. "+
				"If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. "+
				"Please reference your WSDL or the describe call for the appropriate names.", part))
		}
		f.rel, obj = rel, rel.parent
	}
	name := parts[len(parts)-1]
	f.def = obj.field(name)
	if f.def == nil {
		return queryError(codeInvalidField, q.src, f.pos, fmt.Sprintf("No such column '%s' on entity '%s'. "+
			"If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. "+
			"Please reference your WSDL or the describe call for the appropriate names.", name, obj.name))
	}
	return nil
}

func (q *query) bindExpr(e expr) error {
	switch e := e.(type) {
	case *logical:
		for _, item := range e.items {
			if err := q.bindExpr(item); err != nil {
				return err
			}
		}
	case *comparison:
		if err := q.bind(e.field); err != nil {
			return err
		}
		if e.value.tok == tokNull && e.op != "=" && e.op != "!=" {
			return malformed(q.src, e.value.pos, "null can only be compared with = or !=")
		}
		return q.bindLiteral(e.field, &e.value)
	case *inList:
		if err := q.bind(e.field); err != nil {
			return err
		}
		for i := range e.values {
			if e.values[i].tok == tokNull {
				return malformed(q.src, e.values[i].pos, "unexpected token: 'null'")
			}
			if err := q.bindLiteral(e.field, &e.values[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// bindLiteral checks that lit suits f's type.
func (q *query) bindLiteral(f *fieldRef, lit *literal) error {
	if lit.tok == tokNull {
		return nil
	}
	want := map[valueKind]tokKind{
		kindString: tokString, kindNumber: tokNumber, kindInt: tokNumber,
		kindBool: tokBool, kindDate: tokDate, kindDateTime: tokDateTime,
	}[f.def.kind]
	if lit.tok != want {
		quoting := "should not be enclosed in quotes"
		if want == tokString {
			quoting = "should be enclosed in quotes"
		}
		return queryError(codeInvalidField, q.src, lit.pos, fmt.Sprintf(
			"value of filter criterion for field '%s' must be of type %s and %s", f.def.name, f.def.typ, quoting))
	}
	return nil
}

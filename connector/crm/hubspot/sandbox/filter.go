package sandbox

import (
	"strconv"
	"strings"
)

// valueKind says how search compares a property's values.
type valueKind int

const (
	kindString valueKind = iota // case-insensitive text
	kindEnum                    // case-sensitive text
	kindNumber
	kindTime // datetime and date: ms epoch or ISO-8601
)

// kindOf returns how search compares the values of property name of type
// t, answering 400 for a property the account does not have. s.mu must be
// held.
func (s *Server) kindOf(t ObjectType, name string) (valueKind, *apiError) {
	p, ok := s.store.props[t].get(name)
	if !ok {
		return 0, errInvalid("%s is not a property of %s", name, t)
	}
	switch p.Type {
	case TypeNumber:
		return kindNumber, nil
	case TypeDate, TypeDateTime:
		return kindTime, nil
	case TypeEnumeration:
		return kindEnum, nil
	}
	return kindString, nil
}

// compareValues compares two values of a kind; ok is false when either
// does not parse as the kind.
func compareValues(kind valueKind, a, b string) (c int, ok bool) {
	switch kind {
	case kindNumber:
		x, err1 := strconv.ParseFloat(a, 64)
		y, err2 := strconv.ParseFloat(b, 64)
		if err1 != nil || err2 != nil {
			return 0, false
		}
		return compareFloat(x, y), true
	case kindTime:
		x, ok1 := parseTime(a)
		y, ok2 := parseTime(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.Compare(y), true
	case kindEnum:
		return strings.Compare(a, b), true
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b)), true
}

func compareFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// Search operators.
const (
	opEQ               = "EQ"
	opNEQ              = "NEQ"
	opLT               = "LT"
	opLTE              = "LTE"
	opGT               = "GT"
	opGTE              = "GTE"
	opBetween          = "BETWEEN"
	opIn               = "IN"
	opNotIn            = "NOT_IN"
	opHasProperty      = "HAS_PROPERTY"
	opNotHasProperty   = "NOT_HAS_PROPERTY"
	opContainsToken    = "CONTAINS_TOKEN"
	opNotContainsToken = "NOT_CONTAINS_TOKEN"
)

// matcher is a compiled filter: a property, its kind, an operator and its
// operands.
type matcher struct {
	prop   string
	kind   valueKind
	op     string
	value  string
	high   string
	values []string
}

// compileFilter checks a filter: a known property, a known operator, and
// the operands it needs, parsable as the property's kind.
func (s *Server) compileFilter(t ObjectType, f filter) (matcher, *apiError) {
	kind, err := s.kindOf(t, f.PropertyName)
	if err != nil {
		return matcher{}, err
	}
	m := matcher{prop: f.PropertyName, kind: kind, op: f.Operator}
	operand := func(v *flexString, field string) (string, *apiError) {
		if v == nil || *v == "" {
			return "", errInvalid("operator %s needs a %s", f.Operator, field)
		}
		if _, ok := compareValues(kind, string(*v), string(*v)); !ok {
			return "", errInvalid("%s %q is not a valid value for %s", field, string(*v), f.PropertyName)
		}
		return string(*v), nil
	}
	switch f.Operator {
	case opEQ, opNEQ, opLT, opLTE, opGT, opGTE, opContainsToken, opNotContainsToken:
		m.value, err = operand(f.Value, "value")
	case opBetween:
		if m.value, err = operand(f.Value, "value"); err == nil {
			m.high, err = operand(f.HighValue, "highValue")
		}
	case opIn, opNotIn:
		if len(f.Values) == 0 {
			return matcher{}, errInvalid("operator %s needs values", f.Operator)
		}
		for _, v := range f.Values {
			var val string
			if val, err = operand(&v, "values"); err != nil {
				break
			}
			m.values = append(m.values, val)
		}
	case opHasProperty, opNotHasProperty:
	default:
		return matcher{}, errInvalid("operator %q is not one of EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN", f.Operator)
	}
	return m, err
}

// match reports whether an object's properties pass the filter. The
// negative operators match objects without the property.
func (m *matcher) match(props map[string]string) bool {
	v, has := props[m.prop]
	cmpTo := func(operand string) (int, bool) {
		if !has {
			return 0, false
		}
		return compareValues(m.kind, v, operand)
	}
	is := func(want func(int) bool, operand string) bool {
		c, ok := cmpTo(operand)
		return ok && want(c)
	}
	eq := func(c int) bool { return c == 0 }
	switch m.op {
	case opEQ:
		return is(eq, m.value)
	case opNEQ:
		return !is(eq, m.value)
	case opLT:
		return is(func(c int) bool { return c < 0 }, m.value)
	case opLTE:
		return is(func(c int) bool { return c <= 0 }, m.value)
	case opGT:
		return is(func(c int) bool { return c > 0 }, m.value)
	case opGTE:
		return is(func(c int) bool { return c >= 0 }, m.value)
	case opBetween:
		return is(func(c int) bool { return c >= 0 }, m.value) && is(func(c int) bool { return c <= 0 }, m.high)
	case opIn:
		return has && m.in(v)
	case opNotIn:
		return !has || !m.in(v)
	case opHasProperty:
		return has
	case opNotHasProperty:
		return !has
	case opContainsToken:
		return has && containsToken(v, m.value)
	case opNotContainsToken:
		return !has || !containsToken(v, m.value)
	}
	return false
}

// in reports whether v is one of the filter's values. Text values are
// compared with v lowercased, as given: HubSpot wants them lowercase.
func (m *matcher) in(v string) bool {
	for _, x := range m.values {
		switch m.kind {
		case kindString:
			if strings.ToLower(v) == x {
				return true
			}
		default:
			if c, ok := compareValues(m.kind, v, x); ok && c == 0 {
				return true
			}
		}
	}
	return false
}

// containsToken reports whether pattern, where * matches any run of
// characters, matches v as a whole, or one of its words (split on spaces
// and on ";" of multi-select values), case-insensitively.
func containsToken(v, pattern string) bool {
	v, pattern = strings.ToLower(v), strings.ToLower(pattern)
	if glob(pattern, v) {
		return true
	}
	for _, word := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ';' || r == '\t' }) {
		if glob(pattern, word) {
			return true
		}
	}
	return false
}

// glob matches s against pattern, whose only special character is *.
func glob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

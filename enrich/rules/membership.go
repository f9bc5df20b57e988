package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/cohortdesk/cohort"
)

// A segment's membership can be stored per customer (materialized) only
// when its rule reads nothing of the ticket; such a segment is a customer
// segment. A rule that reads ticket fields is decided per ticket, at
// enrichment, and has no stored members.

// CustomerOnly reports whether seg's rule reads only the customer, so its
// members can be stored.
func (seg *Segment) CustomerOnly() bool { return !reads(seg.program, "ticket", "") }

// Membership returns the customer segments that customer c belongs to at
// time now, in file order (the first is c's primary segment).
func (s *Set) Membership(c *cohort.Customer, now time.Time) []string {
	env := NewEnv(c, &cohort.Ticket{}, now)
	var out []string
	for i := range s.Segments {
		seg := &s.Segments[i]
		if !seg.CustomerOnly() {
			continue
		}
		if ok, err := run(seg.program, env); err == nil && ok {
			out = append(out, seg.Name)
		}
	}
	return out
}

// Hash identifies the rules of s: membership computed under another hash
// is out of date.
func (s *Set) Hash() string {
	h := sha256.New()
	for _, seg := range s.Segments {
		if seg.CustomerOnly() {
			h.Write([]byte(seg.Name + "\x00" + seg.When + "\x00"))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// DependsOnDate reports whether a customer segment's rule reads
// customer.days_since_signup, so that membership can change from one day
// to the next with no change of data.
func (s *Set) DependsOnDate() bool {
	for i := range s.Segments {
		if seg := &s.Segments[i]; seg.CustomerOnly() && reads(seg.program, "customer", "days_since_signup") {
			return true
		}
	}
	return false
}

// reads reports whether program p reads variable (any field of it when
// field is "", else that field).
func reads(p *vm.Program, variable, field string) bool {
	if p == nil {
		return false
	}
	v := &readsVisitor{variable: variable, field: field}
	node := p.Node()
	ast.Walk(&node, v)
	return v.found
}

type readsVisitor struct {
	variable, field string
	found           bool
}

func (v *readsVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if v.field == "" && n.Value == v.variable {
			v.found = true
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		if !ok || id.Value != v.variable || v.field == "" {
			return
		}
		if prop, ok := n.Property.(*ast.StringNode); ok && prop.Value == v.field {
			v.found = true
		}
	}
}

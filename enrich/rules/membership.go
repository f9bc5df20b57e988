package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
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

// RuleFailure is a segment whose rule failed at run time for a customer.
type RuleFailure struct {
	Segment string
	Err     error // wraps ErrBudget when the rule ran over its budget
}

// Membership returns the customer segments that customer c belongs to at
// time now, in file order (the first is c's primary segment), evaluated on
// budget, which it resets (its context stops the evaluation when done). A
// rule that fails at run time counts as not matching and is listed in
// failed. It is safe for concurrent use with a budget per goroutine.
func (s *Set) Membership(ctx context.Context, c *cohort.Customer, now time.Time, budget *Budget) (segs []string, failed []RuleFailure) {
	env := NewEnv(c, &noTicket, now)
	budget.reset(ctx)
	env.Budget = budget
	machine := vms.Get().(*vm.VM)
	defer vms.Put(machine)
	for _, i := range s.customerSegments() {
		seg := &s.Segments[i]
		ok, err := runOn(machine, seg.program, &env)
		switch {
		case err != nil:
			failed = append(failed, RuleFailure{Segment: seg.Name, Err: err})
		case ok:
			segs = append(segs, seg.Name)
		}
	}
	return segs, failed
}

// noTicket is the empty ticket customer segments are evaluated with: their
// rules read none of it.
var noTicket cohort.Ticket

// vms holds expr VMs for reuse: a VM keeps its stack between runs.
var vms = sync.Pool{New: func() any { return new(vm.VM) }}

// customerSegments returns the indexes of s's customer segments, found
// once: walking a rule's syntax tree costs more than running it.
func (s *Set) customerSegments() []int {
	s.customerOnce.Do(func() {
		for i := range s.Segments {
			if s.Segments[i].CustomerOnly() {
				s.customerIdx = append(s.customerIdx, i)
			}
		}
	})
	return s.customerIdx
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

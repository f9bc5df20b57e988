// Package rules loads a segments file and evaluates it: which segments a
// customer belongs to, which escalations a ticket triggers, and the priority
// and reasons that follow.
//
// Rules are expr-lang expressions over two variables, customer and ticket,
// with the snake_case fields DESIGN.md lists. Each is compiled and
// type-checked once at load, so a typo in a field name is an error that names
// the file, line and segment, not a surprise on the first ticket. Expressions
// cannot do I/O: expr has no such builtins and the environment exposes only
// data.
package rules

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	exprparser "github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/cohortdesk/cohort"
)

// CustomerEnv is the customer as rules see it.
type CustomerEnv struct {
	Known           bool              `expr:"known"`
	Email           string            `expr:"email"`
	ExternalID      string            `expr:"external_id"`
	Name            string            `expr:"name"`
	Organization    string            `expr:"organization"`
	Plan            string            `expr:"plan"`
	ARR             float64           `expr:"arr"`
	LTV             float64           `expr:"ltv"`
	SignupDate      string            `expr:"signup_date"`       // YYYY-MM-DD, "" when unknown
	DaysSinceSignup int               `expr:"days_since_signup"` // -1 when unknown
	Products        []string          `expr:"products"`
	TechLevel       string            `expr:"tech_level"`
	Attrs           map[string]string `expr:"attrs"`
}

// TicketEnv is the ticket as rules see it.
type TicketEnv struct {
	ID          int64    `expr:"id"`
	Subject     string   `expr:"subject"`
	Description string   `expr:"description"`
	Priority    string   `expr:"priority"` // "", "low", "normal", "high" or "urgent"
	Tags        []string `expr:"tags"`
	Channel     string   `expr:"channel"`
}

// Env is the whole environment of a rule expression.
type Env struct {
	Customer CustomerEnv `expr:"customer"`
	Ticket   TicketEnv   `expr:"ticket"`
	// Budget is what the evaluation may still spend (see budget.go);
	// rules cannot name it.
	Budget *Budget `expr:"__budget"`
}

// NewEnv builds the environment for customer c (nil: unknown) and ticket t at
// time now.
func NewEnv(c *cohort.Customer, t *cohort.Ticket, now time.Time) Env {
	env := Env{Ticket: TicketEnv{
		ID: t.ID, Subject: t.Subject, Description: t.Description, Priority: t.Priority.String(),
		Tags: nonNil(t.Tags), Channel: t.Channel,
	}}
	env.Customer = CustomerEnv{DaysSinceSignup: -1, Products: []string{}, Attrs: map[string]string{}}
	if c == nil {
		env.Customer.Email = t.Requester.Email
		env.Customer.ExternalID = t.Requester.ExternalID
		env.Customer.Name = t.Requester.Name
		env.Customer.Organization = t.Organization.Name
		return env
	}
	env.Customer = CustomerEnv{
		Known: true, Email: c.Email, ExternalID: c.ExternalID, Name: c.Name, Organization: c.Organization,
		Plan: c.Plan, ARR: c.ARR, LTV: c.LTV, DaysSinceSignup: c.DaysSinceSignup(now),
		Products: nonNil(c.Products), TechLevel: c.TechLevel, Attrs: c.Attrs,
	}
	if env.Customer.Attrs == nil {
		env.Customer.Attrs = map[string]string{}
	}
	if !c.SignupDate.IsZero() {
		env.Customer.SignupDate = c.SignupDate.Format("2006-01-02")
	}
	return env
}

// compile compiles one rule expression against Env, as a boolean, with
// its closures spending the evaluation's budget.
func compile(src string) (*vm.Program, error) {
	tree, err := exprparser.Parse(src)
	if err == nil {
		var r reservedNames
		ast.Walk(&tree.Node, &r)
		if r.found != "" {
			return nil, fmt.Errorf("%s is a name cohort keeps for itself", r.found)
		}
	}
	return expr.Compile(src, append(budgeted(), expr.Env(Env{}), expr.AsBool())...)
}

// Set is a loaded, compiled segments file.
type Set struct {
	File        string
	Segments    []Segment
	Escalations []Escalation

	customerOnce sync.Once
	customerIdx  []int // indexes of the customer segments, see customerSegments
}

// Segment is a segment with its compiled rule.
type Segment struct {
	cohort.Segment
	Line    int // line of the segment in its file
	program *vm.Program
}

// Escalation is an escalation with its compiled rule.
type Escalation struct {
	cohort.Escalation
	Line    int
	program *vm.Program
}

// Result is what a Set concluded for one customer and ticket.
type Result struct {
	Segments    []string // matching segments in file order; the first is primary
	Escalations []string
	Priority    cohort.Priority // the highest priority among matches
	Reasons     []string
}

// Evaluate runs every rule of s for customer c (nil: no CRM record) and
// ticket t, on one budget (see Budget), which also ends with ctx. A rule
// that fails at run time, or runs over the budget, counts as not matching
// and adds a reason saying so; Evaluate never fails the ticket for it.
func (s *Set) Evaluate(ctx context.Context, c *cohort.Customer, t *cohort.Ticket, now time.Time) Result {
	env := NewEnv(c, t, now)
	env.Budget = NewBudget(ctx)
	machine := vms.Get().(*vm.VM)
	defer vms.Put(machine)
	var r Result
	for _, seg := range s.Segments {
		if r.check(machine, seg.program, &env, "segment", seg.Name, seg.Description, seg.When, seg.Priority) {
			r.Segments = append(r.Segments, seg.Name)
		}
	}
	for _, esc := range s.Escalations {
		if r.check(machine, esc.program, &env, "escalation", esc.Name, "", esc.When, esc.Priority) {
			r.Escalations = append(r.Escalations, esc.Name)
		}
	}
	return r
}

// check runs one rule; on a match it raises r's priority and adds the
// reason. A rule that fails at run time adds a reason saying so.
func (r *Result) check(machine *vm.VM, p *vm.Program, env *Env, kind, name, description, when string, prio cohort.Priority) bool {
	ok, err := runOn(machine, p, env)
	switch {
	case err != nil:
		r.Reasons = append(r.Reasons, fmt.Sprintf("%s %s: rule failed, counted as no match: %v", kind, name, err))
	case ok:
		r.Priority = cohort.MaxPriority(r.Priority, prio)
		r.Reasons = append(r.Reasons, reason(kind, name, description, when, prio))
	}
	return ok && err == nil
}

// runOn runs p on machine, reused between runs, with env by pointer so
// that it is not copied into an interface for every rule. A run over
// env's budget fails with an error wrapping ErrBudget.
func runOn(machine *vm.VM, p *vm.Program, env *Env) (bool, error) {
	machine.MemoryBudget = MaxMemory
	out, err := machine.Run(p, env)
	if err != nil {
		if env.Budget != nil && env.Budget.reason != nil {
			return false, env.Budget.reason
		}
		return false, err
	}
	return out.(bool), nil
}

func reason(kind, name, description, when string, p cohort.Priority) string {
	s := kind + " " + name
	if description != "" {
		s += " (" + description + ")"
	}
	s += ": " + strings.Join(strings.Fields(when), " ")
	if p != cohort.PriorityNone {
		s += " → priority " + p.String()
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

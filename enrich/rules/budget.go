package rules

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// A rule runs on a budget. expr has no I/O, but a rule can still loop:
// all(1..999999, customer.name contains "x") over a long name ran for
// minutes. So every closure a rule runs (the body of all, any, filter,
// map, count and the rest) first takes a step from the evaluation's
// Budget, which refuses more than MaxSteps steps, and, looked at every
// few steps, a deadline or a cancelled context; expr's memory budget
// bounds ranges and what builtins allocate. A rule over budget fails with
// ErrBudget, naming its segment.

// The budget of one customer's (or one ticket's) evaluation of every rule.
const (
	MaxSteps  = 100_000                // closure runs
	MaxTime   = 250 * time.Millisecond // wall time
	MaxMemory = 1_000_000              // expr's memory units (range elements, builtin allocations)
)

// ErrBudget is the error of a rule that ran over its budget.
var ErrBudget = errors.New("the rule ran over its budget")

// Budget is what one evaluation may still spend. The zero Budget is
// unlimited in time, but not in steps.
type Budget struct {
	steps    int
	deadline time.Time
	ctx      context.Context
	reason   error // why the budget ran out, once it did
}

// NewBudget returns the budget of one evaluation: MaxSteps steps and
// MaxTime, and none once ctx is done.
func NewBudget(ctx context.Context) *Budget {
	return &Budget{deadline: time.Now().Add(MaxTime), ctx: ctx}
}

// reset gives b its whole budget again, for the next evaluation.
func (b *Budget) reset(ctx context.Context) {
	*b = Budget{deadline: time.Now().Add(MaxTime), ctx: ctx}
}

// checkEvery is how many steps go between looks at the clock and the
// context.
const checkEvery = 4

// step spends one step, panicking (as expr reports a run-time error) once
// the budget is spent.
func (b *Budget) step() {
	b.steps++
	if b.steps > MaxSteps {
		b.fail(fmt.Errorf("%w: more than %d loop steps", ErrBudget, MaxSteps))
	}
	if b.steps%checkEvery != 0 {
		return
	}
	if !b.deadline.IsZero() && time.Now().After(b.deadline) {
		b.fail(fmt.Errorf("%w: more than %v", ErrBudget, MaxTime))
	}
	if b.ctx != nil && b.ctx.Err() != nil {
		b.fail(fmt.Errorf("%w: stopped: %v", ErrBudget, context.Cause(b.ctx)))
	}
}

func (b *Budget) fail(err error) {
	b.reason = err
	panic(err)
}

// budgetVar is the Env field through which a rule's closures reach their
// evaluation's Budget; stepFunc is the function that spends a step. Rules
// cannot name either (see Parse).
const (
	budgetVar = "__budget"
	stepFunc  = "__step"
)

// budgeted are the compile options that make a rule spend its budget:
// the step function, called with the evaluation's budget first thing in
// every closure (through expr's one-argument fast path), and the patch
// that adds the call.
func budgeted() []expr.Option {
	step := func(arg any) any {
		if b, ok := arg.(*Budget); ok && b != nil {
			b.step()
		}
		return true
	}
	return []expr.Option{
		func(c *conf.Config) {
			c.Functions[stepFunc] = &builtin.Function{
				Name:  stepFunc,
				Types: []reflect.Type{reflect.TypeFor[func(*Budget) bool]()},
				Fast:  step,
				Func:  func(args ...any) (any, error) { return step(args[0]), nil },
			}
		},
		expr.Patch(stepPatch{}),
	}
}

// stepPatch makes the body B of every closure read (__step(__budget); B).
type stepPatch struct{}

func (stepPatch) Visit(node *ast.Node) {
	p, ok := (*node).(*ast.PredicateNode)
	if !ok {
		return
	}
	if seq, ok := p.Node.(*ast.SequenceNode); ok && len(seq.Nodes) == 2 {
		if call, ok := seq.Nodes[0].(*ast.CallNode); ok {
			if id, ok := call.Callee.(*ast.IdentifierNode); ok && id.Value == stepFunc {
				return // patched already: the checker walks patches again
			}
		}
	}
	step := &ast.CallNode{Callee: &ast.IdentifierNode{Value: stepFunc}, Arguments: []ast.Node{&ast.IdentifierNode{Value: budgetVar}}}
	p.Node = &ast.SequenceNode{Nodes: []ast.Node{step, p.Node}}
}

// reservedNames finds the names rules must not use.
type reservedNames struct{ found string }

func (r *reservedNames) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && (id.Value == budgetVar || id.Value == stepFunc) {
		r.found = id.Value
	}
}

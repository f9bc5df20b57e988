package rules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/yamlfile"
)

// Load reads, validates and compiles the segments file at path. Its errors
// are a yamlfile.ErrorList naming each problem's line, or an error reading
// the file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("segments file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates and compiles a segments file read from name.
func Parse(name string, data []byte) (*Set, error) {
	p := &parser{Reader: yamlfile.Reader{File: name}}
	set := p.parse(data)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return set, nil
}

type parser struct {
	yamlfile.Reader
}

func (p *parser) parse(data []byte) *Set {
	set := &Set{File: p.File}
	root := p.Root(data, "a segments: list")
	if root == nil {
		return set
	}
	fields := p.Mapping(root, "", "segments", "escalations")
	segs, ok := fields["segments"]
	if !ok {
		p.Errorf(root.Line, "", "missing segments: list")
	}
	seen := map[string]int{}
	for _, n := range p.Sequence(segs, "segments") {
		if seg, ok := p.segment(n, seen); ok {
			set.Segments = append(set.Segments, seg)
		}
	}
	for _, n := range p.Sequence(fields["escalations"], "escalations") {
		if esc, ok := p.escalation(n, seen); ok {
			set.Escalations = append(set.Escalations, esc)
		}
	}
	return set
}

func (p *parser) segment(n *yaml.Node, seen map[string]int) (Segment, bool) {
	f := p.Mapping(n, label("segment", n), "name", "description", "when", "priority", "tags", "macros")
	name, item, ok := p.name(n, f, "segment", seen)
	if !ok {
		return Segment{}, false
	}
	errs := p.Count()
	seg := Segment{Segment: cohort.Segment{Name: name}, Line: n.Line}
	seg.Description = p.Str(f["description"], item, "description")
	seg.When, seg.program = p.rule(f["when"], n, item)
	seg.Priority = p.priority(f["priority"], n.Line, item, false)
	seg.Tags = p.Strings(f["tags"], item, "tags")
	for _, tag := range seg.Tags {
		if strings.ContainsAny(tag, " \t\n") || tag == "" {
			p.Errorf(f["tags"].Line, item, "tag %q must be one word", tag)
		}
	}
	seg.Macros = p.Strings(f["macros"], item, "macros")
	return seg, p.Count() == errs
}

func (p *parser) escalation(n *yaml.Node, seen map[string]int) (Escalation, bool) {
	f := p.Mapping(n, label("escalation", n), "name", "when", "priority")
	name, item, ok := p.name(n, f, "escalation", seen)
	if !ok {
		return Escalation{}, false
	}
	errs := p.Count()
	esc := Escalation{Escalation: cohort.Escalation{Name: name}, Line: n.Line}
	esc.When, esc.program = p.rule(f["when"], n, item)
	esc.Priority = p.priority(f["priority"], n.Line, item, true)
	return esc, p.Count() == errs
}

// name reads and checks the name of a segment or escalation; names are
// unique across both lists.
func (p *parser) name(n *yaml.Node, f map[string]*yaml.Node, kind string, seen map[string]int) (name, item string, ok bool) {
	if n.Kind != yaml.MappingNode {
		return "", "", false
	}
	v, has := f["name"]
	if !has {
		p.Errorf(n.Line, kind, "missing name")
		return "", "", false
	}
	name = v.Value
	item = label(kind, n)
	switch {
	case v.Kind != yaml.ScalarNode || !cohort.ValidSegmentName(name):
		p.Errorf(v.Line, item, "name must be lowercase letters, digits and underscores ([a-z0-9_]+)")
		return "", "", false
	case seen[name] != 0:
		p.Errorf(v.Line, item, "name already used on line %d", seen[name])
		return "", "", false
	}
	seen[name] = v.Line
	return name, item, true
}

// envNames turns the Go type names in expr's messages into the names rule
// authors write.
var envNames = strings.NewReplacer("type rules.CustomerEnv", "customer", "type rules.TicketEnv", "ticket",
	"type rules.Env", "the rule environment")

// label names a segment or escalation in errors: `segment "enterprise"`.
func label(kind string, n *yaml.Node) string { return yamlfile.Label(kind, "name", n) }

// rule compiles the when: expression, reporting errors at their line in the
// file.
func (p *parser) rule(v, owner *yaml.Node, item string) (string, *vm.Program) {
	if v == nil {
		p.Errorf(owner.Line, item, "missing when: expression")
		return "", nil
	}
	if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
		p.Errorf(v.Line, item, "when: want an expression")
		return "", nil
	}
	prog, err := compile(v.Value)
	if err != nil {
		line, msg := v.Line, err.Error()
		var fe *file.Error
		if errors.As(err, &fe) {
			msg = envNames.Replace(fe.Message)
			if v.Style == yaml.LiteralStyle {
				line = v.Line + fe.Line // a literal block starts on the next line
			}
			if fe.Snippet != "" {
				msg += fmt.Sprintf(" (column %d of the expression)%s", fe.Column+1, fe.Snippet)
			}
		}
		p.Errorf(line, item, "when: %s", msg)
		return v.Value, nil
	}
	// A rule that runs over its budget with no data at all would do so
	// for every customer.
	env := NewEnv(nil, &noTicket, time.Now())
	env.Budget = NewBudget(context.Background())
	if _, err := runOn(new(vm.VM), prog, &env); errors.Is(err, ErrBudget) {
		p.Errorf(v.Line, item, "when: %v for a customer with no data; it would be so for every customer, simplify it", err)
		return v.Value, nil
	}
	return v.Value, prog
}

func (p *parser) priority(v *yaml.Node, ownerLine int, item string, required bool) cohort.Priority {
	if v == nil {
		if required {
			p.Errorf(ownerLine, item, "missing priority")
		}
		return cohort.PriorityNone
	}
	pr, err := cohort.ParsePriority(v.Value)
	if err != nil || v.Kind != yaml.ScalarNode {
		p.Errorf(v.Line, item, "priority: %q is not one of low, normal, high, urgent", v.Value)
	}
	if required && pr == cohort.PriorityNone && err == nil {
		p.Errorf(v.Line, item, "priority: an escalation needs low, normal, high or urgent")
	}
	return pr
}

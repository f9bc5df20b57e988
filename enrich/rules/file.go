package rules

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"gopkg.in/yaml.v3"

	"github.com/cohortdesk/cohort"
)

// FileError is one problem in a segments file, with its place.
type FileError struct {
	File string
	Line int
	Item string // `segment "enterprise"`, `escalation "outage"`, or ""
	Msg  string
}

func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Item != "" {
		b.WriteString(e.Item + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrorList is every problem found in a segments file, in line order.
type ErrorList []*FileError

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Load reads, validates and compiles the segments file at path. Its errors
// are an ErrorList naming each problem's line, or an error reading the file.
func Load(path string) (*Set, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("segments file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates and compiles a segments file read from name.
func Parse(name string, data []byte) (*Set, error) {
	p := &parser{file: name}
	set := p.parse(data)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	return set, nil
}

type parser struct {
	file string
	errs ErrorList
}

func (p *parser) errorf(line int, item, format string, args ...any) {
	p.errs = append(p.errs, &FileError{File: p.file, Line: line, Item: item, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) parse(data []byte) *Set {
	set := &Set{File: p.file}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlError(err)
		p.errorf(line, "", "not valid YAML: %s", msg)
		return set
	}
	if len(doc.Content) == 0 {
		p.errorf(0, "", "file is empty; want a segments: list")
		return set
	}
	root := doc.Content[0]
	fields := p.mapping(root, "", "segments", "escalations")
	segs, ok := fields["segments"]
	if !ok {
		p.errorf(root.Line, "", "missing segments: list")
	}
	seen := map[string]int{}
	for _, n := range p.sequence(segs, "segments") {
		if seg, ok := p.segment(n, seen); ok {
			set.Segments = append(set.Segments, seg)
		}
	}
	for _, n := range p.sequence(fields["escalations"], "escalations") {
		if esc, ok := p.escalation(n, seen); ok {
			set.Escalations = append(set.Escalations, esc)
		}
	}
	return set
}

// mapping checks that n is a mapping with only the allowed keys and returns
// its values by key.
func (p *parser) mapping(n *yaml.Node, item string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		p.errorf(n.Line, item, "want a mapping of %s", strings.Join(allowed, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, key.Value) {
			p.errorf(key.Line, item, "unknown key %q (want one of %s)", key.Value, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[key.Value]; dup {
			p.errorf(key.Line, item, "key %q given twice", key.Value)
		}
		out[key.Value] = val
	}
	return out
}

func (p *parser) sequence(n *yaml.Node, what string) []*yaml.Node {
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n.Line, "", "%s: want a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) segment(n *yaml.Node, seen map[string]int) (Segment, bool) {
	f := p.mapping(n, label("segment", n), "name", "description", "when", "priority", "tags", "macros")
	name, item, ok := p.name(n, f, "segment", seen)
	if !ok {
		return Segment{}, false
	}
	errs := len(p.errs)
	seg := Segment{Segment: cohort.Segment{Name: name}, Line: n.Line}
	seg.Description = p.str(f["description"], item, "description")
	seg.When, seg.program = p.rule(f["when"], n, item)
	seg.Priority = p.priority(f["priority"], n.Line, item, false)
	seg.Tags = p.strings(f["tags"], item, "tags")
	for _, tag := range seg.Tags {
		if strings.ContainsAny(tag, " \t\n") || tag == "" {
			p.errorf(f["tags"].Line, item, "tag %q must be one word", tag)
		}
	}
	seg.Macros = p.strings(f["macros"], item, "macros")
	return seg, len(p.errs) == errs
}

func (p *parser) escalation(n *yaml.Node, seen map[string]int) (Escalation, bool) {
	f := p.mapping(n, label("escalation", n), "name", "when", "priority")
	name, item, ok := p.name(n, f, "escalation", seen)
	if !ok {
		return Escalation{}, false
	}
	errs := len(p.errs)
	esc := Escalation{Escalation: cohort.Escalation{Name: name}, Line: n.Line}
	esc.When, esc.program = p.rule(f["when"], n, item)
	esc.Priority = p.priority(f["priority"], n.Line, item, true)
	return esc, len(p.errs) == errs
}

// name reads and checks the name of a segment or escalation; names are
// unique across both lists.
func (p *parser) name(n *yaml.Node, f map[string]*yaml.Node, kind string, seen map[string]int) (name, item string, ok bool) {
	if n.Kind != yaml.MappingNode {
		return "", "", false
	}
	v, has := f["name"]
	if !has {
		p.errorf(n.Line, kind, "missing name")
		return "", "", false
	}
	name = v.Value
	item = label(kind, n)
	switch {
	case v.Kind != yaml.ScalarNode || !cohort.ValidSegmentName(name):
		p.errorf(v.Line, item, "name must be lowercase letters, digits and underscores ([a-z0-9_]+)")
		return "", "", false
	case seen[name] != 0:
		p.errorf(v.Line, item, "name already used on line %d", seen[name])
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
func label(kind string, n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "name" && n.Content[i+1].Kind == yaml.ScalarNode {
				return fmt.Sprintf("%s %q", kind, n.Content[i+1].Value)
			}
		}
	}
	return kind
}

// rule compiles the when: expression, reporting errors at their line in the
// file.
func (p *parser) rule(v, owner *yaml.Node, item string) (string, *vm.Program) {
	if v == nil {
		p.errorf(owner.Line, item, "missing when: expression")
		return "", nil
	}
	if v.Kind != yaml.ScalarNode || strings.TrimSpace(v.Value) == "" {
		p.errorf(v.Line, item, "when: want an expression")
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
		p.errorf(line, item, "when: %s", msg)
		return v.Value, nil
	}
	return v.Value, prog
}

func (p *parser) priority(v *yaml.Node, ownerLine int, item string, required bool) cohort.Priority {
	if v == nil {
		if required {
			p.errorf(ownerLine, item, "missing priority")
		}
		return cohort.PriorityNone
	}
	pr, err := cohort.ParsePriority(v.Value)
	if err != nil || v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, item, "priority: %q is not one of low, normal, high, urgent", v.Value)
	}
	if required && pr == cohort.PriorityNone && err == nil {
		p.errorf(v.Line, item, "priority: an escalation needs low, normal, high or urgent")
	}
	return pr
}

func (p *parser) str(v *yaml.Node, item, key string) string {
	if v == nil {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		p.errorf(v.Line, item, "%s: want text", key)
	}
	return v.Value
}

func (p *parser) strings(v *yaml.Node, item, key string) []string {
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		p.errorf(v.Line, item, "%s: want a list", key)
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode {
			p.errorf(e.Line, item, "%s: want a list of words", key)
			continue
		}
		out = append(out, e.Value)
	}
	return out
}

// yamlError splits a yaml.v3 error ("yaml: line 3: did not find …") into
// its line and message.
func yamlError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return line, msg
}

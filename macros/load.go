// Package macros keeps segment-specific macros as code. It loads their
// definitions from YAML files (manifests/macros/*.yaml), makes a
// helpdesk's macros match them (Plan, Apply), and chooses and renders the
// macros that fit a ticket's segments (Set.Auto, Set.Suggest, Render).
package macros

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/yamlfile"
)

// Macro is a macro as its file defines it, with its place in the file.
type Macro struct {
	cohort.Macro
	File string
	Line int
}

// Set is the macros of a folder, in file name order, then in their order
// in each file.
type Set struct {
	Dir    string
	Macros []Macro
}

// Get returns the macro with key, or nil.
func (s *Set) Get(key string) *Macro {
	for i := range s.Macros {
		if s.Macros[i].Key == key {
			return &s.Macros[i]
		}
	}
	return nil
}

// The values macros may set, as Zendesk takes them: macros cannot set a
// ticket's status to new or closed.
var (
	macroStatuses = []string{"open", "pending", "hold", "solved"}
	macroTypes    = []string{"problem", "incident", "question", "task"}
)

// Load reads every *.yaml and *.yml file of dir. Its errors are a
// yamlfile.ErrorList naming each problem's file and line, or an error
// reading the folder. A folder with no macro files gives an empty Set.
func Load(dir string) (*Set, error) {
	var names []string
	for _, pattern := range []string{"*.yaml", "*.yml"} {
		found, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, fmt.Errorf("macros: %w", err)
		}
		names = append(names, found...)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("macros folder: %w", err)
	}
	slices.Sort(names)
	files := make([]File, 0, len(names))
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("macros: %w", err)
		}
		files = append(files, File{Name: name, Data: data})
	}
	set, err := Parse(files...)
	if set != nil {
		set.Dir = dir
	}
	return set, err
}

// File is one macro file's name and content.
type File struct {
	Name string
	Data []byte
}

// Parse validates macro files. A file holds one macro (a mapping) or a
// list of them. Keys are unique across the files.
func Parse(files ...File) (*Set, error) {
	set := &Set{}
	var errs yamlfile.ErrorList
	seen := map[string]string{} // key: where it was first defined
	for _, f := range files {
		p := &parser{Reader: yamlfile.Reader{File: f.Name}, seen: seen}
		set.Macros = append(set.Macros, p.file(f.Data)...)
		if err := p.Err(); err != nil {
			errs = append(errs, err.(yamlfile.ErrorList)...)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return set, nil
}

type parser struct {
	yamlfile.Reader
	seen map[string]string
}

func (p *parser) file(data []byte) []Macro {
	root := p.Root(data, "a macro (key:, title:, segments:, actions: …) or a list of them")
	if root == nil {
		return nil
	}
	nodes := []*yaml.Node{root}
	if root.Kind == yaml.SequenceNode {
		nodes = root.Content
	}
	var out []Macro
	for _, n := range nodes {
		if m, ok := p.macro(n); ok {
			out = append(out, m)
		}
	}
	return out
}

func (p *parser) macro(n *yaml.Node) (Macro, bool) {
	item := yamlfile.Label("macro", "key", n)
	f := p.Mapping(n, item, "key", "title", "description", "segments", "escalations", "auto", "actions")
	if n.Kind != yaml.MappingNode {
		return Macro{}, false
	}
	errs := p.Count()
	m := Macro{File: p.File, Line: n.Line}
	m.Key = p.Str(f["key"], item, "key")
	switch where, dup := p.seen[m.Key]; {
	case f["key"] == nil:
		p.Errorf(n.Line, item, "missing key (a stable name such as enterprise_escalation_path)")
	case !cohort.ValidSegmentName(m.Key):
		p.Errorf(f["key"].Line, item, "key must be lowercase letters, digits and underscores ([a-z0-9_]+)")
	case dup:
		p.Errorf(f["key"].Line, item, "key already used at %s", where)
	default:
		p.seen[m.Key] = fmt.Sprintf("%s:%d", p.File, f["key"].Line)
	}
	m.Title = strings.TrimSpace(p.Str(f["title"], item, "title"))
	if m.Title == "" {
		p.Errorf(n.Line, item, "missing title")
	}
	m.Description = strings.TrimSpace(p.Str(f["description"], item, "description"))
	m.Segments = p.names(f["segments"], item, "segments")
	m.Escalations = p.names(f["escalations"], item, "escalations")
	if len(m.Segments) == 0 && len(m.Escalations) == 0 {
		p.Errorf(n.Line, item, "serves no one: give segments: (and optionally escalations:)")
	}
	if v := f["auto"]; v != nil {
		b, err := strconv.ParseBool(v.Value)
		if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || err != nil {
			p.Errorf(v.Line, item, "auto: want true or false")
		}
		m.Auto = b
	}
	if a := f["actions"]; a == nil {
		p.Errorf(n.Line, item, "missing actions:")
	} else {
		m.Actions = p.actions(a, item)
	}
	return m, p.Count() == errs
}

// names reads a list of segment or escalation names.
func (p *parser) names(v *yaml.Node, item, key string) []string {
	names := p.Strings(v, item, key)
	for _, name := range names {
		if !cohort.ValidSegmentName(name) {
			p.Errorf(v.Line, item, "%s: %q is not a segment name ([a-z0-9_]+)", key, name)
		}
	}
	return names
}

func (p *parser) actions(n *yaml.Node, item string) cohort.MacroActions {
	f := p.Mapping(n, item+": actions", "comment", "add_tags", "priority", "status", "type", "group_id")
	var a cohort.MacroActions
	if n.Kind == yaml.MappingNode && len(f) == 0 && len(n.Content) == 0 {
		p.Errorf(n.Line, item, "actions: empty; give at least one of comment, add_tags, priority, status, type, group_id")
	}
	if c := f["comment"]; c != nil {
		cf := p.Mapping(c, item+": comment", "body", "public")
		a.Comment = strings.TrimSpace(p.Str(cf["body"], item, "comment body"))
		if a.Comment == "" {
			p.Errorf(c.Line, item, "comment: missing body")
		}
		if v := cf["public"]; v != nil {
			b, err := strconv.ParseBool(v.Value)
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || err != nil {
				p.Errorf(v.Line, item, "comment: public: want true (a reply the requester sees) or false (an internal note)")
			}
			a.Public = b
		}
		if problem := checkPlaceholders(a.Comment); problem != "" {
			line := c.Line
			if b := cf["body"]; b != nil {
				line = b.Line
			}
			p.Errorf(line, item, "comment: %s", problem)
		}
	}
	if v := f["add_tags"]; v != nil {
		a.AddTags = p.Strings(v, item, "add_tags")
		for _, tag := range a.AddTags {
			if tag == "" || strings.ContainsAny(tag, " \t\n,") {
				p.Errorf(v.Line, item, "add_tags: %q must be one word", tag)
			}
		}
	}
	if v := f["priority"]; v != nil {
		pr, err := cohort.ParsePriority(v.Value)
		if err != nil || pr == cohort.PriorityNone || v.Kind != yaml.ScalarNode {
			p.Errorf(v.Line, item, "priority: %q is not one of low, normal, high, urgent", v.Value)
		}
		a.Priority = pr
	}
	a.Status = p.oneOf(f["status"], item, "status", macroStatuses)
	a.Type = p.oneOf(f["type"], item, "type", macroTypes)
	if v := f["group_id"]; v != nil {
		id, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil || id <= 0 || v.Kind != yaml.ScalarNode {
			p.Errorf(v.Line, item, "group_id: %q is not a group id (a positive number)", v.Value)
		}
		a.GroupID = id
	}
	return a
}

func (p *parser) oneOf(v *yaml.Node, item, key string, allowed []string) string {
	if v == nil {
		return ""
	}
	if v.Kind != yaml.ScalarNode || !slices.Contains(allowed, v.Value) {
		p.Errorf(v.Line, item, "%s: %q is not one of %s", key, v.Value, strings.Join(allowed, ", "))
		return ""
	}
	return v.Value
}

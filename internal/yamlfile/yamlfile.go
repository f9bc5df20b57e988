// Package yamlfile reads hand-written YAML files (segments, macros) node by
// node, so that every problem is reported with its file and line, and all
// of a file's problems at once rather than the first.
package yamlfile

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a file, with its place.
type Error struct {
	File string
	Line int
	Item string // what the problem is in, such as `segment "enterprise"`; "" for the file
	Msg  string
}

func (e *Error) Error() string {
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

// ErrorList is every problem found in one or more files, in file and line
// order.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Reader collects the problems of one file as it is read.
type Reader struct {
	File string
	errs ErrorList
}

// Errorf records a problem at line (0: the file as a whole) in item.
func (r *Reader) Errorf(line int, item, format string, args ...any) {
	r.errs = append(r.errs, &Error{File: r.File, Line: line, Item: item, Msg: fmt.Sprintf(format, args...)})
}

// Count is how many problems were recorded so far.
func (r *Reader) Count() int { return len(r.errs) }

// Err returns the problems recorded, in line order, or nil for none.
func (r *Reader) Err() error {
	if len(r.errs) == 0 {
		return nil
	}
	sort.SliceStable(r.errs, func(i, j int) bool { return r.errs[i].Line < r.errs[j].Line })
	return r.errs
}

// Root parses data and returns its top node, or nil (with the problem
// recorded) when it is not YAML or empty; want says what an empty file
// lacks.
func (r *Reader) Root(data []byte, want string) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && err != io.EOF {
		line, msg := splitError(err)
		r.Errorf(line, "", "not valid YAML: %s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		r.Errorf(0, "", "file is empty; want %s", want)
		return nil
	}
	// A second document (after ---) would be read by no one: refuse it
	// rather than ignore what it says.
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == io.EOF:
	case err != nil:
		line, msg := splitError(err)
		r.Errorf(line, "", "not valid YAML: %s", msg)
		return nil
	default:
		r.Errorf(more.Line, "", "a second YAML document (after ---); keep one document a file")
		return nil
	}
	return doc.Content[0]
}

// Mapping checks that n is a mapping with only the allowed keys and
// returns its values by key; a nil n gives an empty map.
func (r *Reader) Mapping(n *yaml.Node, item string, allowed ...string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		r.Errorf(n.Line, item, "want a mapping of %s", strings.Join(allowed, ", "))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, key.Value) {
			r.Errorf(key.Line, item, "unknown key %q (want one of %s)", key.Value, strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[key.Value]; dup {
			r.Errorf(key.Line, item, "key %q given twice", key.Value)
		}
		out[key.Value] = val
	}
	return out
}

// Sequence returns the items of the list n (none for nil or null).
func (r *Reader) Sequence(n *yaml.Node, what string) []*yaml.Node {
	if n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		r.Errorf(n.Line, "", "%s: want a list", what)
		return nil
	}
	return n.Content
}

// Str returns the text of v ("" for nil).
func (r *Reader) Str(v *yaml.Node, item, key string) string {
	if v == nil {
		return ""
	}
	if v.Kind != yaml.ScalarNode {
		r.Errorf(v.Line, item, "%s: want text", key)
	}
	return v.Value
}

// Strings returns the texts of the list v (nil for nil).
func (r *Reader) Strings(v *yaml.Node, item, key string) []string {
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		r.Errorf(v.Line, item, "%s: want a list", key)
		return nil
	}
	out := make([]string, 0, len(v.Content))
	for _, e := range v.Content {
		if e.Kind != yaml.ScalarNode {
			r.Errorf(e.Line, item, "%s: want a list of words", key)
			continue
		}
		out = append(out, e.Value)
	}
	return out
}

// Label names a mapping in messages by the value of its key field, as
// `segment "enterprise"`; kind alone when it has none.
func Label(kind, key string, n *yaml.Node) string {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
				return fmt.Sprintf("%s %q", kind, n.Content[i+1].Value)
			}
		}
	}
	return kind
}

// splitError splits a yaml.v3 error ("yaml: line 3: did not find …") into
// its line and message.
func splitError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return line, msg
}

package macros

import (
	"context"
	"slices"
	"strings"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
)

// Bind checks the macros against the segments file, and links them: a
// macro serves the segments its file names and those whose macros: list
// names it. It reports every macro serving a segment or escalation the
// file does not have, every segment naming a macro that does not exist,
// and segments whose automatic macros would each write a public reply (an
// update carries one comment).
func (s *Set) Bind(r *rules.Set) error {
	var errs yamlfile.ErrorList
	segments, escalations := map[string]bool{}, map[string]bool{}
	for _, seg := range r.Segments {
		segments[seg.Name] = true
	}
	for _, esc := range r.Escalations {
		escalations[esc.Name] = true
	}
	for i := range s.Macros {
		m := &s.Macros[i]
		for _, name := range m.Segments {
			if !segments[name] {
				errs = append(errs, &yamlfile.Error{File: m.File, Line: m.Line, Item: `macro "` + m.Key + `"`,
					Msg: "segments: " + name + " is not a segment of " + r.File})
			}
		}
		for _, name := range m.Escalations {
			if !escalations[name] {
				errs = append(errs, &yamlfile.Error{File: m.File, Line: m.Line, Item: `macro "` + m.Key + `"`,
					Msg: "escalations: " + name + " is not an escalation of " + r.File})
			}
		}
	}
	for _, seg := range r.Segments {
		for _, key := range seg.Macros {
			m := s.Get(key)
			if m == nil {
				errs = append(errs, &yamlfile.Error{File: r.File, Line: seg.Line, Item: `segment "` + seg.Name + `"`,
					Msg: "macros: no macro has the key " + key + " (in " + s.Dir + ")"})
				continue
			}
			if !slices.Contains(m.Segments, seg.Name) {
				m.Segments = append(m.Segments, seg.Name)
			}
		}
	}
	for _, seg := range r.Segments {
		var replies []string
		for _, m := range s.Macros {
			if m.Auto && m.Actions.Public && m.Actions.Comment != "" && slices.Contains(m.Segments, seg.Name) {
				replies = append(replies, m.Key)
			}
		}
		if len(replies) > 1 {
			errs = append(errs, &yamlfile.Error{File: r.File, Line: seg.Line, Item: `segment "` + seg.Name + `"`,
				Msg: "automatic macros " + strings.Join(replies, ", ") + " each write a public reply; a ticket update carries one comment"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Auto returns the automatic macros for a ticket whose primary segment is
// primary and that matched escalations, in the set's order.
func (s *Set) Auto(primary string, escalations []string) []*Macro {
	var out []*Macro
	for i := range s.Macros {
		m := &s.Macros[i]
		if m.Auto && (primary != "" && slices.Contains(m.Segments, primary) || overlaps(m.Escalations, escalations)) {
			out = append(out, m)
		}
	}
	return out
}

// Suggestion is a macro that fits a ticket, and why.
type Suggestion struct {
	*Macro
	Reason string // "primary segment enterprise", "segment technical" or "escalation outage"
}

// Suggest returns the macros that fit a ticket with segments (the primary
// first) and escalations, best first: those of the primary segment, then of
// each other segment in turn, then of the escalations; within each, in the
// set's order.
func (s *Set) Suggest(segments, escalations []string) []Suggestion {
	var out []Suggestion
	seen := map[string]bool{}
	add := func(reason string, serves func(*Macro) bool) {
		for i := range s.Macros {
			m := &s.Macros[i]
			if !seen[m.Key] && serves(m) {
				seen[m.Key] = true
				out = append(out, Suggestion{Macro: m, Reason: reason})
			}
		}
	}
	for i, seg := range segments {
		reason := "segment " + seg
		if i == 0 {
			reason = "primary segment " + seg
		}
		add(reason, func(m *Macro) bool { return slices.Contains(m.Segments, seg) })
	}
	for _, esc := range escalations {
		add("escalation "+esc, func(m *Macro) bool { return slices.Contains(m.Escalations, esc) })
	}
	return out
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// Suggestions returns the macros that fit the ticket of enrichment record
// rec, best first (see Set.Suggest).
func (a *Applier) Suggestions(ctx context.Context, rec cohort.Enrichment) ([]cohort.MacroSuggestion, error) {
	owned, err := a.owned.OwnedMacros(ctx, rec.Helpdesk)
	if err != nil {
		return nil, err
	}
	out := []cohort.MacroSuggestion{}
	for _, s := range a.set().Suggest(rec.Segments, rec.Escalations) {
		ts := cohort.MacroSuggestion{Key: s.Key, Title: s.Title, Description: s.Description, Auto: s.Auto,
			Applied: slices.Contains(rec.Macros, s.Key), Reason: s.Reason}
		if o, ok := owned[s.Key]; ok && o.Active {
			ts.MacroID = o.MacroID
		}
		out = append(out, ts)
	}
	return out, nil
}

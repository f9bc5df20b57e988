package cohort

// Decision is what cohort concluded about one ticket: the segments its
// requester belongs to (the first is the primary segment), the escalations
// the ticket triggered, the final priority, the reasons, in words, for the
// internal note, and the automatic macros that go with the update.
type Decision struct {
	Customer    *Customer // nil when no CRM record matched
	MatchedBy   MatchedBy // "" when Customer is nil
	Segments    []string
	Escalations []string
	// Tags are the tags the decision adds: <prefix><segment> for each
	// matching segment, then the segments' own extra tags.
	Tags []string
	// PriorityBefore is the ticket's priority when cohort saw it; Priority is
	// the highest of it and every matching segment's and escalation's.
	PriorityBefore Priority
	Priority       Priority
	Reasons        []string
	// Macros are the keys of the automatic macros applied with the update.
	Macros []string
}

// Primary returns the primary segment, or "" when none matched.
func (d *Decision) Primary() string {
	if len(d.Segments) == 0 {
		return ""
	}
	return d.Segments[0]
}

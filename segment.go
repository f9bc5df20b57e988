package cohort

import "regexp"

// Segment is a named group of customers with a rule that says who belongs.
// Each matching segment adds the tag <prefix><Name> to a ticket; the first
// matching segment in file order is the ticket's primary segment.
type Segment struct {
	Name        string
	Description string
	When        string   // expr-lang expression over customer and ticket
	Priority    Priority // PriorityNone: the segment does not raise priority
	Tags        []string // extra tags to add besides <prefix><Name>
	Macros      []string // keys of macros that serve this segment
}

// Escalation raises a ticket's priority when its rule matches, whatever the
// requester's segments.
type Escalation struct {
	Name     string
	When     string
	Priority Priority
}

var segmentNamePattern = regexp.MustCompile(`^[a-z0-9_]+$`)

// ValidSegmentName reports whether name fits the lowercase [a-z0-9_]+ form
// that segment and escalation names must have.
func ValidSegmentName(name string) bool {
	return segmentNamePattern.MatchString(name)
}

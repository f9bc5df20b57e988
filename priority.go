package cohort

import (
	"fmt"
	"strings"
)

// Priority is a helpdesk ticket priority. The zero value, PriorityNone, is a
// ticket without a priority; the others are ordered, so the highest of several
// priorities is their maximum.
type Priority int

// The priorities every supported helpdesk knows, lowest first.
const (
	PriorityNone Priority = iota
	PriorityLow
	PriorityNormal
	PriorityHigh
	PriorityUrgent
)

var priorityNames = [...]string{"", "low", "normal", "high", "urgent"}

// String returns the helpdesk's name for p: "low", "normal", "high",
// "urgent", or "" for PriorityNone.
func (p Priority) String() string {
	if p < PriorityNone || p > PriorityUrgent {
		return fmt.Sprintf("Priority(%d)", int(p))
	}
	return priorityNames[p]
}

// Label is String with "none" in place of the empty string, for people.
func (p Priority) Label() string {
	if p == PriorityNone {
		return "none"
	}
	return p.String()
}

// ParsePriority reads a priority name case-insensitively. The empty string,
// "-" and "none" are PriorityNone (Zendesk renders a ticket without priority
// as "-" in placeholders).
func ParsePriority(s string) (Priority, error) {
	switch v := strings.ToLower(strings.TrimSpace(s)); v {
	case "", "-", "none":
		return PriorityNone, nil
	default:
		for i, name := range priorityNames {
			if i > 0 && v == name {
				return Priority(i), nil
			}
		}
	}
	return PriorityNone, fmt.Errorf("unknown priority %q (want low, normal, high or urgent)", s)
}

// MaxPriority returns the highest of ps, or PriorityNone for none.
func MaxPriority(ps ...Priority) Priority {
	top := PriorityNone
	for _, p := range ps {
		if p > top {
			top = p
		}
	}
	return top
}

// MarshalText writes p by name, so stored and logged priorities read well.
func (p Priority) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a priority name (see ParsePriority).
func (p *Priority) UnmarshalText(b []byte) error {
	v, err := ParsePriority(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

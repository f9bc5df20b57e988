package cohort

// Macro is a pre-written, segment-specific response: what it writes on a
// ticket and which tickets it serves. cohort keeps macros as code and puts
// them in the helpdesk, where agents can apply them too.
type Macro struct {
	Key         string // cohort's stable key: lowercase [a-z0-9_]+
	Title       string
	Description string
	// Segments and Escalations are the segments and escalations the macro
	// serves.
	Segments    []string
	Escalations []string
	// Auto says cohort applies the macro to the new tickets it serves; the
	// others are only suggested to agents.
	Auto    bool
	Actions MacroActions
}

// MacroActions are the changes a macro makes to a ticket. Zero values
// change nothing.
type MacroActions struct {
	// Comment is added to the ticket: a public reply when Public, else an
	// internal note. It may hold helpdesk placeholders such as
	// {{ticket.requester.first_name}}.
	Comment  string
	Public   bool
	AddTags  []string
	Priority Priority
	Status   string // open, pending, hold or solved
	Type     string // problem, incident, question or task
	GroupID  int64
	// Other are actions a helpdesk's copy has that cohort does not write,
	// as "field=value": someone added them there.
	Other []string
}

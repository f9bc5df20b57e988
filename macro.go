package cohort

import "strings"

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

// OwnedMacro is a macro cohort owns in a helpdesk: its stable key, the
// helpdesk's id for it, and whether cohort left it active.
type OwnedMacro struct {
	Helpdesk string
	Key      string
	MacroID  int64
	Active   bool
}

// HelpdeskMacro is a macro as a helpdesk holds it: its id there, whether
// it is active, and what it does. Its Key is the one cohort's marker in
// its description names, "" when it has none (see MarkMacroDescription).
type HelpdeskMacro struct {
	ID     int64
	Active bool
	Macro
}

// macroMarkerPrefix starts the last line of the description of a macro
// cohort writes to a helpdesk.
const macroMarkerPrefix = "cohort key: "

// MarkMacroDescription returns the description cohort writes for macro key:
// desc, then a last line naming the key. The marker lets cohort find the
// macros it created even when it never learnt their ids (a create whose
// response was lost), and tells admins where the macro is kept.
func MarkMacroDescription(desc, key string) string {
	marker := macroMarkerPrefix + key
	if desc == "" {
		return marker
	}
	return desc + "\n\n" + marker
}

// UnmarkMacroDescription splits a description that MarkMacroDescription
// wrote into the description and the key; a description without a marker
// comes back as it is, with key "".
func UnmarkMacroDescription(desc string) (rest, key string) {
	trimmed := strings.TrimRight(desc, " \n\r\t")
	i := strings.LastIndexByte(trimmed, '\n')
	last := trimmed[i+1:]
	k, ok := strings.CutPrefix(last, macroMarkerPrefix)
	if !ok || !ValidSegmentName(k) {
		return desc, ""
	}
	return strings.TrimRight(trimmed[:i+1], " \n\r\t"), k
}

// MacroSuggestion is a macro suggested for a ticket, as the sidebar app
// shows it.
type MacroSuggestion struct {
	Key         string `json:"key"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// MacroID is the helpdesk's id of the macro, for the app to apply it;
	// 0 while cohort macros sync has not put it there.
	MacroID int64  `json:"macro_id"`
	Auto    bool   `json:"auto"`
	Applied bool   `json:"applied"` // applied by cohort with its update
	Reason  string `json:"reason"`
}

package macros

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort"
)

// placeholderRoots are the namespaces of Zendesk's placeholders. A macro
// reads the same whether cohort or an agent applies it, so it takes only
// Zendesk's placeholders, never cohort-only ones.
var placeholderRoots = []string{"ticket.", "current_user.", "satisfaction.", "dc."}

// checkPlaceholders returns what is wrong with the placeholders of body,
// or "" when nothing is.
func checkPlaceholders(body string) string {
	for rest := body; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			return ""
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return fmt.Sprintf("placeholder %q is not closed with }}", clip(rest[i:]))
		}
		expr := strings.TrimSpace(rest[i+2 : i+j])
		name, _, _ := strings.Cut(expr, "|") // Liquid filters are Zendesk's to apply
		name = strings.TrimSpace(name)
		known := false
		for _, root := range placeholderRoots {
			known = known || strings.HasPrefix(name, root) && len(name) > len(root)
		}
		if !known {
			return fmt.Sprintf("placeholder {{%s}} is not a Zendesk placeholder (want ticket.…, current_user.…, satisfaction.… or dc.…, "+
				"such as {{ticket.requester.first_name}})", expr)
		}
		rest = rest[i+j+2:]
	}
}

func clip(s string) string {
	if len(s) > 30 {
		return s[:30] + "…"
	}
	return s
}

// Render fills body's placeholders from the ticket and its customer (nil
// when none matched): the ticket's id, title and description, and its
// requester's and organization's names, email and external ids, from the
// ticket or else the customer record, as Zendesk renders them. It reports false, leaving body
// as it is, when a placeholder needs what only the helpdesk knows (an
// assignee, the current user, dynamic content, a Liquid filter or tag):
// then the helpdesk renders the macro.
func Render(body string, t *cohort.Ticket, c *cohort.Customer) (string, bool) {
	if strings.Contains(body, "{%") {
		return body, false
	}
	var b strings.Builder
	for rest := body; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), true
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			return body, false
		}
		v, ok := value(strings.TrimSpace(rest[i+2:i+j]), t, c)
		if !ok {
			return body, false
		}
		b.WriteString(rest[:i])
		b.WriteString(v)
		rest = rest[i+j+2:]
	}
}

// value is the value of one placeholder cohort can render.
func value(name string, t *cohort.Ticket, c *cohort.Customer) (string, bool) {
	if c == nil {
		c = &cohort.Customer{}
	}
	requesterName := or(t.Requester.Name, c.Name)
	switch name {
	case "ticket.id":
		return strconv.FormatInt(t.ID, 10), true
	case "ticket.title":
		return t.Subject, true
	case "ticket.description":
		return t.Description, true
	case "ticket.requester.name":
		return requesterName, true
	case "ticket.requester.first_name":
		first, _, _ := strings.Cut(requesterName, " ")
		return first, true
	case "ticket.requester.last_name":
		_, last, _ := strings.Cut(requesterName, " ")
		return last, true
	case "ticket.requester.email":
		return or(t.Requester.Email, c.Email), true
	case "ticket.requester.external_id":
		return or(t.Requester.ExternalID, c.ExternalID), true
	case "ticket.organization.name":
		return or(t.Organization.Name, c.Organization), true
	case "ticket.organization.external_id":
		return t.Organization.ExternalID, true
	}
	return "", false
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

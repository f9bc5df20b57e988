package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// valueTitles are the English titles placeholders render for status,
// priority and type values (UNCONFIRMED, see the package doc).
var valueTitles = map[string]string{
	"new": "New", "open": "Open", "pending": "Pending", "hold": "On-hold", "solved": "Solved", "closed": "Closed",
	"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent",
	"question": "Question", "incident": "Incident", "problem": "Problem", "task": "Task",
}

// unsetValue is what placeholders render for an unset priority or type.
const unsetValue = "-"

// viaTitle is what {{ticket.via}} renders for tickets created through the API.
const viaTitle = "API"

// placeholderDate is the layout of {{ticket.created_at}}.
const placeholderDate = "Jan 2, 2006"

func valueTitle(v string) string {
	if v == "" {
		return unsetValue
	}
	return valueTitles[v]
}

// placeholderValuesLocked returns the value of every placeholder the
// sandbox renders for t, as written by actorID; absent ones render empty.
// s.mu must be held.
func (s *Server) placeholderValuesLocked(t *ticket, actorID int64) map[string]string {
	id := strconv.FormatInt(t.id, 10)
	agentURL := s.cfg.Subdomain + ".zendesk.com/agent/tickets/" + id
	v := map[string]string{
		"ticket.id":                        id,
		"ticket.external_id":               t.externalID,
		"ticket.title":                     t.subject,
		"ticket.description":               t.description(),
		"ticket.status":                    valueTitle(t.status),
		"ticket.priority":                  valueTitle(t.priority),
		"ticket.ticket_type":               valueTitle(t.typ),
		"ticket.tags":                      strings.Join(t.tags, " "),
		"ticket.via":                       viaTitle,
		"ticket.link":                      "https://" + agentURL,
		"ticket.url":                       agentURL,
		"ticket.account":                   s.cfg.Subdomain,
		"ticket.created_at":                t.createdAt.Format(placeholderDate),
		"ticket.created_at_with_timestamp": formatTime(t.createdAt),
		"ticket.updated_at_with_timestamp": formatTime(t.updatedAt),
	}
	if n := len(t.comments); n > 0 {
		v["ticket.latest_comment"] = t.comments[n-1].body
	}
	for i := len(t.comments) - 1; i >= 0; i-- {
		if t.comments[i].public {
			v["ticket.latest_public_comment"] = t.comments[i].body
			break
		}
	}
	if g, ok := s.groups[t.groupID]; ok {
		v["ticket.group.id"] = strconv.FormatInt(g.id, 10)
		v["ticket.group.name"] = g.name
	}
	if o, ok := s.orgs[t.organizationID]; ok {
		v["ticket.organization.id"] = strconv.FormatInt(o.id, 10)
		v["ticket.organization.name"] = o.name
		v["ticket.organization.external_id"] = o.externalID
	}
	addUserPlaceholders(v, "ticket.requester", s.users[t.requesterID])
	addUserPlaceholders(v, "ticket.assignee", s.users[t.assigneeID])
	addUserPlaceholders(v, "ticket.submitter", s.users[t.submitterID])
	addUserPlaceholders(v, "current_user", s.users[actorID])
	for _, f := range t.customFields {
		v[fmt.Sprintf("ticket.ticket_field_%d", f.ID)] = fieldText(f.Value)
	}
	return v
}

// addUserPlaceholders adds prefix.id, .name, .first_name, … for u; a
// missing user renders empty.
func addUserPlaceholders(v map[string]string, prefix string, u *user) {
	if u == nil {
		return
	}
	first, last, _ := strings.Cut(u.name, " ")
	v[prefix+".id"] = strconv.FormatInt(u.id, 10)
	v[prefix+".name"] = u.name
	v[prefix+".first_name"] = first
	v[prefix+".last_name"] = last
	v[prefix+".email"] = u.email
	v[prefix+".external_id"] = u.externalID
	v[prefix+".phone"] = u.phone
	v[prefix+".language"] = userLanguage
}

// fieldText renders a custom field value as text.
func fieldText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case []string:
		return strings.Join(v, " ")
	}
	return ""
}

// placeholder matches {{name}}, allowing spaces inside the braces.
var placeholder = regexp.MustCompile(`\{\{\s*([A-Za-z0-9_.]+)\s*\}\}`)

// renderTemplate substitutes placeholders in tmpl; unknown ones render
// empty. With escapeJSON each value is escaped to sit inside a JSON string.
func renderTemplate(tmpl string, values map[string]string, escapeJSON bool) string {
	return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
		v := values[placeholder.FindStringSubmatch(m)[1]]
		if escapeJSON {
			v = jsonEscape(v)
		}
		return v
	})
}

// jsonEscape returns s as JSON string content, without the quotes.
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}

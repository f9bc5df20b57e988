package conformance

import (
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// NullableField is a field that Zendesk's OpenAPI document does not mark
// nullable but that real Zendesk answers null, as evidence shows: the
// reference sheet (shared/reference/helpdesk-api.md), an answer of a real
// account among go-zendesk v0.18.0's fixtures (fixture/…, captured from a
// real account as the sheet's §12 says), or an example in the OAS itself.
type NullableField struct {
	// Schema names the component schema that declares the field, such as
	// "TicketObject".
	Schema string
	// Field is the field's path in the schema: property names joined by
	// dots, [] after an array whose items hold the rest, such as
	// "custom_fields[].value".
	Field string
	// Reason quotes the evidence, and says where it is.
	Reason string
}

// NullableFields are the fields where a null is not a difference.
var NullableFields = []NullableField{
	{"TicketObject", "type", `§2.2: "type (problem, incident, question, task, or null)"`},
	{"TicketObject", "priority", `§2.2: "priority (urgent, high, normal, low, or null)"`},
	{"TicketObject", "satisfaction_rating", `§2.2: "satisfaction_rating (read-only: object, or state offered/unoffered, null if plan lacks CSAT)"`},
	{"TicketObject", "custom_fields[].value", `§2.6: custom field values: "unset → null"`},
	{"TicketObject", "assignee_id", `go-zendesk fixture GET/search_ticket.json (and POST/ticket.json), a real account's answer: "assignee_id": null`},
	{"TicketObject", "external_id", `go-zendesk fixture GET/ticket.json, a real account's answer: "external_id": null`},
	{"TicketObject", "forum_topic_id", `go-zendesk fixture GET/ticket.json, a real account's answer: "forum_topic_id": null`},
	{"TicketObject", "problem_id", `go-zendesk fixture GET/ticket.json, a real account's answer: "problem_id": null`},
	{"TicketObject", "recipient", `go-zendesk fixture GET/tickets.json (and GET/search_ticket.json), a real account's answer: "recipient": null`},
	{"MacroApplyTicketResponse", "result.ticket.assignee_id", `go-zendesk fixture POST/ticket.json, a real account's ticket: "assignee_id": null`},
	{"TriggerObject", "description", `go-zendesk fixture GET/trigger.json, a real account's answer: "description": null`},
	{"UserForAdmin", "alias", userNull("alias")},
	{"UserForAdmin", "default_group_id", userNull("default_group_id")},
	{"UserForAdmin", "details", userNull("details")},
	{"UserForAdmin", "last_login_at", userNull("last_login_at")},
	{"UserForAdmin", "notes", userNull("notes")},
	{"UserForAdmin", "signature", userNull("signature")},
	{"UserForEndUser", "organization_id", userNull("organization_id")},
	{"UserForEndUser", "phone", userNull("phone")},
	{"UserForEndUser", "shared_phone_number", userNull("shared_phone_number")},
	{"UserForEndUser", "photo", `go-zendesk fixture POST/users.json, a real account's answer, and the OAS's own user examples: "photo": null`},
	{"TicketMetricObject", "assigned_at", metricNull},
	{"TicketMetricObject", "initially_assigned_at", metricNull},
	{"TicketMetricObject", "assignee_updated_at", metricNull},
	{"TicketMetricObject", "requester_updated_at", metricNull},
	{"TicketMetricObject", "status_updated_at", metricNull},
	{"TicketMetricObject", "custom_status_updated_at", metricNull},
	{"TicketMetricObject", "latest_comment_added_at", metricNull},
	{"TicketMetricObject", "solved_at", metricNull},
	{"TicketMetricObject", "reply_time_in_minutes", metricNull},
	{"TicketMetricObject", "reply_time_in_seconds", metricNull},
	{"TicketMetricObject", "first_resolution_time_in_minutes", metricNull},
	{"TicketMetricObject", "full_resolution_time_in_minutes", metricNull},
	{"TicketMetricObject", "agent_wait_time_in_minutes", metricNull},
	{"TicketMetricObject", "requester_wait_time_in_minutes", metricNull},
	{"TicketMetricObject", "on_hold_time_in_minutes", metricNull},
}

// userNull quotes a real account's user with the field null.
func userNull(field string) string {
	return `go-zendesk fixture GET/user.json (and GET/users.json), a real account's answer: "` + field + `": null`
}

// metricNull is the reference sheet's word on the ticket metric fields,
// which wait for an event: a reply, an assignment, a solve.
const metricNull = `§5.1: "Timestamps/durations are null until the event has happened"`

// resolveNullable finds the schema of every field in fields. A field the
// document lacks, marks nullable already, or describes with a shared
// schema (a $ref, which would allow null wherever that schema is used) is
// an error: the list must say something true, and only that, of the
// document.
func resolveNullable(doc *openapi3.T, fields []NullableField) (map[*openapi3.Schema]bool, error) {
	schemas := make(map[*openapi3.Schema]bool, len(fields))
	for _, f := range fields {
		name := f.Schema + "." + f.Field
		ref := doc.Components.Schemas[f.Schema]
		if ref == nil {
			return nil, fmt.Errorf("nullable field %s: the document has no schema %s", name, f.Schema)
		}
		for part := range strings.SplitSeq(f.Field, ".") {
			prop, items := strings.CutSuffix(part, "[]")
			if ref = ref.Value.Properties[prop]; ref == nil {
				return nil, fmt.Errorf("nullable field %s: the document declares no %s there", name, prop)
			}
			if items {
				if ref = ref.Value.Items; ref == nil {
					return nil, fmt.Errorf("nullable field %s: %s is not an array", name, prop)
				}
			}
		}
		switch {
		case ref.Ref != "":
			return nil, fmt.Errorf("nullable field %s is the shared schema %s", name, ref.Ref)
		case ref.Value.Nullable:
			return nil, fmt.Errorf("nullable field %s is nullable in the document already", name)
		}
		schemas[ref.Value] = true
	}
	return schemas, nil
}

package zendesk

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cohortdesk/cohort"
)

// Headers of a Zendesk webhook delivery.
const (
	HeaderSignature          = "X-Zendesk-Webhook-Signature"
	HeaderSignatureTimestamp = "X-Zendesk-Webhook-Signature-Timestamp"
	HeaderWebhookID          = "X-Zendesk-Webhook-Id"
	HeaderInvocationID       = "X-Zendesk-Webhook-Invocation-Id"
	HeaderAccountID          = "X-Zendesk-Account-Id"
)

// SignatureMaxAge is how far a delivery's signature timestamp may be from
// now, either way, before it is refused as a possible replay.
const SignatureMaxAge = 5 * time.Minute

// EventTicketCreated is the event name cohort enriches, in the trigger body
// cohort installs and in Zendesk's event webhooks (as
// "zen:event-type:ticket.created").
const EventTicketCreated = "ticket.created"

const eventTypePrefix = "zen:event-type:"

// Sign returns Zendesk's signature of a delivery:
// base64(HMAC-SHA256(secret, timestamp + body)).
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(timestamp))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// VerifySignature checks a delivery's signature against secret on the raw
// body, and that its timestamp lies within SignatureMaxAge of now. Its
// errors have cohort.KindUnauthorized and say what was wrong, never the
// expected signature.
func VerifySignature(secret, timestamp, signature string, body []byte, now time.Time) error {
	const op = "zendesk.VerifySignature"
	if signature == "" || timestamp == "" {
		return cohort.Errorf(op, cohort.KindUnauthorized, "missing %s or %s header", HeaderSignature, HeaderSignatureTimestamp)
	}
	ts, err := time.Parse(time.RFC3339, timestamp)
	if err != nil {
		return cohort.Errorf(op, cohort.KindUnauthorized, "%s %q is not an ISO-8601 time", HeaderSignatureTimestamp, timestamp)
	}
	if age := now.Sub(ts); age > SignatureMaxAge || age < -SignatureMaxAge {
		return cohort.Errorf(op, cohort.KindUnauthorized, "signature timestamp %s is more than %v from now", timestamp, SignatureMaxAge)
	}
	if !hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature)) {
		return cohort.Errorf(op, cohort.KindUnauthorized, "signature does not match the body")
	}
	return nil
}

// Receiver turns a signed Zendesk webhook delivery into a cohort.Delivery.
type Receiver struct {
	Secret string           // the webhook's signing secret
	Now    func() time.Time // nil: time.Now
}

// Receive verifies the delivery's signature (KindUnauthorized if it is bad,
// missing or stale) and parses its body (KindInvalid if malformed;
// cohort.ErrIgnored for events other than ticket creation).
func (r *Receiver) Receive(h http.Header, body []byte) (cohort.Delivery, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	at := now()
	if err := VerifySignature(r.Secret, h.Get(HeaderSignatureTimestamp), h.Get(HeaderSignature), body, at); err != nil {
		return cohort.Delivery{}, err
	}
	t, err := ParseWebhook(body)
	if err != nil {
		return cohort.Delivery{}, err
	}
	return cohort.Delivery{Helpdesk: Name, InvocationID: h.Get(HeaderInvocationID), Ticket: t, ReceivedAt: at.UTC()}, nil
}

// ParseWebhook reads the ticket from a delivery body. It accepts:
//
//   - the body of the trigger that cohort install creates: the shape below
//     with every value a string rendered from Zendesk placeholders (ids as
//     strings, tags one space-separated string);
//   - Zendesk's event-webhook body for ticket creation as DESIGN.md gives it:
//     {"event":"ticket.created","ticket":{"id","subject","description",
//     "priority","status","tags","via","updated_at","requester":{"id",
//     "email","name","external_id"},"organization":{"id","name","external_id"}}};
//   - Zendesk's event-subscription envelope {"type":
//     "zen:event-type:ticket.created","detail":{…}}, whose ticket carries
//     only requester_id and organization_id.
//
// The body must be exactly one JSON object; ids are digits, as a JSON
// number or string. Text is kept as cohort.CleanText makes it (a NUL
// escape dropped), so that a ticket is never lost to what a store cannot
// hold. Errors have cohort.KindInvalid and name the field. An event other than
// ticket creation returns an error wrapping ErrIgnored. Values that only
// help avoid a read (priority, updated_at) are dropped rather than refused
// when they do not parse, so a localized rendering never loses a ticket:
// with no updated_at the enrich job reads the ticket first.
func ParseWebhook(body []byte) (cohort.Ticket, error) {
	const op = "zendesk.ParseWebhook"
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "body is not a JSON object")
	}
	var b webhookBody
	// One object and nothing after it: Unmarshal refuses trailing data.
	if err := json.Unmarshal(body, &b); err != nil {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "body is not valid JSON: %w", err)
	}
	var raw *rawTicket
	switch {
	case b.Type != "":
		if event := strings.TrimPrefix(b.Type, eventTypePrefix); event != EventTicketCreated {
			return cohort.Ticket{}, fmt.Errorf("event type %q: %w (cohort enriches %s)", b.Type, cohort.ErrIgnored, EventTicketCreated)
		}
		raw = b.Detail
	default:
		if b.Event != "" && b.Event != EventTicketCreated {
			return cohort.Ticket{}, fmt.Errorf("event %q: %w (cohort enriches %s)", b.Event, cohort.ErrIgnored, EventTicketCreated)
		}
		raw = b.Ticket
	}
	if raw == nil {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "body has no ticket (want {\"event\":\"ticket.created\",\"ticket\":{…}})")
	}
	t, err := raw.toTicket()
	if err != nil {
		return cohort.Ticket{}, cohort.E(op, cohort.KindInvalid, err)
	}
	return t, nil
}

type webhookBody struct {
	// Event is the event name in cohort's trigger body and the DESIGN.md
	// shape; the envelope's "event" is an object, which leaves it empty.
	Event  eventName  `json:"event"`
	Ticket *rawTicket `json:"ticket"`
	Type   string     `json:"type"`   // event-subscription envelope
	Detail *rawTicket `json:"detail"` // event-subscription envelope
}

type rawTicket struct {
	ID             flexString `json:"id"`
	Subject        flexString `json:"subject"`
	Description    flexString `json:"description"`
	Priority       flexString `json:"priority"`
	Status         flexString `json:"status"`
	Tags           flexTags   `json:"tags"`
	Via            flexVia    `json:"via"`
	UpdatedAt      flexString `json:"updated_at"`
	CreatedAt      flexString `json:"created_at"`
	RequesterID    flexString `json:"requester_id"`
	OrganizationID flexString `json:"organization_id"`
	Requester      *struct {
		ID         flexString `json:"id"`
		Email      flexString `json:"email"`
		Name       flexString `json:"name"`
		ExternalID flexString `json:"external_id"`
	} `json:"requester"`
	Organization *struct {
		ID         flexString `json:"id"`
		Name       flexString `json:"name"`
		ExternalID flexString `json:"external_id"`
	} `json:"organization"`
}

func (r *rawTicket) toTicket() (cohort.Ticket, error) {
	id, err := parseID("ticket.id", string(r.ID), true)
	if err != nil {
		return cohort.Ticket{}, err
	}
	t := cohort.Ticket{
		ID: id, Subject: string(r.Subject), Description: string(r.Description),
		Status: strings.ToLower(string(r.Status)), Tags: []string(r.Tags), Channel: string(r.Via),
	}
	prioOK := true
	t.Priority, err = cohort.ParsePriority(string(r.Priority))
	if err != nil {
		prioOK = false
	}
	if ts, err := time.Parse(time.RFC3339, string(r.UpdatedAt)); err == nil && prioOK {
		t.UpdatedAt = ts.UTC()
	}
	if ts, err := time.Parse(time.RFC3339, string(r.CreatedAt)); err == nil {
		t.CreatedAt = ts.UTC()
	}
	if t.Requester.ID, err = parseID("ticket.requester_id", string(r.RequesterID), false); err != nil {
		return cohort.Ticket{}, err
	}
	if t.Organization.ID, err = parseID("ticket.organization_id", string(r.OrganizationID), false); err != nil {
		return cohort.Ticket{}, err
	}
	if q := r.Requester; q != nil {
		if q.ID != "" {
			if t.Requester.ID, err = parseID("ticket.requester.id", string(q.ID), false); err != nil {
				return cohort.Ticket{}, err
			}
		}
		t.Requester.Email = strings.ToLower(strings.TrimSpace(string(q.Email)))
		t.Requester.Name, t.Requester.ExternalID = string(q.Name), string(q.ExternalID)
	}
	if o := r.Organization; o != nil {
		if o.ID != "" {
			if t.Organization.ID, err = parseID("ticket.organization.id", string(o.ID), false); err != nil {
				return cohort.Ticket{}, err
			}
		}
		t.Organization.Name, t.Organization.ExternalID = string(o.Name), string(o.ExternalID)
	}
	if t.Requester.ID == 0 && t.Requester.Email == "" && t.Requester.ExternalID == "" {
		return cohort.Ticket{}, errors.New("ticket has no requester (want ticket.requester.id, email or external_id, or ticket.requester_id)")
	}
	return t, nil
}

// parseID reads a Zendesk id given as a JSON number or string.
func parseID(field, s string, required bool) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return 0, fmt.Errorf("%s is missing", field)
		}
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strings.TrimLeft(s, "0123456789") != "" || required && id == 0 {
		return 0, fmt.Errorf("%s: %q is not a Zendesk id", field, s)
	}
	return id, nil
}

// eventName is a JSON string; any other JSON value reads as "".
type eventName string

func (e *eventName) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		*e = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = eventName(s)
	return nil
}

// flexString is a JSON string, number, bool or null, kept as text.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && b[0] == '"':
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*f = flexString(s)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
	case bytes.Equal(b, []byte("true")), bytes.Equal(b, []byte("false")):
		*f = flexString(b)
	default:
		return fmt.Errorf("want a string or a number, got %s", truncate(b))
	}
	return nil
}

// flexTags is a JSON list of tags or one space-separated string ({{ticket.tags}}).
type flexTags []string

func (f *flexTags) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*f = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		s, err := unquote(b)
		if err != nil {
			return err
		}
		*f = strings.Fields(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("tags: want a list of strings or a space-separated string, got %s", truncate(b))
	}
	for i, tag := range list {
		list[i] = cohort.CleanText(tag)
	}
	*f = list
	return nil
}

// flexVia is a channel name: {"channel":"web",…} from the API and event
// webhooks, or the text {{ticket.via}} renders ("Web Form", "Email").
type flexVia string

// viaNames maps {{ticket.via}} renderings to API channel names.
var viaNames = map[string]string{
	"web form": "web", "web widget": "web", "web service": "api", "mail": "email",
	"closed ticket": "closed_ticket", "mobile sdk": "mobile_sdk",
}

func (f *flexVia) UnmarshalJSON(b []byte) error {
	var name string
	if len(b) > 0 && b[0] == '{' {
		var v struct {
			Channel flexString `json:"channel"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("via: %w", err)
		}
		name = string(v.Channel)
	} else {
		var s flexString
		if err := s.UnmarshalJSON(b); err != nil {
			return fmt.Errorf("via: %w", err)
		}
		name = string(s)
	}
	name = strings.ToLower(strings.TrimSpace(name))
	if mapped, ok := viaNames[name]; ok {
		name = mapped
	}
	*f = flexVia(strings.ReplaceAll(name, " ", "_"))
	return nil
}

// unquote reads a JSON string (the decoder has already checked its
// syntax). Most webhook values hold no escapes and are valid UTF-8; they
// are sliced out directly instead of going through json.Unmarshal.
func unquote(b []byte) (string, error) {
	if len(b) >= 2 && b[len(b)-1] == '"' {
		if inner := b[1 : len(b)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), nil
		}
	}
	var s string
	err := json.Unmarshal(b, &s)
	return cohort.CleanText(s), err
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}

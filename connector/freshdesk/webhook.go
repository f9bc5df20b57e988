package freshdesk

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
)

// Name is the helpdesk's name in enrichment records, logs and the webhook
// path (POST /webhooks/freshdesk).
const Name = "freshdesk"

// WebhookUser is the user name of the HTTP Basic auth that cohort's
// automation rule sends with each webhook; the password is the webhook
// secret.
const WebhookUser = "cohort"

// Receiver takes Freshdesk's webhook deliveries. Freshdesk signs nothing
// (reference sheet §10.8), so a delivery must carry HTTP Basic auth:
// WebhookUser and Secret, which the automation rule's "requires
// authentication" option sends.
type Receiver struct {
	Secret string           // COHORT_FRESHDESK_WEBHOOK_SECRET
	Now    func() time.Time // nil: time.Now
}

// Receive checks the delivery's credentials (KindUnauthorized when they
// are missing or wrong, compared in constant time) and reads the ticket's
// id from its body (KindInvalid when it is not there). Freshdesk sends no
// delivery id, so deliveries of one ticket are told apart by the ticket.
func (r *Receiver) Receive(h http.Header, body []byte) (cohort.Delivery, error) {
	const op = "freshdesk.Receive"
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	if !r.authorized(h) {
		return cohort.Delivery{}, cohort.Errorf(op, cohort.KindUnauthorized,
			"the webhook's credentials are missing or wrong (want HTTP Basic auth, user %q and the webhook secret)", WebhookUser)
	}
	t, err := ParseWebhook(body)
	if err != nil {
		return cohort.Delivery{}, err
	}
	return cohort.Delivery{Helpdesk: Name, Ticket: t, ReceivedAt: now().UTC()}, nil
}

// authorized reports whether h carries WebhookUser and the secret. With no
// secret configured nothing is.
func (r *Receiver) authorized(h http.Header) bool {
	req := http.Request{Header: h}
	user, pass, ok := req.BasicAuth()
	if !ok || r.Secret == "" {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(WebhookUser))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(r.Secret))
	return userOK&passOK == 1
}

// ParseWebhook reads a delivery body: the automation rule's JSON, either
// wrapped as {"freshdesk_webhook":{…}} (the shape Freshdesk's simple mode
// and most receivers use) or flat. Every value may be a string, as
// Freshdesk renders placeholders (apps-freshdesk-ops.md §2.1). Only
// ticket_id is required: cohort reads the ticket before deciding. The
// requester's email and the subject, when present, are kept for the
// record and the logs. Errors have cohort.KindInvalid and say what is wrong.
func ParseWebhook(body []byte) (cohort.Ticket, error) {
	const op = "freshdesk.ParseWebhook"
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "body is not a JSON object")
	}
	fields, err := decodeObject(body)
	if err != nil {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "body is not valid JSON: %w", err)
	}
	if inner, ok := fields["freshdesk_webhook"]; ok {
		if fields, err = decodeObject(inner); err != nil {
			return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "freshdesk_webhook is not a JSON object")
		}
	}
	idText, err := text(fields["ticket_id"])
	if err != nil {
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "ticket_id: %v", err)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(idText), 10, 64)
	if idText == "" || err != nil || id <= 0 {
		if idText == "" {
			return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "ticket_id is missing (the rule's body must carry {{ticket.id}})")
		}
		return cohort.Ticket{}, cohort.Errorf(op, cohort.KindInvalid, "ticket_id %q is not a Freshdesk ticket id", clip(idText))
	}
	t := cohort.Ticket{ID: id}
	// Optional: read only when they are plain text.
	t.Subject, _ = text(fields["ticket_subject"])
	t.Requester.Email, _ = text(fields["requester_email"])
	t.Requester.Name, _ = text(fields["requester_name"])
	t.Subject = cohort.CleanText(t.Subject)
	t.Requester.Email = cohort.CleanText(strings.TrimSpace(t.Requester.Email))
	t.Requester.Name = cohort.CleanText(t.Requester.Name)
	return t, nil
}

// decodeObject reads one JSON object into its fields, numbers kept as text.
func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, err
	}
	if fields == nil {
		return nil, errNotObject
	}
	return fields, nil
}

var errNotObject = cohort.Errorf("freshdesk.ParseWebhook", cohort.KindInvalid, "not a JSON object")

// text reads a JSON string or number as text; null and absence are "".
func text(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		var n json.Number
		err := json.Unmarshal(raw, &n)
		return n.String(), err
	}
	return "", cohort.Errorf("freshdesk.ParseWebhook", cohort.KindInvalid, "want a string or a number, got %s", clip(string(raw)))
}

// clip shortens s for an error message, whole characters only.
func clip(s string) string {
	if r := []rune(strings.ToValidUTF8(s, "\uFFFD")); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

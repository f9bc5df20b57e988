package freshdesk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/freshdesk"
)

func basic(user, pass string) http.Header {
	req, _ := http.NewRequest(http.MethodPost, "/", nil)
	req.SetBasicAuth(user, pass)
	return req.Header
}

func TestReceiveChecksBasicAuth(t *testing.T) {
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	r := &freshdesk.Receiver{Secret: "s3cret", Now: func() time.Time { return now }}
	body := []byte(`{"freshdesk_webhook":{"ticket_id":"42","requester_email":"ana@acme.example"}}`)
	d, err := r.Receive(basic("cohort", "s3cret"), body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Helpdesk != "freshdesk" || d.Ticket.ID != 42 || d.Ticket.Requester.Email != "ana@acme.example" || !d.ReceivedAt.Equal(now) {
		t.Errorf("delivery = %+v", d)
	}
	for name, h := range map[string]http.Header{
		"no credentials": {},
		"wrong secret":   basic("cohort", "guess"),
		"wrong user":     basic("admin", "s3cret"),
		"bearer instead": {"Authorization": {"Bearer s3cret"}},
	} {
		_, err := r.Receive(h, body)
		if cohort.KindOf(err) != cohort.KindUnauthorized {
			t.Errorf("%s: err = %v, want unauthorized", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the secret: %v", name, err)
		}
	}
	if _, err := (&freshdesk.Receiver{}).Receive(basic("cohort", ""), body); cohort.KindOf(err) != cohort.KindUnauthorized {
		t.Errorf("with no secret configured a delivery was taken: %v", err)
	}
}

func TestParseWebhook(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		id         int64
		email      string
	}{
		{"simple mode, strings", `{"freshdesk_webhook":{"ticket_id":"11","ticket_subject":"Hi","requester_email":" a@b.example "}}`, 11, "a@b.example"},
		{"flat, number", `{"ticket_id": 12}`, 12, ""},
		{"Zulip's fixture shape", `{"freshdesk_webhook":{"triggered_event":"{ticket_action:created}","ticket_id":"13","ticket_status":"Pending","ticket_priority":"High","requester_name":"Ana","requester_email":"ana@acme.example"}}`, 13, "ana@acme.example"},
		{"an odd optional field", `{"ticket_id":"14","requester_email":{"x":1}}`, 14, ""},
	} {
		tk, err := freshdesk.ParseWebhook([]byte(tt.body))
		if err != nil || tk.ID != tt.id || tk.Requester.Email != tt.email {
			t.Errorf("%s: %+v, %v; want id %d, email %q", tt.name, tk, err, tt.id, tt.email)
		}
	}
	for _, tt := range []struct{ name, body, want string }{
		{"not JSON", `ticket_id=1`, "not a JSON object"},
		{"no id", `{"freshdesk_webhook":{"ticket_subject":"x"}}`, "ticket_id is missing"},
		{"id not a number", `{"ticket_id":"{{ticket.id}}"}`, "not a Freshdesk ticket id"},
		{"negative id", `{"ticket_id":-3}`, "not a Freshdesk ticket id"},
		{"id an object", `{"ticket_id":{"id":3}}`, "want a string or a number"},
		{"wrapper not an object", `{"freshdesk_webhook":"x"}`, "freshdesk_webhook is not a JSON object"},
		{"trailing data", `{"ticket_id":1} {}`, "not valid JSON"},
	} {
		_, err := freshdesk.ParseWebhook([]byte(tt.body))
		if cohort.KindOf(err) != cohort.KindInvalid || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want invalid saying %q", tt.name, err, tt.want)
		}
	}
}

// FuzzParseWebhook: any body either parses to a positive ticket id or is
// refused as invalid, never panics.
func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"freshdesk_webhook":{"ticket_id":"11","requester_email":"a@b.example"}}`))
	f.Add([]byte(`{"ticket_id": 12}`))
	f.Add([]byte(`{"freshdesk_webhook":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tk, err := freshdesk.ParseWebhook(body)
		switch {
		case err == nil && tk.ID <= 0:
			t.Fatalf("parsed %q to ticket id %d", body, tk.ID)
		case err != nil && cohort.KindOf(err) != cohort.KindInvalid:
			t.Fatalf("error of kind %v: %v", cohort.KindOf(err), err)
		}
	})
}

package zendesk_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
)

const testSecret = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="

func TestSignMatchesReferenceVectors(t *testing.T) {
	// Vectors from ../shared/reference/helpdesk-api.md §1.4 (timestamp + body).
	tests := []struct{ name, ts, body, want string }{
		{"say hello", "2021-07-25T10:00:00Z", `{"say": "hello"}`, "gf3v0LzLRHPUnIdhbvwRDVEvzSb07/QN0GYjSNlkBT0="},
		{"ticket body", "2024-01-01T00:00:00Z", `{"ticket_id":"123","requester_email":"a@example.com"}`, "WZoXe5AFEzqMSHu0sZdNbpLw2ClhAORRP5q8HwG2kQM="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := zendesk.Sign(testSecret, tt.ts, []byte(tt.body)); got != tt.want {
				t.Errorf("Sign = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ts := now.Add(-30 * time.Second).Format(time.RFC3339)
	body := []byte(`{"event":"ticket.created","ticket":{"id":"1"}}`)
	good := zendesk.Sign(testSecret, ts, body)
	tests := []struct {
		name, secret, ts, sig string
		body                  []byte
		ok                    bool
	}{
		{"valid", testSecret, ts, good, body, true},
		{"tampered body", testSecret, ts, good, []byte(`{"event":"ticket.created","ticket":{"id":"2"}}`), false},
		{"wrong secret", "another-secret", ts, good, body, false},
		{"signature of other timestamp", testSecret, now.Format(time.RFC3339), good, body, false},
		{"stale timestamp", testSecret, now.Add(-6 * time.Minute).Format(time.RFC3339),
			zendesk.Sign(testSecret, now.Add(-6*time.Minute).Format(time.RFC3339), body), body, false},
		{"timestamp far in the future", testSecret, now.Add(6 * time.Minute).Format(time.RFC3339),
			zendesk.Sign(testSecret, now.Add(6*time.Minute).Format(time.RFC3339), body), body, false},
		{"missing timestamp", testSecret, "", good, body, false},
		{"missing signature", testSecret, ts, "", body, false},
		{"unparsable timestamp", testSecret, "yesterday", zendesk.Sign(testSecret, "yesterday", body), body, false},
		{"empty body signed", testSecret, ts, zendesk.Sign(testSecret, ts, nil), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := zendesk.VerifySignature(tt.secret, tt.ts, tt.sig, tt.body, now)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && cohort.KindOf(err) != cohort.KindUnauthorized {
				t.Errorf("kind = %v, want unauthorized", cohort.KindOf(err))
			}
		})
	}
}

func TestParseWebhook(t *testing.T) {
	updated := time.Date(2026, 11, 23, 10, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		body    string
		want    cohort.Ticket
		wantErr string // substring; "" for success
		ignored bool
	}{
		{
			name: "trigger body, string ids and space-separated tags",
			body: `{"event":"ticket.created","ticket":{"id":"35436","subject":"Checkout \"down\"\nagain","description":"d",
				"priority":"High","status":"New","tags":"vip  eu","via":"Web Form","created_at":"2026-11-23T10:04:05Z",
				"updated_at":"2026-11-23T10:04:05Z","requester":{"id":"123","email":"Ana@Acme.example","name":"Ana","external_id":"crm-1"},
				"organization":{"id":"77","name":"Acme","external_id":"org-acme"}}}`,
			want: cohort.Ticket{ID: 35436, Subject: "Checkout \"down\"\nagain", Description: "d", Priority: cohort.PriorityHigh,
				Status: "new", Tags: []string{"vip", "eu"}, Channel: "web", UpdatedAt: updated, CreatedAt: updated,
				Requester:    cohort.Requester{ID: 123, Email: "ana@acme.example", Name: "Ana", ExternalID: "crm-1"},
				Organization: cohort.Organization{ID: 77, Name: "Acme", ExternalID: "org-acme"}},
		},
		{
			name: "event body, numeric ids and tag list",
			body: `{"event":"ticket.created","ticket":{"id":35436,"subject":"s","priority":"normal","status":"open",
				"tags":["a","b"],"via":{"channel":"email"},"updated_at":"2026-11-23T10:04:05Z",
				"requester":{"id":123,"email":null,"name":"Ana","external_id":null},"organization":{"id":77,"name":"Acme","external_id":null}}}`,
			want: cohort.Ticket{ID: 35436, Subject: "s", Priority: cohort.PriorityNormal, Status: "open", Tags: []string{"a", "b"},
				Channel: "email", UpdatedAt: updated, Requester: cohort.Requester{ID: 123, Name: "Ana"},
				Organization: cohort.Organization{ID: 77, Name: "Acme"}},
		},
		{
			name: "event-subscription envelope",
			body: `{"account_id":21825834,"detail":{"id":"5158","subject":"Help","priority":"LOW","status":"OPEN","tags":["x"],
				"requester_id":"9001","organization_id":"42","via":{"channel":"web"},"updated_at":"2026-11-23T10:04:05Z"},
				"event":{},"id":"cbe4028c","subject":"zen:ticket:5158","time":"2025-01-08T10:12:07Z","type":"zen:event-type:ticket.created"}`,
			want: cohort.Ticket{ID: 5158, Subject: "Help", Priority: cohort.PriorityLow, Status: "open", Tags: []string{"x"},
				Channel: "web", UpdatedAt: updated, Requester: cohort.Requester{ID: 9001}, Organization: cohort.Organization{ID: 42}},
		},
		{
			name: "no priority rendered as dash, empty organization",
			body: `{"event":"ticket.created","ticket":{"id":"7","priority":"-","tags":"","updated_at":"2026-11-23T10:04:05Z",
				"requester":{"id":"5","email":"a@b.example"},"organization":{"id":"","name":"","external_id":""}}}`,
			want: cohort.Ticket{ID: 7, UpdatedAt: updated, Requester: cohort.Requester{ID: 5, Email: "a@b.example"}},
		},
		{
			name: "localized priority drops updated_at so the ticket is read",
			body: `{"event":"ticket.created","ticket":{"id":"7","priority":"Hoch","updated_at":"2026-11-23T10:04:05Z","requester":{"id":"5"}}}`,
			want: cohort.Ticket{ID: 7, Requester: cohort.Requester{ID: 5}},
		},
		{name: "other event is ignored", body: `{"event":"ticket.updated","ticket":{"id":"7"}}`, ignored: true},
		{name: "other envelope type is ignored", body: `{"type":"zen:event-type:ticket.comment_added","detail":{"id":"7"}}`, ignored: true},
		{name: "not JSON", body: `{"event":`, wantErr: "not valid JSON"},
		{name: "no ticket", body: `{"event":"ticket.created"}`, wantErr: "no ticket"},
		{name: "missing id", body: `{"event":"ticket.created","ticket":{"requester":{"id":"5"}}}`, wantErr: "ticket.id is missing"},
		{name: "placeholder not rendered", body: `{"ticket":{"id":"{{ticket.id}}","requester":{"id":"5"}}}`, wantErr: "ticket.id"},
		{name: "bad requester id", body: `{"ticket":{"id":"1","requester":{"id":"abc"}}}`, wantErr: "ticket.requester.id"},
		{name: "no requester", body: `{"ticket":{"id":"1"}}`, wantErr: "no requester"},
		{name: "tags of wrong type", body: `{"ticket":{"id":"1","tags":{"a":1},"requester":{"id":"5"}}}`, wantErr: "tags"},
		{name: "trailing garbage", body: `{"ticket":{"id":"1","requester":{"id":"5"}}} trailing`, wantErr: "not valid JSON"},
		{name: "two objects", body: `{"ticket":{"id":"1","requester":{"id":"5"}}}{"ticket":{"id":"2","requester":{"id":"5"}}}`, wantErr: "not valid JSON"},
		{name: "an array", body: `[{"ticket":{"id":"1","requester":{"id":"5"}}}]`, wantErr: "not a JSON object"},
		{name: "a signed id", body: `{"ticket":{"id":"+12","requester":{"id":"5"}}}`, wantErr: "ticket.id"},
		{name: "a negative id", body: `{"ticket":{"id":"12","requester":{"id":-5}}}`, wantErr: "ticket.requester.id"},
		{name: "an id in exponent form", body: `{"ticket":{"id":1e3,"requester":{"id":"5"}}}`, wantErr: "ticket.id"},
		{
			name: "NUL escapes are dropped from text",
			body: `{"ticket":{"id":"8","subject":"Help\u0000me","tags":["a\u0000b"],"requester":{"id":"5","email":"A\u0000@b.example","name":"\u0000Ann"}}}`,
			want: cohort.Ticket{ID: 8, Subject: "Helpme", Tags: []string{"ab"}, Requester: cohort.Requester{ID: 5, Email: "a@b.example", Name: "Ann"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := zendesk.ParseWebhook([]byte(tt.body))
			switch {
			case tt.ignored:
				if !errors.Is(err, cohort.ErrIgnored) {
					t.Fatalf("err = %v, want ErrIgnored", err)
				}
				return
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				if cohort.KindOf(err) != cohort.KindInvalid {
					t.Errorf("kind = %v, want invalid", cohort.KindOf(err))
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if !equalTicket(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReceiverChecksSignatureThenParses(t *testing.T) {
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339)
	body := []byte(`{"event":"ticket.created","ticket":{"id":"9","requester":{"email":"x@y.example"}}}`)
	r := &zendesk.Receiver{Secret: testSecret, Now: func() time.Time { return now }}
	h := http.Header{}
	h.Set(zendesk.HeaderSignatureTimestamp, ts)
	h.Set(zendesk.HeaderSignature, zendesk.Sign(testSecret, ts, body))
	h.Set(zendesk.HeaderInvocationID, "inv-77")
	d, err := r.Receive(h, body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Helpdesk != "zendesk" || d.InvocationID != "inv-77" || d.Ticket.ID != 9 || !d.ReceivedAt.Equal(now) {
		t.Errorf("delivery = %+v", d)
	}
	h.Set(zendesk.HeaderSignature, zendesk.Sign("wrong", ts, body))
	if _, err := r.Receive(h, body); cohort.KindOf(err) != cohort.KindUnauthorized {
		t.Errorf("bad signature: err = %v, want unauthorized", err)
	}
}

func FuzzParseWebhook(f *testing.F) {
	f.Add([]byte(`{"event":"ticket.created","ticket":{"id":"1","tags":"a b","requester":{"id":"2","email":"a@b.c"}}}`))
	f.Add([]byte(`{"type":"zen:event-type:ticket.created","detail":{"id":3,"requester_id":"4"}}`))
	f.Add([]byte(`{"ticket":{"id":1e3,"via":{"channel":7},"tags":null}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := zendesk.ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, cohort.ErrIgnored) && cohort.KindOf(err) != cohort.KindInvalid {
				t.Fatalf("error without kind invalid: %v", err)
			}
			return
		}
		if got.ID <= 0 {
			t.Fatalf("accepted ticket without a valid id: %+v", got)
		}
		if got.Requester.ID == 0 && got.Requester.Email == "" && got.Requester.ExternalID == "" {
			t.Fatalf("accepted ticket without a requester: %+v", got)
		}
	})
}

func equalTicket(a, b cohort.Ticket) bool {
	if len(a.Tags) != len(b.Tags) {
		return false
	}
	for i := range a.Tags {
		if a.Tags[i] != b.Tags[i] {
			return false
		}
	}
	a.Tags, b.Tags = nil, nil
	return a.ID == b.ID && a.Subject == b.Subject && a.Description == b.Description && a.Priority == b.Priority &&
		a.Status == b.Status && a.Channel == b.Channel && a.UpdatedAt.Equal(b.UpdatedAt) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.Requester == b.Requester && a.Organization == b.Organization
}

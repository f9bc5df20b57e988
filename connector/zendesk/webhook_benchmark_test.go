package zendesk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
)

// benchBody is a 1.1 KB trigger body, as cohort's trigger renders it.
var benchBody = []byte(`{"event":"ticket.created","ticket":{"id":"35436","subject":"Payments API returns 502 since this morning",` +
	`"description":"` + strings.Repeat("Our checkout calls fail with 502 for some requests since this morning. ", 11) + `",` +
	`"priority":"Normal","status":"New","tags":"payments api eu","via":"Web Form","created_at":"2026-11-23T10:04:05Z",` +
	`"updated_at":"2026-11-23T10:04:05Z","requester":{"id":"360000001234","email":"ana@acme.example","name":"Ana Lima",` +
	`"external_id":"crm-1001"},"organization":{"id":"3600001","name":"Acme Corp","external_id":"org-acme"}}}`)

func BenchmarkParseWebhook(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := zendesk.ParseWebhook(benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReceive(b *testing.B) {
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339)
	h := http.Header{}
	h.Set(zendesk.HeaderSignatureTimestamp, ts)
	h.Set(zendesk.HeaderSignature, zendesk.Sign(testSecret, ts, benchBody))
	r := &zendesk.Receiver{Secret: testSecret, Now: func() time.Time { return now }}
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Receive(h, benchBody); err != nil {
			b.Fatal(err)
		}
	}
}

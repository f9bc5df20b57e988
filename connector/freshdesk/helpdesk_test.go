package freshdesk_test

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/cohortdesk/cohort"
)

// TestUpdateTicketIsOnePutAndOneNote: cohort's update is the whole tag
// list, the priority and the macros' status in one PUT, then the note as
// escaped HTML, then a macro's reply: no more calls than that.
func TestUpdateTicketIsOnePutAndOneNote(t *testing.T) {
	var mu sync.Mutex
	var calls []string
	_, c := server(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, r.Method+" "+r.URL.Path+" "+string(body))
		mu.Unlock()
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		_, _ = io.WriteString(w, `{}`)
	})
	err := c.UpdateTicket(context.Background(), cohort.TicketUpdate{TicketID: 8,
		Tags: []string{"agent_tag", "seg_vip", "cohort_enriched"}, AddTags: []string{"seg_vip", "cohort_enriched"},
		Priority: cohort.PriorityHigh, Status: "pending", Note: "Segments: vip <gold>\nPriority: low → high", Reply: "Hi Ana"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`PUT /api/v2/tickets/8 {"priority":3,"status":3,"tags":["agent_tag","seg_vip","cohort_enriched"]}`,
		`POST /api/v2/tickets/8/notes {"body":"Segments: vip \u0026lt;gold\u0026gt;\u003cbr\u003ePriority: low → high","private":true}`,
		`POST /api/v2/tickets/8/reply {"body":"Hi Ana"}`,
	}
	if len(calls) != len(want) {
		t.Fatalf("calls %q, want %q", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d\n got %s\nwant %s", i, calls[i], want[i])
		}
	}
}

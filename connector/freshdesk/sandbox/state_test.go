package sandbox_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/freshdesk/sandbox"
)

func TestStateRoundTrip(t *testing.T) {
	srv, _ := start(t)
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/admin/ticket_fields", obj{"label": "Segment", "type": "custom_text"})
	id := createTicket(t, srv, obj{"email": "a@x.test", "subject": "s", "tags": []string{"t"}, "custom_fields": obj{"cf_segment": "ent"}})
	must[obj](t, srv, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/tickets/%d/notes", id), obj{"body": "n"})
	folder := must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/canned_response_folder", obj{"name": "cohort"})
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/canned_responses", obj{"title": "x", "content_html": "y", "folder_id": folder["id"]})
	must[obj](t, srv, http.StatusCreated, "POST", "/api/v2/automations/1/rules", webhookRule("http://127.0.0.1:1/x", nil))
	must[obj](t, srv, http.StatusCreated, "POST", fmt.Sprintf("/api/v2/tickets/%d/satisfaction_ratings", id), obj{"ratings": obj{"default_question": 100}})

	data, err := json.Marshal(srv.State())
	if err != nil {
		t.Fatal(err)
	}
	st, err := sandbox.ParseState(data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := start(t)
	if err := again.Restore(st); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v2/tickets/%d?include=conversations,requester", id)
	before := must[obj](t, srv, http.StatusOK, "GET", path, nil)
	after := must[obj](t, again, http.StatusOK, "GET", path, nil)
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("restored ticket\n%v\nwant\n%v", after, before)
	}
	// New records are numbered after the restored ones.
	if next := createTicket(t, again, obj{"email": "a@x.test", "subject": "next"}); next != id+1 {
		t.Errorf("next ticket id %d", next)
	}
	if l := must[[]obj](t, again, http.StatusOK, "GET", "/api/v2/automations/1/rules", nil); len(l) != 1 {
		t.Errorf("rules = %v", l)
	}

	st.Tickets[0].RequesterID = 12
	if err := again.Restore(st); err == nil || !strings.Contains(err.Error(), "no requester 12") {
		t.Errorf("Restore of a bad state: %v", err)
	}
	if _, err := sandbox.ParseState([]byte(`{"version":9}`)); err == nil {
		t.Error("ParseState accepted version 9")
	}
}

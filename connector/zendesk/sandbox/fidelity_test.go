package sandbox_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestTicketCreatedWithDescriptionOnly: Zendesk takes a create's
// description as the first comment when there is no comment.
func TestTicketCreatedWithDescriptionOnly(t *testing.T) {
	srv := startSandbox(t)
	resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/tickets.json",
		map[string]any{"ticket": map[string]any{"subject": "Printer", "description": "It is on fire"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status %d: %v", resp.StatusCode, body)
	}
	ticket := body["ticket"].(map[string]any)
	if ticket["description"] != "It is on fire" {
		t.Errorf("description = %v", ticket["description"])
	}
	_, comments := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/tickets/%.0f/comments.json", ticket["id"]))
	if list, _ := comments["comments"].([]any); len(list) != 1 || list[0].(map[string]any)["body"] != "It is on fire" {
		t.Errorf("comments = %v", comments)
	}
	if resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Empty"}}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a ticket with neither: status %d: %v", resp.StatusCode, body)
	}
}

// TestOffsetPagesStopAtTenThousandRecords: offset pagination answers 400
// past the first 10,000 records, as Zendesk has since 2023.
func TestOffsetPagesStopAtTenThousandRecords(t *testing.T) {
	srv := startSandbox(t)
	for _, tt := range []struct {
		query  string
		status int
	}{
		{"page=100&per_page=100", http.StatusOK},
		{"page=101&per_page=100", http.StatusBadRequest},
		{"page=1000&per_page=10", http.StatusOK},
		{"page=1001&per_page=10", http.StatusBadRequest},
		{"page[size]=100", http.StatusOK},
	} {
		if resp, body := adminRequest(t, srv, http.MethodGet, "/api/v2/ticket_metrics.json?"+tt.query); resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d: %v", tt.query, resp.StatusCode, tt.status, body)
		}
	}
}

// TestCursorOfADeletedRecordStillPages: a cursor points at a place in the
// list, not at a record: deleting the record does not break it.
func TestCursorOfADeletedRecordStillPages(t *testing.T) {
	srv := startSandbox(t)
	var ids []any
	for _, title := range []string{"Alpha", "Bravo", "Charlie"} {
		resp, body := adminSend(t, srv, http.MethodPost, "/api/v2/macros.json",
			map[string]any{"macro": map[string]any{"title": title, "actions": []any{map[string]any{"field": "status", "value": "open"}}}})
		if resp.StatusCode >= 300 {
			t.Fatalf("create macro: %d %v", resp.StatusCode, body)
		}
		ids = append(ids, body["macro"].(map[string]any)["id"])
	}
	_, first := adminRequest(t, srv, http.MethodGet, "/api/v2/macros.json?page[size]=1")
	after := first["meta"].(map[string]any)["after_cursor"].(string)
	if resp, _ := adminSend(t, srv, http.MethodDelete, fmt.Sprintf("/api/v2/macros/%.0f.json", ids[0]), nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d", resp.StatusCode)
	}
	resp, next := adminRequest(t, srv, http.MethodGet, "/api/v2/macros.json?page[size]=1&page[after]="+after)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("next page after a deleted record: %d %v", resp.StatusCode, next)
	}
	if list := next["macros"].([]any); len(list) != 1 || list[0].(map[string]any)["title"] != "Bravo" {
		t.Errorf("next page = %v, want Bravo", list)
	}
	resp, prev := adminRequest(t, srv, http.MethodGet, "/api/v2/macros.json?page[size]=5&page[before]="+after)
	if list, _ := prev["macros"].([]any); resp.StatusCode != http.StatusOK || len(list) != 0 {
		t.Errorf("page before the deleted first record = %d %v, want empty", resp.StatusCode, prev)
	}
	if resp, _ := adminRequest(t, srv, http.MethodGet, "/api/v2/macros.json?page[size]=1&page[after]=not*base64"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a cursor that is not one: status %d", resp.StatusCode)
	}
}

// TestTicketsListEveryCustomField: a ticket's custom_fields (and fields)
// name every custom ticket field of the account, null where the ticket
// has no value; system fields are not among them.
func TestTicketsListEveryCustomField(t *testing.T) {
	srv := startSandbox(t)
	_, fields := adminRequest(t, srv, http.MethodGet, "/api/v2/ticket_fields.json")
	if list := fields["ticket_fields"].([]any); len(list) != 7 || list[0].(map[string]any)["type"] != "subject" || list[0].(map[string]any)["system"] != true {
		t.Fatalf("a new account's ticket fields = %v", list)
	}
	resp, created := adminSend(t, srv, http.MethodPost, "/api/v2/ticket_fields.json", map[string]any{"ticket_field": map[string]any{"type": "text", "title": "Segment"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create ticket field: %d %v", resp.StatusCode, created)
	}
	fieldID := created["ticket_field"].(map[string]any)["id"]
	_, body := adminSend(t, srv, http.MethodPost, "/api/v2/tickets.json", map[string]any{"ticket": map[string]any{"subject": "Hi", "comment": map[string]any{"body": "x"}}})
	ticket := body["ticket"].(map[string]any)
	for _, name := range []string{"custom_fields", "fields"} {
		list := ticket[name].([]any)
		if len(list) != 1 || list[0].(map[string]any)["id"] != fieldID || list[0].(map[string]any)["value"] != nil {
			t.Errorf("%s = %v, want the one field with null", name, list)
		}
	}
	if _, one := adminRequest(t, srv, http.MethodGet, fmt.Sprintf("/api/v2/ticket_fields/%.0f.json", fieldID)); one["ticket_field"].(map[string]any)["title"] != "Segment" {
		t.Errorf("show ticket field = %v", one)
	}
}

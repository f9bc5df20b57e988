package sandbox_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/nukosuke/go-zendesk/zendesk"
)

func TestCreateTicket(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()

	created := createTicket(t, c, zendesk.Ticket{
		Subject:   "Printer on fire",
		Priority:  "high",
		Type:      "incident",
		Tags:      []string{"VIP", "hardware"},
		Requester: &zendesk.Requester{Name: "Ada Lovelace", Email: "ada@example.com"},
		Comment:   &zendesk.TicketComment{Body: "It is on fire."},
		CustomFields: []zendesk.CustomField{
			{ID: 502, Value: true},
			{ID: 501, Value: "gold"},
			{ID: 503, Value: []string{"a", "b"}},
		},
	})

	if created.ID != 1 || created.Status != "new" || created.Priority != "high" || created.Type != "incident" {
		t.Errorf("created = id %d status %q priority %q type %q", created.ID, created.Status, created.Priority, created.Type)
	}
	if created.Description != "It is on fire." || !created.IsPublic || created.Via == nil || created.Via.Channel != "api" {
		t.Errorf("created description %q public %v via %+v", created.Description, created.IsPublic, created.Via)
	}
	if !slices.Equal(created.Tags, []string{"vip", "hardware"}) {
		t.Errorf("tags = %q, want normalized [vip hardware]", created.Tags)
	}
	if len(created.CustomFields) != 3 || created.CustomFields[0].ID != 501 || created.CustomFields[0].Value != "gold" ||
		created.CustomFields[1].Value != true {
		t.Errorf("custom fields = %+v", created.CustomFields)
	}
	if created.CreatedAt == nil || !created.CreatedAt.Equal(*created.UpdatedAt) {
		t.Errorf("created_at %v updated_at %v", created.CreatedAt, created.UpdatedAt)
	}

	users, _, err := c.SearchUsers(ctx, &zendesk.SearchUsersOptions{Query: "email:ada@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != created.RequesterID || users[0].Name != "Ada Lovelace" || users[0].Role != "end-user" {
		t.Fatalf("requester search = %+v, want Ada as end-user %d", users, created.RequesterID)
	}

	got, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != created.Subject || got.RequesterID != created.RequesterID || !got.UpdatedAt.Equal(*created.UpdatedAt) {
		t.Errorf("GetTicket = %+v, want %+v", got, created)
	}

	again := createTicket(t, c, zendesk.Ticket{
		Subject:   "Second",
		Requester: &zendesk.Requester{Name: "Someone Else", Email: "ADA@example.com"},
	})
	if again.RequesterID != created.RequesterID {
		t.Errorf("requester with the same email: %d, want the existing %d", again.RequesterID, created.RequesterID)
	}

	many, err := c.GetMultipleTickets(ctx, []int64{again.ID, created.ID, 99})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 2 || many[0].ID != again.ID || many[1].ID != created.ID {
		t.Errorf("GetMultipleTickets = %d tickets", len(many))
	}

	if _, err := c.GetTicket(ctx, 99); err != nil {
		wantStatus(t, err, http.StatusNotFound)
	} else {
		t.Error("GetTicket(99) succeeded")
	}
}

func TestCreateTicketInvalid(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	tests := []struct {
		name   string
		ticket zendesk.Ticket
		field  string
	}{
		{"no comment", zendesk.Ticket{Subject: "x"}, "description"},
		{"bad priority", zendesk.Ticket{Priority: "asap", Comment: &zendesk.TicketComment{Body: "x"}}, "priority"},
		{"bad status", zendesk.Ticket{Status: "done", Comment: &zendesk.TicketComment{Body: "x"}}, "status"},
		{"unknown requester", zendesk.Ticket{RequesterID: 42, Comment: &zendesk.TicketComment{Body: "x"}}, "requester_id"},
		{"unknown organization", zendesk.Ticket{OrganizationID: 42, Comment: &zendesk.TicketComment{Body: "x"}}, "organization_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateTicket(t.Context(), tt.ticket)
			ze := wantStatus(t, err, http.StatusUnprocessableEntity)
			if !strings.Contains(ze.Error(), `"RecordInvalid"`) || !strings.Contains(ze.Error(), `"`+tt.field+`"`) {
				t.Errorf("error %v does not name %s", ze, tt.field)
			}
		})
	}
}

func TestUpdateTicket(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	admin := adminID(t, c)
	created := createTicket(t, c, zendesk.Ticket{
		Subject:      "Cannot log in",
		Tags:         []string{"login"},
		CustomFields: []zendesk.CustomField{{ID: 501, Value: "gold"}, {ID: 502, Value: true}},
	})

	updated, err := c.UpdateTicket(ctx, created.ID, zendesk.Ticket{
		Priority:     "urgent",
		Tags:         []string{"escalated"},
		CustomFields: []zendesk.CustomField{{ID: 501, Value: "platinum"}},
		Comment:      &zendesk.TicketComment{Body: "Internal: call them back.", Public: ptr(false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Priority != "urgent" || !slices.Equal(updated.Tags, []string{"escalated"}) {
		t.Errorf("updated priority %q tags %q", updated.Priority, updated.Tags)
	}
	if len(updated.CustomFields) != 2 || updated.CustomFields[0].Value != "platinum" || updated.CustomFields[1].Value != true {
		t.Errorf("custom fields not merged by id: %+v", updated.CustomFields)
	}
	if !updated.UpdatedAt.After(*created.UpdatedAt) {
		t.Errorf("updated_at %v is not after %v although the clock stood still", updated.UpdatedAt, created.UpdatedAt)
	}
	if !updated.IsPublic || updated.Description != "Something is broken." {
		t.Errorf("a private note changed is_public %v or description %q", updated.IsPublic, updated.Description)
	}

	opts := &zendesk.ListTicketCommentsOptions{CursorPagination: zendesk.CursorPagination{PageSize: 1}}
	first, err := c.ListTicketComments(ctx, created.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.TicketComments) != 1 || !first.Meta.HasMore || first.TicketComments[0].Body != "Something is broken." {
		t.Fatalf("first page = %+v", first)
	}
	opts.PageAfter = first.Meta.AfterCursor
	second, err := c.ListTicketComments(ctx, created.ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(second.TicketComments) != 1 || second.Meta.HasMore {
		t.Fatalf("second page = %+v", second)
	}
	note := second.TicketComments[0]
	if note.Body != "Internal: call them back." || note.Public == nil || *note.Public || note.AuthorID != admin {
		t.Errorf("note = %+v, want a private comment by the admin %d", note, admin)
	}

	all, err := c.ListTicketComments(ctx, created.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.TicketComments) != 2 {
		t.Errorf("all comments = %d, want 2", len(all.TicketComments))
	}
	var bodies []string
	it := c.GetTicketCommentsIterator(ctx, &zendesk.PaginationOptions{
		CommonOptions: zendesk.CommonOptions{Id: created.ID, Sort: "-created_at"},
		PageSize:      1,
		IsCBP:         true,
	})
	for it.HasMore() {
		page, err := it.GetNext()
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			bodies = append(bodies, c.Body)
		}
	}
	if want := []string{"Internal: call them back.", "Something is broken."}; !slices.Equal(bodies, want) {
		t.Errorf("newest-first iteration = %q, want %q", bodies, want)
	}
}

func TestSafeUpdateConflict(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	created := createTicket(t, c, zendesk.Ticket{Subject: "Refund", Priority: "normal"})
	stale := *created.UpdatedAt

	// Another writer changes the ticket in the same second.
	if _, err := c.UpdateTicket(ctx, created.ID, zendesk.Ticket{Status: "open"}); err != nil {
		t.Fatal(err)
	}
	before, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}

	_, err = c.UpdateTicket(ctx, created.ID, zendesk.Ticket{
		Priority:     "low",
		Comment:      &zendesk.TicketComment{Body: "should not be written"},
		SafeUpdate:   true,
		UpdatedStamp: &stale,
	})
	ze := wantStatus(t, err, http.StatusConflict)
	if !strings.Contains(ze.Error(), "UpdateConflict") {
		t.Errorf("409 body = %v", ze)
	}
	after, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Priority != "normal" || !after.UpdatedAt.Equal(*before.UpdatedAt) {
		t.Errorf("the conflicting update was written: priority %q updated_at %v", after.Priority, after.UpdatedAt)
	}
	comments, err := c.ListTicketComments(ctx, created.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(comments.TicketComments) != 1 {
		t.Errorf("comments = %d, want 1", len(comments.TicketComments))
	}

	fresh, err := c.UpdateTicket(ctx, created.ID, zendesk.Ticket{Priority: "low", SafeUpdate: true, UpdatedStamp: after.UpdatedAt})
	if err != nil {
		t.Fatalf("safe update with the current stamp: %v", err)
	}
	if fresh.Priority != "low" {
		t.Errorf("priority = %q, want low", fresh.Priority)
	}
}

func TestTicketTags(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	ctx := t.Context()
	created := createTicket(t, c, zendesk.Ticket{Tags: []string{"one"}})

	if _, err := c.AddTicketTags(ctx, created.ID, []zendesk.Tag{"two", "one"}); err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetTicketTags(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tags, []zendesk.Tag{"one", "two"}) {
		t.Errorf("after add: %q", tags)
	}

	body, err := c.Post(ctx, "/tickets/1/tags.json", map[string]any{"tags": []string{"three"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := decode[struct{ Tags []string }](t, body).Tags; !slices.Equal(got, []string{"three"}) {
		t.Errorf("after set: %q", got)
	}

	ticket, err := c.GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Put(ctx, "/tickets/1/tags", map[string]any{
		"tags": []string{"four"}, "safe_update": "true", "updated_stamp": created.UpdatedAt,
	})
	wantStatus(t, err, http.StatusConflict)
	if _, err := c.Put(ctx, "/tickets/1/tags", map[string]any{
		"tags": []string{"four"}, "safe_update": "true", "updated_stamp": ticket.UpdatedAt,
	}); err != nil {
		t.Errorf("safe tag add with the current stamp: %v", err)
	}
}

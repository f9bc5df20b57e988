package main

import (
	"context"
	"errors"

	"github.com/cohortdesk/cohort/connector/crm/zendeskusers"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/store"
)

// zendeskSegmentWriter writes primary segments to a Zendesk user field
// with the client's bulk create-or-update, inside its rate budget.
type zendeskSegmentWriter struct {
	client *zendesk.Client
	field  string
}

// Helpdesk names the source whose customers are Zendesk's own users.
func (w *zendeskSegmentWriter) Helpdesk() string { return zendeskusers.Name }

// WriteSegments sets the field on each customer's Zendesk user (by email,
// else external id); a customer with no segment gets the field cleared.
func (w *zendeskSegmentWriter) WriteSegments(ctx context.Context, writes []store.SegmentWrite) ([]bool, error) {
	users := make([]zendesk.UserFields, len(writes))
	for i, wr := range writes {
		var value any = wr.Segment
		if wr.Segment == "" {
			value = nil
		}
		name := wr.Name
		if name == "" {
			name = wr.Email
		}
		users[i] = zendesk.UserFields{Email: wr.Email, ExternalID: wr.ExternalID, Name: name, Fields: map[string]any{w.field: value}}
	}
	ok := make([]bool, len(writes))
	err := w.client.UpsertUserFields(ctx, users)
	var ue *zendesk.UpsertError
	switch {
	case err == nil:
		for i := range ok {
			ok[i] = true
		}
		return ok, nil
	case errors.As(err, &ue):
		for i := range ok {
			ok[i] = true
		}
		for _, f := range ue.Failures {
			ok[f.Index] = false
		}
		return ok, err
	default:
		return ok, err
	}
}

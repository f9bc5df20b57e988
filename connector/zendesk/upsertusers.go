package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/httpretry"
)

// maxUpsertBatch is the most users of one create_or_update_many request.
const maxUpsertBatch = 100

// UserFields names one user, by email or external id, and the user fields
// to set on it.
type UserFields struct {
	// Email and ExternalID find the user: Zendesk matches the email first,
	// then the external id. One of them is needed; a user found by neither
	// is created, as an end-user, with skip_verify_email so that Zendesk
	// sends it no verification email.
	Email      string
	ExternalID string
	// Name names a user the call creates; Zendesk needs one. If set it
	// also renames an existing user.
	Name string
	// Fields are the user field values by key: strings, numbers, booleans,
	// nil to clear, or string slices for multiselect fields. Other user
	// fields stay as they are.
	Fields map[string]any
}

// who names the user in errors.
func (u UserFields) who() string {
	if u.Email != "" {
		return "email " + u.Email
	}
	return "external_id " + u.ExternalID
}

// UpsertFailure is one user that Zendesk did not write, and why.
type UpsertFailure struct {
	Index  int    // the user's place in the UpsertUserFields call's slice
	User   string // "email ann@example.com" or "external_id crm-7"
	Reason string // Zendesk's error and details
}

// UpsertError lists the users an UpsertUserFields call did not write; the
// others were written.
type UpsertError struct {
	Failures []UpsertFailure
}

// Error names the first few users that failed, and why.
func (e *UpsertError) Error() string {
	const shown = 5
	parts := make([]string, 0, shown)
	for _, f := range e.Failures[:min(len(e.Failures), shown)] {
		parts = append(parts, f.User+": "+f.Reason)
	}
	msg := fmt.Sprintf("%d users not written: %s", len(e.Failures), strings.Join(parts, "; "))
	if len(e.Failures) > shown {
		msg += fmt.Sprintf("; and %d more", len(e.Failures)-shown)
	}
	return msg
}

// UpsertUserFields sets user fields on users, creating those Zendesk does
// not know, in create_or_update_many requests of up to 100 users whose
// background jobs it waits for. Users that fail on their own are reported
// together at the end in an *UpsertError (kind KindInvalid); a request
// that fails stops the call, with the users before it written (and the
// failures among them joined to its error).
//
// Zendesk enables bulk user imports only when the account owner asks; until
// then it answers 403, which becomes a KindUnauthorized error saying so.
//
// Zendesk API docs: POST /api/v2/users/create_or_update_many
func (c *Client) UpsertUserFields(ctx context.Context, users []UserFields) error {
	const op = "zendesk.UpsertUserFields"
	for i, u := range users {
		if u.Email == "" && u.ExternalID == "" {
			return cohort.Errorf(op, cohort.KindInvalid, "user %d names neither an email nor an external_id", i)
		}
	}
	var failures []UpsertFailure
	for start := 0; start < len(users); start += maxUpsertBatch {
		batch := users[start:min(start+maxUpsertBatch, len(users))]
		failed, err := c.upsertBatch(ctx, batch)
		for i := range failed {
			failed[i].Index += start
		}
		if err != nil {
			if start == 0 {
				return err
			}
			err = fmt.Errorf("after writing %d of %d users: %w", start, len(users), err)
			if len(failures) > 0 {
				err = errors.Join(err, cohort.E(op, cohort.KindInvalid, &UpsertError{Failures: failures}))
			}
			return err
		}
		failures = append(failures, failed...)
	}
	if len(failures) > 0 {
		return cohort.E(op, cohort.KindInvalid, &UpsertError{Failures: failures})
	}
	return nil
}

// upsertUser is one user of a create_or_update_many request.
type upsertUser struct {
	Email           string         `json:"email,omitempty"`
	ExternalID      string         `json:"external_id,omitempty"`
	Name            string         `json:"name,omitempty"`
	UserFields      map[string]any `json:"user_fields,omitempty"`
	SkipVerifyEmail bool           `json:"skip_verify_email"`
}

// upsertBatch writes up to 100 users in one job and returns those that
// failed.
func (c *Client) upsertBatch(ctx context.Context, batch []UserFields) ([]UpsertFailure, error) {
	const op = "zendesk.UpsertUserFields"
	body := make([]upsertUser, len(batch))
	for i, u := range batch {
		body[i] = upsertUser{Email: u.Email, ExternalID: u.ExternalID, Name: u.Name, UserFields: u.Fields, SkipVerifyEmail: true}
	}
	// Users are matched by email or external id, so a repeat updates
	// the users the first request wrote: safe to send again.
	resp, err := c.api.Post(httpretry.Repeatable(ctx), "/users/create_or_update_many.json", map[string]any{"users": body})
	if err != nil {
		var ze zd.Error
		if errors.As(err, &ze) && ze.Status() == http.StatusForbidden {
			return nil, cohort.Errorf(op, cohort.KindUnauthorized, "Zendesk refused the bulk user write (403): bulk user "+
				"imports are not enabled on this account. The account owner must ask Zendesk Customer Support to enable "+
				"them, and the API token's user must be an admin (or an agent allowed to manage end users). Zendesk said: %s",
				bodySnippet(ze))
		}
		return nil, apiError(op, err)
	}
	job, err := c.jobs.await(ctx, op, resp)
	if err != nil {
		return nil, err
	}
	return upsertFailures(batch, job.Results), nil
}

// upsertFailures matches a job's results to the batch's users, by the
// result's index or else its email or external id, and returns the users
// that failed or have no result.
func upsertFailures(batch []UserFields, results []jobResult) []UpsertFailure {
	answered := make([]bool, len(batch))
	var failures []UpsertFailure
	for _, r := range results {
		i := resultIndex(batch, r)
		if i < 0 || answered[i] {
			continue // not ours, or a second answer about the same user
		}
		answered[i] = true
		if !r.ok() {
			reason := strings.TrimSpace(r.Error + ": " + r.Details)
			failures = append(failures, UpsertFailure{Index: i, User: batch[i].who(), Reason: strings.Trim(reason, ": ")})
		}
	}
	for i, ok := range answered {
		if !ok {
			failures = append(failures, UpsertFailure{Index: i, User: batch[i].who(), Reason: "missing from the job's results"})
		}
	}
	return failures
}

// resultIndex finds the user of batch that r is about, or -1.
func resultIndex(batch []UserFields, r jobResult) int {
	if r.Index != nil && *r.Index >= 0 && *r.Index < len(batch) {
		return *r.Index
	}
	for i, u := range batch {
		if u.Email != "" && strings.EqualFold(u.Email, r.Email) || u.ExternalID != "" && strings.EqualFold(u.ExternalID, r.ExternalID) {
			return i
		}
	}
	return -1
}

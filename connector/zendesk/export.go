package zendesk

import (
	"context"
	"net/url"
	"strconv"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
)

// MaxExportPageSize is the most items Zendesk's incremental exports give in
// a page, and their default.
const MaxExportPageSize = 1000

// ExportMinAge is how far in the past an incremental export's start time
// must be: Zendesk refuses a more recent one with 400.
const ExportMinAge = time.Minute

// UserExport is one page of the incremental user export.
type UserExport struct {
	// Users changed since the start time or cursor, oldest change first;
	// deleted users come with Active false. Numbers in UserFields are
	// json.Number.
	Users []zd.User
	// AfterCursor is where the next page starts; at the end of the stream
	// it is where a later call picks up later changes, so it is what to
	// keep between runs.
	AfterCursor string
	// EndOfStream is true when no more changes follow, for now.
	EndOfStream bool
}

// OrganizationExport is one page of the incremental organization export,
// which is time-based.
type OrganizationExport struct {
	// Organizations updated at or after the start time, by update time.
	// Pages may overlap: the next page starts at EndTime, inclusive, and
	// may repeat the organizations updated in that second, so callers drop
	// duplicates (by id and updated_at). Numbers in OrganizationFields are
	// json.Number.
	Organizations []zd.Organization
	// EndTime is the start time of the next page.
	EndTime time.Time
	// EndOfStream is true when this is the last page, for now.
	EndOfStream bool
}

// ExportUsers reads one page of the users changed since startTime or, when
// cursor is not empty, since the page that gave it (startTime is then
// ignored). startTime must be at least ExportMinAge in the past; the zero
// time means the beginning, every user. perPage is at most
// MaxExportPageSize; 0 means that. Export requests have a budget of their
// own (Config.ExportRateLimit) besides the client's.
//
// Zendesk API docs: GET /api/v2/incremental/users/cursor
func (c *Client) ExportUsers(ctx context.Context, startTime time.Time, cursor string, perPage int) (UserExport, error) {
	const op = "zendesk.ExportUsers"
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	} else {
		q.Set("start_time", unixStart(startTime))
	}
	if err := setPerPage(q, op, perPage); err != nil {
		return UserExport{}, err
	}
	var page struct {
		Users       []zd.User `json:"users"`
		AfterCursor *string   `json:"after_cursor"`
		EndOfStream bool      `json:"end_of_stream"`
	}
	if err := c.getJSON(ctx, "/incremental/users/cursor.json?"+q.Encode(), &page); err != nil {
		return UserExport{}, err
	}
	out := UserExport{Users: page.Users, AfterCursor: cursor, EndOfStream: page.EndOfStream}
	if page.AfterCursor != nil && *page.AfterCursor != "" {
		out.AfterCursor = *page.AfterCursor
	}
	if out.AfterCursor == "" && !(page.EndOfStream && len(page.Users) == 0) {
		return UserExport{}, cohort.Errorf(op, cohort.KindUnavailable, "the user export gave no after_cursor to go on from")
	}
	return out, nil
}

// ExportOrganizations reads one page of the organizations updated at or
// after startTime, which must be at least ExportMinAge in the past (the
// zero time means the beginning). perPage is at most MaxExportPageSize; 0
// means that. The next page starts at the page's EndTime.
//
// Zendesk API docs: GET /api/v2/incremental/organizations
func (c *Client) ExportOrganizations(ctx context.Context, startTime time.Time, perPage int) (OrganizationExport, error) {
	const op = "zendesk.ExportOrganizations"
	q := url.Values{"start_time": {unixStart(startTime)}}
	if err := setPerPage(q, op, perPage); err != nil {
		return OrganizationExport{}, err
	}
	var page struct {
		Organizations []zd.Organization `json:"organizations"`
		EndTime       int64             `json:"end_time"`
		EndOfStream   bool              `json:"end_of_stream"`
	}
	if err := c.getJSON(ctx, "/incremental/organizations.json?"+q.Encode(), &page); err != nil {
		return OrganizationExport{}, err
	}
	return OrganizationExport{Organizations: page.Organizations, EndTime: time.Unix(page.EndTime, 0).UTC(),
		EndOfStream: page.EndOfStream}, nil
}

// unixStart writes an export's start time: Unix seconds, 0 for the zero
// time or anything before 1970.
func unixStart(t time.Time) string {
	return strconv.FormatInt(max(t.Unix(), 0), 10)
}

func setPerPage(q url.Values, op string, perPage int) error {
	switch {
	case perPage < 0 || perPage > MaxExportPageSize:
		return cohort.Errorf(op, cohort.KindInvalid, "page size %d: want 1 to %d (0: %[2]d)", perPage, MaxExportPageSize)
	case perPage > 0:
		q.Set("per_page", strconv.Itoa(perPage))
	}
	return nil
}

package zendesk

import (
	"context"
	"net/url"
	"strconv"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
)

// TicketMetrics are the metrics Zendesk keeps on a ticket (its ticket
// metric object). Durations are nil until their event has happened.
type TicketMetrics struct {
	TicketID  int64      `json:"ticket_id"`
	CreatedAt time.Time  `json:"created_at"`
	SolvedAt  *time.Time `json:"solved_at"`
	// Reopens counts how often the ticket went from solved back to an
	// unsolved status; Replies its public agent replies.
	Reopens int `json:"reopens"`
	Replies int `json:"replies"`
	// FirstReplyTime is the time to the first public agent reply;
	// FirstResolutionTime to the first solve, FullResolutionTime to the
	// latest one; in calendar and business minutes.
	FirstReplyTime      *zd.TimeDuration `json:"reply_time_in_minutes"`
	FirstResolutionTime *zd.TimeDuration `json:"first_resolution_time_in_minutes"`
	FullResolutionTime  *zd.TimeDuration `json:"full_resolution_time_in_minutes"`
}

// ExportedTicket is a ticket of the incremental ticket export with its
// metrics; Metrics is nil when Zendesk sent none for it.
type ExportedTicket struct {
	Ticket  zd.Ticket
	Metrics *TicketMetrics
}

// TicketExport is one page of the incremental ticket export.
type TicketExport struct {
	// Tickets changed since the start time or cursor, oldest change first;
	// a ticket changed again comes again on a later page.
	Tickets []ExportedTicket
	// AfterCursor is where the next page starts; at the end of the stream
	// it is where a later call picks up later changes, so it is what to
	// keep between runs.
	AfterCursor string
	// EndOfStream is true when no more changes follow, for now.
	EndOfStream bool
}

// ExportTickets reads one page of the tickets changed since startTime or,
// when cursor is not empty, since the page that gave it (startTime is then
// ignored), with their metrics. startTime must be at least ExportMinAge in
// the past; the zero time means the beginning. perPage is at most
// MaxExportPageSize; 0 means that. Like every export it spends the export
// budget (Config.ExportRateLimit) besides the client's. Zendesk holds back
// the tickets changed in the last minute.
//
// Zendesk API docs: GET /api/v2/incremental/tickets/cursor?include=metric_sets
func (c *Client) ExportTickets(ctx context.Context, startTime time.Time, cursor string, perPage int) (TicketExport, error) {
	const op = "zendesk.ExportTickets"
	q := url.Values{"include": {"metric_sets"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	} else {
		q.Set("start_time", unixStart(startTime))
	}
	if err := setPerPage(q, op, perPage); err != nil {
		return TicketExport{}, err
	}
	var page struct {
		Tickets     []zd.Ticket     `json:"tickets"`
		MetricSets  []TicketMetrics `json:"metric_sets"`
		AfterCursor *string         `json:"after_cursor"`
		EndOfStream bool            `json:"end_of_stream"`
	}
	if err := c.getJSON(ctx, "/incremental/tickets/cursor.json?"+q.Encode(), &page); err != nil {
		return TicketExport{}, err
	}
	metrics := make(map[int64]*TicketMetrics, len(page.MetricSets))
	for i := range page.MetricSets {
		metrics[page.MetricSets[i].TicketID] = &page.MetricSets[i]
	}
	out := TicketExport{Tickets: make([]ExportedTicket, len(page.Tickets)), AfterCursor: cursor, EndOfStream: page.EndOfStream}
	for i, t := range page.Tickets {
		out.Tickets[i] = ExportedTicket{Ticket: t, Metrics: metrics[t.ID]}
	}
	if page.AfterCursor != nil && *page.AfterCursor != "" {
		out.AfterCursor = *page.AfterCursor
	}
	if out.AfterCursor == "" && !(page.EndOfStream && len(page.Tickets) == 0) {
		return TicketExport{}, cohort.Errorf(op, cohort.KindUnavailable, "the ticket export gave no after_cursor to go on from")
	}
	return out, nil
}

// SatisfactionRating is a satisfaction rating a requester gave a ticket.
type SatisfactionRating struct {
	ID          int64     `json:"id"`
	TicketID    int64     `json:"ticket_id"`
	RequesterID int64     `json:"requester_id"`
	AssigneeID  int64     `json:"assignee_id"` // 0: none
	Score       string    `json:"score"`       // "good" or "bad"
	Comment     string    `json:"comment"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// RatingPage is one page of satisfaction ratings.
type RatingPage struct {
	Ratings []SatisfactionRating
	// After is the cursor of the next page, when HasMore.
	After   string
	HasMore bool
}

// ratingPageSize is the satisfaction ratings' largest page.
const ratingPageSize = 100

// SatisfactionRatings reads a page of the ratings received (good or bad)
// from start (inclusive) to end (exclusive), either of which may be zero
// for no bound, starting after the cursor after ("" for the first page).
//
// Zendesk API docs: GET /api/v2/satisfaction_ratings?score=received
func (c *Client) SatisfactionRatings(ctx context.Context, start, end time.Time, after string) (RatingPage, error) {
	q := url.Values{"score": {"received"}, "page[size]": {strconv.Itoa(ratingPageSize)}}
	if !start.IsZero() {
		q.Set("start_time", unixStart(start))
	}
	if !end.IsZero() {
		q.Set("end_time", unixStart(end))
	}
	if after != "" {
		q.Set("page[after]", after)
	}
	var page struct {
		Ratings []SatisfactionRating `json:"satisfaction_ratings"`
		Meta    struct {
			HasMore     bool    `json:"has_more"`
			AfterCursor *string `json:"after_cursor"`
		} `json:"meta"`
	}
	if err := c.getJSON(ctx, "/satisfaction_ratings.json?"+q.Encode(), &page); err != nil {
		return RatingPage{}, err
	}
	out := RatingPage{Ratings: page.Ratings, HasMore: page.Meta.HasMore}
	if page.Meta.AfterCursor != nil {
		out.After = *page.Meta.AfterCursor
	}
	if out.HasMore && out.After == "" {
		return RatingPage{}, cohort.Errorf("zendesk.SatisfactionRatings", cohort.KindUnavailable, "more ratings but no after_cursor to go on from")
	}
	return out, nil
}

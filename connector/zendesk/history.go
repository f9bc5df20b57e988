package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
)

// TicketHistory reads a Zendesk account's tickets with their metrics and
// ratings through the incremental ticket export, for support metrics.
type TicketHistory struct {
	Client  *Client
	PerPage int // tickets a page (default and most: MaxExportPageSize)
}

// Name is the helpdesk's name.
func (h TicketHistory) Name() string { return Name }

// historyCheckpoint is where the next read of the export starts.
type historyCheckpoint struct {
	Cursor string `json:"cursor"`
}

// Tickets calls emit with each page of tickets changed since checkpoint
// (its export cursor), or, with no checkpoint, since the time since, until
// the export's end. Each page carries the cursor that follows it. A page
// costs one request of the export's budget.
func (h TicketHistory) Tickets(ctx context.Context, checkpoint string, since time.Time, emit func(cohort.TicketMetricsPage) error) error {
	var cp historyCheckpoint
	if checkpoint != "" {
		if err := json.Unmarshal([]byte(checkpoint), &cp); err != nil {
			return fmt.Errorf("zendesk ticket history: checkpoint %q: %w", checkpoint, err)
		}
	}
	perPage := h.PerPage
	if perPage <= 0 {
		perPage = MaxExportPageSize
	}
	for {
		page, err := h.Client.ExportTickets(ctx, since, cp.Cursor, perPage)
		if err != nil {
			return err
		}
		out := convertHistory(page.Tickets)
		cp.Cursor = page.AfterCursor
		next, _ := json.Marshal(cp)
		if err := emit(cohort.TicketMetricsPage{Tickets: out, Checkpoint: string(next)}); err != nil {
			return err
		}
		if page.EndOfStream || page.AfterCursor == "" {
			return nil
		}
	}
}

// convertHistory turns an export page into TicketMetrics.
func convertHistory(tickets []ExportedTicket) []cohort.TicketMetrics {
	out := make([]cohort.TicketMetrics, 0, len(tickets))
	for _, et := range tickets {
		t := et.Ticket
		m := cohort.TicketMetrics{ID: t.ID, RequesterID: t.RequesterID, CreatedAt: t.CreatedAt.UTC(), Status: t.Status}
		if t.SatisfactionRating != nil && (t.SatisfactionRating.Score == "good" || t.SatisfactionRating.Score == "bad") {
			m.Rating = t.SatisfactionRating.Score
		}
		if mt := et.Metrics; mt != nil {
			m.AgentReplies, m.Reopens = mt.Replies, mt.Reopens
			if mt.SolvedAt != nil && (t.Status == "solved" || t.Status == "closed") {
				m.SolvedAt = mt.SolvedAt.UTC()
				m.FullResolution = minutes(mt.FullResolutionTime)
			}
			m.FirstReply = minutes(mt.FirstReplyTime)
		}
		out = append(out, m)
	}
	return out
}

func minutes(d *zd.TimeDuration) *cohort.Minutes {
	if d == nil {
		return nil
	}
	return &cohort.Minutes{Calendar: float64(d.Calendar), Business: float64(d.Business)}
}

// Requesters returns what finds the customer behind each of the user ids
// (email and external id), reading 100 users a request. Users Zendesk no
// longer has are left out.
//
// Zendesk API docs: GET /api/v2/users/show_many?ids=
func (h TicketHistory) Requesters(ctx context.Context, ids []int64) (map[int64]cohort.CustomerQuery, error) {
	out := make(map[int64]cohort.CustomerQuery, len(ids))
	for chunk := range slices.Chunk(ids, 100) {
		strs := make([]string, len(chunk))
		for i, id := range chunk {
			strs[i] = strconv.FormatInt(id, 10)
		}
		list, _, err := h.Client.API().GetManyUsers(ctx, &zd.GetManyUsersOptions{IDs: strings.Join(strs, ",")})
		if err != nil {
			return nil, apiError("zendesk.TicketHistory", err)
		}
		for _, u := range list {
			out[u.ID] = cohort.CustomerQuery{Email: strings.ToLower(u.Email), ExternalID: u.ExternalID}
		}
	}
	return out, nil
}

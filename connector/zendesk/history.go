package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
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
// the export's end. Each page carries the cursor that follows it, and the
// requesters' emails and external ids, read in batches of 100.
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
		out, err := h.convert(ctx, page.Tickets)
		if err != nil {
			return err
		}
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

// convert turns an export page into TicketMetrics, with the requesters'
// emails and external ids.
func (h TicketHistory) convert(ctx context.Context, tickets []ExportedTicket) ([]cohort.TicketMetrics, error) {
	requesters, err := h.users(ctx, tickets)
	if err != nil {
		return nil, err
	}
	out := make([]cohort.TicketMetrics, 0, len(tickets))
	for _, et := range tickets {
		t := et.Ticket
		m := cohort.TicketMetrics{ID: t.ID, RequesterID: t.RequesterID, CreatedAt: t.CreatedAt.UTC(), Status: t.Status}
		if u, ok := requesters[t.RequesterID]; ok {
			m.RequesterEmail, m.RequesterExtID = strings.ToLower(u.Email), u.ExternalID
		}
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
	return out, nil
}

func minutes(d *zd.TimeDuration) *cohort.Minutes {
	if d == nil {
		return nil
	}
	return &cohort.Minutes{Calendar: float64(d.Calendar), Business: float64(d.Business)}
}

// users reads the requesters of tickets, 100 a request.
func (h TicketHistory) users(ctx context.Context, tickets []ExportedTicket) (map[int64]zd.User, error) {
	seen := map[int64]bool{}
	var ids []string
	for _, t := range tickets {
		if id := t.Ticket.RequesterID; id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	users := make(map[int64]zd.User, len(ids))
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		list, _, err := h.Client.API().GetManyUsers(ctx, &zd.GetManyUsersOptions{IDs: strings.Join(chunk, ",")})
		if err != nil {
			return nil, apiError("zendesk.TicketHistory", err)
		}
		for _, u := range list {
			users[u.ID] = u
		}
	}
	return users, nil
}

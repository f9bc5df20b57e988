package zendesk_test

import (
	"slices"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

func TestExportTickets(t *testing.T) {
	sb, c, clock := exportSandbox(t)
	ctx := t.Context()
	created := exportNow.Add(-72 * time.Hour)
	var want []int64
	for i := range 5 {
		it := sandbox.ImportedTicket{Subject: "old", RequesterEmail: "r@example.com", CreatedAt: created}
		if i%2 == 0 {
			it.FirstReplyAt, it.SolvedAt, it.Rating = created.Add(time.Hour), created.Add(2*time.Hour), "good"
		}
		id, err := sb.ImportTicket(it)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	var got []int64
	page, err := c.ExportTickets(ctx, time.Time{}, "", 2)
	for ; err == nil; page, err = c.ExportTickets(ctx, time.Time{}, page.AfterCursor, 2) {
		for _, et := range page.Tickets {
			got = append(got, et.Ticket.ID)
			m := et.Metrics
			if m == nil || m.TicketID != et.Ticket.ID {
				t.Fatalf("ticket %d: metrics %+v", et.Ticket.ID, m)
			}
			if solved := et.Ticket.Status == "solved"; solved != (m.FullResolutionTime != nil) ||
				solved && (m.FirstReplyTime.Calendar != 60 || m.FullResolutionTime.Calendar != 120 || m.Replies != 1) {
				t.Errorf("ticket %d (%s): metrics %+v", et.Ticket.ID, et.Ticket.Status, m)
			}
		}
		if page.EndOfStream {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("exported %v, want %v", got, want)
	}

	// A later poll from the kept cursor gets the changed ticket only.
	end := page.AfterCursor
	if _, err := c.API().AddTicketTags(ctx, want[1], []zd.Tag{"changed"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	page, err = c.ExportTickets(ctx, time.Time{}, end, 0)
	if err != nil || len(page.Tickets) != 1 || page.Tickets[0].Ticket.ID != want[1] || !page.EndOfStream {
		t.Fatalf("poll = %+v, %v", page, err)
	}
	if _, err := c.ExportTickets(ctx, time.Time{}, "", zendesk.MaxExportPageSize+1); err == nil {
		t.Error("page size over the maximum: no error")
	}

	// The ratings, a page at a time.
	ratings, err := c.SatisfactionRatings(ctx, time.Time{}, time.Time{}, "")
	if err != nil || len(ratings.Ratings) != 3 || ratings.HasMore || ratings.Ratings[0].Score != "good" ||
		ratings.Ratings[0].TicketID != want[0] || !ratings.Ratings[0].CreatedAt.Equal(created.Add(2*time.Hour)) {
		t.Fatalf("ratings = %+v, %v", ratings, err)
	}
	ratings, err = c.SatisfactionRatings(ctx, created.Add(3*time.Hour), time.Time{}, "")
	if err != nil || len(ratings.Ratings) != 0 {
		t.Fatalf("ratings after the solves = %+v, %v", ratings, err)
	}
}

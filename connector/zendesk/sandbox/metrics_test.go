package sandbox_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// minutes is a metric duration; nil is JSON null.
type minutes struct {
	Calendar int `json:"calendar"`
	Business int `json:"business"`
}

// metric holds the ticket metric fields the tests check, with nulls kept.
type metric struct {
	ID                  int64    `json:"id"`
	TicketID            int64    `json:"ticket_id"`
	Reopens             int      `json:"reopens"`
	Replies             int      `json:"replies"`
	SolvedAt            *string  `json:"solved_at"`
	ReplyTime           *minutes `json:"reply_time_in_minutes"`
	FirstResolutionTime *minutes `json:"first_resolution_time_in_minutes"`
	FullResolutionTime  *minutes `json:"full_resolution_time_in_minutes"`
}

// ticketExport is a page of the cursor-based ticket export.
type ticketExport struct {
	Tickets      []zendesk.Ticket `json:"tickets"`
	MetricSets   []metric         `json:"metric_sets"`
	AfterCursor  *string          `json:"after_cursor"`
	AfterURL     *string          `json:"after_url"`
	BeforeCursor *string          `json:"before_cursor"`
	EndOfStream  bool             `json:"end_of_stream"`
}

func ticketMetric(t *testing.T, c *zendesk.Client, id int64) metric {
	t.Helper()
	return getJSON[struct {
		M metric `json:"ticket_metric"`
	}](t, c, fmt.Sprintf("/tickets/%d/metrics.json", id)).M
}

func putTicket(t *testing.T, c *zendesk.Client, id int64, ticket map[string]any) {
	t.Helper()
	if _, err := c.Put(t.Context(), fmt.Sprintf("/tickets/%d.json", id), map[string]any{"ticket": ticket}); err != nil {
		t.Fatal(err)
	}
}

// newRequesterTicket creates a ticket from an end-user and returns its id.
func newRequesterTicket(t *testing.T, c *zendesk.Client, subject string) int64 {
	t.Helper()
	body, err := c.Post(t.Context(), "/tickets.json", map[string]any{"ticket": map[string]any{"subject": subject,
		"requester": map[string]any{"name": "Ann", "email": "ann@example.com"}, "comment": map[string]any{"body": "Help"}}})
	if err != nil {
		t.Fatal(err)
	}
	return decode[struct {
		Ticket zendesk.Ticket `json:"ticket"`
	}](t, body).Ticket.ID
}

func TestTicketMetrics(t *testing.T) {
	// testNow is Friday 2024-05-17 09:30 UTC.
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	id := newRequesterTicket(t, c, "Metrics")
	m := ticketMetric(t, c, id)
	if m.TicketID != id || m.Replies != 0 || m.ReplyTime != nil || m.SolvedAt != nil || m.FullResolutionTime != nil {
		t.Fatalf("new ticket's metric = %+v", m)
	}

	putTicket(t, c, id, map[string]any{"comment": map[string]any{"body": "internal", "public": false}})
	clock.Advance(90 * time.Minute)
	putTicket(t, c, id, map[string]any{"comment": map[string]any{"body": "On it"}})
	putTicket(t, c, id, map[string]any{"comment": map[string]any{"body": "Second reply"}})
	clock.Advance(70*time.Hour + 30*time.Minute) // Monday 09:30
	putTicket(t, c, id, map[string]any{"status": "solved"})
	m = ticketMetric(t, c, id)
	want := minutes{Calendar: 3 * 24 * 60, Business: 450 + 30}
	if m.Replies != 2 || *m.ReplyTime != (minutes{90, 90}) || *m.FullResolutionTime != want ||
		*m.FirstResolutionTime != want || m.Reopens != 0 || *m.SolvedAt != "2024-05-20T09:30:00Z" {
		t.Fatalf("solved ticket's metric = %+v", m)
	}

	clock.Advance(time.Hour)
	putTicket(t, c, id, map[string]any{"status": "open"})
	clock.Advance(time.Hour)
	putTicket(t, c, id, map[string]any{"status": "solved"})
	m = ticketMetric(t, c, id)
	if m.Reopens != 1 || *m.FirstResolutionTime != want || *m.FullResolutionTime != (minutes{want.Calendar + 120, want.Business + 120}) {
		t.Fatalf("reopened and solved ticket's metric = %+v", m)
	}

	// The same object by metric id, and in the list, newest ticket first;
	// go-zendesk reads them.
	byID := getJSON[struct {
		M metric `json:"ticket_metric"`
	}](t, c, fmt.Sprintf("/ticket_metrics/%d.json", m.ID)).M
	if byID.ID != m.ID || byID.TicketID != id || byID.Reopens != 1 {
		t.Errorf("ticket_metrics/%d = %+v", m.ID, byID)
	}
	other := newRequesterTicket(t, c, "Other")
	list, _, err := c.GetTicketMetrics(t.Context(), nil)
	if err != nil || len(list) != 2 || int64(list[0].TicketID) != other || int64(list[1].TicketID) != id || list[1].Replies != 2 {
		t.Fatalf("GetTicketMetrics = %+v, %v", list, err)
	}
	cbp := getJSON[struct {
		Metrics []metric `json:"ticket_metrics"`
		Meta    struct {
			HasMore bool `json:"has_more"`
		} `json:"meta"`
	}](t, c, "/ticket_metrics.json?page[size]=1")
	if len(cbp.Metrics) != 1 || !cbp.Meta.HasMore {
		t.Errorf("page[size]=1 = %+v", cbp)
	}
	if _, err := c.Get(t.Context(), "/tickets/999/metrics.json"); err == nil {
		t.Error("metrics of a missing ticket: no error")
	} else {
		wantStatus(t, err, http.StatusNotFound)
	}
}

func TestTicketExport(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	var ids []int64
	for i := range 3 {
		ids = append(ids, newRequesterTicket(t, c, fmt.Sprint("T", i)))
	}
	clock.Advance(2 * time.Minute)

	const path = "/incremental/tickets/cursor.json"
	page := getJSON[ticketExport](t, c, path+"?per_page=2&include=metric_sets&start_time="+strconv.FormatInt(testNow.Unix(), 10))
	if len(page.Tickets) != 2 || page.EndOfStream || page.AfterCursor == nil || page.BeforeCursor != nil || len(page.MetricSets) != 2 {
		t.Fatalf("first page = %+v", page)
	}
	for i, m := range page.MetricSets {
		if m.TicketID != page.Tickets[i].ID {
			t.Errorf("metric_sets[%d] is ticket %d's, want %d's", i, m.TicketID, page.Tickets[i].ID)
		}
	}
	got := []int64{page.Tickets[0].ID, page.Tickets[1].ID}
	body, err := c.Get(t.Context(), path+"?per_page=2&cursor="+*page.AfterCursor)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "metric_sets") {
		t.Errorf("metric_sets without include: %s", body)
	}
	page = decode[ticketExport](t, body)
	if len(page.Tickets) != 1 || !page.EndOfStream {
		t.Fatalf("second page = %+v", page)
	}
	if got = append(got, page.Tickets[0].ID); !slices.Equal(got, ids) {
		t.Errorf("exported %v, want %v", got, ids)
	}

	// A change comes again, once it is a minute old.
	end := *page.AfterCursor
	putTicket(t, c, ids[0], map[string]any{"status": "solved"})
	page = getJSON[ticketExport](t, c, path+"?cursor="+end)
	if len(page.Tickets) != 0 || !page.EndOfStream || *page.AfterCursor != end {
		t.Fatalf("within the minute = %+v", page)
	}
	clock.Advance(61 * time.Second)
	page = getJSON[ticketExport](t, c, path+"?include=metric_sets&cursor="+end)
	if len(page.Tickets) != 1 || page.Tickets[0].ID != ids[0] || page.Tickets[0].Status != "solved" || page.MetricSets[0].SolvedAt == nil {
		t.Fatalf("after the change = %+v", page)
	}

	for _, bad := range []string{"?cursor=bogus", "?start_time=" + strconv.FormatInt(clock.Now().Unix(), 10), ""} {
		_, err := c.Get(t.Context(), path+bad)
		wantStatus(t, err, http.StatusBadRequest)
	}
}

func TestTicketExportRateLimit(t *testing.T) {
	clock := newFakeClock(clockStart)
	srv := startLimited(t, clock, func(cfg *sandbox.Config) { cfg.RateLimit = 1000; cfg.IncrementalExportRateLimit = 2 })
	c := adminClient(t, srv)
	for range 2 {
		getJSON[ticketExport](t, c, "/incremental/tickets/cursor.json?start_time=0")
	}
	_, err := c.Get(t.Context(), "/incremental/users/cursor.json?start_time=0")
	wantStatus(t, err, http.StatusTooManyRequests)
}

// rating is a satisfaction rating.
type rating struct {
	ID        int64  `json:"id"`
	TicketID  int64  `json:"ticket_id"`
	Score     string `json:"score"`
	Comment   string `json:"comment"`
	CreatedAt string `json:"created_at"`
}

type ratingPage struct {
	Ratings []rating `json:"satisfaction_ratings"`
	Meta    struct {
		HasMore     bool    `json:"has_more"`
		AfterCursor *string `json:"after_cursor"`
	} `json:"meta"`
	Links struct {
		Next *string `json:"next"`
	} `json:"links"`
}

func rate(c *zendesk.Client, t *testing.T, id int64, score, comment string) ([]byte, error) {
	return c.Post(t.Context(), fmt.Sprintf("/tickets/%d/satisfaction_rating.json", id),
		map[string]any{"satisfaction_rating": map[string]any{"score": score, "comment": comment}})
}

func TestSatisfactionRatings(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	var ids []int64
	for i := range 3 {
		ids = append(ids, newRequesterTicket(t, c, fmt.Sprint("T", i)))
	}
	_, err := rate(c, t, ids[0], "good", "")
	wantStatus(t, err, http.StatusUnprocessableEntity) // not solved
	for _, id := range ids {
		putTicket(t, c, id, map[string]any{"status": "solved"})
	}
	_, err = rate(c, t, ids[0], "great", "")
	wantStatus(t, err, http.StatusUnprocessableEntity)
	for i, id := range ids {
		clock.Advance(time.Minute)
		score := []string{"good", "bad", "good"}[i]
		body, err := rate(c, t, id, score, []string{"Thanks", "", ""}[i])
		if err != nil {
			t.Fatal(err)
		}
		got := decode[struct {
			R []rating `json:"satisfaction_rating"` // one, in an array, as the OAS has it
		}](t, body).R
		if len(got) != 1 || got[0].TicketID != id || got[0].Score != score || got[0].ID == 0 {
			t.Errorf("rating = %+v", got)
		}
	}
	tk, err := c.GetTicket(t.Context(), ids[0])
	if err != nil || tk.SatisfactionRating == nil || tk.SatisfactionRating.Score != "good" || tk.SatisfactionRating.Comment != "Thanks" {
		t.Fatalf("rated ticket = %+v, %v", tk.SatisfactionRating, err)
	}

	list := func(query string) []int64 {
		t.Helper()
		var got []int64
		for _, r := range getJSON[ratingPage](t, c, "/satisfaction_ratings.json?"+query).Ratings {
			got = append(got, r.TicketID)
		}
		return got
	}
	second := strconv.FormatInt(testNow.Add(2*time.Minute).Unix(), 10)
	for query, want := range map[string][]int64{
		"":                               ids,
		"score=good":                     {ids[0], ids[2]},
		"score=bad":                      {ids[1]},
		"score=good_with_comment":        {ids[0]},
		"score=received_without_comment": {ids[1], ids[2]},
		"score=offered":                  nil,
		"start_time=" + second:           {ids[1], ids[2]},
		"end_time=" + second:             {ids[0]},
	} {
		if got := list(query); !slices.Equal(got, want) {
			t.Errorf("%q: tickets %v, want %v", query, got, want)
		}
	}
	_, err = c.Get(t.Context(), "/satisfaction_ratings.json?score=meh")
	wantStatus(t, err, http.StatusBadRequest)

	// Cursor pagination, following links.next.
	page := getJSON[ratingPage](t, c, "/satisfaction_ratings.json?page[size]=2")
	if len(page.Ratings) != 2 || !page.Meta.HasMore || page.Links.Next == nil {
		t.Fatalf("first page = %+v", page)
	}
	next := *page.Links.Next
	page = getJSON[ratingPage](t, c, "/satisfaction_ratings.json"+next[strings.Index(next, "?"):])
	if len(page.Ratings) != 1 || page.Ratings[0].TicketID != ids[2] || page.Meta.HasMore {
		t.Fatalf("second page = %+v", page)
	}

	// Rating again changes the rating.
	if _, err := rate(c, t, ids[0], "bad", "Changed my mind"); err != nil {
		t.Fatal(err)
	}
	if got := list("score=bad"); !slices.Equal(got, []int64{ids[0], ids[1]}) {
		t.Errorf("bad after the change: %v", got)
	}
}

func TestImportTicket(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	created := time.Date(2024, 5, 10, 16, 0, 0, 0, time.UTC) // a Friday
	id, err := srv.ImportTicket(sandbox.ImportedTicket{
		Subject: "Old", RequesterEmail: "bob@example.com", RequesterName: "Bob", Tags: []string{"VIP"},
		CreatedAt:    created,
		FirstReplyAt: created.Add(2 * time.Hour), // 18:00, after hours
		Replies:      3,
		SolvedAt:     created.Add(3*24*time.Hour + 30*time.Minute), // Monday 16:30
		Reopens:      1,
		Rating:       "bad", RatingComment: "Slow",
	})
	if err != nil {
		t.Fatal(err)
	}
	m := ticketMetric(t, c, id)
	if m.Replies != 3 || m.Reopens != 1 || *m.ReplyTime != (minutes{120, 60}) ||
		*m.FullResolutionTime != (minutes{3*24*60 + 30, 60 + 450}) || *m.FirstResolutionTime != *m.FullResolutionTime {
		t.Fatalf("imported ticket's metric = %+v", m)
	}
	tk, err := c.GetTicket(t.Context(), id)
	if err != nil || tk.Status != "solved" || !tk.CreatedAt.Equal(created) || tk.SatisfactionRating == nil || tk.Tags[0] != "vip" {
		t.Fatalf("imported ticket = %+v, %v", tk, err)
	}
	res, err := c.ListTicketComments(t.Context(), id, &zendesk.ListTicketCommentsOptions{})
	comments := res.TicketComments
	if err != nil || len(comments) != 4 || !comments[1].CreatedAt.Equal(created.Add(2*time.Hour)) {
		t.Fatalf("comments = %+v, %v", comments, err)
	}
	page := getJSON[ticketExport](t, c, "/incremental/tickets/cursor.json?include=metric_sets&start_time="+strconv.FormatInt(created.Unix(), 10))
	if len(page.Tickets) != 1 || page.Tickets[0].ID != id || page.MetricSets[0].Replies != 3 {
		t.Fatalf("export = %+v", page)
	}
	ratings := getJSON[ratingPage](t, c, "/satisfaction_ratings.json?score=bad_with_comment")
	if len(ratings.Ratings) != 1 || ratings.Ratings[0].CreatedAt != "2024-05-13T16:30:00Z" {
		t.Fatalf("ratings = %+v", ratings)
	}

	for name, bad := range map[string]sandbox.ImportedTicket{
		"no created_at":       {Subject: "x", RequesterEmail: "a@example.com"},
		"future":              {Subject: "x", RequesterEmail: "a@example.com", CreatedAt: testNow.Add(time.Hour)},
		"reply before":        {Subject: "x", RequesterEmail: "a@example.com", CreatedAt: created, FirstReplyAt: created.Add(-time.Hour)},
		"rated open ticket":   {Subject: "x", RequesterEmail: "a@example.com", CreatedAt: created, Rating: "good", RatedAt: created},
		"solved without time": {Subject: "x", RequesterEmail: "a@example.com", CreatedAt: created, Status: "solved"},
	} {
		if _, err := srv.ImportTicket(bad); err == nil {
			t.Errorf("%s: imported", name)
		}
	}
}

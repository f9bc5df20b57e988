package web

import (
	"embed"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/cohortdesk/cohort"
)

//go:embed templates
var templates embed.FS

var pageTemplate = template.Must(template.New("enrichments.html").Funcs(template.FuncMap{
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	},
}).ParseFS(templates, "templates/enrichments.html"))

// enrichmentJSON is an enrichment record in the admin API.
type enrichmentJSON struct {
	Helpdesk       string    `json:"helpdesk"`
	TicketID       int64     `json:"ticket_id"`
	Status         string    `json:"status"`
	Subject        string    `json:"subject"`
	RequesterEmail string    `json:"requester_email"`
	CustomerID     int64     `json:"customer_id,omitempty"`
	MatchedBy      string    `json:"matched_by,omitempty"`
	Segments       []string  `json:"segments"`
	Escalations    []string  `json:"escalations"`
	PriorityBefore string    `json:"priority_before"`
	PriorityAfter  string    `json:"priority_after"`
	Reasons        []string  `json:"reasons"`
	Macros         []string  `json:"macros"`
	Error          string    `json:"error,omitempty"`
	Attempts       int       `json:"attempts"`
	ReceivedAt     time.Time `json:"received_at"`
	FinishedAt     time.Time `json:"finished_at,omitzero"`
}

func toJSON(e cohort.Enrichment) enrichmentJSON {
	return enrichmentJSON{
		Helpdesk: e.Helpdesk, TicketID: e.TicketID, Status: string(e.Status), Subject: e.Subject,
		RequesterEmail: e.RequesterEmail, CustomerID: e.CustomerID, MatchedBy: string(e.MatchedBy),
		Segments: nonNil(e.Segments), Escalations: nonNil(e.Escalations),
		PriorityBefore: e.PriorityBefore.Label(), PriorityAfter: e.PriorityAfter.Label(),
		Reasons: nonNil(e.Reasons), Macros: nonNil(e.Macros), Error: e.Error, Attempts: e.Attempts,
		ReceivedAt: e.ReceivedAt, FinishedAt: e.FinishedAt,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// limit reads ?limit= (default 100, at most 1000).
func limit(c *gin.Context) (int, bool) {
	v := c.DefaultQuery("limit", "100")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1000 {
		failWith(c, problem(cohort.KindInvalid, "limit: want a number from 1 to 1000"))
		return 0, false
	}
	return n, true
}

// records reads the newest enrichments (?limit=) and the counts by status,
// answering the request itself when it cannot.
func (s *Server) records(c *gin.Context) ([]cohort.Enrichment, map[cohort.EnrichmentStatus]int, bool) {
	n, ok := limit(c)
	if !ok {
		return nil, nil, false
	}
	list, err := s.cfg.Records.ListEnrichments(c.Request.Context(), n)
	if err != nil {
		s.fail(c, err)
		return nil, nil, false
	}
	counts, err := s.cfg.Records.CountEnrichments(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return nil, nil, false
	}
	return list, counts, true
}

// enrichmentsAPI serves GET /api/v1/enrichments: the newest records first.
func (s *Server) enrichmentsAPI(c *gin.Context) {
	list, counts, ok := s.records(c)
	if !ok {
		return
	}
	out := make([]enrichmentJSON, len(list))
	for i, e := range list {
		out[i] = toJSON(e)
	}
	c.JSON(http.StatusOK, gin.H{"enrichments": out, "counts": counts})
}

// enrichmentsPage serves GET /: a page listing the newest enrichments.
func (s *Server) enrichmentsPage(c *gin.Context) {
	list, counts, ok := s.records(c)
	if !ok {
		return
	}
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	err := pageTemplate.Execute(c.Writer, map[string]any{
		"Enrichments": list,
		"Pending":     counts[cohort.EnrichmentPending],
		"Done":        counts[cohort.EnrichmentDone],
		"Failed":      counts[cohort.EnrichmentFailed],
	})
	if err != nil {
		s.cfg.Logger.Error("render enrichments page", "err", err)
	}
}

package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// The sandbox's business hours, for the business minutes of ticket
// metrics: Monday to Friday, 09:00 to 17:00 UTC, no holidays.
const (
	businessOpens  = 9 * time.Hour
	businessCloses = 17 * time.Hour
)

// ticketMetrics is what a ticket's metric object is computed from: the
// times of the events that move it, and its counters.
type ticketMetrics struct {
	id                  int64
	assignedAt          time.Time
	initiallyAssignedAt time.Time
	assigneeUpdatedAt   time.Time
	statusUpdatedAt     time.Time
	latestCommentAt     time.Time
	firstReplyAt        time.Time // first public agent comment after the description
	firstSolvedAt       time.Time
	solvedAt            time.Time // latest solve
	reopens             int
	replies             int
	assigneeStations    int
}

// solvedStatus reports whether status ends a ticket's resolution.
func solvedStatus(status string) bool {
	return status == statusSolved || status == statusClosed
}

// trackMetricsLocked updates next's metrics for the write from before (a
// zero ticket for a create) to next, stamped next.updatedAt. s.mu must be
// held.
func (s *Server) trackMetricsLocked(before, next *ticket) {
	m := &next.metrics
	at := next.updatedAt
	if m.id == 0 {
		m.id = s.nextID()
	}
	if before.status != next.status {
		m.statusUpdatedAt = at
		switch {
		case solvedStatus(next.status) && !solvedStatus(before.status):
			m.solvedAt = at
			if m.firstSolvedAt.IsZero() {
				m.firstSolvedAt = at
			}
		case solvedStatus(before.status) && !solvedStatus(next.status):
			m.reopens++
		}
	}
	if before.assigneeID != next.assigneeID {
		m.assigneeUpdatedAt = at
		if next.assigneeID != 0 {
			m.assignedAt = at
			if m.initiallyAssignedAt.IsZero() {
				m.initiallyAssignedAt = at
			}
			m.assigneeStations++
		}
	}
	for i := len(before.comments); i < len(next.comments); i++ {
		c := next.comments[i]
		m.latestCommentAt = c.createdAt
		if i > 0 && c.public && s.isAgentLocked(c.authorID) {
			m.replies++
			if m.firstReplyAt.IsZero() {
				m.firstReplyAt = c.createdAt
			}
		}
	}
}

// isAgentLocked reports whether the user id is an agent or an admin. s.mu
// must be held.
func (s *Server) isAgentLocked(id int64) bool {
	u, ok := s.users[id]
	return ok && u.role != roleEndUser
}

// storeTicketLocked stores t, a new version of a ticket, numbering the
// write for the incremental ticket export. s.mu must be held.
func (s *Server) storeTicketLocked(t *ticket) {
	s.ticketChanges++
	t.change = s.ticketChanges
	s.tickets[t.id] = t
}

// minutesJSON is a metric duration in minutes, on the calendar and within
// business hours.
type minutesJSON struct {
	Calendar int `json:"calendar"`
	Business int `json:"business"`
}

// minutesBetween is the duration from from to to, or nil (JSON null) when
// either has not happened.
func minutesBetween(from, to time.Time) *minutesJSON {
	if from.IsZero() || to.IsZero() {
		return nil
	}
	return &minutesJSON{Calendar: int(to.Sub(from) / time.Minute), Business: businessMinutes(from, to)}
}

// businessMinutes counts the whole minutes between from and to that fall
// within the sandbox's business hours.
func businessMinutes(from, to time.Time) int {
	from, to = from.UTC(), to.UTC()
	var total time.Duration
	for day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC); day.Before(to); day = day.AddDate(0, 0, 1) {
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		start, end := later(day.Add(businessOpens), from), earlier(day.Add(businessCloses), to)
		if end.After(start) {
			total += end.Sub(start)
		}
	}
	return int(total / time.Minute)
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// nullTime is a timestamp, or nil (JSON null) for the zero time.
func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	return nullString(formatTime(t))
}

// ticketMetricJSON is a ticket metric object as Zendesk serializes it (the
// reference sheet's §5.1, go-zendesk's TicketMetric). Timestamps and
// durations are null until their event happens; the fields typed any are
// not emulated and always null.
type ticketMetricJSON struct {
	ID                           int64        `json:"id"`
	URL                          string       `json:"url"`
	TicketID                     int64        `json:"ticket_id"`
	CreatedAt                    string       `json:"created_at"`
	UpdatedAt                    string       `json:"updated_at"`
	GroupStations                int          `json:"group_stations"`
	AssigneeStations             int          `json:"assignee_stations"`
	Reopens                      int          `json:"reopens"`
	Replies                      int          `json:"replies"`
	AssigneeUpdatedAt            *string      `json:"assignee_updated_at"`
	RequesterUpdatedAt           any          `json:"requester_updated_at"`
	StatusUpdatedAt              *string      `json:"status_updated_at"`
	CustomStatusUpdatedAt        any          `json:"custom_status_updated_at"`
	InitiallyAssignedAt          *string      `json:"initially_assigned_at"`
	AssignedAt                   *string      `json:"assigned_at"`
	SolvedAt                     *string      `json:"solved_at"`
	LatestCommentAddedAt         *string      `json:"latest_comment_added_at"`
	ReplyTimeInMinutes           *minutesJSON `json:"reply_time_in_minutes"`
	ReplyTimeInSeconds           any          `json:"reply_time_in_seconds"`
	FirstResolutionTimeInMinutes *minutesJSON `json:"first_resolution_time_in_minutes"`
	FullResolutionTimeInMinutes  *minutesJSON `json:"full_resolution_time_in_minutes"`
	AgentWaitTimeInMinutes       any          `json:"agent_wait_time_in_minutes"`
	RequesterWaitTimeInMinutes   any          `json:"requester_wait_time_in_minutes"`
	OnHoldTimeInMinutes          any          `json:"on_hold_time_in_minutes"`
}

func (s *Server) ticketMetricView(t *ticket) ticketMetricJSON {
	m := t.metrics
	return ticketMetricJSON{
		ID:                           m.id,
		URL:                          s.apiURL("ticket_metrics/%d.json", m.id),
		TicketID:                     t.id,
		CreatedAt:                    formatTime(t.createdAt),
		UpdatedAt:                    formatTime(t.updatedAt),
		AssigneeStations:             m.assigneeStations,
		Reopens:                      m.reopens,
		Replies:                      m.replies,
		AssigneeUpdatedAt:            nullTime(m.assigneeUpdatedAt),
		StatusUpdatedAt:              nullTime(m.statusUpdatedAt),
		InitiallyAssignedAt:          nullTime(m.initiallyAssignedAt),
		AssignedAt:                   nullTime(m.assignedAt),
		SolvedAt:                     nullTime(m.solvedAt),
		LatestCommentAddedAt:         nullTime(m.latestCommentAt),
		ReplyTimeInMinutes:           minutesBetween(t.createdAt, m.firstReplyAt),
		FirstResolutionTimeInMinutes: minutesBetween(t.createdAt, m.firstSolvedAt),
		FullResolutionTimeInMinutes:  minutesBetween(t.createdAt, m.solvedAt),
	}
}

// showTicketMetric emulates GET /api/v2/tickets/{id}/metrics.
func (s *Server) showTicketMetric(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	t, ok := s.tickets[id]
	var view ticketMetricJSON
	if ok {
		view = s.ticketMetricView(t)
	}
	s.mu.Unlock()
	if !ok {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket_metric": view})
	return nil
}

// showTicketMetricByID emulates GET /api/v2/ticket_metrics/{id}, where id
// is the metric object's.
func (s *Server) showTicketMetricByID(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var view *ticketMetricJSON
	for _, t := range s.tickets {
		if t.metrics.id == id {
			v := s.ticketMetricView(t)
			view = &v
			break
		}
	}
	s.mu.Unlock()
	if view == nil {
		return errNotFound
	}
	writeJSON(w, http.StatusOK, map[string]any{"ticket_metric": view})
	return nil
}

// listTicketMetrics emulates GET /api/v2/ticket_metrics: the tickets'
// metrics, newest ticket first, cursor pagination with page[size], else
// offset pagination.
func (s *Server) listTicketMetrics(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	all := make([]*ticket, 0, len(s.tickets))
	for _, t := range s.tickets {
		all = append(all, t)
	}
	slices.SortFunc(all, func(a, b *ticket) int {
		return cmp.Or(b.createdAt.Compare(a.createdAt), cmp.Compare(b.id, a.id))
	})
	views := make([]ticketMetricJSON, len(all))
	for i, t := range all {
		views[i] = s.ticketMetricView(t)
	}
	s.mu.Unlock()
	return writeList(w, r, "ticket_metrics", views, descending(func(m ticketMetricJSON) string { return orderKey(m.CreatedAt, m.TicketID) }))
}

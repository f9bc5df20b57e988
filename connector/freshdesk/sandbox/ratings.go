package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// SatisfactionRating is a CSAT survey response on a ticket (§10.6).
// Ratings maps a question ("default_question", "question_2"…) to a value
// on the scale 103, 102, 101 (happy), 100 (neutral), -101, -102, -103
// (unhappy); the labels of each survey type are UNCONFIRMED.
type SatisfactionRating struct {
	ID        int64            `json:"id"`
	SurveyID  int64            `json:"survey_id"`
	UserID    int64            `json:"user_id"`
	AgentID   int64            `json:"agent_id,omitempty"`
	GroupID   int64            `json:"group_id,omitempty"`
	TicketID  int64            `json:"ticket_id"`
	Feedback  string           `json:"feedback,omitempty"`
	Ratings   map[string]int64 `json:"ratings"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// DefaultSurveyID is the id of the account's one survey.
const DefaultSurveyID = 1

var ratingScale = []int64{103, 102, 101, 100, -101, -102, -103}

func ratingView(r *SatisfactionRating) map[string]any {
	return map[string]any{
		"id": r.ID, "survey_id": r.SurveyID, "user_id": r.UserID, "agent_id": idOrNull(r.AgentID),
		"group_id": idOrNull(r.GroupID), "ticket_id": r.TicketID, "feedback": nullIfEmpty(r.Feedback),
		"ratings": r.Ratings, "created_at": fmtTime(r.CreatedAt), "updated_at": fmtTime(r.UpdatedAt),
	}
}

// createRating serves POST /tickets/{id}/satisfaction_ratings: ratings
// (with default_question) required, feedback optional; the rating is the
// requester's, about the ticket's agent.
func (s *Server) createRating(w http.ResponseWriter, r *http.Request) error {
	m, err := decodeBody(r)
	if err != nil {
		return err
	}
	b := &body{m: m}
	b.only("ratings", "feedback")
	rt := &SatisfactionRating{SurveyID: DefaultSurveyID, Ratings: map[string]int64{}}
	b.str("feedback", &rt.Feedback)
	ratings, ok := b.object("ratings")
	if !ok && !b.has("ratings") {
		b.v.add("ratings", codeMissingField, "It should be a/an key/value pair")
	}
	for _, q := range sortedKeys(ratings) {
		n, isNum := ratings[q].(json.Number)
		v, err := n.Int64()
		if !isNum || err != nil || !slices.Contains(ratingScale, v) {
			b.v.add(q, codeInvalidValue, "It should be one of these values: '103,102,101,100,-101,-102,-103'")
			continue
		}
		rt.Ratings[q] = v
	}
	if ok {
		if _, has := rt.Ratings["default_question"]; !has {
			b.v.add("default_question", codeMissingField, "It should be a/an Integer")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil || t.Deleted {
		return errNotFound
	}
	if err := b.v.err(); err != nil {
		return err
	}
	now := s.now()
	rt.ID, rt.TicketID, rt.UserID, rt.AgentID, rt.GroupID = s.nextID(), t.ID, t.RequesterID, t.ResponderID, t.GroupID
	rt.CreatedAt, rt.UpdatedAt = now, now
	s.ratings[rt.ID] = rt
	writeJSON(w, http.StatusCreated, ratingView(rt))
	return nil
}

// listTicketRatings serves GET /tickets/{id}/satisfaction_ratings.
func (s *Server) listTicketRatings(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.ticketByIDLocked(r)
	if err != nil {
		return err
	}
	items := []any{}
	for _, rt := range sortedByID(s.ratings, func(r *SatisfactionRating) int64 { return r.ID }) {
		if rt.TicketID == t.ID {
			items = append(items, ratingView(rt))
		}
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

// listRatings serves GET /surveys/satisfaction_ratings with created_since
// and user_id, paged, oldest first. Without created_since Freshdesk lists
// the last 30 days only (UNCONFIRMED; the sandbox does the same as for
// tickets).
func (s *Server) listRatings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	page, perPage, err := paging(q)
	if err != nil {
		return err
	}
	since, hasSince, err := parseSince(q, "created_since")
	if err != nil {
		return err
	}
	user, _ := strconv.ParseInt(q.Get("user_id"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !hasSince {
		since = s.now().Add(-listWindow)
	}
	items := []any{}
	for _, rt := range sortedByID(s.ratings, func(r *SatisfactionRating) int64 { return r.ID }) {
		if !rt.CreatedAt.Before(since) && (user == 0 || rt.UserID == user) {
			items = append(items, ratingView(rt))
		}
	}
	writePage(w, r, s.baseURLLocked(), items, page, perPage)
	return nil
}

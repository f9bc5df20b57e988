package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Satisfaction scores a rating can be given.
const (
	scoreGood = "good"
	scoreBad  = "bad"
)

// satisfaction is a ticket's satisfaction rating; id 0 is none.
type satisfaction struct {
	id        int64
	score     string
	comment   string
	createdAt time.Time
	updatedAt time.Time
}

// Satisfaction states of a ticket not rated: whether the survey was sent.
const (
	scoreOffered   = "offered"
	scoreUnoffered = "unoffered"
)

// ratingRefJSON is the satisfaction_rating of a ticket: its rating, or the
// state of the survey, {"score":"offered"} or {"score":"unoffered"}.
type ratingRefJSON struct {
	ID      int64   `json:"id,omitempty"`
	Score   string  `json:"score"`
	Comment *string `json:"comment,omitempty"`
}

// ratingRef is t's rating as the ticket shows it. A ticket not rated was
// offered the survey once solved (as Zendesk's default automation does),
// and not before.
func (t *ticket) ratingRef() ratingRefJSON {
	if t.rating.id != 0 {
		return ratingRefJSON{ID: t.rating.id, Score: t.rating.score, Comment: &t.rating.comment}
	}
	if t.status == statusSolved || t.status == statusClosed {
		return ratingRefJSON{Score: scoreOffered}
	}
	return ratingRefJSON{Score: scoreUnoffered}
}

// ratingJSON is a satisfaction rating as Zendesk serializes it (the
// reference sheet's §5.2). Reasons are not emulated: reason and reason_id
// are left out, as group_id is for a ticket with no group.
type ratingJSON struct {
	ID          int64  `json:"id"`
	URL         string `json:"url"`
	AssigneeID  *int64 `json:"assignee_id"`
	GroupID     *int64 `json:"group_id,omitempty"`
	RequesterID int64  `json:"requester_id"`
	TicketID    int64  `json:"ticket_id"`
	Score       string `json:"score"`
	Comment     string `json:"comment"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
}

func (s *Server) ratingView(t *ticket) ratingJSON {
	return ratingJSON{
		ID:          t.rating.id,
		URL:         s.apiURL("satisfaction_ratings/%d.json", t.rating.id),
		AssigneeID:  nullID(t.assigneeID),
		GroupID:     nullID(t.groupID),
		RequesterID: t.requesterID,
		TicketID:    t.id,
		Score:       t.rating.score,
		Comment:     t.rating.comment,
		CreatedAt:   formatTime(t.rating.createdAt),
		UpdatedAt:   formatTime(t.rating.updatedAt),
	}
}

// rateLocked rates the solved ticket id with score and comment at at, or
// changes its rating, and stores the ticket updated. s.mu must be held.
func (s *Server) rateLocked(id int64, score, comment string, at time.Time) (*ticket, error) {
	t, ok := s.tickets[id]
	if !ok {
		return nil, errNotFound
	}
	if err := checkRating(t.status, score); err != nil {
		return nil, err
	}
	next := t.clone()
	next.updatedAt = s.stampAfter(t.updatedAt)
	if next.updatedAt.Before(at) {
		next.updatedAt = at
	}
	if next.rating.id == 0 {
		next.rating = satisfaction{id: s.nextID(), createdAt: at}
	}
	next.rating.score, next.rating.comment, next.rating.updatedAt = score, comment, at
	s.storeTicketLocked(next)
	return next, nil
}

// checkRating refuses a rating of a ticket that is not solved, or with a
// score other than good or bad.
func checkRating(status, score string) error {
	if status != statusSolved {
		return errInvalid("status", "Status: only solved tickets can be rated, not %s ones", status)
	}
	if score != scoreGood && score != scoreBad {
		return errInvalid("score", "Score: %q is not good or bad", score)
	}
	return nil
}

// rateTicket emulates POST /api/v2/tickets/{id}/satisfaction_rating.
func (s *Server) rateTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Rating *struct {
			Score   string `json:"score"`
			Comment string `json:"comment"`
		} `json:"satisfaction_rating"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Rating == nil {
		return errBadRequest("satisfaction_rating is required")
	}
	s.mu.Lock()
	t, err := s.rateLocked(id, body.Rating.Score, body.Rating.Comment, s.now())
	var view ratingJSON
	if err == nil {
		view = s.ratingView(t)
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	// One rating, in an array: Zendesk's OpenAPI document answers the
	// show and the create so (SatisfactionRatingResponse and its example).
	writeJSON(w, http.StatusOK, map[string]any{"satisfaction_rating": []any{view}})
	return nil
}

// scoreFilter matches ratings against a score query parameter: received,
// good or bad, each optionally _with_comment or _without_comment. offered
// and unoffered match nothing, as the sandbox never sends surveys.
func scoreFilter(v string) (func(satisfaction) bool, error) {
	if v == "" || v == "offered" || v == "unoffered" {
		return func(satisfaction) bool { return v == "" }, nil
	}
	base, comment := v, func(satisfaction) bool { return true }
	if b, ok := strings.CutSuffix(v, "_with_comment"); ok {
		base, comment = b, func(r satisfaction) bool { return r.comment != "" }
	} else if b, ok := strings.CutSuffix(v, "_without_comment"); ok {
		base, comment = b, func(r satisfaction) bool { return r.comment == "" }
	}
	if base != "received" && base != scoreGood && base != scoreBad {
		return nil, errBadRequest("score %q is not a satisfaction score", v)
	}
	return func(r satisfaction) bool {
		return (base == "received" || r.score == base) && comment(r)
	}, nil
}

// unixParam parses an optional Unix time query parameter.
func unixParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, errBadRequest("%s %q is not a Unix time", name, v)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// listSatisfactionRatings emulates GET /api/v2/satisfaction_ratings: the
// ratings created at or after start_time and before end_time, filtered by
// score, oldest first, with cursor pagination (page[size]) or else offset
// pagination.
func (s *Server) listSatisfactionRatings(w http.ResponseWriter, r *http.Request) error {
	match, err := scoreFilter(r.URL.Query().Get("score"))
	if err != nil {
		return err
	}
	start, err := unixParam(r, "start_time")
	if err != nil {
		return err
	}
	end, err := unixParam(r, "end_time")
	if err != nil {
		return err
	}
	s.mu.Lock()
	var rated []*ticket
	for _, t := range s.tickets {
		rt := t.rating
		if rt.id != 0 && match(rt) && !rt.createdAt.Before(start) && (end.IsZero() || rt.createdAt.Before(end)) {
			rated = append(rated, t)
		}
	}
	slices.SortFunc(rated, func(a, b *ticket) int {
		return cmp.Or(a.rating.createdAt.Compare(b.rating.createdAt), cmp.Compare(a.rating.id, b.rating.id))
	})
	views := make([]ratingJSON, len(rated))
	for i, t := range rated {
		views[i] = s.ratingView(t)
	}
	s.mu.Unlock()
	return writeList(w, r, "satisfaction_ratings", views, func(v ratingJSON) string { return orderKey(v.CreatedAt, v.ID) })
}

// showSatisfactionRating emulates GET /api/v2/satisfaction_ratings/{id}.
func (s *Server) showSatisfactionRating(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var view *ratingJSON
	for _, t := range s.tickets {
		if t.rating.id == id {
			v := s.ratingView(t)
			view = &v
			break
		}
	}
	s.mu.Unlock()
	if view == nil {
		return errNotFound
	}
	// One rating, in an array: Zendesk's OpenAPI document answers the
	// show and the create so (SatisfactionRatingResponse and its example).
	writeJSON(w, http.StatusOK, map[string]any{"satisfaction_rating": []any{view}})
	return nil
}

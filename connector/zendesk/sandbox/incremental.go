package sandbox

import (
	"cmp"
	"encoding/base64"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxExportPageSize is the incremental exports' largest and default
// per_page.
const maxExportPageSize = 1000

// exportMinAge is how far in the past an incremental export's start_time
// must be.
const exportMinAge = time.Minute

// Errors of the incremental exports. Zendesk documents the rules, not the
// bodies (UNCONFIRMED).
var (
	errStartTimeRequired = errBadRequest("start_time is required: a Unix time at least one minute in the past")
	errStartTimeTooNew   = &apiError{status: http.StatusBadRequest, body: errorBody{
		Error:       "InvalidValue",
		Description: "Too recent start_time. Use a start_time older than 1 minute.",
	}}
)

// exportStartTime reads the required start_time of an export request: a
// Unix time at least exportMinAge before the sandbox clock's now.
func (s *Server) exportStartTime(r *http.Request) (time.Time, error) {
	v := r.URL.Query().Get("start_time")
	if v == "" {
		return time.Time{}, errStartTimeRequired
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, errBadRequest("start_time %q is not a Unix time", v)
	}
	start := time.Unix(sec, 0).UTC()
	if start.After(s.cfg.Now().Add(-exportMinAge)) {
		return time.Time{}, errStartTimeTooNew
	}
	return start, nil
}

// exportPerPage reads per_page: at most, and by default, maxExportPageSize.
func exportPerPage(r *http.Request) (int, error) {
	n, err := pageParam(r.URL.Query().Get("per_page"), "per_page", maxExportPageSize)
	return min(n, maxExportPageSize), err
}

// exportLink is the request's own URL with the export parameters replaced
// by set, pointing at the server the request reached so clients can follow
// it.
func exportLink(r *http.Request, set map[string]string) *string {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	if r.TLS != nil {
		u.Scheme = "https"
	}
	q := u.Query()
	q.Del("start_time")
	q.Del("cursor")
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	link := u.String()
	return &link
}

// Prefixes of the cursor exports' cursors; the rest of a cursor is the
// number of the last write it has seen.
const (
	userCursorPrefix   = "users:"
	ticketCursorPrefix = "tickets:"
)

func encodeChangeCursor(prefix string, change int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(prefix + strconv.FormatInt(change, 10)))
}

func decodeChangeCursor(prefix, cursor string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), prefix); ok {
			if n, err := strconv.ParseInt(rest, 10, 64); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, errBadRequest("invalid cursor %q", cursor)
}

// exportUsers emulates GET /api/v2/incremental/users/cursor: with
// start_time, the users updated since then; with cursor, the users written
// since the cursor was given. Users come in the order of their last write,
// each once, deleted ones with active:false. after_cursor is always set:
// at the end of the stream it is where a later poll picks up new changes.
func (s *Server) exportUsers(w http.ResponseWriter, r *http.Request) error {
	perPage, err := exportPerPage(r)
	if err != nil {
		return err
	}
	var after int64
	var start time.Time
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" {
		if after, err = decodeChangeCursor(userCursorPrefix, cursor); err != nil {
			return err
		}
	} else if start, err = s.exportStartTime(r); err != nil {
		return err
	}
	s.mu.Lock()
	var changed []*user
	for _, u := range s.users {
		if u.change > after && !u.updatedAt.Before(start) {
			changed = append(changed, u)
		}
	}
	slices.SortFunc(changed, func(a, b *user) int { return cmp.Compare(a.change, b.change) })
	page := changed[:min(perPage, len(changed))]
	views := make([]userJSON, len(page))
	for i, u := range page {
		views[i] = s.userView(u)
	}
	next := after
	switch {
	case len(page) > 0:
		next = page[len(page)-1].change
	case cursor == "":
		next = s.changeSeq // nothing since start: every write so far is behind
	}
	s.mu.Unlock()

	afterCursor := encodeChangeCursor(userCursorPrefix, next)
	resp := struct {
		Users        []userJSON `json:"users"`
		AfterURL     *string    `json:"after_url"`
		AfterCursor  *string    `json:"after_cursor"`
		BeforeURL    *string    `json:"before_url"`
		BeforeCursor *string    `json:"before_cursor"`
		EndOfStream  bool       `json:"end_of_stream"`
	}{
		Users:       views,
		AfterURL:    exportLink(r, map[string]string{"cursor": afterCursor}),
		AfterCursor: &afterCursor,
		EndOfStream: len(page) == len(changed),
	}
	if cursor != "" {
		resp.BeforeURL, resp.BeforeCursor = exportLink(r, map[string]string{"cursor": cursor}), &cursor
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// exportOrganizations emulates GET /api/v2/incremental/organizations, a
// time-based export: the organizations updated at or after start_time, by
// updated_at then id. A page never splits the organizations of one second,
// so it may hold more than per_page; and one that starts with a full
// second takes the next second too, so that end_time, the updated_at of
// its last organization and the start_time of the next page, moves on.
// The next page repeats the organizations of end_time's second: clients
// drop those duplicates.
func (s *Server) exportOrganizations(w http.ResponseWriter, r *http.Request) error {
	perPage, err := exportPerPage(r)
	if err != nil {
		return err
	}
	start, err := s.exportStartTime(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	var since []*organization
	for _, o := range s.orgs {
		if !o.updatedAt.Before(start) {
			since = append(since, o)
		}
	}
	slices.SortFunc(since, func(a, b *organization) int {
		return cmp.Or(a.updatedAt.Compare(b.updatedAt), cmp.Compare(a.id, b.id))
	})
	page := since[:orgPageEnd(since, perPage, start)]
	views := make([]organizationJSON, len(page))
	for i, o := range page {
		views[i] = s.organizationView(o)
	}
	s.mu.Unlock()

	end := start
	if len(page) > 0 {
		end = page[len(page)-1].updatedAt
	}
	endTime := end.Unix()
	writeJSON(w, http.StatusOK, struct {
		Organizations []organizationJSON `json:"organizations"`
		Count         int                `json:"count"`
		EndTime       int64              `json:"end_time"`
		NextPage      *string            `json:"next_page"`
		EndOfStream   bool               `json:"end_of_stream"`
	}{
		Organizations: views,
		Count:         len(views),
		EndTime:       endTime,
		NextPage:      exportLink(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)}),
		EndOfStream:   len(page) == len(since),
	})
	return nil
}

// orgPageEnd returns how many of orgs, sorted by updated_at, make the page
// that starts at start: perPage, then the rest of the last one's second,
// and the whole next second if the page holds start's second only.
func orgPageEnd(orgs []*organization, perPage int, start time.Time) int {
	n := min(perPage, len(orgs))
	if n == 0 {
		return 0
	}
	throughSecond := func(n int) int {
		last := orgs[n-1].updatedAt
		for n < len(orgs) && orgs[n].updatedAt.Equal(last) {
			n++
		}
		return n
	}
	n = throughSecond(n)
	if n < len(orgs) && orgs[n-1].updatedAt.Equal(start) {
		n = throughSecond(n + 1)
	}
	return n
}

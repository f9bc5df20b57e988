package sandbox

import (
	"cmp"
	"encoding/base64"
	"maps"
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
// time-based export (see timePage). Like the user export, and unlike the
// ticket export, it lists what changed in the last minute; so a page that
// ends in the last minute and is not the end of the stream links to a
// next page whose start_time is too recent (400) until that minute has
// passed, as Zendesk's rule on start_time has it.
func (s *Server) exportOrganizations(w http.ResponseWriter, r *http.Request) error {
	perPage, start, err := s.timeExportParams(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	page, end, last := timePage(slices.Collect(maps.Values(s.orgs)), start, s.cfg.Now(), perPage,
		func(o *organization) time.Time { return o.updatedAt }, func(o *organization) int64 { return o.id })
	views := make([]organizationJSON, len(page))
	for i, o := range page {
		views[i] = s.organizationView(o)
	}
	s.mu.Unlock()
	writeTimeExport(w, r, "organizations", views, len(views), end, last)
	return nil
}

// exportUsersByTime emulates GET /api/v2/incremental/users, the
// time-based export of users (see timePage); deleted users come with
// active:false.
func (s *Server) exportUsersByTime(w http.ResponseWriter, r *http.Request) error {
	perPage, start, err := s.timeExportParams(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	page, end, last := timePage(slices.Collect(maps.Values(s.users)), start, s.cfg.Now(), perPage,
		func(u *user) time.Time { return u.updatedAt }, func(u *user) int64 { return u.id })
	views := make([]userJSON, len(page))
	for i, u := range page {
		views[i] = s.userView(u)
	}
	s.mu.Unlock()
	writeTimeExport(w, r, "users", views, len(views), end, last)
	return nil
}

// exportTicketsByTime emulates GET /api/v2/incremental/tickets, the
// time-based export of tickets (see timePage), by generated_timestamp;
// tickets updated in the last minute are held back, as Zendesk does.
func (s *Server) exportTicketsByTime(w http.ResponseWriter, r *http.Request) error {
	perPage, start, err := s.timeExportParams(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	page, end, last := timePage(slices.Collect(maps.Values(s.tickets)), start, s.cfg.Now().Add(-exportMinAge), perPage,
		func(t *ticket) time.Time { return t.updatedAt }, func(t *ticket) int64 { return t.id })
	views := make([]ticketJSON, len(page))
	for i, t := range page {
		views[i] = s.ticketView(t)
	}
	s.mu.Unlock()
	writeTimeExport(w, r, "tickets", views, len(views), end, last)
	return nil
}

// timeExportParams reads a time-based export's per_page and start_time.
func (s *Server) timeExportParams(r *http.Request) (int, time.Time, error) {
	perPage, err := exportPerPage(r)
	if err != nil {
		return 0, time.Time{}, err
	}
	start, err := s.exportStartTime(r)
	return perPage, start, err
}

// timePage is the page of a time-based export that starts at start: the
// items updated at or after start and before horizon, by update time then
// id. A page never splits the items of one second, so it may hold more
// than perPage; and one that starts with a full second takes the next
// second too, so that end, the update time of its last item and the
// start_time of the next page, moves on. The next page repeats the items
// of end's second: clients drop those duplicates. last tells the end of
// the stream.
func timePage[T any](items []T, start, horizon time.Time, perPage int, at func(T) time.Time, id func(T) int64) (page []T, end time.Time, last bool) {
	var since []T
	for _, item := range items {
		if t := at(item); !t.Before(start) && !t.After(horizon) {
			since = append(since, item)
		}
	}
	slices.SortFunc(since, func(a, b T) int { return cmp.Or(at(a).Compare(at(b)), cmp.Compare(id(a), id(b))) })
	n := min(perPage, len(since))
	throughSecond := func(n int) int {
		second := at(since[n-1])
		for n < len(since) && at(since[n]).Equal(second) {
			n++
		}
		return n
	}
	if n > 0 {
		n = throughSecond(n)
		if n < len(since) && at(since[n-1]).Equal(start) {
			n = throughSecond(n + 1)
		}
	}
	page, end = since[:n], start
	if n > 0 {
		end = at(page[n-1])
	}
	return page, end, n == len(since)
}

// writeTimeExport answers a page of a time-based export: the views under
// name, with count, end_time, next_page and end_of_stream.
func writeTimeExport(w http.ResponseWriter, r *http.Request, name string, views any, count int, end time.Time, last bool) {
	endTime := end.Unix()
	writeJSON(w, http.StatusOK, map[string]any{
		name:            views,
		"count":         count,
		"end_time":      endTime,
		"next_page":     exportLink(r, map[string]string{"start_time": strconv.FormatInt(endTime, 10)}),
		"end_of_stream": last,
	})
}

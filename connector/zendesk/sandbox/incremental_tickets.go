package sandbox

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"time"
)

// includes reports whether the request's comma-separated include parameter
// names sideload.
func includes(r *http.Request, sideload string) bool {
	return slices.Contains(strings.Split(r.URL.Query().Get("include"), ","), sideload)
}

// exportTickets emulates GET /api/v2/incremental/tickets/cursor: with
// start_time, the tickets updated since then; with cursor, the tickets
// written since the cursor was given. Tickets come in the order of their
// last write, each once in its current version, so a ticket changed again
// comes again on a later page. Tickets written in the last minute are held
// back, as Zendesk does, until they are a minute old: a page stops before
// the first of them. after_cursor is always set. include=metric_sets adds
// the tickets' metric objects, in the same order, as metric_sets.
func (s *Server) exportTickets(w http.ResponseWriter, r *http.Request) error {
	perPage, err := exportPerPage(r)
	if err != nil {
		return err
	}
	var after int64
	var start time.Time
	cursor := r.URL.Query().Get("cursor")
	if cursor != "" {
		if after, err = decodeChangeCursor(ticketCursorPrefix, cursor); err != nil {
			return err
		}
	} else if start, err = s.exportStartTime(r); err != nil {
		return err
	}
	s.mu.Lock()
	horizon := s.now().Add(-exportMinAge)
	var changed []*ticket
	for _, t := range s.tickets {
		if t.change > after && !t.updatedAt.Before(start) {
			changed = append(changed, t)
		}
	}
	slices.SortFunc(changed, func(a, b *ticket) int { return cmp.Compare(a.change, b.change) })
	ready := len(changed)
	if i := slices.IndexFunc(changed, func(t *ticket) bool { return t.updatedAt.After(horizon) }); i >= 0 {
		ready = i
	}
	page := changed[:min(perPage, ready)]
	views := make([]ticketJSON, len(page))
	metrics := make([]ticketMetricJSON, len(page))
	for i, t := range page {
		views[i], metrics[i] = s.ticketView(t), s.ticketMetricView(t)
	}
	next := after
	switch {
	case len(page) > 0:
		next = page[len(page)-1].change
	case cursor == "" && len(changed) > 0:
		next = changed[0].change - 1 // only held-back tickets: start before them
	case cursor == "":
		next = s.ticketChanges // nothing since start: every write so far is behind
	}
	s.mu.Unlock()

	afterCursor := encodeChangeCursor(ticketCursorPrefix, next)
	resp := struct {
		Tickets      []ticketJSON        `json:"tickets"`
		MetricSets   *[]ticketMetricJSON `json:"metric_sets,omitempty"`
		AfterURL     *string             `json:"after_url"`
		AfterCursor  *string             `json:"after_cursor"`
		BeforeURL    *string             `json:"before_url"`
		BeforeCursor *string             `json:"before_cursor"`
		EndOfStream  bool                `json:"end_of_stream"`
	}{
		Tickets:     views,
		AfterURL:    exportLink(r, map[string]string{"cursor": afterCursor}),
		AfterCursor: &afterCursor,
		EndOfStream: len(page) == ready,
	}
	if includes(r, "metric_sets") {
		resp.MetricSets = &metrics
	}
	if cursor != "" {
		resp.BeforeURL, resp.BeforeCursor = exportLink(r, map[string]string{"cursor": cursor}), &cursor
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

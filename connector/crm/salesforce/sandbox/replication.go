package sandbox

import (
	"net/http"
	"strings"
	"time"
)

// How far back the replication feeds reach.
const (
	UpdatedWindow = 30 * 24 * time.Hour
	DeletedWindow = 15 * 24 * time.Hour
)

// updatedResponse is GET sobjects/{object}/updated's answer.
type updatedResponse struct {
	IDs               []string `json:"ids"`
	LatestDateCovered string   `json:"latestDateCovered"`
}

// deletedResponse is GET sobjects/{object}/deleted's answer.
type deletedResponse struct {
	DeletedRecords        []deletedRecord `json:"deletedRecords"`
	EarliestDateAvailable string          `json:"earliestDateAvailable"`
	LatestDateCovered     string          `json:"latestDateCovered"`
}

type deletedRecord struct {
	ID          string `json:"id"`
	DeletedDate string `json:"deletedDate"`
}

// updated serves GET sobjects/{object}/updated/?start=&end=: the live
// records whose SystemModstamp is in [start, end).
func (s *Server) updated(w http.ResponseWriter, r *http.Request) error {
	obj, start, end, err := s.replicationWindow(r, UpdatedWindow)
	if err != nil {
		return err
	}
	s.mu.Lock()
	ids := []string{}
	for _, rec := range s.order {
		stamp := rec.values["SystemModstamp"].(time.Time)
		if rec.obj == obj && !rec.deleted() && !stamp.Before(start) && stamp.Before(end) {
			ids = append(ids, rec.id)
		}
	}
	s.mu.Unlock()
	if len(ids) > s.cfg.ReplicationIDLimit {
		return errorf(http.StatusBadRequest, codeExceededIDLimit,
			"ID limit exceeded: %d ids changed in the window, the most is %d; narrow the window", len(ids), s.cfg.ReplicationIDLimit)
	}
	writeJSON(w, http.StatusOK, updatedResponse{IDs: ids, LatestDateCovered: formatDateTime(end)})
	return nil
}

// deleted serves GET sobjects/{object}/deleted/?start=&end=: the records in
// the Recycle Bin deleted in [start, end).
func (s *Server) deleted(w http.ResponseWriter, r *http.Request) error {
	obj, start, end, err := s.replicationWindow(r, DeletedWindow)
	if err != nil {
		return err
	}
	s.mu.Lock()
	earliest := s.createdAt
	if s.purgedAt.After(earliest) {
		earliest = s.purgedAt
	}
	resp := deletedResponse{
		DeletedRecords:        []deletedRecord{},
		EarliestDateAvailable: formatDateTime(earliest.Truncate(time.Minute)),
		LatestDateCovered:     formatDateTime(end),
	}
	for _, rec := range s.order {
		if rec.obj == obj && rec.deleted() && !rec.deletedAt.Before(start) && rec.deletedAt.Before(end) {
			resp.DeletedRecords = append(resp.DeletedRecords, deletedRecord{rec.id, formatDateTime(rec.deletedAt)})
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// replicationWindow reads a feed's object and its start and end, truncated
// to the minute, end no later than now. start must precede end and be
// within maxAge of now.
func (s *Server) replicationWindow(r *http.Request, maxAge time.Duration) (*sobject, time.Time, time.Time, error) {
	var zero time.Time
	obj := s.objects[strings.ToLower(r.PathValue("object"))]
	if obj == nil {
		return nil, zero, zero, errNotFound
	}
	q := r.URL.Query()
	if q.Get("start") == "" || q.Get("end") == "" {
		return nil, zero, zero, errorf(http.StatusBadRequest, codeMissingArgument, "start and end are both required")
	}
	var bounds [2]time.Time
	for i, name := range []string{"start", "end"} {
		t, ok := parseReplicationTime(q.Get(name))
		if !ok {
			return nil, zero, zero, errorf(http.StatusBadRequest, codeInvalidReplicationDate,
				"%s %q is not an ISO-8601 date and time (URL-encode a + offset as %%2B)", name, q.Get(name))
		}
		bounds[i] = t.UTC().Truncate(time.Minute)
	}
	start, end := bounds[0], bounds[1]
	now := s.cfg.Now().UTC().Truncate(time.Minute)
	if end.After(now) {
		end = now
	}
	switch {
	case !start.Before(end):
		return nil, zero, zero, errorf(http.StatusBadRequest, codeInvalidReplicationDate,
			"start must chronologically precede end (and now)")
	case start.Before(now.Add(-maxAge)):
		return nil, zero, zero, errorf(http.StatusBadRequest, codeInvalidReplicationDate,
			"start must be within %d days of now", int(maxAge.Hours()/24))
	}
	return obj, start, end, nil
}

func parseReplicationTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, dateTimeLayout, "2006-01-02T15:04:05-0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

package sandbox

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Query batching.
const (
	// MaxBatchSize is the most records Salesforce returns in one batch, and
	// its default.
	MaxBatchSize = 2000
	// MinBatchSize is the least batchSize Sforce-Query-Options may ask.
	MinBatchSize = 200
	// CursorLifetime is how long a query cursor can be read after the query.
	CursorLifetime = 48 * time.Hour
	// HeaderQueryOptions asks a batch size: "batchSize=500".
	HeaderQueryOptions = "Sforce-Query-Options"
)

// cursor is an open query result: the ids matched at query time, read in
// batches by offset.
type cursor struct {
	id        string
	q         *query
	all       bool // queryAll: deleted records stay in
	ids       []string
	batchSize int
	created   time.Time
	lastShort bool // the last batch served was cut by Faults.ShortBatchEvery
}

// queryResponse is one batch of a query result.
type queryResponse struct {
	TotalSize      int          `json:"totalSize"`
	Done           bool         `json:"done"`
	NextRecordsURL string       `json:"nextRecordsUrl,omitempty"`
	Records        []jsonObject `json:"records"`
}

// query serves GET …/query?q= (all false) and GET …/queryAll?q= (all
// true): it runs the SOQL, snapshots the ids it matched, and answers the
// first batch.
func (s *Server) query(all bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		src := r.URL.Query().Get("q")
		if strings.TrimSpace(src) == "" {
			return errorf(http.StatusBadRequest, codeMalformedQuery, "A query string has to be specified")
		}
		q, err := parseSOQL(src, s.cfg.FractionalSeconds)
		if err != nil {
			return err
		}
		if err := resolve(q, s.objects); err != nil {
			return err
		}
		size := batchSize(r.Header.Get(HeaderQueryOptions))
		s.mu.Lock()
		s.expireCursorsLocked()
		rows := resolver{s.records}.run(q, s.order, all)
		c := &cursor{id: s.nextIDLocked(prefixLocator), q: q, all: all, batchSize: size, created: s.cfg.Now()}
		c.ids = make([]string, len(rows))
		for i, rec := range rows {
			c.ids[i] = rec.id
		}
		resp := s.batchLocked(c, 0, r.PathValue("version"))
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
}

// queryMore serves GET …/query/<locator>-<offset>, the nextRecordsUrl of
// query and queryAll alike.
func (s *Server) queryMore(w http.ResponseWriter, r *http.Request) error {
	id, offset, _ := strings.Cut(r.PathValue("locator"), "-")
	off, err := strconv.Atoi(offset)
	s.mu.Lock()
	s.expireCursorsLocked()
	c := s.cursors[id]
	if c == nil || err != nil || off < 0 || off > len(c.ids) {
		s.mu.Unlock()
		return errorf(http.StatusBadRequest, codeInvalidLocator, "invalid query locator")
	}
	resp := s.batchLocked(c, off, r.PathValue("version"))
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// batchLocked serves c's batch at offset: the records still there (and
// not deleted, for query), each as it is now. The cursor stays open until
// its last batch is served. s.mu must be held.
func (s *Server) batchLocked(c *cursor, offset int, version string) queryResponse {
	f := s.faults.get()
	size := c.batchSize
	if f.MaxBatchSize > 0 {
		size = min(size, f.MaxBatchSize)
	}
	short := false
	if offset < len(c.ids) {
		s.batches++
		if f.ShortBatchEvery > 0 && s.batches%f.ShortBatchEvery == 0 && !c.lastShort {
			size, short = min(size, f.ShortBatchSize), true
		}
	}
	c.lastShort = short
	end := min(offset+size, len(c.ids))
	res := resolver{s.records}
	records := []jsonObject{}
	for _, id := range c.ids[offset:end] {
		if rec := s.records[id]; rec != nil && (c.all || !rec.deleted()) {
			records = append(records, res.project(c.q, rec, version))
		}
	}
	resp := queryResponse{TotalSize: len(c.ids), Done: end == len(c.ids) && !short, Records: records}
	if resp.Done {
		delete(s.cursors, c.id)
	} else {
		s.cursors[c.id] = c
		resp.NextRecordsURL = fmt.Sprintf("%s%s/query/%s-%d", dataPrefix, version, c.id, end)
	}
	return resp
}

// expireCursorsLocked closes cursors older than CursorLifetime. s.mu must be
// held.
func (s *Server) expireCursorsLocked() {
	now := s.cfg.Now()
	for id, c := range s.cursors {
		if now.Sub(c.created) >= CursorLifetime {
			delete(s.cursors, id)
		}
	}
}

// batchSize reads "batchSize=n" from Sforce-Query-Options, clamped to
// [MinBatchSize, MaxBatchSize]; MaxBatchSize when absent or unreadable.
func batchSize(options string) int {
	for opt := range strings.SplitSeq(options, ";") {
		k, v, _ := strings.Cut(opt, "=")
		if strings.EqualFold(strings.TrimSpace(k), "batchSize") {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return min(max(n, MinBatchSize), MaxBatchSize)
			}
		}
	}
	return MaxBatchSize
}

// releases are the API versions GET /services/data/ lists. Requests under
// any /services/data/vNN.N/ are served alike.
var releases = []struct{ label, version string }{
	{"Winter '24", "59.0"}, {"Spring '24", "60.0"}, {"Summer '24", "61.0"}, {"Winter '25", "62.0"},
	{"Spring '25", "63.0"}, {"Summer '25", "64.0"}, {"Winter '26", "65.0"}, {"Spring '26", "66.0"},
	{"Summer '26", "67.0"},
}

// versions serves GET /services/data/: [{"label","url","version"}]. It
// needs no session, counts against no limit and carries no
// Sforce-Limit-Info, as on Salesforce.
func (s *Server) versions(w http.ResponseWriter, _ *http.Request) error {
	type entry struct {
		Label   string `json:"label"`
		URL     string `json:"url"`
		Version string `json:"version"`
	}
	out := make([]entry, len(releases))
	for i, v := range releases {
		out[i] = entry{v.label, dataPrefix + "v" + v.version, v.version}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

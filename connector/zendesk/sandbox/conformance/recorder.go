package conformance

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// apiPrefix is the path under which the Zendesk API lives; a Recorder
// records only the exchanges under it.
const apiPrefix = "/api/v2/"

// Exchange is one API request and the answer to it, as they passed through
// a Recorder.
type Exchange struct {
	Method string
	// Path is the request's URL path without a ".json" suffix, such as
	// /api/v2/tickets/1.
	Path        string
	Query       url.Values
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// Recorder is an http.Handler that serves each request with the handler it
// wraps and records every exchange under /api/v2/. It is safe for
// concurrent use. A request whose handler panics, as one whose connection
// is dropped on purpose does, is not recorded: it has no answer.
type Recorder struct {
	next http.Handler

	mu        sync.Mutex
	exchanges []Exchange
}

// NewRecorder returns a Recorder serving with next.
func NewRecorder(next http.Handler) *Recorder {
	return &Recorder{next: next}
}

// ServeHTTP serves r with the wrapped handler and records the exchange.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, apiPrefix) {
		rec.next.ServeHTTP(w, r)
		return
	}
	var reqBody []byte
	if r.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(r.Body); err != nil {
			http.Error(w, "conformance: reading the request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	cw := &capturingWriter{ResponseWriter: w, status: http.StatusOK}
	rec.next.ServeHTTP(cw, r)
	ex := Exchange{
		Method:      r.Method,
		Path:        strings.TrimSuffix(r.URL.Path, ".json"),
		Query:       r.URL.Query(),
		RequestBody: reqBody,
		Status:      cw.status,
		Header:      cw.Header().Clone(),
		Body:        cw.body.Bytes(),
	}
	rec.mu.Lock()
	rec.exchanges = append(rec.exchanges, ex)
	rec.mu.Unlock()
}

// Exchanges returns the exchanges recorded so far, oldest first.
func (rec *Recorder) Exchanges() []Exchange {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Exchange(nil), rec.exchanges...)
}

// capturingWriter passes a response through and keeps its status and body.
// Its status is 200 until WriteHeader says otherwise, as net/http's is.
type capturingWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (cw *capturingWriter) WriteHeader(status int) {
	if !cw.wroteHeader {
		cw.status, cw.wroteHeader = status, true
	}
	cw.ResponseWriter.WriteHeader(status)
}

func (cw *capturingWriter) Write(p []byte) (int, error) {
	cw.wroteHeader = true
	cw.body.Write(p)
	return cw.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection, so that the
// wrapped handler can still hijack it.
func (cw *capturingWriter) Unwrap() http.ResponseWriter {
	return cw.ResponseWriter
}

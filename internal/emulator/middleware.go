package emulator

import "net/http"

// Chain returns h wrapped in mws, mws[0] outermost: a request goes through
// them in the order listed before it reaches h.
func Chain(h http.Handler, mws ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// RewritePath returns middleware that serves a request under the path
// rewrite returns for its path, when rewrite reports true, and unchanged
// otherwise: the middleware that follow and the mux see the new path.
func RewritePath(rewrite func(path string) (string, bool)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p, ok := rewrite(r.URL.Path); ok {
				r2 := r.Clone(r.Context())
				r2.URL.Path, r2.URL.RawPath = p, ""
				r = r2
			}
			next.ServeHTTP(w, r)
		})
	}
}

// StatusRecorder is an http.ResponseWriter that records the status its
// handler answers.
type StatusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// NewStatusRecorder returns a StatusRecorder writing to w.
func NewStatusRecorder(w http.ResponseWriter) *StatusRecorder {
	return &StatusRecorder{ResponseWriter: w, status: http.StatusOK}
}

// Status returns the status answered, 200 when the handler wrote a body
// without a header or wrote nothing, and whether it wrote anything: it
// wrote nothing when, say, a fault dropped the connection.
func (r *StatusRecorder) Status() (status int, wrote bool) {
	return r.status, r.wrote
}

// WriteHeader records the first status written and writes it.
func (r *StatusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write notes that the handler wrote and writes b.
func (r *StatusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, to hijack it.
func (r *StatusRecorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

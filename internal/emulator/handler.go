package emulator

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
)

// A HandlerFunc serves one endpoint of an emulated API; the error it
// returns is answered by Adapt.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Adapt turns h into an http.Handler that answers the error h returns with
// write: an error that is (or wraps) an E, the emulator's own API error, as
// it is; any other error is logged to log and answered as internal, the
// API's 500, without showing it.
func Adapt[E error](log *slog.Logger, h HandlerFunc, internal E, write func(http.ResponseWriter, E)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var ae E
		if !errors.As(err, &ae) {
			log.Error("sandbox: handler failed", "method", r.Method, "path", r.URL.Path, "err", err)
			ae = internal
		}
		write(w, ae)
	})
}

type routeKey[R any] struct{}

// WithRoute returns middleware that finds each request's route with find,
// once, and keeps it in the request's context for RouteOf: the middleware
// that follow and the handlers learn the route without matching again. R is
// the emulator's own description of a route.
func WithRoute[R any](find func(*http.Request) R) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), routeKey[R]{}, find(r))))
		})
	}
}

// RouteOf returns the route WithRoute found for r, or the zero R when no
// WithRoute of R served r.
func RouteOf[R any](r *http.Request) R {
	rt, _ := r.Context().Value(routeKey[R]{}).(R)
	return rt
}

// CountRequests returns middleware that counts in c each request that key
// names (reporting true), by the name key gives it, and the status it is
// answered. A request whose handler wrote nothing, such as one whose
// connection a fault dropped, counts no response.
func CountRequests[S any](c *Counters[S], key func(*http.Request) (string, bool)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, ok := key(r)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			c.Request(k)
			rec := NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			if status, wrote := rec.Status(); wrote {
				c.Response(status)
			}
		})
	}
}

// LogRequests returns middleware that logs each request to log at debug
// level, as "sandbox: request" with its method, path and status (0 for a
// request answered nothing, such as one whose connection was dropped),
// followed by the attributes attrs gives once the request is served (nil
// for none).
func LogRequests(log *slog.Logger, attrs func(w http.ResponseWriter, r *http.Request) []any) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := NewStatusRecorder(w)
			next.ServeHTTP(rec, r)
			status, wrote := rec.Status()
			if !wrote {
				status = 0
			}
			args := []any{"method", r.Method, "path", r.URL.Path, "status", status}
			if attrs != nil {
				args = append(args, attrs(w, r)...)
			}
			log.Debug("sandbox: request", args...)
		})
	}
}

// Package httpretry is the retry policy of cohort's helpdesk clients, for
// hashicorp/go-retryablehttp. retryablehttp's default retries any request
// on a 5xx or a connection error; for a write whose response was lost that
// sends it twice, and a second POST of a macro or a note is a second one
// nobody tracks. These clients retry by what the request is:
//
//   - any request after a 429 (the helpdesk refused it unprocessed) or
//     when it never left this machine (the connection failed before the
//     request was written);
//   - a request safe to repeat also after a 5xx or a connection error
//     once sent: GET, HEAD and OPTIONS, and the writes whose context is
//     marked with Repeatable (a write the helpdesk refuses when repeated,
//     or one that sets the same state twice);
//   - nothing else. A POST that may have created something comes back as
//     an error, and its caller looks the object up before creating it
//     again.
//
// A request whose context is marked with Once is never retried: a write
// built from a read that a later send could make stale.
//
// A client's transport sends each request with Send (or reports one it
// did not send with NotSent), and its retryablehttp client uses
// CheckRetry.
package httpretry

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"

	"github.com/hashicorp/go-retryablehttp"
)

// repeatableKey marks a request context whose writes may be sent twice.
type repeatableKey struct{}

// Repeatable returns ctx with its requests marked safe to send again after
// a response was lost.
func Repeatable(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatableKey{}, true)
}

// onceKey marks a request context whose requests go out at most once.
type onceKey struct{}

// Once returns ctx with its requests marked never to be retried, whatever
// the answer: the caller reads again and decides anew.
func Once(ctx context.Context) context.Context {
	return context.WithValue(ctx, onceKey{}, true)
}

// safeToRepeat reports whether a request of method with context ctx may be
// sent again when it may have been executed.
func safeToRepeat(ctx context.Context, method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	marked, _ := ctx.Value(repeatableKey{}).(bool)
	return marked
}

// sendError is a transport error with the request's method and whether
// the request was written to the connection before it failed.
type sendError struct {
	method string
	sent   bool
	err    error
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// Send sends req through next. Its error, if any, says whether the whole
// request was written before the connection failed, for CheckRetry.
func Send(next http.RoundTripper, req *http.Request) (*http.Response, error) {
	var sent bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			sent = true
		}
	}}
	resp, err := next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	if err != nil {
		return nil, &sendError{method: req.Method, sent: sent, err: err}
	}
	return resp, nil
}

// NotSent is the error of a request of method that the transport did not
// send at all (its wait for the rate budget ended with err).
func NotSent(method string, err error) error {
	return &sendError{method: method, err: err}
}

// CheckRetry is a retryablehttp.CheckRetry: the policy above on top of
// retryablehttp's own (which never retries a redirect loop, a bad URL or
// an untrusted certificate, and retries 429 and 5xx but 501).
func CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if once, _ := ctx.Value(onceKey{}).(bool); once {
		return false, nil
	}
	retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || perr != nil {
		return retry, perr
	}
	if err != nil {
		var se *sendError
		if !errors.As(err, &se) {
			return false, nil // not from a transport that used Send: nothing says it is safe
		}
		return !se.sent || safeToRepeat(ctx, se.method), nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true, nil
	}
	return safeToRepeat(ctx, resp.Request.Method), nil
}

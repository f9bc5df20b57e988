package zendesk

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"

	"github.com/hashicorp/go-retryablehttp"
)

// The retry policy. retryablehttp's default retries any request on a 5xx
// or a connection error; for a write whose response was lost that sends
// it twice, and a second POST /macros is a second macro nobody tracks.
// cohort retries by what the request is:
//
//   - any request after a 429 (Zendesk refused it unprocessed) or when it
//     never left this machine (the connection failed before the request
//     was written);
//   - a request safe to repeat also after a 5xx or a connection error
//     once sent: GET, HEAD and OPTIONS, and the writes marked with
//     repeatable (a safe_update ticket write, whose repeat Zendesk refuses
//     with a 409; a macro update, which sets the same state twice);
//   - nothing else. A POST that may have created something comes back as
//     an error, and its caller looks the object up by its key before
//     creating it again (see PlanInstall and macros.Sync).

// repeatableKey marks a request context whose writes may be sent twice.
type repeatableKey struct{}

// repeatable returns ctx with its requests marked safe to send again after
// a response was lost.
func repeatable(ctx context.Context) context.Context {
	return context.WithValue(ctx, repeatableKey{}, true)
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

// traceSent returns req with a trace that sets *sent once the whole
// request has been written.
func traceSent(req *http.Request, sent *bool) *http.Request {
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			*sent = true
		}
	}}
	return req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
}

// checkRetry is the client's retryablehttp.CheckRetry: the policy above on
// top of retryablehttp's own (which never retries a redirect loop, a bad
// URL or an untrusted certificate, and retries 429 and 5xx but 501).
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, perr := retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	if !retry || perr != nil {
		return retry, perr
	}
	if err != nil {
		var se *sendError
		if !errors.As(err, &se) {
			return false, nil // not from the transport: nothing says it is safe
		}
		return !se.sent || safeToRepeat(ctx, se.method), nil
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return true, nil
	}
	return safeToRepeat(ctx, resp.Request.Method), nil
}

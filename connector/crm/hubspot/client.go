package hubspot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/cohortdesk/cohort"
)

// maxResponseBytes bounds the responses the source reads.
const maxResponseBytes = 64 << 20

// APIError is an error answer from HubSpot: a status other than 200 or 207,
// after any retries.
type APIError struct {
	Method, Path string // the endpoint, e.g. "POST /crm/v3/objects/contacts/search"
	StatusCode   int
	// Category is the body's category (VALIDATION_ERROR,
	// INVALID_AUTHENTICATION, MISSING_SCOPES, OBJECT_NOT_FOUND…), or its
	// errorType for a 429 (RATE_LIMIT).
	Category string
	// Policy is the limit a 429 hit: PolicyDaily, PolicyTenSecondly or
	// PolicySecondly.
	Policy        string
	Message       string
	CorrelationID string
}

// The limits of HubSpot's 429 answers.
const (
	PolicyDaily       = "DAILY"
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicySecondly    = "SECONDLY"
)

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.StatusCode)
	for _, s := range []string{e.Category, e.Policy} {
		if s != "" {
			b.WriteString(" " + s)
		}
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Policy == PolicyDaily {
		b.WriteString(" (the account's daily API limit is spent until midnight in its time zone; not retried)")
	}
	if e.CorrelationID != "" {
		b.WriteString(" (correlation id " + e.CorrelationID + ")")
	}
	return b.String()
}

// kindOf returns the cohort.Kind of an error from a request.
func kindOf(err error) cohort.Kind {
	var ae *APIError
	if !errors.As(err, &ae) {
		var ue *url.Error
		if errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			return cohort.KindUnavailable // a connection error, retried in vain
		}
		return cohort.KindOther
	}
	switch {
	case ae.StatusCode == http.StatusBadRequest:
		return cohort.KindInvalid
	case ae.StatusCode == http.StatusUnauthorized || ae.StatusCode == http.StatusForbidden:
		return cohort.KindUnauthorized
	case ae.StatusCode == http.StatusNotFound:
		return cohort.KindNotFound
	case ae.StatusCode == http.StatusTooManyRequests || ae.StatusCode >= 500:
		return cohort.KindUnavailable
	}
	return cohort.KindOther
}

// newHTTPClient returns the retrying client of s, whose transport passes
// every request, retries included, through the rate limiters.
func newHTTPClient(cfg Config, s *Source) *retryablehttp.Client {
	hc := &http.Client{Timeout: DefaultTimeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	perSecond := rateOr(cfg.RequestsPerSecond, DefaultRequestsPerSecond)
	hc.Transport = &limitedTransport{
		next:     next,
		requests: rate.NewLimiter(perSecond, max(int(perSecond), 1)), // a second's worth at once
		searches: rate.NewLimiter(rateOr(cfg.SearchesPerSecond, DefaultSearchesPerSecond), 1),
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.Logger = slogAdapter{cfg.Logger}
	rc.RetryMax = cfg.RetryMax
	switch {
	case cfg.RetryMax == 0:
		rc.RetryMax = DefaultRetryMax
	case cfg.RetryMax < 0:
		rc.RetryMax = 0
	}
	rc.CheckRetry = checkRetry
	rc.Backoff = s.backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

// limitedTransport makes each request wait its turn: searches on their
// own limiter (HubSpot limits them apart), the others on the general one.
type limitedTransport struct {
	next               http.RoundTripper
	requests, searches *rate.Limiter
}

func (l *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	lim := l.requests
	if isSearch(req) {
		lim = l.searches
	}
	if err := lim.Wait(req.Context()); err != nil {
		return nil, err
	}
	return l.next.RoundTrip(req)
}

// isSearch tells a search request.
func isSearch(req *http.Request) bool {
	return req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/search")
}

// call sends one request to path with query and, if not nil, body as
// JSON, and decodes a 200 or 207 answer into out. It returns the answer's
// headers, or an *APIError for any other status.
func (s *Source) call(ctx context.Context, method, path string, query url.Values, body, out any) (http.Header, error) {
	var raw any
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode the request: %w", method, path, err)
		}
		raw = data
	}
	u := s.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read the answer: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusMultiStatus {
		return nil, apiError(method, path, resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("%s %s: the answer is not the JSON expected: %w", method, path, err)
	}
	return resp.Header, nil
}

// apiError reads an error answer's body, HubSpot's error shape or its 429
// shape.
func apiError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: status}
	var b errorBody
	if json.Unmarshal(body, &b) != nil {
		e.Message = strings.TrimSpace(string(body[:min(len(body), 200)]))
		return e
	}
	e.Category, e.Message, e.CorrelationID = b.Category, b.Message, b.CorrelationID
	if status == http.StatusTooManyRequests {
		e.Category, e.Policy = b.ErrorType, b.policy()
	}
	return e
}

// errorBody is HubSpot's error body and its 429 body.
type errorBody struct {
	Category      string `json:"category"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	ErrorType     string `json:"errorType"`
	PolicyName    string `json:"policyName"`
}

// Messages of the 429 answers HubSpot's SDK matches on.
const (
	msgDailyLimit    = "You have reached your daily limit."
	msgSecondlyLimit = "You have reached your secondly limit."
)

// policy tells which limit a 429 hit, by its policyName or the messages
// HubSpot's SDK knows; a 429 without either counts as the ten-second
// window's.
func (b errorBody) policy() string {
	switch {
	case b.PolicyName == PolicyDaily || b.Message == msgDailyLimit:
		return PolicyDaily
	case b.PolicyName == PolicySecondly || b.Message == msgSecondlyLimit:
		return PolicySecondly
	case b.PolicyName != "":
		return b.PolicyName
	}
	return PolicyTenSecondly
}

// slogAdapter lets retryablehttp log through slog at debug level (its
// default logger prints every request to stderr). It logs URLs, never
// headers: the token stays out.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Error(msg string, kv ...any) { a.l.Debug("hubspot http: "+msg, kv...) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.l.Debug("hubspot http: "+msg, kv...) }
func (a slogAdapter) Debug(msg string, kv ...any) { a.l.Debug("hubspot http: "+msg, kv...) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.l.Debug("hubspot http: "+msg, kv...) }

package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cohortdesk/cohort"
)

// Salesforce errorCodes the source acts on.
const (
	codeInvalidSession = "INVALID_SESSION_ID"
	codeRequestLimit   = "REQUEST_LIMIT_EXCEEDED"
	codeInvalidField   = "INVALID_FIELD"
)

// headerLimitInfo reports the org's API usage: "api-usage=18/15000".
const headerLimitInfo = "Sforce-Limit-Info"

// APIError is an error answer from Salesforce: its HTTP status and the
// first error of its body.
type APIError struct {
	Status int
	// Code is the errorCode ("INVALID_FIELD", "REQUEST_LIMIT_EXCEEDED"), or
	// the OAuth error ("invalid_grant") of the token endpoint.
	Code    string
	Message string
	// LimitInfo is the answer's Sforce-Limit-Info, such as
	// "api-usage=15000/15000", when it has one; the message shows it on
	// REQUEST_LIMIT_EXCEEDED.
	LimitInfo string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("Salesforce answered %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.LimitInfo != "" && e.Code == codeRequestLimit {
		msg += " (" + e.LimitInfo + ")"
	}
	return msg
}

// parseAPIError reads an error answer: Salesforce's array of
// {"message","errorCode"}, or whatever else came back.
func parseAPIError(status int, header http.Header, body []byte) *APIError {
	e := &APIError{Status: status, LimitInfo: header.Get(headerLimitInfo)}
	var errs []struct {
		Message   string `json:"message"`
		ErrorCode string `json:"errorCode"`
	}
	if json.Unmarshal(body, &errs) == nil && len(errs) > 0 {
		e.Code, e.Message = errs[0].ErrorCode, queryReason(errs[0].Message)
	} else {
		e.Message = snippet(body)
	}
	return e
}

// queryReason shortens a SOQL error message to its reason: Salesforce
// repeats the query, draws a caret under the culprit and says "ERROR at
// Row:1:Column:12" before the reason.
func queryReason(msg string) string {
	if i := strings.Index(msg, "ERROR at Row:"); i >= 0 {
		if _, reason, ok := strings.Cut(msg[i:], "\n"); ok {
			msg = reason
		}
	}
	return strings.Join(strings.Fields(msg), " ")
}

// snippet returns the start of an unexpected body, for error messages.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// tokenError is a failure to get an access token.
type tokenError struct {
	loginURL string
	err      error
}

func (e *tokenError) Error() string {
	return "get an access token from " + e.loginURL + ": " + e.err.Error()
}

func (e *tokenError) Unwrap() error { return e.err }

// emitError carries the error of the caller's emit out of Read's layers
// unchanged: Read returns it as emit returned it.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// readError wraps a failure of one step of a read ("read contacts changed
// since …") in a cohort error whose kind says what the caller can do, with
// a hint for the failures an admin must act on. Emit errors, and errors
// already wrapped, pass unchanged.
func readError(step string, err error) error {
	var ee *emitError
	var ce *cohort.Error
	if errors.As(err, &ee) || errors.As(err, &ce) {
		return err
	}
	const op = "salesforce.Read"
	var te *tokenError
	var ae *APIError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		return cohort.E(op, cohort.KindOther, fmt.Errorf("%s: %w", step, err))
	case errors.As(err, &te) && errors.As(err, &ae) && ae.Status < 500 && ae.Status != http.StatusTooManyRequests:
		return cohort.E(op, cohort.KindUnauthorized, fmt.Errorf("%s: %w; check ClientID, ClientSecret, RefreshToken and LoginURL", step, err))
	case !errors.As(err, &ae):
		return cohort.E(op, cohort.KindUnavailable, fmt.Errorf("%s: %w", step, err))
	}
	kind, hint := cohort.KindOther, ""
	switch {
	case ae.Code == codeRequestLimit:
		kind, hint = cohort.KindUnavailable, "the org's daily API request limit is used up; the next run resumes from the last checkpoint once it recovers"
	case ae.Code == codeInvalidField:
		kind, hint = cohort.KindInvalid, "the mapping names a field the org does not have; map only existing fields (their API names, custom ones ending in __c)"
	case ae.Code == codeInvalidSession:
		kind, hint = cohort.KindUnauthorized, "the access token is expired or revoked; set ClientID, ClientSecret and RefreshToken so the source can renew it"
	case ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden:
		kind = cohort.KindUnauthorized
	case ae.Status == http.StatusNotFound:
		kind = cohort.KindNotFound
	case ae.Status == http.StatusTooManyRequests || ae.Status >= 500:
		kind = cohort.KindUnavailable
	case ae.Status >= 400:
		kind = cohort.KindInvalid
	}
	if hint != "" {
		return cohort.E(op, kind, fmt.Errorf("%s: %w; %s", step, err, hint))
	}
	return cohort.E(op, kind, fmt.Errorf("%s: %w", step, err))
}

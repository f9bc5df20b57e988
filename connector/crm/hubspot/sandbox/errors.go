package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error categories of HubSpot's error body.
const (
	CategoryValidation     = "VALIDATION_ERROR"
	CategoryAuthentication = "INVALID_AUTHENTICATION"
	CategoryMissingScopes  = "MISSING_SCOPES"
	CategoryNotFound       = "OBJECT_NOT_FOUND"
)

// errorBody is HubSpot's error shape (§1.9 of the reference sheet), and
// the 429 shape, which has errorType and policyName instead of category.
// CorrelationID is filled in when the error is written.
type errorBody struct {
	Status        string              `json:"status"`
	Message       string              `json:"message"`
	CorrelationID string              `json:"correlationId"`
	Category      string              `json:"category,omitempty"`
	SubCategory   string              `json:"subCategory,omitempty"`
	Context       map[string][]string `json:"context,omitempty"`
	Links         map[string]string   `json:"links,omitempty"`
	Errors        []errorDetail       `json:"errors,omitempty"`
	ErrorType     string              `json:"errorType,omitempty"`
	PolicyName    string              `json:"policyName,omitempty"`
	RequestID     string              `json:"requestId,omitempty"`
}

// errorDetail is one item of an error body's errors list.
type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

// apiError is an error answered to the client with its status and body.
type apiError struct {
	status int
	body   errorBody
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.body.Category, e.body.Message)
}

// write answers the error, with the correlation id standardHeaders set.
func (e *apiError) write(w http.ResponseWriter) {
	b := e.body
	b.Status = "error"
	b.CorrelationID = w.Header().Get(headerCorrelationID)
	writeJSON(w, e.status, b)
}

// errInvalid is a 400 VALIDATION_ERROR.
func errInvalid(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, body: errorBody{
		Category: CategoryValidation,
		Message:  fmt.Sprintf(format, args...),
	}}
}

// errNotFound is a 404 OBJECT_NOT_FOUND.
func errNotFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, body: errorBody{
		Category: CategoryNotFound,
		Message:  fmt.Sprintf(format, args...),
	}}
}

func errUnauthorized(msg string) *apiError {
	return &apiError{status: http.StatusUnauthorized, body: errorBody{Category: CategoryAuthentication, Message: msg}}
}

func errMissingScopes(missing []string) *apiError {
	return &apiError{status: http.StatusForbidden, body: errorBody{
		Category: CategoryMissingScopes,
		Message:  "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
		Errors: []errorDetail{{
			Message: "One or more of the following scopes are required.",
			Context: map[string][]string{"requiredGranularScopes": missing},
		}},
		Links: map[string]string{"scopes": "https://developers.hubspot.com/scopes"},
	}}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// maxBodyBytes bounds request bodies the sandbox reads.
const maxBodyBytes = 1 << 20

// readBody reads a request body, which must be there.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	switch {
	case err != nil:
		return nil, errInvalid("cannot read the request body: %v", err)
	case len(body) > maxBodyBytes:
		return nil, errInvalid("the request body is larger than %d bytes", maxBodyBytes)
	case len(bytes.TrimSpace(body)) == 0:
		return nil, errInvalid("the request body is empty; want a JSON object")
	}
	return body, nil
}

// decodeJSON decodes a JSON request body into v, answering 400 when it is
// not valid JSON of v's shape.
func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return errInvalid("invalid input JSON: field %s: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return errInvalid("invalid input JSON: %v", err)
	}
	return nil
}

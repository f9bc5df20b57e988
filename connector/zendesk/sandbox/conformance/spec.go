package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is an OpenAPI document that recorded exchanges are checked against.
type Spec struct {
	router routers.Router
	// nullable holds the schemas of NullableFields: a null checked against
	// one of them is not a difference.
	nullable map[*openapi3.Schema]bool
}

// LoadSpec reads the OpenAPI document at path and resolves NullableFields
// in it. It drops the document's servers, so that operations are found by
// their path alone, whatever address the sandbox listens on.
func LoadSpec(path string) (*Spec, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document %s: %w", path, err)
	}
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the operations of %s: %w", path, err)
	}
	nullable, err := resolveNullable(doc, NullableFields)
	if err != nil {
		return nil, err
	}
	return &Spec{router: router, nullable: nullable}, nil
}

// Difference is one way a recorded answer departs from the OpenAPI
// document. It is comparable, so differences can be counted and
// deduplicated as map keys.
type Difference struct {
	// Operation is the method and the documented path, such as
	// "GET /api/v2/tickets/{ticket_id}".
	Operation string
	// Location is where the problem is: "status", "headers", "body" for
	// the body as a whole, or else a JSON pointer into the body with every
	// array index written *, such as "/tickets/*/priority".
	Location string
	// Problem says what is wrong, without the values: the same problem
	// found in two answers reads the same.
	Problem string
}

func (d Difference) String() string {
	return d.Operation + " " + d.Location + ": " + d.Problem
}

// Report is what Check found in a list of exchanges.
type Report struct {
	// Checked counts the exchanges whose operation the document describes.
	Checked int
	// Differences holds every difference found, in the order of the
	// exchanges; one found in two exchanges is there twice.
	Differences []Difference
	// NotInOAS lists, sorted and once each, the requests whose operation
	// the document does not describe, as the method and the path with
	// every segment after /api/v2/ that holds a digit written {id}, such
	// as "GET /api/v2/webhooks/{id}".
	NotInOAS []string
}

// Check checks every exchange against the document: the operation must be
// documented, the status documented for it, and the body must match the
// schema documented for that status. A body is checked in full: all its
// differences are reported, not only the first.
func (s *Spec) Check(exchanges []Exchange) Report {
	var rep Report
	for _, ex := range exchanges {
		route, params, err := s.router.FindRoute(requestOf(ex))
		if err != nil {
			rep.NotInOAS = append(rep.NotInOAS, ex.Method+" "+genericPath(strings.TrimSuffix(ex.Path, ".json")))
			continue
		}
		rep.Checked++
		rep.Differences = append(rep.Differences, s.checkAnswer(ex, route, params)...)
	}
	slices.Sort(rep.NotInOAS)
	rep.NotInOAS = slices.Compact(rep.NotInOAS)
	return rep
}

// requestOf rebuilds the request of ex for the router, which matches on
// the method and the path, without a ".json" suffix.
func requestOf(ex Exchange) *http.Request {
	return &http.Request{
		Method: ex.Method,
		URL:    &url.URL{Path: strings.TrimSuffix(ex.Path, ".json"), RawQuery: ex.Query.Encode()},
		Header: http.Header{},
	}
}

// genericPath writes {id} for every segment of path after /api/v2/ that
// holds a digit.
func genericPath(path string) string {
	rest, ok := strings.CutPrefix(path, apiPrefix)
	if !ok {
		return path
	}
	segments := strings.Split(rest, "/")
	for i, seg := range segments {
		if strings.ContainsAny(seg, "0123456789") {
			segments[i] = "{id}"
		}
	}
	return apiPrefix + strings.Join(segments, "/")
}

// checkAnswer checks the answer of ex against the operation of route. The
// headers and the body are checked in two passes because openapi3filter
// stops at the first header that fails, before the body.
func (s *Spec) checkAnswer(ex Exchange, route *routers.Route, params map[string]string) []Difference {
	op := ex.Method + " " + route.Path
	responses := route.Operation.Responses
	if responses.Status(ex.Status) == nil && responses.Default() == nil {
		return []Difference{{op, "status", fmt.Sprintf("status %d is not documented", ex.Status)}}
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: requestOf(ex), PathParams: params, Route: route}
	var diffs []Difference
	headers := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.Status,
		Header:                 ex.Header,
		Options:                &openapi3filter.Options{ExcludeResponseBody: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, headers); err != nil {
		diffs = append(diffs, Difference{op, "headers", problemOf(err)})
	}
	// The body pass is given the Content-Type alone: the document marks
	// no response header required, so it goes on to the body whatever the
	// other headers hold.
	body := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 ex.Status,
		Header:                 http.Header{"Content-Type": ex.Header.Values("Content-Type")},
		Options: &openapi3filter.Options{
			MultiError:              true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		},
	}
	body.SetBodyBytes(ex.Body)
	return append(diffs, s.bodyDifferences(op, ex.Body, openapi3filter.ValidateResponse(ctx, body))...)
}

// bodyDifferences turns the error of a body check into differences: one
// per problem its schema errors hold, or a single one for a body that
// could not be checked at all.
func (s *Spec) bodyDifferences(op string, body []byte, err error) []Difference {
	if err == nil {
		return nil
	}
	var re *openapi3filter.ResponseError
	var schemaErrs []*openapi3.SchemaError
	if errors.As(err, &re) {
		schemaErrs = schemaErrors(re.Err)
	}
	if len(schemaErrs) == 0 {
		return []Difference{{op, "body", problemOf(err)}}
	}
	var decoded any
	// The check decoded the body to find schema errors, so it is JSON.
	_ = json.Unmarshal(body, &decoded)
	var diffs []Difference
	for _, se := range schemaErrs {
		for _, p := range s.problems(se, "") {
			diffs = append(diffs, Difference{op, locate(decoded, p.path), p.reason})
		}
	}
	return diffs
}

// A problem is what is wrong at a path of the body.
type problem struct {
	path   []string
	reason string
}

// problems returns the problems of a schema error, less the nulls
// NullableFields allows; via names the anyOf, oneOf or allOf branches the
// error was found in, "" at the top. openapi3 reports only that a value
// matches no branch of an anyOf, or not all of an allOf: problems checks
// the value against each branch again to say where, and a value that
// matches a branch of an anyOf or oneOf once the allowed nulls are
// allowed has no problem.
func (s *Spec) problems(se *openapi3.SchemaError, via string) []problem {
	if se.Value == nil && s.nullable[se.Schema] {
		return nil
	}
	path := se.JSONPointer()
	var branches openapi3.SchemaRefs
	switch se.SchemaField {
	case "anyOf":
		branches = se.Schema.AnyOf
	case "oneOf":
		// A value that matches more than one branch has its problem
		// said already; only one that matches none is looked into.
		if se.Origin != openapi3.ErrOneOfConflict {
			branches = se.Schema.OneOf
		}
	case "allOf":
		branches = se.Schema.AllOf
	}
	if len(branches) == 0 {
		reason := reasonOf(se)
		if via != "" {
			reason += " (in " + via + ")"
		}
		return []problem{{path, reason}}
	}
	var all []problem
	matched := false
	for i, b := range branches {
		err := b.Value.VisitJSON(se.Value, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails())
		var found []problem
		for _, inner := range schemaErrors(err) {
			found = append(found, s.problems(inner, joinVia(via, se.SchemaField, branchName(b, i)))...)
		}
		matched = matched || len(found) == 0
		for _, p := range found {
			all = append(all, problem{slices.Concat(path, p.path), p.reason})
		}
	}
	if matched && se.SchemaField != "allOf" {
		return nil
	}
	return all
}

// branchName names a branch of an anyOf, oneOf or allOf: the schema it
// refers to, or its index.
func branchName(b *openapi3.SchemaRef, i int) string {
	if b.Ref != "" {
		return b.Ref[strings.LastIndex(b.Ref, "/")+1:]
	}
	return "#" + strconv.Itoa(i)
}

// joinVia adds a branch to the branches a schema error was found in.
func joinVia(via, field, branch string) string {
	if via != "" {
		via += " > "
	}
	return via + field + " " + branch
}

// schemaErrors returns the schema errors err holds, a MultiError of them
// flattened.
func schemaErrors(err error) []*openapi3.SchemaError {
	switch e := err.(type) {
	case openapi3.MultiError:
		var all []*openapi3.SchemaError
		for _, inner := range e {
			all = append(all, schemaErrors(inner)...)
		}
		return all
	case *openapi3.SchemaError:
		return []*openapi3.SchemaError{e}
	}
	return nil
}

// problemOf describes a check error that is not a schema error: its reason
// and its cause, on one line.
func problemOf(err error) string {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return oneLine(err.Error())
	}
	if re.Err == nil {
		return re.Reason
	}
	return oneLine(re.Reason + ": " + re.Err.Error())
}

// reasonOf says what a schema error found, on one line.
func reasonOf(se *openapi3.SchemaError) string {
	if se.Reason == "" {
		return fmt.Sprintf("does not match the schema's %q", se.SchemaField)
	}
	return oneLine(se.Reason)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// locate writes the path of a schema error as a JSON pointer into body,
// with * for every array index.
func locate(body any, path []string) string {
	if len(path) == 0 {
		return "body"
	}
	var b strings.Builder
	node := body
	for _, token := range path {
		b.WriteByte('/')
		switch n := node.(type) {
		case []any:
			b.WriteByte('*')
			if i, err := strconv.Atoi(token); err == nil && i >= 0 && i < len(n) {
				node = n[i]
			}
			continue
		case map[string]any:
			node = n[token]
		}
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(token))
	}
	return b.String()
}

package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// dateTimeLayout is how Salesforce writes datetimes:
// 2026-09-15T09:00:00.000+0000.
const dateTimeLayout = "2006-01-02T15:04:05.000-0700"

// formatDateTime writes t in UTC as Salesforce does.
func formatDateTime(t time.Time) string {
	return t.UTC().Format(dateTimeLayout)
}

// jsonObject is a JSON object whose members keep their order: Salesforce
// writes attributes first, then the fields in the order selected.
type jsonObject []member

type member struct {
	key   string
	value any
}

// MarshalJSON writes the members in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", m.key, err)
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// attributes is the "attributes" member of a record.
func attributes(object, id, version string) jsonObject {
	return jsonObject{
		{"type", object},
		{"url", "/services/data/" + version + "/sobjects/" + object + "/" + id},
	}
}

// project writes the fields q selects from rec: a parent's fields nest in
// one object named after the relationship, with attributes of its own, or
// are null when the lookup is empty.
func (r resolver) project(q *query, rec *record, version string) jsonObject {
	obj := jsonObject{{"attributes", attributes(rec.obj.name, rec.id, version)}}
	nested := map[*relationship]int{} // index in obj of a relationship's member
	for _, f := range q.fields {
		if f.rel == nil {
			obj = append(obj, member{f.def.name, encodeValue(f.def.kind, rec.values[f.def.name])})
			continue
		}
		parent := r.parent(rec, f.rel)
		i, ok := nested[f.rel]
		if !ok {
			var v any // null without a parent
			if parent != nil {
				v = jsonObject{{"attributes", attributes(parent.obj.name, parent.id, version)}}
			}
			obj = append(obj, member{f.rel.name, v})
			i = len(obj) - 1
			nested[f.rel] = i
		}
		if parent != nil {
			obj[i].value = append(obj[i].value.(jsonObject), member{f.def.name, encodeValue(f.def.kind, parent.values[f.def.name])})
		}
	}
	return obj
}

// encodeValue returns the JSON form of a stored value: numbers unquoted
// (doubles the way Java writes them), dates and datetimes as strings, nil
// as null.
func encodeValue(k valueKind, v any) any {
	if v == nil {
		return nil
	}
	switch k {
	case kindNumber:
		return json.RawMessage(javaDouble(v.(float64)))
	case kindDate:
		return v.(time.Time).Format(time.DateOnly)
	case kindDateTime:
		return formatDateTime(v.(time.Time))
	}
	return v
}

// javaDouble formats f like Java's Double.toString, which Salesforce's
// JSON follows: 250000.0 and 0.5, but 1.5E7 from ten million up and
// 1.0E-4 below a thousandth.
func javaDouble(f float64) string {
	if abs := math.Abs(f); abs == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	mantissa, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	if !strings.Contains(mantissa, ".") {
		mantissa += ".0"
	}
	e, _ := strconv.Atoi(exp)
	return mantissa + "E" + strconv.Itoa(e)
}

// The errorCodes the sandbox answers.
const (
	codeMalformedQuery         = "MALFORMED_QUERY"
	codeInvalidField           = "INVALID_FIELD"
	codeInvalidType            = "INVALID_TYPE"
	codeInvalidSession         = "INVALID_SESSION_ID"
	codeInvalidLocator         = "INVALID_QUERY_LOCATOR"
	codeRequestLimit           = "REQUEST_LIMIT_EXCEEDED"
	codeNotFound               = "NOT_FOUND"
	codeServerUnavailable      = "SERVER_UNAVAILABLE"
	codeExceededIDLimit        = "EXCEEDED_ID_LIMIT"
	codeInvalidReplicationDate = "INVALID_REPLICATION_DATE"
	codeMissingArgument        = "MISSING_ARGUMENT"
)

// apiError is an error answered with its status and Salesforce's error
// body: a JSON array of one {"message", "errorCode"}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

var errNotFound = errorf(http.StatusNotFound, codeNotFound, "The requested resource does not exist")

// errorBody is one element of Salesforce's error array.
type errorBody struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, []errorBody{{Message: e.message, ErrorCode: e.code}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal([]errorBody{{Message: "sandbox: encode response: " + err.Error(), ErrorCode: "UNKNOWN_EXCEPTION"}})
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
}

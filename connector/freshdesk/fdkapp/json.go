package fdkapp

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// object is a JSON object as parsed: each key's value as written.
type object map[string]json.RawMessage

// keys returns o's keys in order, so that Check reports in a stable order.
func (o object) keys() []string { return slices.Sorted(maps.Keys(o)) }

// decodeObject parses a whole file's data as one JSON object. Its errors
// are for an admin: the line of a syntax error, or what the file is instead.
func decodeObject(data []byte) (object, error) {
	o, err := apppkg.DecodeObject(data)
	return object(o), err
}

// asObject returns raw as an object, if it is one (null is not).
func asObject(raw json.RawMessage) (object, bool) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return nil, false
	}
	return o, true
}

// asString returns raw as a string, if it is one.
func asString(raw json.RawMessage) (string, bool) {
	var s string
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte(`"`)) && json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	return "", false
}

// asBool returns raw as a boolean, if it is one.
func asBool(raw json.RawMessage) (v, ok bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// asNumber returns raw as a number, if it is one.
func asNumber(raw json.RawMessage) (float64, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '-' && (t[0] < '0' || t[0] > '9') {
		return 0, false
	}
	var f float64
	if json.Unmarshal(t, &f) != nil {
		return 0, false
	}
	return f, true
}

// asArray returns raw as an array of values, if it is one.
func asArray(raw json.RawMessage) ([]json.RawMessage, bool) {
	var a []json.RawMessage
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) && json.Unmarshal(raw, &a) == nil {
		return a, true
	}
	return nil, false
}

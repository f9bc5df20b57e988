package zafapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// decodeAs decodes raw, one value of a file already parsed, as a T; when
// raw is of another shape, the error shows it and says what it should be.
func decodeAs[T any](raw json.RawMessage, want string) (T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		var zero T
		return zero, fmt.Errorf("%s is not %s", apppkg.Brief(raw), want)
	}
	return v, nil
}

// marshal encodes v as JSON, leaving <, > and & as they are.
func marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// object is a JSON object with its keys in the order written, so that a
// file rewritten by WithURL reads like the one it came from.
type object []member

// member is one key of an object and its value as written.
type member struct {
	key   string
	value json.RawMessage
}

// decodeMembers parses data as one JSON object, keeping its keys in order.
// Its errors are decodeObject's.
func decodeMembers(data []byte) (object, error) {
	var o object
	if err := apppkg.Unmarshal(data, &o, "a JSON object"); err != nil {
		return nil, err
	}
	return o, nil
}

// UnmarshalJSON reads one JSON object into o. json.Unmarshal calls it only
// on valid JSON; any other value than an object, null too, is an error.
func (o *object) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	*o = nil
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string) // an object's keys are strings
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		*o = append(*o, member{key, value})
	}
	return nil
}

// index returns the position of key in o, or -1.
func (o object) index(key string) int {
	for i, m := range o {
		if m.key == key {
			return i
		}
	}
	return -1
}

// set returns o with key's value replaced, or added at the end.
func (o object) set(key string, value json.RawMessage) object {
	if i := o.index(key); i >= 0 {
		o[i].value = value
		return o
	}
	return append(o, member{key, value})
}

// encode returns o as compact-enough JSON: each value as written.
func (o object) encode() json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		key, _ := marshal(m.key) // a string always encodes
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(m.value)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

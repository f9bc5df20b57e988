package apppkg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Unmarshal parses a whole file's data into dst. Its errors are for an
// admin: the line of a syntax error, or, when the JSON is of another
// shape than dst, "not " and want.
func Unmarshal(data []byte, dst any, want string) error {
	err := json.Unmarshal(data, dst)
	if syn := (*json.SyntaxError)(nil); errors.As(err, &syn) {
		line := 1 + bytes.Count(data[:min(int(syn.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("not valid JSON: line %d: %s", line, syn)
	}
	if err != nil {
		return errors.New("not " + want)
	}
	return nil
}

// DecodeObject parses a whole file's data as one JSON object (null is
// not one), with Unmarshal's errors.
func DecodeObject(data []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := Unmarshal(data, &obj, "a JSON object"); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, errors.New("not a JSON object")
	}
	return obj, nil
}

// Brief returns raw, shortened for a message.
func Brief(raw json.RawMessage) string {
	const limit = 40
	s := string(bytes.TrimSpace(raw))
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

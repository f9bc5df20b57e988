package apppkg_test

import (
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

func TestDecodeObject(t *testing.T) {
	for data, want := range map[string]string{
		"{\n  name: 1\n}": "not valid JSON: line 2: invalid character 'n' looking for beginning of object key string",
		`{"a":`:           "not valid JSON: line 1: unexpected end of JSON input",
		"[]":              "not a JSON object",
		"null":            "not a JSON object",
		`{"a":1}`:         "",
	} {
		obj, err := apppkg.DecodeObject([]byte(data))
		switch {
		case want == "" && (err != nil || string(obj["a"]) != "1"):
			t.Errorf("%s: %v, %v", data, obj, err)
		case want != "" && (err == nil || err.Error() != want):
			t.Errorf("%s: %v, want %q", data, err, want)
		}
	}
	var list []int
	if err := apppkg.Unmarshal([]byte(`{}`), &list, "a list of numbers"); err == nil || err.Error() != "not a list of numbers" {
		t.Errorf("Unmarshal: %v", err)
	}
}

func TestBrief(t *testing.T) {
	if got := apppkg.Brief([]byte(" 7 ")); got != "7" {
		t.Errorf("short: %q", got)
	}
	long := `"` + strings.Repeat("é", 30) + `"`
	got := apppkg.Brief([]byte(long))
	if !strings.HasSuffix(got, "…") || len(got) > 40+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("long: %q", got)
	}
}

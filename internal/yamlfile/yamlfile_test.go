package yamlfile_test

import (
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/internal/yamlfile"
)

func TestRootTakesOneDocument(t *testing.T) {
	tests := []struct {
		name, data, wantErr string
	}{
		{"one document", "a: 1\n", ""},
		{"one document after ---", "---\na: 1\n", ""},
		{"a second document", "a: 1\n---\nb: 2\n", "f.yaml:2: a second YAML document"},
		{"a broken second document", "a: 1\n---\nb: [\n", "f.yaml:3: not valid YAML"},
		{"empty", "", "file is empty; want a mapping"},
		{"not YAML", "a: [\n", "not valid YAML"},
	}
	for _, tt := range tests {
		r := yamlfile.Reader{File: "f.yaml"}
		root := r.Root([]byte(tt.data), "a mapping")
		err := r.Err()
		switch {
		case tt.wantErr == "" && (err != nil || root == nil):
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

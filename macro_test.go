package cohort_test

import (
	"testing"

	"github.com/cohortdesk/cohort"
)

func TestMacroMarker(t *testing.T) {
	tests := []struct {
		desc, key string
	}{
		{"Greets a new customer.", "welcome"},
		{"", "welcome"},
		{"Two lines.\nThe second.", "enterprise_path"},
	}
	for _, tt := range tests {
		marked := cohort.MarkMacroDescription(tt.desc, tt.key)
		rest, key := cohort.UnmarkMacroDescription(marked)
		if rest != tt.desc || key != tt.key {
			t.Errorf("Unmark(Mark(%q, %q)) = %q, %q", tt.desc, tt.key, rest, key)
		}
		// Zendesk may trim or add trailing whitespace.
		if _, key := cohort.UnmarkMacroDescription(marked + "\n "); key != tt.key {
			t.Errorf("a trailing newline hides the marker of %q", marked)
		}
	}
	for _, desc := range []string{"", "no marker", "cohort key: Not A Key", "a\ncohort key: x y"} {
		if rest, key := cohort.UnmarkMacroDescription(desc); rest != desc || key != "" {
			t.Errorf("Unmark(%q) = %q, %q; want it unchanged with no key", desc, rest, key)
		}
	}
}

package cohort_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering keeps the rooms of DESIGN.md apart, as `go list -deps`
// shows them: the domain imports only the standard library, enrich links
// no database, web imports no other adapter.
func TestLayering(t *testing.T) {
	const module = "github.com/cohortdesk/cohort"
	tests := []struct {
		pkg       string
		forbidden []string // import path prefixes
	}{
		{".", []string{module + "/", "github.com/", "gopkg.in/", "golang.org/", "modernc.org/"}},
		{"./enrich", []string{module + "/store", "github.com/riverqueue/", "github.com/jackc/", "modernc.org/sqlite"}},
		{"./web", []string{module + "/store", module + "/syncer", module + "/connector", module + "/macros",
			module + "/enrich", module + "/playbook", "github.com/riverqueue/", "github.com/jackc/", "modernc.org/sqlite"}},
		{"./macros", []string{module + "/store", "github.com/riverqueue/", "github.com/jackc/", "modernc.org/sqlite"}},
	}
	for _, tt := range tests {
		out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", tt.pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", tt.pkg, err, out)
		}
		for dep := range strings.FieldsSeq(string(out)) {
			if dep == module {
				continue
			}
			for _, f := range tt.forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s depends on %s", tt.pkg, dep)
				}
			}
		}
	}
}

package yamlfile_test

import (
	"testing"

	"github.com/cohortdesk/cohort/internal/yamlfile"
)

// FuzzRoot reads any bytes: a problem is recorded with a line, a root
// comes back only when there is none.
func FuzzRoot(f *testing.F) {
	f.Add([]byte("a: 1\nb: [x, y]\n"))
	f.Add([]byte("---\n- a\n- b\n---\nc: d\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := yamlfile.Reader{File: "fuzz.yaml"}
		root := r.Root(data, "something")
		if (root == nil) == (r.Err() == nil) {
			t.Fatalf("root %v with error %v", root, r.Err())
		}
		if root != nil {
			r.Mapping(root, "item", "a", "b")
		}
	})
}

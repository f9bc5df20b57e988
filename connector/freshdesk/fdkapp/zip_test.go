package fdkapp_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/cohortdesk/cohort/connector/freshdesk/fdkapp"
)

// TestZip: Zip and ReadZip round-trip, and the app read back passes
// Check. How Zip and ReadZip work is internal/apppkg's, tested there.
func TestZip(t *testing.T) {
	p := validApp().pkg(t)
	data, err := p.Zip()
	if err != nil {
		t.Fatal(err)
	}
	back, err := fdkapp.ReadZip(data)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(back.Files, p.Files, bytes.Equal) {
		t.Errorf("round trip: %v, want %v", slices.Sorted(maps.Keys(back.Files)), slices.Sorted(maps.Keys(p.Files)))
	}
	if problems := back.Check(); len(problems) > 0 {
		t.Errorf("the zipped app:\n%s", lines(problems))
	}
}

// TestReadCallsItAnApp: the limits' messages say "app", as the rest of
// fdkapp's do.
func TestReadCallsItAnApp(t *testing.T) {
	many := fstest.MapFS{}
	for i := range 1001 {
		many[fmt.Sprintf("app/%04d.js", i)] = &fstest.MapFile{}
	}
	if _, err := fdkapp.Read(many, "."); err == nil || err.Error() != "the app holds more than 1000 files: refused" {
		t.Errorf("1001 files: %v", err)
	}
	link := fstest.MapFS{"app/index.html": &fstest.MapFile{Mode: fs.ModeSymlink}}
	if _, err := fdkapp.Read(link, "."); err == nil || err.Error() != "app/index.html: not a regular file (a link?): an app holds only files" {
		t.Errorf("a link: %v", err)
	}
}

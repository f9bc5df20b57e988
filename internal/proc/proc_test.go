package proc_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cohortdesk/cohort/internal/proc"
)

// TestCleanupRemovesTheBuild: the binary Binary builds, and its folder, are
// gone after Cleanup, and Binary builds again after it.
func TestCleanupRemovesTheBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: builds ./cmd/cohort (-short)")
	}
	bin, err := proc.Binary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("built binary: %v", err)
	}
	if err := proc.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(bin)); !os.IsNotExist(err) {
		t.Errorf("the build folder %s is still there (%v)", filepath.Dir(bin), err)
	}
	again, err := proc.Binary()
	if err != nil {
		t.Fatal(err)
	}
	defer proc.Cleanup()
	if _, err := os.Stat(again); err != nil {
		t.Errorf("built again: %v", err)
	}
}

package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/cohortdesk/cohort/internal/proc"
)

// TestMain fails the package's tests if any leave a goroutine running, and
// removes the cohort binary the process tests built.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { _ = proc.Cleanup() }))
}

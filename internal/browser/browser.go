// Package browser starts a headless Chromium for tests that look at pages
// as a user does (chromedp over the DevTools protocol). Where Chromium is
// not installed the test is skipped with a message saying how to get it:
// Debian's package, `apt-get install chromium`, which .ci/run installs.
package browser

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// names are the Chromium executables looked for, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Path returns the Chromium executable: COHORT_TEST_CHROMIUM when set,
// else the first of the usual names on PATH; "" when there is none.
func Path() string {
	if p := os.Getenv("COHORT_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// New starts a headless Chromium for t, closed when t ends, and returns a
// context for chromedp actions in its first tab that ends after timeout.
// It skips t when Chromium is not installed.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path := Path()
	if path == "" {
		t.Skip("browser test skipped: Chromium not found (install Debian's chromium: apt-get install chromium; or set COHORT_TEST_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root in CI containers
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// The first run starts the browser, which lives as long as that run's
	// context: tab, not the timed one below.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, timeout)
	t.Cleanup(cancelTimeout)
	return ctx
}

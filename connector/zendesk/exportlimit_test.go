package zendesk_test

import (
	"context"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// TestExportBudget checks that the incremental exports have a budget of
// their own: past it, exports wait and other requests do not.
func TestExportBudget(t *testing.T) {
	// 60 a minute: a burst of 6, then one a second.
	_, c := sandboxClient(t, sandbox.Config{}, zendesk.Config{ExportRateLimit: 60})
	ctx := t.Context()
	start := time.Now()
	for range 6 {
		if _, err := c.ExportOrganizations(ctx, time.Time{}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 700*time.Millisecond {
		t.Fatalf("the burst took %v", took)
	}
	other := time.Now()
	if _, err := c.API().Get(ctx, "/users/me.json"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(other); took > 300*time.Millisecond {
		t.Errorf("a request other than an export waited %v for the export budget", took)
	}
	if _, err := c.ExportOrganizations(ctx, time.Time{}, 0); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 700*time.Millisecond {
		t.Errorf("7 exports in %v, want the 7th to wait for the budget", took)
	}
}

// TestExportHonoursRetryAfter runs the sandbox's 10-a-minute export limit
// (2 here) on a clock 1.5 s before a minute ends: the third export is
// refused with Retry-After 2, waits, and goes through; meanwhile other
// requests are not held back.
func TestExportHonoursRetryAfter(t *testing.T) {
	base := time.Date(2026, 3, 2, 10, 0, 58, 500_000_000, time.UTC)
	started := time.Now()
	sbCfg := sandbox.Config{RateLimit: 100000, IncrementalExportRateLimit: 2,
		Now: func() time.Time { return base.Add(time.Since(started)) }}
	sb, c := sandboxClient(t, sbCfg, zendesk.Config{ExportRateLimit: 60000})
	ctx := t.Context()
	for range 2 {
		if _, err := c.ExportUsers(ctx, time.Time{}, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.ExportUsers(context.Background(), time.Time{}, "", 0)
		done <- err
	}()
	for sb.Stats().RateLimited == 0 {
		select {
		case err := <-done:
			t.Fatalf("third export returned (%v) without a 429", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	other := time.Now()
	if _, err := c.API().Get(ctx, "/users/me.json"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(other); took > 500*time.Millisecond {
		t.Errorf("a request other than an export was held back %v by the export's 429", took)
	}
	if err := <-done; err != nil {
		t.Fatalf("third export: %v", err)
	}
	if took := time.Since(started); took < 1500*time.Millisecond {
		t.Errorf("the third export went through after %v, before the window reset", took)
	}
	if n := sb.Stats().RateLimited; n != 1 {
		t.Errorf("%d 429s, want 1: the retry waited Retry-After", n)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/cohortdesk/cohort/internal/browser"
)

// TestAgentSeesTheAppInTheWorkspace is what an agent does, in Chromium:
// `cohort demo` packages and installs cohort's Zendesk app in the sandbox
// and prints the agent workspace's URL; the page frames the app (posting
// the sandbox's signed token to cohort, as Zendesk does); the sidebar shows
// the requester's segments with their reasons, the priority decision, the
// customer's facts and the suggested macros; one click applies a macro
// through the ZAF SDK, and the ticket in the sandbox changes.
func TestAgentSeesTheAppInTheWorkspace(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	ctx := browser.New(t, 2*time.Minute)
	workspace := startDemo(t)

	if err := chromedp.Do(ctx, chromedp.Navigate(workspace), chromedp.WaitVisible(chromedp.CSS("iframe.app-frame"))); err != nil {
		t.Fatalf("open %s: %v", workspace, err)
	}
	segments := inApp(t, ctx, "#cohort-segments")
	for _, want := range []string{"enterprise", "primary", "technical", "Because customer.plan"} {
		if !strings.Contains(segments, want) {
			t.Errorf("the sidebar's segments lack %q:\n%s", want, segments)
		}
	}
	if prio := inApp(t, ctx, "#cohort-priority"); !strings.Contains(prio, "normal → high") {
		t.Errorf("priority decision %q: want normal → high", prio)
	}
	if who := inApp(t, ctx, "#cohort-customer"); !strings.Contains(who, "Ana Lima") || !strings.Contains(who, "matched by") {
		t.Errorf("customer %q: want how cohort matched the requester", who)
	}
	if facts := inApp(t, ctx, ".facts"); !strings.Contains(facts, "enterprise") || !strings.Contains(facts, "csv") {
		t.Errorf("customer facts %q: want the plan with its source", facts)
	}
	if measures := inApp(t, ctx, "#cohort-measures"); !strings.Contains(measures, "All customers") || !strings.Contains(measures, "CSAT") {
		t.Errorf("measures %q: want the segment beside all customers", measures)
	}

	comments := countIn(t, ctx, "#ticket-comments li")
	frame := appFrame(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`li[data-macro="technical_deep_dive"] button.apply`), chromedp.FromNode(frame))); err != nil {
		t.Fatalf("click the technical deep-dive macro: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#ticket-tags li[data-tag="deep_dive"]`))); err != nil {
		t.Fatalf("the macro's tag never reached the ticket: %v", err)
	}
	if n := countIn(t, ctx, "#ticket-comments li"); n != comments+1 {
		t.Errorf("comments %d → %d: want the macro's reply added", comments, n)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ticket-status").dataset.value`))
	if err != nil || status != "pending" {
		t.Errorf("ticket status %q (%v): want pending, as the macro sets it", status, err)
	}
	if s := inApp(t, ctx, `li[data-macro="technical_deep_dive"] .status`); s != "Applied" {
		t.Errorf("the sidebar says %q after the click: want Applied", s)
	}
}

// startDemo runs `cohort demo` until the test ends and returns the agent
// workspace URL it prints.
func startDemo(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"demo", "--tickets", "4"}, w, &stderr); w.Close() }()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("demo exit %d:\n%s", code, stderr.String())
		}
	})
	agent := regexp.MustCompile(`An agent's view, with cohort's app in the sidebar: (\S+)`)
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if m := agent.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			t.Fatalf("the demo ended without printing the agent workspace's URL:\n%s", stderr.String())
		}
		return u
	case <-time.After(2 * time.Minute):
		t.Fatalf("the demo printed no agent workspace URL in 2 minutes:\n%s", stderr.String())
	}
	return ""
}

// appFrame returns the app's iframe once its page (cohort's, loaded by the
// signed form post) is there.
func appFrame(t *testing.T, ctx context.Context) *chromedp.Node {
	t.Helper()
	for {
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe.app-frame")))
		if err != nil {
			t.Fatalf("find the app's iframe: %v", err)
		}
		if doc := nodes[0].ContentDocument; doc != nil && strings.Contains(doc.DocumentURL, "/app/v1/sidebar") {
			return nodes[0]
		}
		if err := chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond)); err != nil {
			t.Fatalf("the app's page never loaded in its iframe: %v", err)
		}
	}
}

// inApp returns the text of sel in the app's iframe, waiting for it.
func inApp(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	for {
		frame := appFrame(t, ctx)
		try, cancel := context.WithTimeout(ctx, 2*time.Second)
		text, err := chromedp.Run(try, chromedp.Text(chromedp.CSS(sel), chromedp.FromNode(frame)))
		cancel()
		if err == nil {
			return strings.TrimSpace(text)
		}
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			t.Fatalf("read %s in the app: %v", sel, err)
		}
	}
}

// countIn counts the elements sel selects in the workspace page.
func countIn(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll('"+sel+"').length"))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// Command cohort is the segment-aware support layer for helpdesks: the
// webhook receiver and its workers (serve), a self-contained demo against
// the built-in Zendesk sandbox (demo), and the admin commands (import,
// segments, install). Configuration comes only from COHORT_* environment
// variables; see .env.example.
//
// This package wires the pieces; the work happens in the packages it calls.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

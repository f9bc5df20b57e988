package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/store"
)

func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("jobs", "jobs list --dead | jobs retry ID | jobs retry --all-dead", `Shows and revives dead jobs: tickets whose enrichment failed for good, after
COHORT_MAX_ATTEMPTS attempts (discarded) or at once on an error that retrying
cannot fix, such as a deleted ticket (cancelled). "retry" makes a dead job
run again with one more attempt, in whichever cohort serve takes it.`, stderr)
	dead := fs.Bool("dead", false, "list: show dead jobs (the only listing so far)")
	allDead := fs.Bool("all-dead", false, "retry: every dead job")
	limit := fs.Int("limit", 100, "list: at most this many, newest first")
	if len(args) == 0 {
		fs.Usage()
		return exitUsage
	}
	verb := args[0]
	if code, ok := parseFlags(fs, args[1:]); !ok {
		return code
	}
	switch {
	case verb == "list" && *dead && fs.NArg() == 0 && *limit > 0:
	case verb == "retry" && (*allDead && fs.NArg() == 0 || !*allDead && fs.NArg() == 1):
	default:
		fs.Usage()
		return exitUsage
	}
	cfg, err := loadConfig()
	if err != nil {
		fmt.Fprintln(stderr, "cohort jobs:", err)
		return exitUsage
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, newLogger(cfg, stderr))
	if err != nil {
		fmt.Fprintln(stderr, "cohort jobs:", err)
		return exitFailure
	}
	defer db.Close()
	q, err := db.NewQueue(store.QueueConfig{MaxAttempts: cfg.MaxAttempts, Logger: newLogger(cfg, stderr)})
	if err != nil {
		fmt.Fprintln(stderr, "cohort jobs:", err)
		return exitFailure
	}

	var ids []int64
	switch {
	case verb == "list":
		return listDeadJobs(ctx, q, *limit, stdout, stderr)
	case *allDead:
		jobs, err := q.DeadJobs(ctx, 10000)
		if err != nil {
			fmt.Fprintln(stderr, "cohort jobs:", err)
			return exitFailure
		}
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
	default:
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id <= 0 {
			fmt.Fprintf(stderr, "cohort jobs retry: %q is not a job id (see cohort jobs list --dead)\n", fs.Arg(0))
			return exitUsage
		}
		ids = []int64{id}
	}
	code := exitOK
	for _, id := range ids {
		j, err := q.RetryJob(ctx, id)
		if err != nil {
			fmt.Fprintln(stderr, "cohort jobs retry:", err)
			code = exitFailure
			continue
		}
		fmt.Fprintf(stdout, "job %d (%s ticket %d) queued again\n", j.ID, j.Helpdesk, j.TicketID)
	}
	if len(ids) == 0 {
		fmt.Fprintln(stdout, "no dead jobs")
	}
	return code
}

func listDeadJobs(ctx context.Context, q *store.Queue, limit int, stdout, stderr io.Writer) int {
	jobs, err := q.DeadJobs(ctx, limit)
	if err != nil {
		fmt.Fprintln(stderr, "cohort jobs:", err)
		return exitFailure
	}
	if len(jobs) == 0 {
		fmt.Fprintln(stdout, "no dead jobs")
		return exitOK
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tTICKET\tSTATE\tATTEMPTS\tDIED (UTC)\tLAST ERROR")
	for _, j := range jobs {
		fmt.Fprintf(w, "%d\t%s #%d\t%s\t%d\t%s\t%s\n", j.ID, j.Helpdesk, j.TicketID, j.State, j.Attempts,
			j.DiedAt.Format("2006-01-02 15:04:05"), j.LastError)
	}
	w.Flush()
	return exitOK
}

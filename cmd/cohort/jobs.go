package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/cohortdesk/cohort/store"
)

func runJobs(ctx context.Context, c *cli, args []string) error {
	fs := newFlags(c, "jobs", "jobs list --dead | jobs retry ID | jobs retry --all-dead", `Shows and revives dead jobs: tickets whose enrichment failed for good, after
COHORT_MAX_ATTEMPTS attempts (discarded) or at once on an error that retrying
cannot fix, such as a deleted ticket (cancelled). "retry" makes a dead job
run again with one more attempt, in whichever cohort serve takes it.`)
	dead := fs.Bool("dead", false, "list: show dead jobs (the only listing so far)")
	allDead := fs.Bool("all-dead", false, "retry: every dead job")
	limit := fs.Int("limit", 100, "list: at most this many, newest first")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	verb, rest := fs.Arg(0), fs.Args()[min(1, fs.NArg()):]
	switch {
	case verb == "list" && *dead && len(rest) == 0 && *limit > 0:
	case verb == "retry" && (*allDead && len(rest) == 0 || !*allDead && len(rest) == 1):
	default:
		return usageError(fs, "")
	}
	var id int64
	if verb == "retry" && !*allDead {
		var err error
		if id, err = strconv.ParseInt(rest[0], 10, 64); err != nil || id <= 0 {
			return usageError(nil, "%q is not a job id (see cohort jobs list --dead)", rest[0])
		}
	}
	s, err := c.setup(ctx, needStore)
	if err != nil {
		return err
	}
	defer s.close()
	q, err := s.db.NewQueue(store.QueueConfig{MaxAttempts: s.cfg.MaxAttempts, Logger: s.logger})
	if err != nil {
		return err
	}
	if verb == "list" {
		return listDeadJobs(ctx, c, q, *limit)
	}
	ids := []int64{id}
	if *allDead {
		jobs, err := q.DeadJobs(ctx, 10000)
		if err != nil {
			return err
		}
		ids = ids[:0]
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		if len(ids) == 0 {
			fmt.Fprintln(c.stdout, "no dead jobs")
		}
	}
	var failed []error
	for _, id := range ids {
		j, err := q.RetryJob(ctx, id)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		fmt.Fprintf(c.stdout, "job %d (%s ticket %d) queued again\n", j.ID, j.Helpdesk, j.TicketID)
	}
	return errors.Join(failed...)
}

func listDeadJobs(ctx context.Context, c *cli, q *store.Queue, limit int) error {
	jobs, err := q.DeadJobs(ctx, limit)
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		fmt.Fprintln(c.stdout, "no dead jobs")
		return nil
	}
	w := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tTICKET\tSTATE\tATTEMPTS\tDIED (UTC)\tLAST ERROR")
	for _, j := range jobs {
		fmt.Fprintf(w, "%d\t%s #%d\t%s\t%d\t%s\t%s\n", j.ID, j.Helpdesk, j.TicketID, j.State, j.Attempts,
			j.DiedAt.Format("2006-01-02 15:04:05"), j.LastError)
	}
	return w.Flush()
}

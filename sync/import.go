// Package sync brings customers in from CRM sources and keeps them in the
// store: it reads records from a source connector, upserts them in batches,
// and reports what it did with each (inserted, updated, unchanged, or
// rejected with the source line and reason).
//
// Sources are connector packages under connector/crm; the store is reached
// through the small CustomerWriter interface declared here.
package sync

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
)

// Source yields customer records one at a time. Read returns io.EOF at the
// end; an error with a RowReason method rejects one record and reading goes
// on; any other error stops the import.
type Source interface {
	Read() (cohort.Customer, error)
	Line() int // where the record last read came from, for reports
}

// rowError is a Source error that rejects one record.
type rowError interface {
	error
	RowReason() string
}

// CustomerWriter stores customers; *store.DB satisfies it.
type CustomerWriter interface {
	UpsertCustomers(ctx context.Context, customers []cohort.Customer) ([]store.UpsertResult, error)
}

var _ CustomerWriter = (*store.DB)(nil)

// Reject is one record that did not land, and why.
type Reject struct {
	Line   int
	Reason string
}

// Summary counts what an import did.
type Summary struct {
	Read      int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Rejects   []Reject // every rejected record, in source order
	Duration  time.Duration
}

// BatchSize is how many records go to the store in one transaction.
const BatchSize = 1000

// Import reads every record of src into dst. Batches already written stay written when a
// later error stops the import; the summary counts them.
func Import(ctx context.Context, src Source, dst CustomerWriter) (Summary, error) {
	start := time.Now()
	var (
		sum   Summary
		batch []cohort.Customer
		lines []int
	)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		results, err := dst.UpsertCustomers(ctx, batch)
		if err != nil {
			return err
		}
		for i, r := range results {
			switch r.Outcome {
			case store.Inserted:
				sum.Inserted++
			case store.Updated:
				sum.Updated++
			case store.Unchanged:
				sum.Unchanged++
			case store.Rejected:
				sum.Rejected++
				sum.Rejects = append(sum.Rejects, Reject{Line: lines[i], Reason: r.Reason})
			}
		}
		batch, lines = batch[:0], lines[:0]
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		c, err := src.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		sum.Read++
		if err != nil {
			var re rowError
			if !errors.As(err, &re) {
				return sum, err
			}
			sum.Rejected++
			sum.Rejects = append(sum.Rejects, Reject{Line: src.Line(), Reason: re.RowReason()})
			continue
		}
		batch = append(batch, c)
		lines = append(lines, src.Line())
		if len(batch) == BatchSize {
			if err := flush(); err != nil {
				return sum, fmt.Errorf("import: %w", err)
			}
		}
	}
	if err := flush(); err != nil {
		return sum, fmt.Errorf("import: %w", err)
	}
	sum.Duration = time.Since(start)
	return sum, nil
}

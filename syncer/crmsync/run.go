// Package crmsync brings customers in from CRM sources (package
// connector/crm and its subpackages) and from pushes to cohort's API.
//
// A sync run reads a source from the checkpoint its last run committed,
// maps each record to a customer, and writes each batch together with the
// checkpoint that follows it, in one transaction: a run interrupted at any
// point leaves the store consistent, and the next run goes on from the
// last batch written. A full run reads everything and then removes the
// source's records of the customers it no longer has. A bad record is
// reported (source, where, field, reason) and skipped; the rest land.
//
// Each source's record of a customer is stored apart from the others';
// the store merges them into the customer that rules see (see
// store.UpsertCustomers and cohort.MergeCustomer). The store is reached
// through the small interfaces declared here; *store.DB satisfies them.
package crmsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/lease"
)

// Store is what a sync run needs of the store.
type Store interface {
	StartSyncRun(ctx context.Context, source string, full bool) (store.SyncRun, error)
	FinishSyncRun(ctx context.Context, run store.SyncRun, c store.SyncCounts, runErr error) error
	Checkpoint(ctx context.Context, source string) (string, error)
	CommitSyncBatch(ctx context.Context, run store.SyncRun, b store.SyncBatch) ([]store.UpsertResult, int, error)
	DeleteUnseen(ctx context.Context, run store.SyncRun) (int, error)
	lease.Leaser
}

var _ Store = (*store.DB)(nil)

// Source is a CRM source with the mapping that turns its records into
// customers.
type Source struct {
	crm.Source
	Mapping *crm.Mapping
}

// Options tune a sync run.
type Options struct {
	// Full re-reads every record and soft-deletes the customers the source
	// no longer has.
	Full bool
	// FromStart reads every record, as a full run does, but deletes
	// nothing and leaves the source's checkpoint where it was: a one-off
	// import (cohort import), which may read another file than the
	// source's own.
	FromStart bool
	// Holder names this process in the run's lease (default: a random id).
	Holder string
	// OnBatch, if set, is called after each batch is written, with the
	// summary so far.
	OnBatch func(Summary)
	Logger  *slog.Logger
}

// Summary says what a sync run did.
type Summary struct {
	Source    string
	Full      bool
	Read      int
	Inserted  int
	Updated   int
	Unchanged int
	Rejected  int
	Deleted   int
	Rejects   []Reject // the first MaxRejects rejected records, in source order
	Duration  time.Duration
}

// MaxRejects bounds the rejected records a summary lists; Rejected counts
// them all.
const MaxRejects = 1000

// Reject is a record that did not land, and why.
type Reject struct {
	Source string
	Ref    string // where in the source: "customers.csv:12", "contact 151"
	Field  string // the customer field at fault, "" for the record as a whole
	Reason string
}

func (r Reject) String() string {
	if r.Field == "" {
		return fmt.Sprintf("%s: %s: %s", r.Source, r.Ref, r.Reason)
	}
	return fmt.Sprintf("%s: %s: %s: %s", r.Source, r.Ref, r.Field, r.Reason)
}

// Run syncs src into db once.
func Run(ctx context.Context, db Store, src Source, opts Options) (Summary, error) {
	start := time.Now()
	sum := Summary{Source: src.Name(), Full: opts.Full}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	release, err := lease.Hold(ctx, db, "sync:"+src.Name(), opts.Holder, opts.Logger)
	if err != nil {
		return sum, err
	}
	defer release()

	run, err := db.StartSyncRun(ctx, src.Name(), opts.Full)
	if err != nil {
		return sum, err
	}
	err = runBatches(ctx, db, src, run, opts, &sum)
	if err == nil && opts.Full {
		sum.Deleted, err = db.DeleteUnseen(ctx, run)
	}
	sum.Duration = time.Since(start)
	counts := store.SyncCounts{Read: sum.Read, Inserted: sum.Inserted, Updated: sum.Updated,
		Unchanged: sum.Unchanged, Rejected: sum.Rejected, Deleted: sum.Deleted}
	if ferr := db.FinishSyncRun(ctx, run, counts, err); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil {
		return sum, fmt.Errorf("sync %s: %w", src.Name(), err)
	}
	return sum, nil
}

// runBatches reads src and writes each batch with its checkpoint. Records
// are read and mapped on this goroutine while the batch before them is
// written on another (see batchWriter), so that reading and mapping take
// no time from the database's writer.
func runBatches(ctx context.Context, db Store, src Source, run store.SyncRun, opts Options, sum *Summary) error {
	checkpoint := ""
	if !opts.Full && !opts.FromStart {
		var err error
		if checkpoint, err = db.Checkpoint(ctx, src.Name()); err != nil {
			return err
		}
	}
	w := startBatchWriter(ctx, db, src.Name(), run, opts.OnBatch, sum)
	readErr := src.Read(ctx, checkpoint, opts.Full || opts.FromStart, func(b crm.Batch) error {
		if opts.FromStart {
			b.Checkpoint = ""
		}
		return w.send(mapBatch(src, b))
	})
	if err := w.close(); err != nil {
		return err
	}
	return readErr
}

// mappedBatch is a source's batch mapped to customers, ready to write.
type mappedBatch struct {
	batch    store.SyncBatch
	read     int
	refs     []string       // the Ref of each upsert's record
	upserted []int          // the record index of each upsert
	rejects  map[int]Reject // by record index, to report in source order
}

// mapBatch maps a source's batch. It keeps nothing of b's records but
// their refs: a source may reuse them once emit returns.
func mapBatch(src Source, b crm.Batch) mappedBatch {
	m := mappedBatch{batch: store.SyncBatch{Checkpoint: b.Checkpoint}, read: len(b.Records), rejects: map[int]Reject{}}
	m.batch.Upserts = make([]cohort.CustomerRecord, 0, len(b.Records))
	for i := range b.Records {
		r := &b.Records[i]
		switch {
		case r.Problem != "":
			m.rejects[i] = Reject{Source: src.Name(), Ref: r.Ref, Reason: r.Problem}
		case r.Deleted:
			m.batch.Deletes = append(m.batch.Deletes, crmKeys(src.Mapping.Keys(r)))
		default:
			c, err := src.Mapping.Apply(r)
			if err != nil {
				m.rejects[i] = mappingReject(src.Name(), r.Ref, err)
				continue
			}
			m.batch.Upserts = append(m.batch.Upserts, c)
			m.upserted = append(m.upserted, i)
			m.refs = append(m.refs, r.Ref)
		}
	}
	return m
}

// batchWriter writes mapped batches in order, on a goroutine of its own,
// and keeps the summary. One batch waits while another is written.
type batchWriter struct {
	batches chan mappedBatch
	failed  chan struct{} // closed when a write failed, err set
	done    chan struct{} // closed when the goroutine has ended
	err     error
}

func startBatchWriter(ctx context.Context, db Store, source string, run store.SyncRun, onBatch func(Summary), sum *Summary) *batchWriter {
	w := &batchWriter{batches: make(chan mappedBatch, 1), failed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for m := range w.batches {
			if err := writeBatch(ctx, db, source, run, m, sum); err != nil {
				w.err = err
				close(w.failed)
				return
			}
			if onBatch != nil {
				onBatch(*sum)
			}
		}
	}()
	return w
}

// send queues m, or returns the error that stopped the writer.
func (w *batchWriter) send(m mappedBatch) error {
	select {
	case w.batches <- m:
		return nil
	case <-w.failed:
		return w.err
	}
}

// close waits for the queued batches to be written and returns the error
// that stopped the writer, if any.
func (w *batchWriter) close() error {
	close(w.batches)
	<-w.done
	return w.err
}

// writeBatch commits one mapped batch with its checkpoint and adds what it
// did to sum.
func writeBatch(ctx context.Context, db Store, source string, run store.SyncRun, m mappedBatch, sum *Summary) error {
	sum.Read += m.read
	results, deleted, err := db.CommitSyncBatch(ctx, run, m.batch)
	if err != nil {
		return err
	}
	sum.Deleted += deleted
	for j, res := range results {
		switch res.Outcome {
		case store.Inserted:
			sum.Inserted++
		case store.Updated:
			sum.Updated++
		case store.Unchanged:
			sum.Unchanged++
		case store.Rejected:
			m.rejects[m.upserted[j]] = Reject{Source: source, Ref: m.refs[j], Reason: res.Reason}
		}
	}
	for _, i := range slices.Sorted(maps.Keys(m.rejects)) {
		sum.reject(m.rejects[i])
	}
	return nil
}

// mappingReject reports a record the mapping refused.
func mappingReject(source, ref string, err error) Reject {
	rej := Reject{Source: source, Ref: ref, Reason: err.Error()}
	var fe *crm.FieldError
	if errors.As(err, &fe) {
		rej.Field, rej.Reason = fe.Field, fe.Reason
		if fe.Source != "" && fe.Source != fe.Field {
			rej.Reason += " (from " + fe.Source + ")"
		}
	}
	return rej
}

func (s *Summary) reject(r Reject) {
	s.Rejected++
	if len(s.Rejects) < MaxRejects {
		s.Rejects = append(s.Rejects, r)
	}
}

// crmKeys is a customer named only by its keys, for deletes.
func crmKeys(email, externalID string) cohort.Customer {
	return cohort.Customer{Email: email, ExternalID: externalID}
}

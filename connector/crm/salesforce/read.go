package salesforce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// accountChunk is how many Account ids one "AccountId IN (…)" query names,
// which keeps its URL a few kilobytes long.
const accountChunk = 200

// Read calls emit with the Contacts changed since checkpoint, one batch per
// batch of Salesforce's answers, each with the checkpoint to resume from
// once it is stored. With checkpoint "" or full it reads every live
// Contact. When emit returns an error Read stops and returns it.
func (s *Source) Read(ctx context.Context, checkpoint string, full bool, emit func(crm.Batch) error) error {
	r := &run{src: s, emit: emit}
	var err error
	if full || checkpoint == "" {
		err = r.full(ctx)
	} else {
		if r.cp, err = parseCheckpoint(checkpoint); err != nil {
			return cohort.E("salesforce.Read", cohort.KindInvalid, err)
		}
		r.sent = checkpoint
		r.seen = map[string]uint64{}
		err = r.incremental(ctx)
	}
	if ee := (*emitError)(nil); errors.As(err, &ee) {
		return ee.err
	}
	return err
}

// run is one Read.
type run struct {
	src  *Source
	emit func(crm.Batch) error
	cp   checkpoint
	// sent is the checkpoint of the last batch emitted, or the one the run
	// started from.
	sent string
	// seen holds, in an incremental run, a digest of each contact emitted,
	// so that one read again unchanged by a later feed is not emitted twice.
	seen map[string]uint64
}

// send emits records with the current checkpoint, unless there is nothing
// to say: no records and the checkpoint unchanged.
func (r *run) send(records []cohort.SourceRecord) error {
	cp := r.cp.encode()
	if len(records) == 0 && cp == r.sent {
		return nil
	}
	if err := r.emit(crm.Batch{Records: records, Checkpoint: cp}); err != nil {
		return &emitError{err}
	}
	r.sent = cp
	return nil
}

// repeated reports whether an incremental run already emitted rec as it is.
func (r *run) repeated(id string, rec cohort.SourceRecord) bool {
	if r.seen == nil {
		return false
	}
	d := digest(rec)
	if r.seen[id] == d {
		return true
	}
	r.seen[id] = d
	return false
}

// full reads every live Contact. The Accounts and deleted watermarks start
// when the read does, so that the next run catches what changes during it.
func (r *run) full(ctx context.Context) error {
	return r.stream(ctx, feed{
		step: "read all contacts",
		soql: allContacts(r.src.fields),
		mark: &r.cp.Contacts,
		begin: func(t time.Time) {
			r.cp.Accounts, r.cp.Deleted = watermark{At: t}, watermark{At: t}
		},
	})
}

// incremental reads the three feeds from their watermarks: contacts
// changed, contacts of Accounts changed (when the mapping reads Account
// fields), contacts deleted.
func (r *run) incremental(ctx context.Context) error {
	err := r.stream(ctx, feed{
		step: "read contacts changed since " + datetime(r.cp.Contacts.At),
		soql: contactsSince(r.src.fields, r.cp.Contacts.At),
		mark: &r.cp.Contacts,
	})
	if err == nil && r.src.readsAccounts {
		err = r.accounts(ctx)
	}
	if err == nil {
		err = r.stream(ctx, feed{
			step:    "read contacts deleted since " + datetime(r.cp.Deleted.At),
			soql:    deletedSince(r.src.fields, r.cp.Deleted.At),
			all:     true,
			mark:    &r.cp.Deleted,
			deleted: true,
		})
	}
	return err
}

// feed is a query of Contacts ordered by SystemModstamp whose watermark
// moves as it is read.
type feed struct {
	step    string // what it does, for errors
	soql    string
	all     bool       // queryAll
	mark    *watermark // in r.cp
	deleted bool       // emit the records as deleted
	// begin, if set, is called with the time the query began before the
	// first batch is emitted.
	begin func(time.Time)
}

// stream reads f, emitting a batch per answer. Records the watermark
// covers are skipped: the query asks from the watermark's second, and the
// run that set the watermark emitted them.
func (r *run) stream(ctx context.Context, f feed) error {
	since := *f.mark
	var began time.Time
	err := r.src.api.query(ctx, f.soql, f.all, func(p *page) error {
		if began.IsZero() {
			began = p.at
			if f.begin != nil {
				f.begin(began)
			}
		}
		var records []cohort.SourceRecord
		for _, raw := range p.Records {
			rec, row, err := r.src.decode(raw, f.deleted)
			if err != nil {
				return err
			}
			if since.covers(row.id, row.stamp) {
				continue
			}
			if !row.stamp.After(began) {
				f.mark.advance(row.id, row.stamp)
			}
			if !r.repeated(row.id, rec) {
				records = append(records, rec)
			}
		}
		if p.Done {
			f.mark.reach(began)
		}
		return r.send(records)
	})
	if err != nil {
		return readError(f.step, err)
	}
	return nil
}

// accounts reads the Accounts changed since their watermark and emits
// their Contacts again. The watermark moves once the contacts of every
// Account of an answer are emitted.
func (r *run) accounts(ctx context.Context) error {
	since := r.cp.Accounts
	var began time.Time
	err := r.src.api.query(ctx, accountsSince(since.At), false, func(p *page) error {
		if began.IsZero() {
			began = p.at
		}
		mark := r.cp.Accounts
		mark.IDs = slices.Clone(mark.IDs) // moves into r.cp only once its contacts are emitted
		var ids []string
		for _, raw := range p.Records {
			var a struct{ Id, SystemModstamp string }
			if err := json.Unmarshal(raw, &a); err != nil {
				return fmt.Errorf("decode an account: %w", err)
			}
			stamp, ok := crm.ParseTime(a.SystemModstamp)
			if a.Id == "" || !ok {
				return fmt.Errorf("an account lacks Id or a SystemModstamp: %s", snippet(raw))
			}
			if since.covers(a.Id, stamp) {
				continue
			}
			if !stamp.After(began) {
				mark.advance(a.Id, stamp)
			}
			ids = append(ids, a.Id)
		}
		if p.Done {
			mark.reach(began)
		}
		for i := 0; i < len(ids); i += accountChunk {
			chunk := ids[i:min(i+accountChunk, len(ids))]
			last := i+accountChunk >= len(ids)
			if err := r.contactsOf(ctx, chunk, func() {
				if last {
					r.cp.Accounts = mark
				}
			}); err != nil {
				return err
			}
		}
		r.cp.Accounts = mark
		return r.send(nil)
	})
	if err != nil {
		return readError("read accounts changed since "+datetime(since.At), err)
	}
	return nil
}

// contactsOf emits the live Contacts of the given Accounts, calling done
// before emitting the last batch.
func (r *run) contactsOf(ctx context.Context, accountIDs []string, done func()) error {
	err := r.src.api.query(ctx, contactsOf(r.src.fields, accountIDs), false, func(p *page) error {
		var records []cohort.SourceRecord
		for _, raw := range p.Records {
			rec, row, err := r.src.decode(raw, false)
			if err != nil {
				return err
			}
			if !r.repeated(row.id, rec) {
				records = append(records, rec)
			}
		}
		if p.Done {
			done()
		}
		return r.send(records)
	})
	if err != nil {
		return readError(fmt.Sprintf("read the contacts of %d changed accounts", len(accountIDs)), err)
	}
	return nil
}

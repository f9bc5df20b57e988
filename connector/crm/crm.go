// Package crm holds what every CRM source shares: the batches of raw
// records (cohort.SourceRecord) a source yields, the Source interface the syncer drives, and the Mapping that turns
// a record's source fields into a cohort.Customer.
//
// A source knows its CRM's API and nothing of the store; the syncer (package
// sync) knows the store and nothing of any CRM. Sources live in the
// subpackages: csv, hubspot, salesforce, zendeskusers.
package crm

import (
	"context"
	"time"

	"github.com/cohortdesk/cohort"
)

// Batch is a run of records in source order and the checkpoint that holds
// once they, and every batch before them, are stored.
type Batch struct {
	Records []cohort.SourceRecord
	// Checkpoint is opaque to the syncer: the source's own way of saying
	// where to resume (a cursor, a modified-since time, a line number).
	// The syncer commits it in the same transaction as the batch's data.
	Checkpoint string
}

// Source reads customer records from one CRM.
type Source interface {
	// Name is the source's name in checkpoints, reports and the
	// --source flag: "csv", "hubspot", "salesforce", "zendesk".
	Name() string
	// Read calls emit with every record changed since checkpoint, in
	// batches, in order. With checkpoint "" or full set it reads every
	// record the source has (and no deleted ones), and the last batch's
	// checkpoint lets the next incremental run start where this one ended.
	// When emit returns an error Read stops and returns it. Read may call
	// emit with an empty batch to move the checkpoint on.
	Read(ctx context.Context, checkpoint string, full bool, emit func(Batch) error) error
}

// Progress is an optional interface of a Source that can tell how much
// there is to read, for progress bars. Total returns 0 when it cannot tell.
type Progress interface {
	Total(ctx context.Context, checkpoint string, full bool) (int64, error)
}

// ParseTime reads a timestamp in any form the sources write: RFC 3339 with
// or without fractional seconds (HubSpot, Segment, Zendesk), Salesforce's
// "2026-09-15T09:00:00.000+0000", a date "2022-04-29", or milliseconds
// since the epoch as digits (HubSpot filters). ok is false for anything
// else.
func ParseTime(s string) (t time.Time, ok bool) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	if len(s) >= 10 && len(s) <= 14 && isDigits(s) {
		var ms int64
		for _, c := range s {
			ms = ms*10 + int64(c-'0')
		}
		return time.UnixMilli(ms).UTC(), true
	}
	return time.Time{}, false
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	time.DateOnly,
	"2006-01-02 15:04:05",
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

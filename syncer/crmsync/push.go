package crmsync

import (
	"context"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/resegment"
)

// PushSource is the source name of customers pushed to cohort's API.
const PushSource = "push"

// PushStore is what taking pushed customers needs of the store.
type PushStore interface {
	CommitSyncBatch(ctx context.Context, run store.SyncRun, b store.SyncBatch) ([]store.UpsertResult, int, error)
	resegment.Store
}

// Pusher takes in batches of customer records that a CRM, a reverse-ETL
// tool or a script pushes to POST /api/v1/customers.
type Pusher struct {
	DB      PushStore
	Mapping *crm.Mapping
	// Rules returns the segment rules; the pushed customers' membership is
	// computed before Push returns.
	Rules func() *rules.Set
	Now   func() time.Time
}

// Push maps and writes records in one transaction; a record that breaks
// the contract is rejected with its field and reason, and the rest land.
func (p *Pusher) Push(ctx context.Context, records []cohort.SourceRecord) (cohort.PushResult, error) {
	res := cohort.PushResult{Records: make([]cohort.PushRecordResult, len(records))}
	var batch store.SyncBatch
	var upserted []int // record index of each upsert
	for i := range records {
		r := &records[i]
		out := &res.Records[i]
		out.Index = i
		switch {
		case r.Problem != "":
			out.Outcome, out.Reason = "rejected", r.Problem
		case r.Deleted:
			email, ext := p.Mapping.Keys(r)
			batch.Deletes = append(batch.Deletes, crmKeys(email, ext))
			out.Outcome = "deleted"
		default:
			c, err := p.Mapping.Apply(r)
			if err != nil {
				rej := mappingReject(PushSource, r.Ref, err)
				out.Outcome, out.Field, out.Reason = "rejected", rej.Field, rej.Reason
				continue
			}
			batch.Upserts = append(batch.Upserts, c)
			upserted = append(upserted, i)
		}
	}
	results, deleted, err := p.DB.CommitSyncBatch(ctx, store.SyncRun{Source: PushSource}, batch)
	if err != nil {
		return cohort.PushResult{}, err
	}
	res.Deleted = deleted
	for j, r := range results {
		out := &res.Records[upserted[j]]
		out.Outcome, out.ID, out.Reason = r.Outcome.String(), r.ID, r.Reason
	}
	for _, r := range res.Records {
		switch r.Outcome {
		case "inserted":
			res.Inserted++
		case "updated":
			res.Updated++
		case "unchanged":
			res.Unchanged++
		case "rejected":
			res.Rejected++
		}
	}
	if res.Inserted+res.Updated+res.Deleted > 0 && p.Rules != nil {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		if _, err := resegment.Changed(ctx, p.DB, p.Rules(), now()); err != nil {
			return res, err
		}
	}
	return res, nil
}

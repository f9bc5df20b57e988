package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
)

// searchResultCap is how far HubSpot's search pages: after must stay
// below it.
const searchResultCap = 10000

// readChanges runs the three passes of an incremental read from the
// watermarks of st: changed contacts, contacts of changed companies,
// archived contacts. Each batch's checkpoint holds every pass's progress;
// the archived pass always ends with a batch, empty or not, that commits
// all three watermarks.
func (s *Source) readChanges(ctx context.Context, st state, emit func(crm.Batch) error) error {
	if err := s.changedContacts(ctx, &st, emit); err != nil {
		return err
	}
	if len(s.companyProps) > 0 {
		if err := s.changedCompanies(ctx, &st, emit); err != nil {
			return err
		}
	}
	return s.archivedContacts(ctx, &st, emit)
}

// changedContacts emits the contacts modified since st.Contacts with their
// primary companies, a batch per search page.
func (s *Source) changedContacts(ctx context.Context, st *state, emit func(crm.Batch) error) error {
	props := withTimestamp(s.contactProps, contactModified)
	return s.searchModified(ctx, contacts, contactModified, props, st.Contacts, func(changed []object, mark time.Time) error {
		primary := map[string]string{}
		if s.needCompany && len(changed) > 0 {
			ids := make([]string, len(changed))
			for i, c := range changed {
				ids[i] = string(c.ID)
			}
			assoc, err := s.primaryAssociations(ctx, contacts, companies, ids)
			if err != nil {
				return errorf("changed contacts: read their companies: %w", err)
			}
			for id, cos := range assoc {
				primary[id] = cos[0]
			}
		}
		records, err := s.records(ctx, changed, primary)
		if err != nil {
			return errorf("changed contacts: %w", err)
		}
		advance(&st.Contacts, mark)
		if len(records) == 0 {
			return nil // the archived pass's last batch commits the watermark
		}
		return emit(crm.Batch{Records: records, Checkpoint: st.String()})
	})
}

// changedCompanies emits the contacts whose primary company was modified
// since st.Companies, with the company's new properties: for each search
// page, a batch per 100 contacts, the last of which moves the watermark.
func (s *Source) changedCompanies(ctx context.Context, st *state, emit func(crm.Batch) error) error {
	props := withTimestamp(s.companyProps, companyModified)
	contactProps := withTimestamp(s.contactProps, contactModified)
	return s.searchModified(ctx, companies, companyModified, props, st.Companies, func(changed []object, mark time.Time) error {
		ids := make([]string, len(changed))
		for i, c := range changed {
			ids[i] = string(c.ID)
		}
		members, err := s.primaryAssociations(ctx, companies, contacts, ids)
		if err != nil {
			return errorf("changed companies: read their contacts: %w", err)
		}
		var contactIDs []string
		companyOf := map[string]*object{}
		for i, id := range ids {
			for _, c := range members[id] {
				if companyOf[c] == nil {
					contactIDs = append(contactIDs, c)
				}
				companyOf[c] = &changed[i]
			}
		}
		runs := slices.Collect(slices.Chunk(contactIDs, maxBatchInputs))
		var records []cohort.SourceRecord
		for i, run := range runs {
			found, err := s.batchRead(ctx, contacts, run, contactProps)
			if err != nil {
				return errorf("changed companies: read their contacts: %w", err)
			}
			records = nil
			for _, id := range run {
				if c := found[id]; c != nil {
					records = append(records, s.record(c, companyOf[id]))
				}
			}
			if i < len(runs)-1 && len(records) > 0 {
				if err := emit(crm.Batch{Records: records, Checkpoint: st.String()}); err != nil {
					return err
				}
			}
		}
		advance(&st.Companies, mark)
		if len(records) == 0 {
			return nil // the archived pass's last batch commits the watermark
		}
		return emit(crm.Batch{Records: records, Checkpoint: st.String()})
	})
}

// archivedContacts emits the contacts archived since st.Archived as Deleted
// records, from the list of archived contacts, which is in id order: the
// watermark moves only at the end of the list.
func (s *Source) archivedContacts(ctx context.Context, st *state, emit func(crm.Batch) error) error {
	q := url.Values{
		"archived":   {"true"},
		"limit":      {strconv.Itoa(s.listLimit)},
		"properties": {strings.Join(withTimestamp(s.contactProps, contactModified), ",")},
	}
	since := st.Archived
	var started time.Time
	return s.walkContacts(ctx, q, "", func(p *page, h http.Header, next string) error {
		if started.IsZero() {
			started = serverTime(h)
		}
		var records []cohort.SourceRecord
		for i, c := range p.Results {
			// A contact without a readable archivedAt is reported every
			// time: deleting twice is harmless.
			if at, err := time.Parse(time.RFC3339Nano, c.ArchivedAt); err == nil && at.Before(since) {
				continue
			}
			r := s.record(&p.Results[i], nil)
			r.Deleted = true
			records = append(records, r)
		}
		if next == "" {
			advance(&st.Archived, started.Add(-Overlap))
		} else if len(records) == 0 {
			return nil
		}
		return emit(crm.Batch{Records: records, Checkpoint: st.String()})
	})
}

// searchModified walks the objects of objectType whose date property prop
// is at or after since, in ascending order of prop. Every page starts a new
// search from the last date seen, so that rows updated during the walk
// (which move to its end) shift no others past it, and after never nears
// the search's ceiling; only a page of objects all sharing the search's
// starting date pages on by offset. f gets each page's objects not seen
// yet (by id and date) and the watermark its batch may commit: the last
// date seen, but never later than the server's time when the walk began,
// and that time after the last page, less Overlap.
func (s *Source) searchModified(ctx context.Context, objectType, prop string, props []string, since time.Time,
	f func(changed []object, mark time.Time) error) error {
	from, after := since, 0
	var started time.Time
	seen := map[text]time.Time{}
	for {
		req := searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{{
				PropertyName: prop, Operator: "GTE", Value: strconv.FormatInt(max(from.UnixMilli(), 0), 10),
			}}}},
			Sorts:      []sortRule{{PropertyName: prop, Direction: "ASCENDING"}},
			Properties: props,
			Limit:      s.searchLimit,
		}
		if after > 0 {
			req.After = strconv.Itoa(after)
		}
		p, h, err := s.search(ctx, objectType, req)
		if err != nil {
			return errorf("search %s with %s since %s: %w", objectType, prop, from.Format(time.RFC3339Nano), err)
		}
		if started.IsZero() {
			started = serverTime(h)
		}
		var changed []object
		last := from
		for _, o := range p.Results {
			t, err := o.modified(prop)
			if err != nil {
				return errorf("search %s: %w", objectType, err)
			}
			if t.After(last) {
				last = t
			}
			if at, ok := seen[o.ID]; ok && at.Equal(t) {
				continue
			}
			seen[o.ID] = t
			changed = append(changed, o)
		}
		done := p.Paging == nil || len(p.Results) == 0
		mark := started
		if !done && last.Before(started) {
			mark = last
		}
		if err := f(changed, mark.Add(-Overlap)); err != nil {
			return err
		}
		if done {
			return nil
		}
		if last.After(from) {
			from, after = last, 0
			continue
		}
		if after += len(p.Results); after >= s.searchCap {
			return errorf("search %s: more than %d share %s %s, and HubSpot's search cannot page past %d results",
				objectType, after, prop, from.Format(time.RFC3339Nano), s.searchCap)
		}
	}
}

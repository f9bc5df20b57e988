package hubspot

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort/connector/crm"
)

// maxEmptyPages is how many empty pages in a row that still promise more a
// walk takes before it gives up: HubSpot may answer an empty page with a
// cursor, but not forever.
const maxEmptyPages = 10

// readAll reads every live contact from where fp stands, one batch per page
// whose checkpoint resumes the walk; the last batch's checkpoint starts the
// incremental passes from fp.Since.
func (s *Source) readAll(ctx context.Context, fp *fullProgress, emit func(crm.Batch) error) error {
	q := url.Values{
		"limit":      {strconv.Itoa(s.listLimit)},
		"properties": {strings.Join(withTimestamp(s.contactProps, contactModified), ",")},
	}
	if s.needCompany {
		q.Set("associations", companies)
	}
	return s.walkContacts(ctx, q, fp.After, func(p *page, h http.Header, next string) error {
		if fp.Since.IsZero() {
			fp.Since = serverTime(h).Add(-Overlap)
		}
		live := make([]object, 0, len(p.Results))
		primary := map[string]string{}
		for _, c := range p.Results {
			if c.Archived {
				continue
			}
			live = append(live, c)
			if id := c.primaryCompany(); id != "" {
				primary[string(c.ID)] = id
			}
		}
		records, err := s.records(ctx, live, primary)
		if err != nil {
			return errorf("full read, contacts after %q: %w", fp.After, err)
		}
		fp.After = next
		cp := state{Full: fp}
		if next == "" {
			cp = state{Contacts: fp.Since, Companies: fp.Since, Archived: fp.Since}
		}
		return emit(crm.Batch{Records: records, Checkpoint: cp.String()})
	})
}

// walkContacts pages through GET /crm/v3/objects/contacts with query from
// cursor after, calling f with each page that has results, and the last
// one, with the cursor of the next page ("" after the last). It skips empty
// pages that carry a cursor, up to maxEmptyPages in a row.
func (s *Source) walkContacts(ctx context.Context, query url.Values, after string, f func(p *page, h http.Header, next string) error) error {
	empty := 0
	for {
		if after != "" {
			query.Set("after", after)
		}
		p, h, err := s.listContacts(ctx, query)
		if err != nil {
			return errorf("list contacts after %q: %w", after, err)
		}
		next := p.Paging.cursor()
		if len(p.Results) == 0 && next != "" {
			if empty++; empty == maxEmptyPages {
				return errorf("list contacts: %d empty pages in a row, the last after %q, each promising more; giving up", empty, after)
			}
			after = next
			continue
		}
		empty = 0
		if err := f(p, h, next); err != nil {
			return err
		}
		if next == "" {
			return nil
		}
		after = next
	}
}

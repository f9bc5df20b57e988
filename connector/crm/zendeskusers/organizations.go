package zendeskusers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort/connector/zendesk"
)

// orgMark is where the organization export stands: the organizations
// updated before Time are done, and so are those of Seen, updated at Time
// exactly. Zendesk's export works by the second, inclusive of its start
// time, so Seen tells what was read from what changed later in the same
// second. An organization that changes again within the
// second it was read in is missed until its next change: the export has no
// finer time.
type orgMark struct {
	Time int64   `json:"org_time"`
	Seen []int64 `json:"org_seen,omitempty"`
}

// maxSeen bounds orgMark.Seen to keep checkpoints small. Past it Seen is
// dropped, and the next run reads that second's organizations again: more
// work, nothing missed.
const maxSeen = 1000

// org is what a record takes of an organization.
type org struct {
	id         int64
	name       string
	externalID string
	fields     map[string]string
}

func orgOf(o zd.Organization) *org {
	return &org{id: o.ID, name: o.Name, externalID: o.ExternalID, fields: fieldTexts(o.OrganizationFields)}
}

// scanOrganizations reads the organizations updated since mark (every one
// when full), leaving out those mark has done, and returns them by id with
// the mark after them.
func (s *Source) scanOrganizations(ctx context.Context, mark orgMark, full bool) (map[int64]*org, orgMark, error) {
	var start time.Time
	if !full {
		start = time.Unix(mark.Time, 0)
		if latest := s.now().Add(-exportLag); start.After(latest) {
			start = latest
		}
	}
	done := map[int64]bool{}
	for _, id := range mark.Seen {
		done[id] = true
	}
	latest, atLatest := mark.Time, maps.Clone(done)
	orgs := map[int64]*org{}
	for {
		page, err := s.client.ExportOrganizations(ctx, start, s.pageSize)
		if err != nil {
			return nil, mark, fmt.Errorf("zendeskusers: organization export from %s: %w", start.UTC().Format(time.RFC3339), err)
		}
		for _, o := range page.Organizations {
			t := o.UpdatedAt.Unix()
			if !full && (t < mark.Time || t == mark.Time && done[o.ID]) {
				continue
			}
			orgs[o.ID] = orgOf(o) // a later page has the later version
			switch {
			case t > latest:
				latest, atLatest = t, map[int64]bool{o.ID: true}
			case t == latest:
				atLatest[o.ID] = true
			}
		}
		if page.EndOfStream {
			break
		}
		if !page.EndTime.After(start) {
			return nil, mark, fmt.Errorf("zendeskusers: organization export from %s does not move on", start.UTC().Format(time.RFC3339))
		}
		start = page.EndTime
	}
	next := orgMark{Time: latest}
	if len(atLatest) <= maxSeen {
		next.Seen = slices.Sorted(maps.Keys(atLatest))
	}
	return orgs, next, nil
}

// orgCache holds the organizations records need, reading those it lacks
// 100 a request.
type orgCache struct {
	client *zendesk.Client
	orgs   map[int64]*org // nil: no such organization
}

func newOrgCache(c *zendesk.Client, orgs map[int64]*org) *orgCache {
	return &orgCache{client: c, orgs: maps.Clone(orgs)}
}

// load reads the organizations of users that the cache lacks.
func (c *orgCache) load(ctx context.Context, users []zd.User) error {
	var missing []int64
	for _, u := range users {
		if id := u.OrganizationID; id != 0 && !slices.Contains(missing, id) {
			if _, ok := c.orgs[id]; !ok {
				missing = append(missing, id)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	found, err := c.client.Organizations(ctx, missing)
	if err != nil {
		return fmt.Errorf("zendeskusers: reading %d organizations: %w", len(missing), err)
	}
	for _, id := range missing {
		c.orgs[id] = nil
	}
	for _, o := range found {
		c.orgs[o.ID] = orgOf(o)
	}
	return nil
}

// get returns organization id, or nil if the user has none or it is gone.
func (c *orgCache) get(id int64) *org { return c.orgs[id] }

// Package zendeskusers reads customers from Zendesk itself, for businesses
// that keep plan and tier in Zendesk's user fields and organization fields:
// a crm.Source named "zendesk" whose records are Zendesk end-users (agents
// and admins are skipped), joined with their organization.
//
// A record's fields are id, email, name, external_id, created_at, tags
// (";"-joined), user_fields.<key> for each user field, and the user's
// organization's organization.id, organization.name,
// organization.external_id and organization.organization_fields.<key>.
// DefaultMapping maps them to cohort's customer fields.
//
// A full read loads every organization through Zendesk's incremental
// organization export, then reads every user through the cursor-based user
// export. An incremental read takes the users changed since the checkpoint
// (deleted ones as Deleted records) and, for each organization changed
// since, its users again, so a new organization field reaches every member.
// Both exports are limited to 10 requests a minute by Zendesk; the client
// keeps to that.
package zendeskusers

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/zendesk"
)

// Name is the source's name in checkpoints, reports and --source.
const Name = "zendesk"

// exportLag is how far before now an incremental organization export
// starts at the latest: Zendesk wants start times at least a minute old,
// and the extra minute covers a clock running ahead of Zendesk's.
const exportLag = zendesk.ExportMinAge + time.Minute

// Config configures a Source.
type Config struct {
	// Client reads Zendesk; its throttle keeps the exports to their limit.
	Client *zendesk.Client
	// Mapping maps the records to customers; nil means DefaultMapping().
	Mapping *crm.Mapping
	// PageSize is how many users (and organizations) an export page asks
	// for, and so how many records a batch holds at most: 1 to 1000
	// (Zendesk's most); 0 means 1000.
	PageSize int
}

// Source reads Zendesk end-users as CRM records.
type Source struct {
	client   *zendesk.Client
	mapping  *crm.Mapping
	pageSize int
	now      func() time.Time
}

var _ crm.Source = (*Source)(nil)

// New checks cfg and returns a Source. It does not call Zendesk.
func New(cfg Config) (*Source, error) {
	switch {
	case cfg.Client == nil:
		return nil, fmt.Errorf("zendeskusers: Config.Client is required")
	case cfg.PageSize < 0 || cfg.PageSize > zendesk.MaxExportPageSize:
		return nil, fmt.Errorf("zendeskusers: page size %d: want 1 to %d (0: %[2]d)", cfg.PageSize, zendesk.MaxExportPageSize)
	}
	s := &Source{client: cfg.Client, mapping: cfg.Mapping, pageSize: cmp.Or(cfg.PageSize, zendesk.MaxExportPageSize), now: time.Now}
	if s.mapping == nil {
		s.mapping = DefaultMapping()
	}
	return s, nil
}

// Name returns "zendesk".
func (s *Source) Name() string { return Name }

// Mapping returns the mapping the source's records are meant for: the
// configured one, or DefaultMapping().
func (s *Source) Mapping() *crm.Mapping { return s.mapping }

// Read emits the end-users changed since checkpoint, or every active one
// when full or checkpoint is "", a batch per export page; each batch's
// checkpoint resumes after it. See the package documentation.
func (s *Source) Read(ctx context.Context, checkpoint string, full bool, emit func(crm.Batch) error) error {
	if full || checkpoint == "" {
		return s.readAll(ctx, emit)
	}
	cp, err := parseCheckpoint(checkpoint)
	if err != nil {
		return err
	}
	return s.readChanges(ctx, cp, emit)
}

// readAll loads every organization, then emits every active end-user.
func (s *Source) readAll(ctx context.Context, emit func(crm.Batch) error) error {
	orgs, mark, err := s.scanOrganizations(ctx, orgMark{}, true)
	if err != nil {
		return err
	}
	cache := newOrgCache(s.client, orgs)
	_, err = s.readUsers(ctx, "", cache, true, mark, nil, emit)
	return err
}

// readChanges emits the end-users changed since cp, then the users of the
// organizations changed since cp. Until the last batch the checkpoints keep
// cp's organization mark, so an interrupted run goes over the changed
// organizations again.
func (s *Source) readChanges(ctx context.Context, cp checkpoint, emit func(crm.Batch) error) error {
	changed, mark, err := s.scanOrganizations(ctx, cp.orgMark, false)
	if err != nil {
		return err
	}
	cache := newOrgCache(s.client, changed)
	emitted := map[int64]bool{}
	cursor, err := s.readUsers(ctx, cp.UserCursor, cache, false, cp.orgMark, emitted, emit)
	if err != nil {
		return err
	}
	var pending []zd.User
	flush := func(mark orgMark) error {
		records, err := s.records(ctx, pending, cache, false)
		if err != nil {
			return err
		}
		pending = pending[:0]
		return emit(crm.Batch{Records: records, Checkpoint: checkpoint{UserCursor: cursor, orgMark: mark}.String()})
	}
	for _, id := range slices.Sorted(maps.Keys(changed)) {
		for u, err := range s.client.OrganizationUsers(ctx, id) {
			if err != nil {
				return fmt.Errorf("zendeskusers: users of changed organization %d: %w", id, err)
			}
			if emitted[u.ID] || !isCustomer(u) || !u.Active {
				continue
			}
			emitted[u.ID] = true
			if pending = append(pending, u); len(pending) == s.pageSize {
				if err := flush(cp.orgMark); err != nil {
					return err
				}
			}
		}
	}
	return flush(mark)
}

// readUsers emits a batch per page of the user export from cursor (from
// the beginning if ""), each with a checkpoint of its after cursor and
// mark, and returns the last cursor. A full read leaves deleted users out;
// otherwise they are Deleted records. emitted, if not nil, gets the ids of
// the users emitted.
func (s *Source) readUsers(ctx context.Context, cursor string, cache *orgCache, full bool, mark orgMark,
	emitted map[int64]bool, emit func(crm.Batch) error) (string, error) {
	for {
		page, err := s.client.ExportUsers(ctx, time.Time{}, cursor, s.pageSize)
		if err != nil {
			return "", fmt.Errorf("zendeskusers: user export: %w", err)
		}
		records, err := s.records(ctx, page.Users, cache, full)
		if err != nil {
			return "", err
		}
		for _, u := range page.Users {
			if emitted != nil && isCustomer(u) {
				emitted[u.ID] = true
			}
		}
		cursor = page.AfterCursor
		if err := emit(crm.Batch{Records: records, Checkpoint: checkpoint{UserCursor: cursor, orgMark: mark}.String()}); err != nil {
			return "", err
		}
		if page.EndOfStream {
			return cursor, nil
		}
	}
}

// records makes the records of users that are customers, with their
// organizations; a full read leaves deleted users out.
func (s *Source) records(ctx context.Context, users []zd.User, cache *orgCache, full bool) ([]cohort.SourceRecord, error) {
	var keep []zd.User
	for _, u := range users {
		if isCustomer(u) && (u.Active || !full) {
			keep = append(keep, u)
		}
	}
	if err := cache.load(ctx, keep); err != nil {
		return nil, err
	}
	records := make([]cohort.SourceRecord, len(keep))
	for i, u := range keep {
		records[i] = record(u, cache.get(u.OrganizationID))
	}
	return records, nil
}

// isCustomer reports whether u is an end-user: agents and admins are not
// customers.
func isCustomer(u zd.User) bool { return u.Role == "end-user" }

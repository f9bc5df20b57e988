package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
)

// lookups batch the reads of users and organizations that event webhooks
// need (they name the requester by id only): concurrent lookups within a
// window become one show_many request of up to 100 ids.
type lookups struct {
	users *gatherer[lookupItem[zd.User]]
	orgs  *gatherer[lookupItem[zd.Organization]]
}

type lookupItem[V any] struct {
	id   int64
	done chan lookupResult[V]
}

type lookupResult[V any] struct {
	v     V
	found bool
	err   error
}

func newLookups(c *Client, wait time.Duration) *lookups {
	return &lookups{
		users: newGatherer(100, wait, nil, func(_ context.Context, items []lookupItem[zd.User], _ error) {
			answer(items, func(ctx context.Context, ids string) ([]zd.User, error) {
				var page struct {
					Users []zd.User `json:"users"`
				}
				return page.Users, c.getJSON(ctx, "/users/show_many.json?ids="+ids, &page)
			}, func(u zd.User) int64 { return u.ID })
		}),
		orgs: newGatherer(100, wait, nil, func(_ context.Context, items []lookupItem[zd.Organization], _ error) {
			answer(items, func(ctx context.Context, ids string) ([]zd.Organization, error) {
				var page struct {
					Organizations []zd.Organization `json:"organizations"`
				}
				return page.Organizations, c.getJSON(ctx, "/organizations/show_many.json?ids="+ids, &page)
			}, func(o zd.Organization) int64 { return o.ID })
		}),
	}
}

func (l *lookups) close() {
	l.users.close()
	l.orgs.close()
}

// answer fetches the items' ids in one request and answers each item.
func answer[V any](items []lookupItem[V], fetch func(ctx context.Context, ids string) ([]V, error), idOf func(V) int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seen := map[int64]bool{}
	var ids []string
	for _, it := range items {
		if !seen[it.id] {
			seen[it.id] = true
			ids = append(ids, strconv.FormatInt(it.id, 10))
		}
	}
	found, err := fetch(ctx, strings.Join(ids, ","))
	byID := make(map[int64]V, len(found))
	for _, v := range found {
		byID[idOf(v)] = v
	}
	for _, it := range items {
		v, ok := byID[it.id]
		it.done <- lookupResult[V]{v: v, found: ok, err: err}
	}
}

// lookup asks g for id and waits for the answer.
func lookup[V any](ctx context.Context, g *gatherer[lookupItem[V]], what string, id int64) (V, error) {
	var zero V
	item := lookupItem[V]{id: id, done: make(chan lookupResult[V], 1)}
	if !g.add(ctx, item) {
		return zero, cohort.E("zendesk.FillRequester", cohort.KindUnavailable, fmt.Errorf("%s %d: %w", what, id, context.Cause(ctx)))
	}
	select {
	case r := <-item.done:
		switch {
		case r.err != nil:
			return zero, r.err
		case !r.found:
			return zero, cohort.Errorf("zendesk.FillRequester", cohort.KindNotFound, "%s %d not found", what, id)
		}
		return r.v, nil
	case <-ctx.Done():
		return zero, cohort.E("zendesk.FillRequester", cohort.KindUnavailable, fmt.Errorf("%s %d: %w", what, id, ctx.Err()))
	}
}

// getJSON reads path into v. Numbers in untyped fields (user_fields,
// organization_fields) stay json.Number, as Zendesk wrote them.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	body, err := c.api.Get(ctx, path)
	if err != nil {
		return apiError("zendesk.Get "+strings.SplitN(path, "?", 2)[0], err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return cohort.Errorf("zendesk.Get", cohort.KindUnavailable, "%s: unreadable answer: %v", strings.SplitN(path, "?", 2)[0], err)
	}
	return nil
}

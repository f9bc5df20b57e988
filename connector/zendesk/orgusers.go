package zendesk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/cohortdesk/cohort"
	zd "github.com/nukosuke/go-zendesk/zendesk"
)

// OrganizationUsers yields the users of organization orgID, reading them a
// page of 100 at a time as the loop asks for them. A failed read is yielded
// as the last error. Numbers in UserFields are json.Number.
//
// Zendesk API docs: GET /api/v2/organizations/{organization_id}/users
func (c *Client) OrganizationUsers(ctx context.Context, orgID int64) iter.Seq2[zd.User, error] {
	return eachListed[zd.User](ctx, c, fmt.Sprintf("/organizations/%d/users.json", orgID), "users")
}

// eachListed yields the items of a list endpoint at path (which may have a
// query of its own), listed under key, reading them with cursor pagination,
// 100 a page, as the loop asks for them. A failed read is yielded as the
// last error.
func eachListed[T any](ctx context.Context, c *Client, path, key string) iter.Seq2[T, error] {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return func(yield func(T, error) bool) {
		var zero T
		after := ""
		for {
			q := url.Values{"page[size]": {"100"}}
			if after != "" {
				q.Set("page[after]", after)
			}
			var page map[string]json.RawMessage
			if err := c.getJSON(ctx, path+sep+q.Encode(), &page); err != nil {
				yield(zero, err)
				return
			}
			var items []T
			var meta struct {
				HasMore     bool   `json:"has_more"`
				AfterCursor string `json:"after_cursor"`
			}
			dec := json.NewDecoder(bytes.NewReader(page[key]))
			dec.UseNumber() // as getJSON: numbers in untyped fields stay json.Number
			if err := dec.Decode(&items); err != nil {
				yield(zero, cohort.Errorf("zendesk.List", cohort.KindUnavailable, "unreadable %s page: %w", key, err))
				return
			}
			if raw, ok := page["meta"]; ok {
				if err := json.Unmarshal(raw, &meta); err != nil {
					yield(zero, cohort.Errorf("zendesk.List", cohort.KindUnavailable, "unreadable %s page: %w", key, err))
					return
				}
			}
			for _, item := range items {
				if !yield(item, nil) {
					return
				}
			}
			if !meta.HasMore || meta.AfterCursor == "" {
				return
			}
			after = meta.AfterCursor
		}
	}
}

// Organizations reads the organizations with the given ids, 100 a request;
// unknown ids are left out. Numbers in OrganizationFields are json.Number.
//
// Zendesk API docs: GET /api/v2/organizations/show_many
func (c *Client) Organizations(ctx context.Context, ids []int64) ([]zd.Organization, error) {
	var out []zd.Organization
	for start := 0; start < len(ids); start += 100 {
		chunk := ids[start:min(start+100, len(ids))]
		list := make([]string, len(chunk))
		for i, id := range chunk {
			list[i] = strconv.FormatInt(id, 10)
		}
		var page struct {
			Organizations []zd.Organization `json:"organizations"`
		}
		if err := c.getJSON(ctx, "/organizations/show_many.json?ids="+strings.Join(list, ","), &page); err != nil {
			return nil, err
		}
		out = append(out, page.Organizations...)
	}
	return out, nil
}

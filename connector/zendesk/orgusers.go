package zendesk

import (
	"context"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	zd "github.com/nukosuke/go-zendesk/zendesk"
)

// OrganizationUsers yields the users of organization orgID, reading them a
// page of 100 at a time as the loop asks for them. A failed read is yielded
// as the last error. Numbers in UserFields are json.Number.
//
// Zendesk API docs: GET /api/v2/organizations/{organization_id}/users
func (c *Client) OrganizationUsers(ctx context.Context, orgID int64) iter.Seq2[zd.User, error] {
	return func(yield func(zd.User, error) bool) {
		after := ""
		for {
			q := url.Values{"page[size]": {"100"}}
			if after != "" {
				q.Set("page[after]", after)
			}
			var page struct {
				Users []zd.User `json:"users"`
				Meta  struct {
					HasMore     bool   `json:"has_more"`
					AfterCursor string `json:"after_cursor"`
				} `json:"meta"`
			}
			if err := c.getJSON(ctx, fmt.Sprintf("/organizations/%d/users.json?%s", orgID, q.Encode()), &page); err != nil {
				yield(zd.User{}, err)
				return
			}
			for _, u := range page.Users {
				if !yield(u, nil) {
					return
				}
			}
			if !page.Meta.HasMore || page.Meta.AfterCursor == "" {
				return
			}
			after = page.Meta.AfterCursor
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

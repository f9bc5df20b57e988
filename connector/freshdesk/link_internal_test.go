package freshdesk

import "testing"

func TestNextPage(t *testing.T) {
	for link, want := range map[string]string{
		`<https://a.freshdesk.com/api/v2/tickets?page=2>; rel="next"`:                         "https://a.freshdesk.com/api/v2/tickets?page=2",
		`<https://a.freshdesk.com/api/v2/tickets?include=requester,stats&page=2>; rel="next"`: "https://a.freshdesk.com/api/v2/tickets?include=requester,stats&page=2",
		`<https://a/api/v2/t?page=1>; rel="prev", <https://a/api/v2/t?page=3>; rel=next`:      "https://a/api/v2/t?page=3",
		`<https://a/api/v2/t?page=1>; rel="prev"`:                                             "",
		``:        "",
		`garbage`: "",
	} {
		if got := nextPage(link); got != want {
			t.Errorf("nextPage(%q) = %q, want %q", link, got, want)
		}
	}
}

package sandbox_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/nukosuke/go-zendesk/zendesk"
)

// userExport is a page of the cursor-based user export.
type userExport struct {
	Users        []zendesk.User `json:"users"`
	AfterURL     *string        `json:"after_url"`
	AfterCursor  *string        `json:"after_cursor"`
	BeforeURL    *string        `json:"before_url"`
	BeforeCursor *string        `json:"before_cursor"`
	EndOfStream  bool           `json:"end_of_stream"`
}

// orgExport is a page of the time-based organization export.
type orgExport struct {
	Organizations []zendesk.Organization `json:"organizations"`
	Count         int                    `json:"count"`
	EndTime       int64                  `json:"end_time"`
	NextPage      *string                `json:"next_page"`
	EndOfStream   bool                   `json:"end_of_stream"`
}

// getJSON GETs path and decodes the answer, failing the test on error.
func getJSON[T any](t *testing.T, c *zendesk.Client, path string) T {
	t.Helper()
	body, err := c.Get(t.Context(), path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return decode[T](t, body)
}

// userIDs lists the ids of users.
func userIDs(users []zendesk.User) []int64 {
	ids := make([]int64, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

func TestUserExport(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	admin := adminID(t, c)
	var ids []int64
	for i := range 5 {
		u, err := c.CreateUser(t.Context(), zendesk.User{Name: fmt.Sprint("User ", i), Email: fmt.Sprintf("u%d@example.com", i),
			UserFields: zendesk.UserFields{"plan": "gold", "seats": 3}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ID)
	}
	clock.Advance(2 * time.Minute)
	start := strconv.FormatInt(testNow.Unix(), 10)

	// From start_time, two users a page: every user (the admin first, then
	// in creation order), each once.
	page := getJSON[userExport](t, c, "/incremental/users/cursor.json?per_page=2&start_time="+start)
	if page.BeforeCursor != nil || page.EndOfStream || page.AfterCursor == nil || len(page.Users) != 2 {
		t.Fatalf("first page = %+v", page)
	}
	if u := page.Users[1]; u.UserFields["plan"] != "gold" || u.UserFields["seats"] != 3.0 || !u.Active {
		t.Errorf("user = %+v", u)
	}
	var got []int64
	for {
		got = append(got, userIDs(page.Users)...)
		if page.EndOfStream {
			break
		}
		next, err := url.Parse(*page.AfterURL)
		if err != nil || next.Query().Get("cursor") != *page.AfterCursor || next.Query().Has("start_time") {
			t.Fatalf("after_url = %s", *page.AfterURL)
		}
		page = getJSON[userExport](t, c, "/incremental/users/cursor.json?per_page=2&cursor="+*page.AfterCursor)
	}
	if want := append([]int64{admin}, ids...); !slices.Equal(got, want) {
		t.Errorf("exported %v, want %v", got, want)
	}

	// At the end, after_cursor stays put; later writes come after it, each
	// user once in the order of its last write, a deleted one inactive.
	end := *page.AfterCursor
	again := getJSON[userExport](t, c, "/incremental/users/cursor.json?cursor="+end)
	if len(again.Users) != 0 || !again.EndOfStream || *again.AfterCursor != end || *again.BeforeCursor != end {
		t.Fatalf("poll without changes = %+v", again)
	}
	if _, err := c.UpdateUser(t.Context(), ids[3], zendesk.User{UserFields: zendesk.UserFields{"plan": "silver"}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetUserFields(ids[1], map[string]any{"plan": "bronze"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.DeleteUser(ids[3]); err != nil {
		t.Fatal(err)
	}
	changed := getJSON[userExport](t, c, "/incremental/users/cursor.json?cursor="+end)
	if got := userIDs(changed.Users); !slices.Equal(got, []int64{ids[1], ids[3]}) || !changed.EndOfStream {
		t.Fatalf("changes = %v, want users %d and %d", got, ids[1], ids[3])
	}
	if u := changed.Users[1]; u.Active || u.UserFields["plan"] != "silver" {
		t.Errorf("deleted user = %+v, want inactive with plan silver", u)
	}

	// From a start_time after every write: nothing, and a cursor past them.
	clock.Advance(2 * time.Minute)
	late := strconv.FormatInt(clock.Now().Add(-time.Minute).Unix(), 10)
	empty := getJSON[userExport](t, c, "/incremental/users/cursor.json?start_time="+late)
	if len(empty.Users) != 0 || !empty.EndOfStream || empty.AfterCursor == nil {
		t.Fatalf("export from after every write = %+v", empty)
	}
	if none := getJSON[userExport](t, c, "/incremental/users/cursor.json?cursor="+*empty.AfterCursor); len(none.Users) != 0 {
		t.Errorf("its cursor gives %v", userIDs(none.Users))
	}
}

func TestOrganizationExport(t *testing.T) {
	clock := newFakeClock(testNow)
	srv := startSandbox(t, func(cfg *sandbox.Config) { cfg.Now = clock.Now })
	c := adminClient(t, srv)
	// Three organizations in each of three seconds.
	var ids []int64
	for i := range 9 {
		if i > 0 && i%3 == 0 {
			clock.Advance(time.Second)
		}
		o, err := c.CreateOrganization(t.Context(), zendesk.Organization{Name: fmt.Sprint("Org ", i),
			OrganizationFields: map[string]any{"tier": fmt.Sprint(i)}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	clock.Advance(time.Hour)

	// Pages never split a second, and the next page, from end_time,
	// repeats its second; a page that would hold start_time's second only
	// takes the next second too, so end_time moves on.
	tests := []struct {
		name   string
		start  time.Time
		counts []int
	}{
		{"from before the first", testNow.Add(-10 * time.Second), []int{3, 6, 6}},
		{"from the first second", testNow, []int{6, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := fmt.Sprintf("/incremental/organizations.json?per_page=2&start_time=%d", tt.start.Unix())
			var counts []int
			seen := map[int64]bool{}
			for {
				page := getJSON[orgExport](t, c, path)
				counts = append(counts, page.Count)
				for _, o := range page.Organizations {
					seen[o.ID] = true
				}
				if last := page.Organizations[page.Count-1]; page.EndTime != last.UpdatedAt.Unix() {
					t.Errorf("end_time %d, want the last organization's updated_at %v", page.EndTime, last.UpdatedAt)
				}
				if page.Count != len(page.Organizations) || len(counts) > len(tt.counts) {
					t.Fatalf("page %d: count %d of %d organizations", len(counts), page.Count, len(page.Organizations))
				}
				next, err := url.Parse(*page.NextPage)
				if err != nil || next.Query().Get("start_time") != strconv.FormatInt(page.EndTime, 10) {
					t.Fatalf("next_page = %s", *page.NextPage)
				}
				if page.EndOfStream {
					break
				}
				path = "/incremental/organizations.json?" + next.RawQuery
			}
			if !slices.Equal(counts, tt.counts) || len(seen) != len(ids) {
				t.Errorf("page sizes %v, want %v; %d organizations seen, want %d", counts, tt.counts, len(seen), len(ids))
			}
		})
	}
	first := getJSON[orgExport](t, c, "/incremental/organizations.json?start_time="+strconv.FormatInt(testNow.Unix(), 10))
	if first.Organizations[0].OrganizationFields["tier"] != "0" || first.Count != 9 || !first.EndOfStream {
		t.Errorf("one page of all = %+v", first)
	}

	// An update moves the organization to the end of the export.
	if _, err := c.UpdateOrganization(t.Context(), ids[0], zendesk.Organization{
		OrganizationFields: map[string]any{"tier": "platinum"}}); err != nil {
		t.Fatal(err)
	}
	after := getJSON[orgExport](t, c, fmt.Sprintf("/incremental/organizations.json?start_time=%d", testNow.Unix()+3))
	if after.Count != 1 || after.Organizations[0].ID != ids[0] || after.EndTime != clock.Now().Unix() || !after.EndOfStream {
		t.Fatalf("after the update = %+v", after)
	}
	if o := after.Organizations[0]; o.OrganizationFields["tier"] != "platinum" || o.Name != "Org 0" {
		t.Errorf("updated organization = %+v", o)
	}
	clock.Advance(2 * time.Minute)
	empty := getJSON[orgExport](t, c, fmt.Sprintf("/incremental/organizations.json?start_time=%d", clock.Now().Add(-time.Minute).Unix()))
	if empty.Count != 0 || !empty.EndOfStream || empty.EndTime != clock.Now().Add(-time.Minute).Unix() {
		t.Errorf("empty export = %+v", empty)
	}
}

func TestExportStartTime(t *testing.T) {
	srv := startSandbox(t)
	c := adminClient(t, srv)
	recent := strconv.FormatInt(testNow.Add(-30*time.Second).Unix(), 10)
	for _, path := range []string{
		"/incremental/users/cursor.json",
		"/incremental/users/cursor.json?start_time=" + recent,
		"/incremental/users/cursor.json?start_time=yesterday",
		"/incremental/users/cursor.json?cursor=bm90LWEtY3Vyc29y",
		"/incremental/organizations.json",
		"/incremental/organizations.json?start_time=" + recent,
	} {
		t.Run(path, func(t *testing.T) {
			_, err := c.Get(t.Context(), path)
			wantStatus(t, err, http.StatusBadRequest)
		})
	}
	if _, err := c.Get(t.Context(), "/incremental/organizations.json?start_time=0"); err != nil {
		t.Errorf("start_time=0: %v", err)
	}
}

func TestIncrementalExportRateLimit(t *testing.T) {
	clock := newFakeClock(clockStart)
	srv := startLimited(t, clock, func(cfg *sandbox.Config) { cfg.RateLimit = 1000 })
	users := "/incremental/users/cursor.json?start_time=0"
	var steps []step
	for i := range 10 {
		steps = append(steps, step{name: fmt.Sprint("export ", i+1), method: http.MethodGet, path: users, status: http.StatusOK,
			headers: map[string]string{"Zendesk-Ratelimit-Incremental-Exports": fmt.Sprintf("total=10; remaining=%d; resets=40", 9-i)}})
	}
	steps = append(steps,
		step{name: "11th export refused", method: http.MethodGet, path: "/incremental/organizations.json?start_time=0",
			status: http.StatusTooManyRequests, headers: map[string]string{hRetryAfter: "40"},
			inBody: "incremental export API requests per minute exceeded"},
		step{name: "other endpoints go on", method: http.MethodGet, path: "/users/me.json", status: http.StatusOK,
			headers: map[string]string{"Zendesk-Ratelimit-Incremental-Exports": ""}},
		step{name: "next minute", advance: 40 * time.Second, method: http.MethodGet, path: users, status: http.StatusOK,
			headers: map[string]string{"Zendesk-Ratelimit-Incremental-Exports": "total=10; remaining=9; resets=60"}},
	)
	runSteps(t, srv, clock, steps)
}

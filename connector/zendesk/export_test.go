package zendesk_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// exportNow is where the export tests' sandbox clock starts.
var exportNow = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// testClock is a sandbox clock that moves only when told to.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// exportSandbox starts a sandbox on a clock at exportNow, and a client whose
// export budget does not slow the test.
func exportSandbox(t *testing.T) (*sandbox.Server, *zendesk.Client, *testClock) {
	t.Helper()
	clock := &testClock{now: exportNow}
	sb, c := sandboxClient(t, sandbox.Config{Now: clock.Now}, zendesk.Config{ExportRateLimit: 60000})
	return sb, c, clock
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func userID(u zd.User) int64 { return u.ID }

func TestExportUsers(t *testing.T) {
	sb, c, clock := exportSandbox(t)
	ctx := t.Context()
	var want []int64
	for i := range 7 {
		u, err := c.API().CreateUser(ctx, zd.User{Name: fmt.Sprint("U", i), Email: fmt.Sprintf("u%d@example.com", i),
			UserFields: zd.UserFields{"arr": 1234567.25, "plan": "gold"}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, u.ID)
	}
	clock.Advance(2 * time.Minute)

	// Cursor paging from the beginning: every user once, the admin first.
	var got []int64
	page, err := c.ExportUsers(ctx, time.Time{}, "", 3)
	for ; err == nil; page, err = c.ExportUsers(ctx, time.Time{}, page.AfterCursor, 3) {
		if len(page.Users) > 3 {
			t.Fatalf("page of %d users, asked 3", len(page.Users))
		}
		got = append(got, ids(page.Users, userID)...)
		if page.EndOfStream {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8 || !slices.Equal(got[1:], want) {
		t.Fatalf("exported %v, want the admin then %v", got, want)
	}

	// The last cursor picks up later changes only, the deleted user
	// inactive; numbers keep Zendesk's text.
	end := page.AfterCursor
	if err := sb.SetUserFields(want[2], map[string]any{"plan": "silver"}); err != nil {
		t.Fatal(err)
	}
	if err := sb.DeleteUser(want[5]); err != nil {
		t.Fatal(err)
	}
	changes, err := c.ExportUsers(ctx, time.Time{}, end, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(changes.Users, userID); !slices.Equal(got, []int64{want[2], want[5]}) || !changes.EndOfStream {
		t.Fatalf("changes = %v, want %v", got, []int64{want[2], want[5]})
	}
	if u := changes.Users[0]; !u.Active || u.UserFields["plan"] != "silver" || u.UserFields["arr"] != json.Number("1234567.25") {
		t.Errorf("changed user = %+v", u)
	}
	if changes.Users[1].Active {
		t.Error("deleted user is active")
	}
	none, err := c.ExportUsers(ctx, time.Time{}, changes.AfterCursor, 0)
	if err != nil || len(none.Users) != 0 || none.AfterCursor != changes.AfterCursor || !none.EndOfStream {
		t.Errorf("poll without changes = %+v, %v", none, err)
	}

	// From a start time: the users updated since.
	since, err := c.ExportUsers(ctx, exportNow.Add(time.Minute), "", 0)
	if err != nil || !slices.Equal(ids(since.Users, userID), []int64{want[2], want[5]}) {
		t.Errorf("since a minute after creation: %v, %v", ids(since.Users, userID), err)
	}
}

func TestExportOrganizations(t *testing.T) {
	_, c, clock := exportSandbox(t)
	ctx := t.Context()
	var want []int64
	for i := range 7 {
		if i%2 == 0 {
			clock.Advance(time.Second)
		}
		o, err := c.API().CreateOrganization(ctx, zd.Organization{Name: fmt.Sprint("Org ", i),
			OrganizationFields: map[string]any{"arr": 5000}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, o.ID)
	}
	clock.Advance(time.Hour)

	// Time-based paging: each page starts at the last one's end time and
	// may repeat its last second; the union is every organization.
	seen := map[int64]bool{}
	start, pages := time.Time{}, 0
	for {
		page, err := c.ExportOrganizations(ctx, start, 2)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Organizations {
			seen[o.ID] = true
			if o.OrganizationFields["arr"] != json.Number("5000") {
				t.Errorf("organization_fields = %v", o.OrganizationFields)
			}
		}
		if page.EndOfStream {
			break
		}
		if !page.EndTime.After(start) || pages > 10 {
			t.Fatalf("page %d: end time %v does not move on from %v", pages, page.EndTime, start)
		}
		start = page.EndTime
	}
	if got := slices.Sorted(maps.Keys(seen)); !slices.Equal(got, slices.Sorted(slices.Values(want))) || pages < 3 {
		t.Errorf("%d pages gave %v, want %v", pages, got, want)
	}
}

func TestExportErrors(t *testing.T) {
	_, c, clock := exportSandbox(t)
	ctx := t.Context()
	_, err := c.ExportUsers(ctx, clock.Now().Add(-30*time.Second), "", 0)
	if cohort.KindOf(err) != cohort.KindInvalid || !strings.Contains(err.Error(), "start_time") {
		t.Errorf("recent start time: %v (kind %v), want invalid", err, cohort.KindOf(err))
	}
	_, err = c.ExportOrganizations(ctx, clock.Now(), 0)
	if cohort.KindOf(err) != cohort.KindInvalid {
		t.Errorf("organizations from now: %v, want invalid", err)
	}
	_, err = c.ExportUsers(ctx, time.Time{}, "", zendesk.MaxExportPageSize+1)
	if cohort.KindOf(err) != cohort.KindInvalid {
		t.Errorf("page size over the maximum: %v, want invalid", err)
	}
}

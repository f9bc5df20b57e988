package zendeskusers_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/zendeskusers"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// account is a sandbox account seeded with organizations and users, on a
// clock that runs with real time (the source keeps its export start times
// a little behind the local clock) and that tests move ahead.
type account struct {
	sb     *sandbox.Server
	client *zendesk.Client
	ahead  atomic.Int64 // nanoseconds the sandbox clock runs ahead

	orgs      []zd.Organization
	customers []zd.User // end-users, in creation order
	agents    []zd.User
}

// Seeded account: 10 organizations; 300 end-users, the first 280 in
// organization i%10, some with user fields of their own; 2 agents.
const (
	numOrgs      = 10
	numCustomers = 300
	numInOrgs    = 280
)

func newAccount(t *testing.T) *account {
	t.Helper()
	a := &account{}
	sb, err := sandbox.Start(sandbox.Config{Email: "admin@example.com", APIToken: "tok",
		Now: func() time.Time { return time.Now().Add(time.Duration(a.ahead.Load())) }}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "admin@example.com", APIToken: "tok",
		RateLimit: 60000, ExportRateLimit: 60000})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	a.sb, a.client = sb, c
	ctx := t.Context()
	for i := range numOrgs {
		plan := "basic"
		if i%2 == 0 {
			plan = "pro"
		}
		o, err := c.API().CreateOrganization(ctx, zd.Organization{Name: fmt.Sprint("Org ", i), ExternalID: fmt.Sprint("org-", i),
			OrganizationFields: map[string]any{"plan": plan, "arr": 1000 * (i + 1), "products": []string{"analytics", "api"}}})
		if err != nil {
			t.Fatal(err)
		}
		a.orgs = append(a.orgs, o)
	}
	for i := range numCustomers {
		u := zd.User{Name: fmt.Sprint("Customer ", i), Email: fmt.Sprintf("c%d@example.com", i), ExternalID: fmt.Sprint("crm-", i),
			Tags: []string{"customer", "t" + strconv.Itoa(i%3)}, UserFields: zd.UserFields{"tech_level": "high"}}
		if i < numInOrgs {
			u.OrganizationID = a.orgs[i%numOrgs].ID
		}
		if i%7 == 0 {
			u.UserFields["plan"] = "enterprise"
		}
		created, err := c.API().CreateUser(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		a.customers = append(a.customers, created)
	}
	for i := range 2 {
		agent, err := c.API().CreateUser(ctx, zd.User{Name: fmt.Sprint("Agent ", i), Email: fmt.Sprintf("agent%d@example.com", i),
			Role: "agent", OrganizationID: a.orgs[0].ID})
		if err != nil {
			t.Fatal(err)
		}
		a.agents = append(a.agents, agent)
	}
	return a
}

// advance moves the sandbox clock ahead, so that later writes fall in
// later seconds than earlier ones.
func (a *account) advance(d time.Duration) { a.ahead.Add(int64(d)) }

func (a *account) source(t *testing.T, pageSize int) *zendeskusers.Source {
	t.Helper()
	s, err := zendeskusers.New(zendeskusers.Config{Client: a.client, PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run is what a Read emitted.
type run struct {
	batches []crm.Batch
	err     error
}

// records returns the records of the batches by Ref.
func (r run) records() map[string]cohort.SourceRecord {
	out := map[string]cohort.SourceRecord{}
	for _, b := range r.batches {
		for _, rec := range b.Records {
			out[rec.Ref] = rec
		}
	}
	return out
}

// checkpoint returns the last batch's checkpoint, as the caller commits it.
func (r run) checkpoint() string {
	if len(r.batches) == 0 {
		return ""
	}
	return r.batches[len(r.batches)-1].Checkpoint
}

// read runs s.Read and collects its batches; failAt > 0 makes the failAt-th
// emit fail, as a store error would.
func read(ctx context.Context, s *zendeskusers.Source, checkpoint string, full bool, failAt int) run {
	var r run
	calls := 0
	r.err = s.Read(ctx, checkpoint, full, func(b crm.Batch) error {
		calls++
		if calls == failAt {
			return errEmit
		}
		r.batches = append(r.batches, b)
		return nil
	})
	return r
}

var errEmit = errors.New("store unavailable")

func ref(u zd.User) string { return "user " + strconv.FormatInt(u.ID, 10) }

func refs(users ...zd.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = ref(u)
	}
	slices.Sort(out)
	return out
}

func TestFullRead(t *testing.T) {
	a := newAccount(t)
	r := read(t.Context(), a.source(t, 100), "", true, 0)
	if r.err != nil {
		t.Fatal(r.err)
	}
	for i, b := range r.batches {
		if len(b.Records) > 100 || b.Checkpoint == "" {
			t.Errorf("batch %d: %d records, checkpoint %q", i, len(b.Records), b.Checkpoint)
		}
	}
	got := r.records()
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, refs(a.customers...)) {
		t.Fatalf("%d records, want the %d end-users and no agent or admin", len(got), len(a.customers))
	}

	c0, org0 := got[ref(a.customers[0])], a.orgs[0]
	want := map[string]string{
		"id": strconv.FormatInt(a.customers[0].ID, 10), "email": "c0@example.com", "name": "Customer 0",
		"external_id": "crm-0", "created_at": a.customers[0].CreatedAt.UTC().Format(time.RFC3339),
		"tags": "customer;t0", "user_fields.plan": "enterprise", "user_fields.tech_level": "high",
		"organization.id": strconv.FormatInt(org0.ID, 10), "organization.name": "Org 0", "organization.external_id": "org-0",
		"organization.organization_fields.plan": "pro", "organization.organization_fields.arr": "1000",
		"organization.organization_fields.products": "analytics;api",
	}
	if !maps.Equal(c0.Fields, want) || c0.Deleted {
		t.Errorf("record = %v, want %v", c0.Fields, want)
	}
	if f := got[ref(a.customers[numInOrgs])].Fields; f["organization.id"] != "" || f["email"] == "" {
		t.Errorf("user without organization = %v", f)
	}

	// Through the default mapping: the user's plan wins over the
	// organization's; arr comes from the organization.
	m := zendeskusers.DefaultMapping()
	for i, wantPlan := range map[int]string{0: "enterprise", 1: "basic", 2: "pro"} {
		rec := got[ref(a.customers[i])]
		c, err := m.Apply(&rec)
		if err != nil {
			t.Fatal(err)
		}
		if c.Plan != wantPlan || c.ARR != float64(1000*(i+1)) || c.TechLevel != "high" || c.ExternalID != fmt.Sprint("crm-", i) ||
			!slices.Equal(c.Products, []string{"analytics", "api"}) {
			t.Errorf("customer %d = %+v, want plan %s", i, c, wantPlan)
		}
	}

	// full ignores a checkpoint: everything again.
	again := read(t.Context(), a.source(t, 0), r.checkpoint(), true, 0)
	if again.err != nil || len(again.records()) != numCustomers || len(again.batches) != 1 {
		t.Errorf("full read with a checkpoint: %d records in %d batches, %v", len(again.records()), len(again.batches), again.err)
	}
}

func TestIncrementalRead(t *testing.T) {
	a := newAccount(t)
	ctx := t.Context()
	s := a.source(t, 50)
	full := read(ctx, s, "", true, 0)
	if full.err != nil {
		t.Fatal(full.err)
	}
	a.advance(5 * time.Minute)

	// Nothing changed: nothing to read.
	idle := read(ctx, s, full.checkpoint(), false, 0)
	if idle.err != nil || len(idle.records()) != 0 || idle.checkpoint() == "" {
		t.Fatalf("incremental read without changes: %v records, %v", slices.Collect(maps.Keys(idle.records())), idle.err)
	}

	// Changed: a user's fields, a user through the API, a deleted user, a
	// new user, an organization's fields, an agent (skipped).
	changedUser, renamed, deleted := a.customers[3], a.customers[290], a.customers[11]
	changedOrg := a.orgs[5]
	if err := a.sb.SetUserFields(changedUser.ID, map[string]any{"plan": "premium"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.client.API().UpdateUser(ctx, renamed.ID, zd.User{Name: "Renamed"}); err != nil {
		t.Fatal(err)
	}
	if err := a.sb.DeleteUser(deleted.ID); err != nil {
		t.Fatal(err)
	}
	added, err := a.client.API().CreateUser(ctx, zd.User{Name: "Newcomer", Email: "new@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.sb.SetOrganizationFields(changedOrg.ID, map[string]any{"plan": "enterprise"}); err != nil {
		t.Fatal(err)
	}
	if err := a.sb.SetUserFields(a.agents[0].ID, map[string]any{"plan": "x"}); err != nil {
		t.Fatal(err)
	}

	inc := read(ctx, s, idle.checkpoint(), false, 0)
	if inc.err != nil {
		t.Fatal(inc.err)
	}
	var members []zd.User
	for i, u := range a.customers[:numInOrgs] {
		if i%numOrgs == 5 {
			members = append(members, u)
		}
	}
	got := inc.records()
	want := refs(append([]zd.User{changedUser, renamed, deleted, added}, members...)...)
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
		t.Fatalf("incremental read = %v, want %v", keys, want)
	}
	if rec := got[ref(deleted)]; !rec.Deleted || rec.Fields["email"] != "c11@example.com" {
		t.Errorf("deleted user = %+v", rec)
	}
	if rec := got[ref(changedUser)]; rec.Deleted || rec.Fields["user_fields.plan"] != "premium" {
		t.Errorf("changed user = %+v", rec)
	}
	if rec := got[ref(renamed)]; rec.Fields["name"] != "Renamed" {
		t.Errorf("renamed user = %+v", rec)
	}
	for _, u := range members {
		if rec := got[ref(u)]; rec.Deleted || rec.Fields["organization.organization_fields.plan"] != "enterprise" {
			t.Errorf("member of the changed organization = %+v", rec)
		}
	}

	// Read again later: nothing more.
	a.advance(5 * time.Minute)
	after := read(ctx, s, inc.checkpoint(), false, 0)
	if after.err != nil || len(after.records()) != 0 {
		t.Errorf("read after the incremental read: %v, %v", slices.Collect(maps.Keys(after.records())), after.err)
	}
}

// TestResume stops a read at an emit error, as a failing store would, and
// starts again from the last checkpoint committed.
func TestResume(t *testing.T) {
	a := newAccount(t)
	ctx := t.Context()
	s := a.source(t, 50)

	t.Run("full read", func(t *testing.T) {
		first := read(ctx, s, "", true, 3)
		if !errors.Is(first.err, errEmit) || len(first.batches) != 2 {
			t.Fatalf("first run: %d batches, %v; want 2 and the emit error", len(first.batches), first.err)
		}
		second := read(ctx, s, first.checkpoint(), false, 0)
		if second.err != nil {
			t.Fatal(second.err)
		}
		done, rest := first.records(), second.records()
		for k := range rest {
			if _, ok := done[k]; ok {
				t.Fatalf("%s read again after resuming", k)
			}
		}
		maps.Copy(done, rest)
		if keys := slices.Sorted(maps.Keys(done)); !slices.Equal(keys, refs(a.customers...)) {
			t.Errorf("both runs read %d users, want the %d end-users", len(done), len(a.customers))
		}
	})

	t.Run("members of a changed organization", func(t *testing.T) {
		base := read(ctx, s, "", true, 0)
		if base.err != nil {
			t.Fatal(base.err)
		}
		a.advance(5 * time.Minute)
		if err := a.sb.SetOrganizationFields(a.orgs[2].ID, map[string]any{"arr": 9999}); err != nil {
			t.Fatal(err)
		}
		// PageSize 10: the 28 members come in three batches; the second fails.
		small := a.source(t, 10)
		first := read(ctx, small, base.checkpoint(), false, 3)
		if !errors.Is(first.err, errEmit) {
			t.Fatalf("first run: %v, want the emit error", first.err)
		}
		second := read(ctx, small, first.checkpoint(), false, 0)
		if second.err != nil {
			t.Fatal(second.err)
		}
		got := first.records()
		maps.Copy(got, second.records())
		var members []zd.User
		for i, u := range a.customers[:numInOrgs] {
			if i%numOrgs == 2 {
				members = append(members, u)
			}
		}
		if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, refs(members...)) {
			t.Errorf("read %d users, want the %d members", len(got), len(members))
		}
		for _, u := range members {
			if got[ref(u)].Fields["organization.organization_fields.arr"] != "9999" {
				t.Errorf("member %d = %v", u.ID, got[ref(u)].Fields)
			}
		}
		if later := read(ctx, small, second.checkpoint(), false, 0); later.err != nil || len(later.records()) != 0 {
			t.Errorf("after the resumed run: %d records, %v", len(later.records()), later.err)
		}
	})
}

func TestReadErrors(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Config{Email: "admin@example.com", APIToken: "tok"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	c, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "admin@example.com", APIToken: "tok", ExportRateLimit: 60000})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	for _, cfg := range []zendeskusers.Config{{}, {Client: c, PageSize: 1001}, {Client: c, PageSize: -1}} {
		if _, err := zendeskusers.New(cfg); err == nil {
			t.Errorf("New(%+v): no error", cfg)
		}
	}
	s, err := zendeskusers.New(zendeskusers.Config{Client: c})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "zendesk" || s.Mapping() == nil {
		t.Errorf("name %q, mapping %v", s.Name(), s.Mapping())
	}
	for _, cp := range []string{"not json", `{"v":2,"user_cursor":"x"}`} {
		if r := read(t.Context(), s, cp, false, 0); r.err == nil || len(r.batches) != 0 {
			t.Errorf("checkpoint %q: %d batches, %v; want an error", cp, len(r.batches), r.err)
		}
	}
	r := read(t.Context(), s, `{"v":1,"user_cursor":"bm9wZQ","org_time":0}`, false, 0)
	if r.err == nil {
		t.Error("a cursor Zendesk does not know: no error")
	}
}

package store_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// commit writes records as one batch of a run of source.
func commit(t *testing.T, db *store.DB, run store.SyncRun, records ...cohort.CustomerRecord) []store.UpsertResult {
	t.Helper()
	res, _, err := db.CommitSyncBatch(context.Background(), run, store.SyncBatch{Upserts: records})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// find finds a live customer by external id or email, failing when none.
func find(t *testing.T, db *store.DB, q cohort.CustomerQuery) *cohort.Customer {
	t.Helper()
	c, _, err := db.FindCustomer(context.Background(), q)
	if err != nil || c == nil {
		t.Fatalf("find %+v: %v, %v", q, c, err)
	}
	return c
}

// TestSourcesMergeByPrecedence: two sources' records of one customer,
// linked by email, merge field by field; neither blanks the other; each
// field's source is known.
func TestSourcesMergeByPrecedence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		csv, zd := store.SyncRun{Source: "csv"}, store.SyncRun{Source: "zendesk"}
		signup := time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC)
		first := commit(t, db, csv, cohort.CustomerRecord{HasARR: true, Customer: cohort.Customer{
			Email: "Ana@Acme.example", ExternalID: "crm-1", Name: "Ana Lima", Plan: "enterprise", ARR: 240000,
			SignupDate: signup, Products: []string{"api"}, Attrs: map[string]string{"region": "eu"}}})
		second := commit(t, db, zd, cohort.CustomerRecord{Customer: cohort.Customer{
			Email: "ana@acme.example", Name: "Ana", SignupDate: time.Now(), Attrs: map[string]string{"zendesk_user_id": "42", "region": "us"}}})
		if first[0].ID == 0 || second[0].ID != first[0].ID || second[0].Outcome != store.Inserted {
			t.Fatalf("results %+v then %+v; want Zendesk's record inserted for the same customer", first, second)
		}
		ana := find(t, db, cohort.CustomerQuery{Email: "ana@acme.example"})
		if ana.Name != "Ana Lima" || ana.Plan != "enterprise" || ana.ARR != 240000 || !ana.SignupDate.Equal(signup) ||
			!maps.Equal(ana.Attrs, map[string]string{"region": "eu", "zendesk_user_id": "42"}) || ana.ExternalID != "crm-1" {
			t.Errorf("merged = %+v", ana)
		}
		if n, _ := db.CountCustomers(ctx); n != 1 {
			t.Errorf("%d customers, want 1", n)
		}
		p, err := db.CustomerProfile(ctx, cohort.CustomerQuery{ExternalID: "crm-1"})
		if err != nil {
			t.Fatal(err)
		}
		wantFrom := cohort.FieldSources{"email": "csv", "external_id": "csv", "name": "csv", "plan": "csv", "arr": "csv",
			"signup_date": "csv", "products": "csv", "attrs.region": "csv", "attrs.zendesk_user_id": "zendesk"}
		if !maps.Equal(p.Sources, wantFrom) || len(p.Records) != 2 || p.Records[0].Source != "csv" || p.Records[1].Source != "zendesk" ||
			p.Records[1].HasARR || p.Records[1].Plan != "" {
			t.Errorf("profile = %+v", p)
		}

		// A later Zendesk change that fills no field leaves the merge as it
		// is: unchanged for the rules.
		if res := commit(t, db, zd, second0(t, db)); res[0].Outcome != store.Unchanged {
			t.Errorf("the same record again: %v", res[0].Outcome)
		}

		// The order matters: Zendesk first, its name and signup win.
		if _, err := db.UsePrecedence(ctx, cohort.SourcePrecedence{"zendesk", "csv"}); err != nil {
			t.Fatal(err)
		}
		ana = find(t, db, cohort.CustomerQuery{ExternalID: "crm-1"})
		if ana.Name != "Ana" || ana.Plan != "enterprise" || ana.Attrs["region"] != "us" {
			t.Errorf("with zendesk first, merged = %+v", ana)
		}
		if page, _ := db.CustomersAfter(ctx, 0, 10, true); len(page) != 1 {
			t.Errorf("a changed merge is not marked for re-segmenting: %d dirty", len(page))
		}
	})
}

// second0 reads back Zendesk's record of the one customer.
func second0(t *testing.T, db *store.DB) cohort.CustomerRecord {
	t.Helper()
	p, err := db.CustomerProfile(context.Background(), cohort.CustomerQuery{Email: "ana@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Records {
		if r.Source == "zendesk" {
			r.ID = 0
			return r
		}
	}
	t.Fatal("no zendesk record")
	return cohort.CustomerRecord{}
}

// TestAGivenZeroIsAValue: a source that gives an ARR of 0 outranks a later
// source's figure; one that gives none does not.
func TestAGivenZeroIsAValue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		commit(t, db, store.SyncRun{Source: "hubspot"}, cohort.CustomerRecord{HasARR: true, Customer: cohort.Customer{Email: "a@x.example", ARR: 0}})
		commit(t, db, store.SyncRun{Source: "csv"}, cohort.CustomerRecord{HasARR: true, HasLTV: true,
			Customer: cohort.Customer{Email: "a@x.example", ARR: 5000, LTV: 9000}})
		if a := find(t, db, cohort.CustomerQuery{Email: "a@x.example"}); a.ARR != 0 || a.LTV != 9000 {
			t.Errorf("merged ARR %v, LTV %v; want HubSpot's 0 and the CSV's 9000", a.ARR, a.LTV)
		}
	})
}

// TestKeysLinkAcrossSources: a record joins the customer of any source's
// record with its external id, else its email; keys that lead to two
// customers, or take another's, are rejected.
func TestKeysLinkAcrossSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		csv, push, hs := store.SyncRun{Source: "csv"}, store.SyncRun{Source: "push"}, store.SyncRun{Source: "hubspot"}
		res := commit(t, db, csv,
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "a@x.example", ExternalID: "c-1", Plan: "pro"}},
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "b@x.example", ExternalID: "c-2", Plan: "pro"}})
		a, b := res[0].ID, res[1].ID
		res = commit(t, db, push,
			// by external id, with an email no one has: the same customer
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "a.other@x.example", ExternalID: "c-1", TechLevel: "advanced"}},
			// external id of one customer, email of another
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "b@x.example", ExternalID: "c-9"}},
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "a@x.example", ExternalID: "c-2"}},
		)
		if res[0].Outcome != store.Inserted || res[0].ID != a {
			t.Errorf("push record with c-1: %+v; want it joined to customer %d", res[0], a)
		}
		if res[1].Outcome != store.Inserted || res[1].ID != b {
			t.Errorf("push record with b's email and a new id: %+v; want it joined to customer %d", res[1], b)
		}
		if res[2].Outcome != store.Rejected || !strings.Contains(res[2].Reason, "belong to two different customers") {
			t.Errorf("keys of two customers: %+v", res[2])
		}
		// a's second email now finds a, through push's record.
		if c := find(t, db, cohort.CustomerQuery{Email: "a.other@x.example"}); c.ID != a || c.TechLevel != "advanced" || c.Plan != "pro" {
			t.Errorf("by push's email: %+v", c)
		}
		// HubSpot's record of b cannot take a's email later.
		res = commit(t, db, hs, cohort.CustomerRecord{Customer: cohort.Customer{Email: "hb@x.example", ExternalID: "151"}})
		res2 := commit(t, db, hs, cohort.CustomerRecord{Customer: cohort.Customer{Email: "a@x.example", ExternalID: "151"}})
		if res2[0].Outcome != store.Rejected || !strings.Contains(res2[0].Reason, "email a@x.example already belongs to another customer") {
			t.Errorf("a record moving to another customer's email: %+v", res2[0])
		}
		if n, _ := db.CountCustomers(context.Background()); n != 3 || res[0].ID == a || res[0].ID == b {
			t.Errorf("%d customers (new %d), want 3", n, res[0].ID)
		}
	})
}

// TestDroppingARecordKeepsTheOthers: a source's full sync or deletes drop
// its own records; the customer stays while another source has it, is
// deleted with its last record, and comes back with a new one.
func TestDroppingARecordKeepsTheOthers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		commit(t, db, store.SyncRun{Source: "csv"}, cohort.CustomerRecord{Customer: cohort.Customer{Email: "a@ann.example", Plan: "enterprise"}})
		run, err := db.StartSyncRun(ctx, "zendesk", true)
		if err != nil {
			t.Fatal(err)
		}
		commit(t, db, run,
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "a@ann.example", Name: "Ann"}},
			cohort.CustomerRecord{Customer: cohort.Customer{Email: "z@zed.example", Name: "Zed"}})
		if _, err := db.DeleteUnseen(ctx, run); err != nil {
			t.Fatal(err)
		}
		// The next full run sees neither user: Zendesk's records go.
		run, _ = db.StartSyncRun(ctx, "zendesk", true)
		n, err := db.DeleteUnseen(ctx, run)
		if err != nil || n != 2 {
			t.Fatalf("DeleteUnseen = %d, %v; want Zendesk's 2 records", n, err)
		}
		if a := find(t, db, cohort.CustomerQuery{Email: "a@ann.example"}); a.Plan != "enterprise" || a.Name != "" {
			t.Errorf("a after Zendesk dropped it = %+v; want the CSV's record alone", a)
		}
		if z, _, _ := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "z@zed.example"}); z != nil {
			t.Errorf("z, whose only record went, is still found: %+v", z)
		}
		if n, _ := db.CountCustomers(ctx); n != 1 {
			t.Errorf("%d live customers, want 1", n)
		}
		// A record naming z by email from the CSV brings the customer back.
		res := commit(t, db, store.SyncRun{Source: "csv"}, cohort.CustomerRecord{Customer: cohort.Customer{Email: "z@zed.example", Plan: "pro"}})
		if z := find(t, db, cohort.CustomerQuery{Email: "z@zed.example"}); z.ID != res[0].ID || z.Plan != "pro" {
			t.Errorf("z back = %+v, result %+v", z, res[0])
		}
		// Deletes a source reports drop its records only.
		_, deleted, err := db.CommitSyncBatch(ctx, store.SyncRun{Source: "csv"}, store.SyncBatch{Deletes: []cohort.Customer{{Email: "a@ann.example"}}})
		if err != nil || deleted != 1 {
			t.Fatalf("delete: %d, %v", deleted, err)
		}
		if a, _, _ := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "a@ann.example"}); a != nil {
			t.Errorf("a with no live record left is still found: %+v", a)
		}
	})
}

// TestMigrationKeepsEachCustomerAsItsSourcesRecord: customers stored
// before records existed become the records of the source that wrote them,
// found and merged as before.
func TestMigrationKeepsEachCustomerAsItsSourcesRecord(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			old, closeOld, err := store.OpenMigratedThrough(ctx, url, 6)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, row := range [][]any{
				{"ann@x.example", "x.example", "c-1", "Ann", "enterprise", 1000.0, "import", now},
				{"bob@x.example", "x.example", nil, "Bob", "pro", 0.0, "hubspot", now},
			} {
				if _, err := old.ExecContext(ctx, store.Q(engine, `INSERT INTO customers (email, email_domain, external_id, name, plan, arr,
					source, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), append(row, now)...); err != nil {
					t.Fatal(err)
				}
			}
			if err := closeOld(); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, url, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ann, err := db.CustomerProfile(ctx, cohort.CustomerQuery{ExternalID: "c-1"})
			if err != nil || ann.Customer.Plan != "enterprise" || len(ann.Records) != 1 || ann.Records[0].Source != "csv" || !ann.Records[0].HasARR {
				t.Errorf("ann = %+v, %v; want one csv record (cohort import's)", ann, err)
			}
			bob, err := db.CustomerProfile(ctx, cohort.CustomerQuery{Email: "bob@x.example"})
			if err != nil || len(bob.Records) != 1 || bob.Records[0].Source != "hubspot" || bob.Records[0].HasARR {
				t.Errorf("bob = %+v, %v; want one hubspot record without an ARR", bob, err)
			}
			// HubSpot's next sync finds its record, not a new customer.
			res := commit(t, db, store.SyncRun{Source: "hubspot"}, cohort.CustomerRecord{Customer: cohort.Customer{Email: "bob@x.example", Name: "Bob", Plan: "pro"}})
			if res[0].Outcome != store.Unchanged || res[0].ID != bob.Customer.ID {
				t.Errorf("hubspot's bob again: %+v", res[0])
			}
			if ids := []int64{ann.Customer.ID, bob.Customer.ID}; slices.Contains(ids, 0) {
				t.Errorf("ids %v", ids)
			}
		})
	}
}

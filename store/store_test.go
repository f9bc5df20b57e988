package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestUpsertCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := cohort.Customer{Email: "Ann@Acme.example", ExternalID: "crm-1", Name: "Ann", Organization: "Acme",
			Plan: "enterprise", ARR: 120000, LTV: 480000.5, SignupDate: date("2021-03-04"),
			Products: []string{"payments-api", "dashboard"}, TechLevel: "advanced",
			Attrs: map[string]string{"region": "eu-west"}}
		bob := cohort.Customer{Email: "bob@beta.example", Plan: "starter"}
		res, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{ann, bob, {Name: "nobody"}})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Outcome{store.Inserted, store.Inserted, store.Rejected}
		for i, r := range res {
			if r.Outcome != want[i] {
				t.Errorf("row %d: outcome %v, want %v (%s)", i, r.Outcome, want[i], r.Reason)
			}
		}
		if res[2].Reason == "" {
			t.Error("rejected row has no reason")
		}

		// The same data again changes nothing; a changed plan updates.
		bob2 := bob
		bob2.Plan = "business"
		res, err = db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{ann, bob2})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != store.Unchanged || res[1].Outcome != store.Updated {
			t.Errorf("second upsert: %v, %v; want unchanged, updated", res[0].Outcome, res[1].Outcome)
		}

		// An email that belongs to another external id is rejected.
		thief := cohort.Customer{Email: "ann@acme.example", ExternalID: "crm-2"}
		res, err = db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{thief})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Outcome != store.Rejected {
			t.Errorf("conflicting email: outcome %v, want rejected", res[0].Outcome)
		}

		got, by, err := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "ANN@acme.example"})
		if err != nil || got == nil {
			t.Fatalf("find ann: %v, %v", got, err)
		}
		if by != cohort.MatchedByEmail || got.Email != "ann@acme.example" || got.ExternalID != "crm-1" ||
			got.ARR != 120000 || got.LTV != 480000.5 || !got.SignupDate.Equal(date("2021-03-04")) ||
			len(got.Products) != 2 || got.Products[0] != "payments-api" || got.TechLevel != "advanced" ||
			got.Attrs["region"] != "eu-west" {
			t.Errorf("ann round trip: %+v by %s", got, by)
		}
		n, err := db.CountCustomers(ctx)
		if err != nil || n != 2 {
			t.Errorf("count = %d, %v; want 2", n, err)
		}
	})
}

func TestFindCustomerOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "test"}, []cohort.Customer{
			{ExternalID: "u-1", Email: "one@acme.example", Plan: "by-external-id"},
			{Email: "two@acme.example", Plan: "by-email", ARR: 10},
			{ExternalID: "org-acme", Plan: "by-org"},
			{Email: "big@acme.example", Plan: "by-domain-biggest", ARR: 500},
			{Email: "someone@gmail.com", Plan: "free-mail"},
		})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name     string
			query    cohort.CustomerQuery
			wantPlan string
			wantBy   cohort.MatchedBy
		}{
			{"external id beats email", cohort.CustomerQuery{ExternalID: "u-1", Email: "two@acme.example"}, "by-external-id", cohort.MatchedByExternalID},
			{"unknown external id falls back to email", cohort.CustomerQuery{ExternalID: "u-404", Email: "Two@ACME.example"}, "by-email", cohort.MatchedByEmail},
			{"organization external id beats domain", cohort.CustomerQuery{Email: "new@acme.example", OrgExternalID: "org-acme"}, "by-org", cohort.MatchedByOrgExternalID},
			{"domain picks the highest ARR", cohort.CustomerQuery{Email: "new@acme.example"}, "by-domain-biggest", cohort.MatchedByDomain},
			{"free mail domain never matches", cohort.CustomerQuery{Email: "other@gmail.com"}, "", ""},
			{"nothing given", cohort.CustomerQuery{}, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, by, err := db.FindCustomer(ctx, tt.query)
				if err != nil {
					t.Fatal(err)
				}
				plan := ""
				if c != nil {
					plan = c.Plan
				}
				if plan != tt.wantPlan || by != tt.wantBy {
					t.Errorf("got plan %q by %q, want %q by %q", plan, by, tt.wantPlan, tt.wantBy)
				}
			})
		}
	})
}

func TestEnqueueDeduplicatesAndRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		q := storetest.StartQueue(t, db, store.QueueConfig{}) // intake only: no workers
		d := cohort.Delivery{Helpdesk: "zendesk", InvocationID: "inv-1", Ticket: cohort.Ticket{ID: 42,
			Subject: "Help", Priority: cohort.PriorityHigh, Tags: []string{"vip"},
			Requester: cohort.Requester{ID: 7, Email: "ann@acme.example"}}}
		for i, tc := range []struct {
			name string
			d    cohort.Delivery
			want bool
		}{
			{"first delivery", d, true},
			{"same invocation again", d, false},
			{"new invocation, same ticket", func() cohort.Delivery { d := d; d.InvocationID = "inv-2"; return d }(), false},
			{"no invocation id, new ticket", cohort.Delivery{Helpdesk: "zendesk", Ticket: cohort.Ticket{ID: 43}}, true},
			{"same ticket id, other helpdesk", cohort.Delivery{Helpdesk: "freshdesk", Ticket: cohort.Ticket{ID: 42}}, true},
		} {
			got, err := q.Enqueue(ctx, tc.d)
			if err != nil {
				t.Fatalf("%d %s: %v", i, tc.name, err)
			}
			if got != tc.want {
				t.Errorf("%s: created = %v, want %v", tc.name, got, tc.want)
			}
		}

		done := cohort.Enrichment{Helpdesk: "zendesk", TicketID: 42, Status: cohort.EnrichmentDone,
			RequesterEmail: "ann@acme.example", CustomerID: 7, MatchedBy: cohort.MatchedByEmail,
			Segments: []string{"enterprise", "technical"}, Escalations: []string{"outage"},
			PriorityBefore: cohort.PriorityNormal, PriorityAfter: cohort.PriorityUrgent,
			Reasons: []string{"enterprise: plan is enterprise"}, Macros: []string{"enterprise_escalation_path"}, Attempts: 2}
		if err := db.FinishEnrichment(ctx, done); err != nil {
			t.Fatal(err)
		}
		got, err := db.Enrichment(ctx, "zendesk", 42)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != cohort.EnrichmentDone || got.Attempts != 2 || got.Subject != "Help" ||
			len(got.Segments) != 2 || got.Escalations[0] != "outage" || got.PriorityBefore != cohort.PriorityNormal ||
			got.PriorityAfter != cohort.PriorityUrgent || got.FinishedAt.IsZero() || got.ReceivedAt.IsZero() ||
			got.CustomerID != 7 || got.MatchedBy != cohort.MatchedByEmail || len(got.Macros) != 1 {
			t.Errorf("enrichment round trip: %+v", got)
		}
		if _, err := db.Enrichment(ctx, "zendesk", 999); cohort.KindOf(err) != cohort.KindNotFound {
			t.Errorf("missing enrichment: err = %v, want not found", err)
		}
		if err := db.FinishEnrichment(ctx, cohort.Enrichment{Helpdesk: "zendesk", TicketID: 999}); cohort.KindOf(err) != cohort.KindNotFound {
			t.Errorf("finish missing enrichment: err = %v, want not found", err)
		}
		list, err := db.ListEnrichments(ctx, 10)
		if err != nil || len(list) != 3 {
			t.Fatalf("list = %d, %v", len(list), err)
		}
		counts, err := db.CountEnrichments(ctx)
		if err != nil || counts[cohort.EnrichmentDone] != 1 || counts[cohort.EnrichmentPending] != 2 {
			t.Errorf("counts = %v, %v", counts, err)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, url, want string }{
		{"unknown scheme", "mysql://root@localhost/x", "want sqlite:PATH or postgres://"},
		{"sqlite without path", "sqlite:", "needs a file path"},
		{"unreachable postgres, no password in error", "postgres://u:hunter2@127.0.0.1:1/db?connect_timeout=1", "connect to PostgreSQL at postgres://u:xxxxx@127.0.0.1:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := store.Open(ctx, tc.url, nil)
			if err == nil || !contains(err.Error(), tc.want) || contains(err.Error(), "hunter2") {
				t.Errorf("err = %v, want it to mention %q and no password", err, tc.want)
			}
		})
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			u := storetest.URL(t, engine)
			for i := 0; i < 2; i++ {
				db, err := store.Open(context.Background(), u, nil)
				if err != nil {
					t.Fatalf("open #%d: %v", i+1, err)
				}
				db.Close()
			}
		})
	}
}

func contains(s, sub string) bool {
	return strings.Contains(s, sub)
}

// TestConcurrentOpenOfANewSQLiteFile: processes that start together on a
// new SQLite file (serve and a syncer) all migrate it without error.
func TestConcurrentOpenOfANewSQLiteFile(t *testing.T) {
	url := storetest.URL(t, store.SQLite)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := store.Open(context.Background(), url, nil)
			if err == nil {
				db.Close()
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" for none
	}{
		{"sqlite:cohort.db", ""},
		{"sqlite://var/lib/cohort.db", ""},
		{"postgres://cohort:pw@db:5432/cohort?sslmode=disable", ""},
		{"sqlite:", "needs a file path"},
		{"mysql://root@db/cohort", "want sqlite:PATH or postgres://"},
		{"postgres://cohort:p%zz@db/cohort", "is not a URL"},
		{"postgres://cohort:s3cret@db:notaport/cohort", "is not a URL"},
		{"postgres://cohort:s3cret@db/cohort?sslmode=sometimes", "is not a PostgreSQL URL cohort can use"},
	}
	for _, tt := range tests {
		err := store.CheckURL(tt.url)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckURL(%q) = %v, want %q", tt.url, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "p%zz")) {
			t.Errorf("CheckURL(%q) leaks the password: %v", tt.url, err)
		}
	}
}

func TestRedactHidesEveryFormOfPassword(t *testing.T) {
	for _, raw := range []string{
		"postgres://cohort:hunter2@db:5432/cohort",
		"postgres://cohort@db:5432/cohort?sslmode=disable&password=hunter2",
		"postgres://cohort@db/cohort?PASSWORD=hunter2&x=1",
		"host=db port=5432 user=cohort password=hunter2 dbname=cohort",
		"host=db user=cohort password='hun ter2' dbname=cohort",
		"postgres://cohort:hun%zzter2@db/cohort",
		"postgres://cohort:hunter2@db:notaport/cohort",
	} {
		got := store.Redact(raw)
		if strings.Contains(got, "hunter2") || strings.Contains(got, "hun ter2") || strings.Contains(got, "hun%zzter2") {
			t.Errorf("Redact(%q) = %q", raw, got)
		}
		if err := store.CheckURL(raw); err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("CheckURL(%q) = %v", raw, err)
		}
	}
}

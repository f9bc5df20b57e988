package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	hubspotsb "github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
	salesforcesb "github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/internal/proc"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// syncFixture is an account of each kind cohort syncs from: a CSV file, a
// HubSpot portal, a Salesforce org and the Zendesk account itself, each an
// emulator on a real port, configured only through COHORT_* variables.
type syncFixture struct {
	csvPath string
	hubspot *hubspotsb.Server
	sforce  *salesforcesb.Server
	zendesk *sandbox.Server
	zc      *zendesk.Client
	dbURL   string
	hsAnn   string // the HubSpot contact id of ann@hub.example
}

const (
	syncHubSpotToken = "pat-na1-sync-test-token"
	syncSFToken      = "00Dsync!sf-session-token"
	syncZDToken      = "zd-sync-test-token"
)

func newSyncFixture(t *testing.T, engine store.Engine) *syncFixture {
	t.Helper()
	ctx := context.Background()
	f := &syncFixture{dbURL: storetest.URL(t, engine), csvPath: filepath.Join(t.TempDir(), "customers.csv")}
	csv := "email,external_id,name,plan,arr,tech_level\n" +
		"carla@csv.example,csv-1,Carla,enterprise,150000,advanced\n" +
		"dan@csv.example,csv-2,Dan,starter,100,beginner\n" +
		"not-an-email,csv-3,Bad,pro,1,\n"
	if err := os.WriteFile(f.csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}

	var err error
	if f.hubspot, err = hubspotsb.Start(hubspotsb.Config{Token: syncHubSpotToken}, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.hubspot.Close() })
	acme := f.hubspot.CreateCompany(hubspotsb.Props{"name": "Acme", "plan": "enterprise", "arr": "250000"})
	f.hsAnn = f.hubspot.CreateContact(hubspotsb.Props{"email": "ann@hub.example", "firstname": "Ann", "lastname": "Hub"})
	if err := f.hubspot.Associate(f.hsAnn, acme, true); err != nil {
		t.Fatal(err)
	}
	f.hubspot.CreateContact(hubspotsb.Props{"email": "ben@hub.example", "firstname": "Ben", "tech_level": "developer"})

	if f.sforce, err = salesforcesb.Start(salesforcesb.Config{AccessToken: syncSFToken}, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.sforce.Close() })
	globex, err := f.sforce.InsertAccount(salesforcesb.Fields{"Name": "Globex", "Plan__c": "enterprise", "ARR__c": 500000.0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sforce.InsertContact(salesforcesb.Fields{"Email": "sam@sf.example", "FirstName": "Sam", "LastName": "Force", "AccountId": globex}); err != nil {
		t.Fatal(err)
	}

	if f.zendesk, err = sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: syncZDToken}, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.zendesk.Close() })
	if f.zc, err = zendesk.NewClient(zendesk.Config{URL: f.zendesk.URL(), Email: "agent@example.com", APIToken: syncZDToken}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.zc.Close() })
	if _, err := f.zc.API().CreateUser(ctx, zd.User{Name: "Zoe", Email: "zoe@zd.example", Role: "end-user",
		UserFields: zd.UserFields{"plan": "enterprise", "tech_level": "advanced"}}); err != nil {
		t.Fatal(err)
	}

	t.Setenv("COHORT_DATABASE_URL", f.dbURL)
	t.Setenv("COHORT_SEGMENTS_FILE", "../../manifests/segments.yaml")
	t.Setenv("COHORT_LOG_LEVEL", "warn")
	t.Setenv("COHORT_CSV_SOURCE", f.csvPath)
	t.Setenv("COHORT_HUBSPOT_TOKEN", syncHubSpotToken)
	t.Setenv("COHORT_HUBSPOT_URL", f.hubspot.URL())
	t.Setenv("COHORT_SALESFORCE_URL", f.sforce.URL())
	t.Setenv("COHORT_SALESFORCE_ACCESS_TOKEN", syncSFToken)
	t.Setenv("COHORT_ZENDESK_URL", f.zendesk.URL())
	t.Setenv("COHORT_ZENDESK_EMAIL", "agent@example.com")
	t.Setenv("COHORT_ZENDESK_API_TOKEN", syncZDToken)
	t.Setenv("COHORT_ZENDESK_SYNC_USERS", "true")
	t.Setenv("COHORT_ZENDESK_SEGMENT_FIELD", "cohort_segment")
	return f
}

// TestSyncCRMFromEverySource: `cohort sync crm` brings customers in from
// all four sources, reports the bad record, computes segments, and writes
// the primary segment back to the Zendesk users; a second, incremental run
// picks up only a change.
func TestSyncCRMFromEverySource(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			f := newSyncFixture(t, engine)
			code, out, errOut := runCLI(t, "sync", "crm")
			if code != exitPartial {
				t.Fatalf("sync: exit %d, want %d (one rejected row)\n%s%s", code, exitPartial, out, errOut)
			}
			for _, want := range []string{
				`csv: ` + f.csvPath + `:4: rejected: email: "not-an-email" is not an email address`,
				"csv: read 3, inserted 2, updated 0, unchanged 0, rejected 1, deleted 0",
				"hubspot: read 2, inserted 2,",
				"salesforce: read 1, inserted 1,",
				"zendesk: read 1, inserted 1,",
				"segments up to date: enterprise 4",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			for _, secret := range []string{syncHubSpotToken, syncSFToken, syncZDToken} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output shows a secret")
				}
			}

			ctx := context.Background()
			db, err := store.Open(ctx, f.dbURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ann, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "ann@hub.example"})
			if err != nil || ann == nil || ann.Name != "Ann Hub" || ann.Organization != "Acme" || ann.Plan != "enterprise" || ann.ARR != 250000 {
				t.Errorf("ann from HubSpot = %+v, %v", ann, err)
			}
			sam, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "sam@sf.example"})
			if err != nil || sam == nil || sam.Organization != "Globex" || sam.ARR != 500000 {
				t.Errorf("sam from Salesforce = %+v, %v", sam, err)
			}
			// Zoe came from Zendesk: her user now carries her segment.
			users, _, err := f.zc.API().SearchUsers(ctx, &zd.SearchUsersOptions{Query: "zoe@zd.example"})
			if err != nil || len(users) != 1 || users[0].UserFields["cohort_segment"] != "enterprise" {
				t.Errorf("zoe's user fields = %v, %v", users, err)
			}

			// The segments' numbers, through the command an admin runs.
			code, out, _ = runCLI(t, "segments", "stats")
			if code != exitOK || !regexp.MustCompile(`enterprise\s+4\s+66\.7%\s+4`).MatchString(out) {
				t.Errorf("segments stats: exit %d\n%s", code, out)
			}

			// An incremental run after Ann changes in HubSpot updates her alone.
			if err := f.hubspot.Update(hubspotsb.Contacts, f.hsAnn, hubspotsb.Props{"tech_level": "developer"}); err != nil {
				t.Fatal(err)
			}
			code, out, errOut = runCLI(t, "sync", "crm", "--source", "hubspot")
			if code != exitOK || !strings.Contains(out, "updated 1,") || !strings.Contains(out, "inserted 0,") {
				t.Errorf("incremental hubspot: exit %d\n%s%s", code, out, errOut)
			}
			if code, _, errOut := runCLI(t, "sync", "crm", "--source", "pipedrive"); code != exitUsage ||
				!strings.Contains(errOut, "--source pipedrive: not configured (configured: csv, hubspot, salesforce, zendesk)") {
				t.Errorf("unknown source: exit %d %s", code, errOut)
			}
		})
	}
}

// TestSyncerRunsOnSchedule: `cohort syncer`, and `cohort serve
// --with-syncer`, sync the configured CSV on COHORT_SYNC_SCHEDULE and
// stop cleanly when told to.
func TestSyncerRunsOnSchedule(t *testing.T) {
	for _, args := range [][]string{{"syncer"}, {"serve", "--with-syncer"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			dbURL := "sqlite:" + filepath.Join(dir, "c.db")
			csvPath := filepath.Join(dir, "c.csv")
			if err := os.WriteFile(csvPath, []byte("email,plan\nann@a.example,enterprise\nbob@a.example,pro\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: syncZDToken}, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			addr, err := proc.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			metricsAddr, err := proc.FreeAddr()
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{
				"COHORT_METRICS_ADDR": metricsAddr,
				"COHORT_DATABASE_URL": dbURL, "COHORT_CSV_SOURCE": csvPath, "COHORT_SYNC_SCHEDULE": "@every 1s",
				"COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml", "COHORT_LOG_LEVEL": "warn",
				"COHORT_LISTEN_ADDR": addr, "COHORT_ZENDESK_URL": sb.URL(), "COHORT_ZENDESK_EMAIL": "agent@example.com",
				"COHORT_ZENDESK_API_TOKEN": syncZDToken, "COHORT_ZENDESK_WEBHOOK_SECRET": "s",
				"COHORT_MACROS_DIR": "../../manifests/macros", "COHORT_MACROS_SCHEDULE": "@every 1s",
			} {
				t.Setenv(k, v)
			}
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan int, 1)
			logs := &proc.Buffer{}
			go func() { done <- run(ctx, args, logs, logs) }()
			deadline := time.Now().Add(30 * time.Second)
			for {
				db, err := store.Open(context.Background(), dbURL, nil)
				if err == nil {
					members, _, _, _ := db.SegmentCounts(context.Background())
					owned, _ := db.OwnedMacros(context.Background(), "zendesk")
					db.Close()
					if members["enterprise"] == 1 && len(owned) == 6 {
						break // the CRM and the macros synced on schedule
					}
				}
				if time.Now().After(deadline) {
					stop()
					t.Fatalf("no CRM and macro sync within 30s; logs:\n%s", logs.String())
				}
				time.Sleep(200 * time.Millisecond)
			}
			// What an operator sees, on the metrics listener.
			waitMetrics(t, "http://"+metricsAddr+"/metrics",
				`cohort_sync_run_duration_seconds_count\{outcome="succeeded",source="csv",task="crm"\} [1-9]\d*`,
				`cohort_sync_run_duration_seconds_count\{outcome="succeeded",source="",task="macros"\} [1-9]\d*`,
				`cohort_sync_last_success_timestamp_seconds\{source="csv"\} \S+`,
				`cohort_queue_jobs\{kind="sync_task",state="dead"\} 0`)
			if status, _ := get(t, "http://"+metricsAddr+"/readyz", ""); status != http.StatusOK {
				t.Errorf("metrics listener /readyz: status %d", status)
			}
			stop()
			if code := <-done; code != exitOK {
				t.Errorf("exit %d; logs:\n%s", code, logs.String())
			}
		})
	}
}

// TestTwoSourcesMergeWithoutClobbering is the case of a customer imported
// from CSV (enterprise, ARR, products, tech level, signed up years ago)
// whom Zendesk's users then sync with nothing but a name and today's
// creation date: each field keeps the value of the first source in
// COHORT_SOURCE_PRECEDENCE that has one, the customer stays enterprise,
// the write-back pushes enterprise to Zendesk, and dropping the Zendesk
// user drops only Zendesk's record.
func TestTwoSourcesMergeWithoutClobbering(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			dbURL := storetest.URL(t, engine)
			csvPath := filepath.Join(t.TempDir(), "customers.csv")
			csv := "email,external_id,name,organization,plan,arr,signup_date,products,tech_level\n" +
				"ana.lima@acme.example,crm-1001,Ana Lima,Acme Corp,enterprise,240000,2021-03-15,payments-api;dashboard,advanced\n"
			if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: syncZDToken}, "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer sb.Close()
			zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: syncZDToken})
			if err != nil {
				t.Fatal(err)
			}
			defer zc.Close()
			user, err := zc.API().CreateUser(ctx, zd.User{Name: "Ana", Email: "ana.lima@acme.example", Role: "end-user"})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range map[string]string{
				"COHORT_DATABASE_URL": dbURL, "COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml", "COHORT_LOG_LEVEL": "warn",
				"COHORT_ZENDESK_URL": sb.URL(), "COHORT_ZENDESK_EMAIL": "agent@example.com", "COHORT_ZENDESK_API_TOKEN": syncZDToken,
				"COHORT_ZENDESK_SYNC_USERS": "true", "COHORT_ZENDESK_SEGMENT_FIELD": "cohort_segment",
			} {
				t.Setenv(k, v)
			}
			if code, out, errOut := runCLI(t, "import", "customers", csvPath); code != exitOK {
				t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
			}
			if code, out, errOut := runCLI(t, "sync", "crm", "--source", "zendesk"); code != exitOK || !strings.Contains(out, "zendesk: read 1, inserted 1,") {
				t.Fatalf("sync zendesk: exit %d\n%s%s", code, out, errOut)
			}

			db, err := store.Open(ctx, dbURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ana, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{Email: "ana.lima@acme.example"})
			if err != nil || ana == nil || ana.Plan != "enterprise" || ana.ARR != 240000 || ana.TechLevel != "advanced" ||
				ana.Name != "Ana Lima" || len(ana.Products) != 2 || !ana.SignupDate.Equal(time.Date(2021, 3, 15, 0, 0, 0, 0, time.UTC)) ||
				ana.Attrs["zendesk_user_id"] != fmt.Sprint(user.ID) {
				t.Fatalf("ana after the Zendesk sync = %+v, %v; want the CSV's fields and Zendesk's user id", ana, err)
			}
			if segs, _, err := db.CustomerSegments(ctx, cohort.CustomerQuery{Email: "ana.lima@acme.example"}); err != nil ||
				len(segs) == 0 || segs[0] != "enterprise" || slices.Contains(segs, "new_customer") {
				t.Errorf("ana's segments = %v, %v; want enterprise first and not new_customer", segs, err)
			}
			users, _, err := zc.API().SearchUsers(ctx, &zd.SearchUsersOptions{Query: "ana.lima@acme.example"})
			if err != nil || len(users) != 1 || users[0].UserFields["cohort_segment"] != "enterprise" {
				t.Errorf("ana's Zendesk user fields = %v, %v; want cohort_segment enterprise", users, err)
			}

			code, out, _ := runCLI(t, "customers", "show", "ana.lima@acme.example")
			for _, want := range []*regexp.Regexp{
				regexp.MustCompile(`(?m)^plan\s+enterprise\s+csv$`), regexp.MustCompile(`(?m)^signup_date\s+2021-03-15\s+csv$`),
				regexp.MustCompile(`(?m)^attrs\.zendesk_user_id\s+\d+\s+zendesk$`), regexp.MustCompile(`(?m)^  csv \(live, .*\n  zendesk \(live,`),
			} {
				if code != exitOK || !want.MatchString(out) {
					t.Errorf("customers show: exit %d, want %s:\n%s", code, want, out)
				}
			}
			// Zendesk first: its name and signup date win; it has no plan.
			t.Setenv("COHORT_SOURCE_PRECEDENCE", "zendesk,csv")
			code, out, _ = runCLI(t, "customers", "show", "crm-1001")
			if code != exitOK || !regexp.MustCompile(`(?m)^name\s+Ana\s+zendesk$`).MatchString(out) ||
				!regexp.MustCompile(`(?m)^plan\s+enterprise\s+csv$`).MatchString(out) {
				t.Errorf("customers show with zendesk first: exit %d\n%s", code, out)
			}
			t.Setenv("COHORT_SOURCE_PRECEDENCE", "push,salesforce,hubspot,csv,zendesk")

			// The user leaves Zendesk: a full sync drops Zendesk's record only.
			if err := sb.DeleteUser(user.ID); err != nil {
				t.Fatal(err)
			}
			if code, out, errOut := runCLI(t, "sync", "crm", "--source", "zendesk", "--full"); code != exitOK || !strings.Contains(out, "deleted 1") {
				t.Fatalf("full zendesk sync: exit %d\n%s%s", code, out, errOut)
			}
			ana, _, err = db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "crm-1001"})
			if err != nil || ana == nil || ana.Plan != "enterprise" || ana.Name != "Ana Lima" || ana.Attrs["zendesk_user_id"] != "" {
				t.Errorf("ana after Zendesk dropped her = %+v, %v; want the CSV's record alone", ana, err)
			}
		})
	}
}

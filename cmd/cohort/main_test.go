package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	zd "github.com/nukosuke/go-zendesk/zendesk"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/internal/proc"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// runCLI runs the binary's entry point in-process.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestDemoEnrichesEveryTicket(t *testing.T) {
	t.Setenv("COHORT_LOG_LEVEL", "warn")
	code, out, errOut := runCLI(t, "demo", "--exit", "--tickets", "14")
	if code != exitOK {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"14 of 14 tickets enriched", "enterprise", "unknown_requester", "new_customer",
		"high → urgent", "/?token=", "Support per segment in", "/charts?token=",
		"Put 6 macros in the Zendesk sandbox", "enterprise_escalation_path", "new_customer_welcome", "unknown_requester_verify"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// Last month's measures from the generated history: a row for all and
	// for each sample segment that had tickets, with figures in it.
	for _, seg := range []string{"all", "enterprise", "technical", "basic"} {
		if !regexp.MustCompile(`(?m)^` + seg + `\s+[1-9][0-9]*\s+[0-9]+%\s+[0-9]+(h[0-9]+)?m\s`).MatchString(out) {
			t.Errorf("demo shows no support measures for %s:\n%s", seg, out)
		}
	}
}

func TestHelpAndUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "Commands:"},
		{[]string{"--help"}, exitOK, "demo"},
		{[]string{"nope"}, exitUsage, `unknown command "nope"`},
		{[]string{"serve", "--help"}, exitOK, "COHORT_ZENDESK_WEBHOOK_SECRET"},
		{[]string{"demo", "--help"}, exitOK, "--tickets"},
		{[]string{"import", "--help"}, exitOK, "signup_date"},
		{[]string{"import", "people", "x.csv"}, exitUsage, "Usage: cohort import customers"},
		{[]string{"segments", "--help"}, exitOK, "FILE:LINE"},
		{[]string{"install", "--help"}, exitOK, "--url"},
		{[]string{"install"}, exitUsage, "Usage: cohort install"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output:\n%s%s\nwant exit %d and %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
}

func TestServeNamesMissingConfiguration(t *testing.T) {
	for _, v := range []string{"COHORT_ZENDESK_SUBDOMAIN", "COHORT_ZENDESK_URL", "COHORT_ZENDESK_EMAIL",
		"COHORT_ZENDESK_API_TOKEN", "COHORT_ZENDESK_WEBHOOK_SECRET"} {
		t.Setenv(v, "")
	}
	t.Setenv("COHORT_WORKERS", "0")
	code, _, errOut := runCLI(t, "serve")
	if code != exitUsage || !strings.Contains(errOut, "COHORT_WORKERS 0: want 1 to 1000") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	t.Setenv("COHORT_WORKERS", "4")
	t.Setenv("COHORT_ZENDESK_API_TOKEN", "s3cret-token")
	code, _, errOut = runCLI(t, "serve")
	for _, want := range []string{"COHORT_ZENDESK_SUBDOMAIN", "COHORT_ZENDESK_EMAIL", "COHORT_ZENDESK_WEBHOOK_SECRET"} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, want usage error naming %s: %s", code, want, errOut)
		}
	}
	if strings.Contains(errOut, "s3cret-token") {
		t.Errorf("error output leaks the API token: %s", errOut)
	}
}

func TestSegmentsCheck(t *testing.T) {
	code, out, _ := runCLI(t, "segments", "check", "../../manifests/segments.yaml")
	if code != exitOK || !strings.Contains(out, "ok: 5 segments, 2 escalations") {
		t.Errorf("sample file: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("segments:\n  - name: vip\n    when: customer.tier == \"gold\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runCLI(t, "segments", "check", bad)
	if code != exitFailure || !strings.Contains(out, bad+`:3: segment "vip": when: customer has no field tier`) {
		t.Errorf("bad file: exit %d\n%s", code, out)
	}
}

func TestImportCustomers(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("COHORT_DATABASE_URL", "sqlite:"+filepath.Join(dir, "c.db"))
	t.Setenv("COHORT_SEGMENTS_FILE", "../../manifests/segments.yaml")
	file := filepath.Join(dir, "c.csv")
	csv := "email,external_id,plan,arr\nann@acme.example,c-1,enterprise,120000\nbob@acme.example,c-2,pro,lots\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "import", "customers", file)
	if code != exitPartial || !strings.Contains(out, file+`:3: rejected: arr: "lots" is not a non-negative number`) ||
		!strings.Contains(out, "read 2, inserted 1, updated 0, unchanged 0, rejected 1") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "import", "customers", filepath.Join(dir, "missing.csv"))
	if code != exitFailure {
		t.Errorf("missing file: exit %d %s", code, out)
	}
}

// TestEndToEnd: `cohort serve`, configured only by the documented
// variables, receives the webhook that the sandbox's installed trigger sends
// for a new ticket, enriches the ticket, and the update is seen through
// go-zendesk's GetTicket.
func TestEndToEnd(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) { testEndToEnd(t, engine) })
	}
}

// e2eToken is the sandbox API token in the end-to-end test; it must never
// show in logs.
const e2eToken = "tok-e2e-7f3a9c"

func testEndToEnd(t *testing.T, engine store.Engine) {
	dbURL := storetest.URL(t, engine)
	ctx := context.Background()
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: e2eToken}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: e2eToken})
	if err != nil {
		t.Fatal(err)
	}
	defer zc.Close()
	enriched, stopWatch := sb.WatchTag("cohort_enriched")
	defer stopWatch()
	addr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}

	// The admin's steps: configure, install, import customers, serve.
	t.Setenv("COHORT_ZENDESK_URL", sb.URL())
	t.Setenv("COHORT_ZENDESK_EMAIL", "agent@example.com")
	t.Setenv("COHORT_ZENDESK_API_TOKEN", e2eToken)
	t.Setenv("COHORT_DATABASE_URL", dbURL)
	t.Setenv("COHORT_SEGMENTS_FILE", "../../manifests/segments.yaml")
	t.Setenv("COHORT_LISTEN_ADDR", addr)
	t.Setenv("COHORT_LOG_LEVEL", "debug")
	code, out, errOut := runCLI(t, "install", "--url", "http://"+addr)
	if code != exitOK {
		t.Fatalf("install: exit %d %s %s", code, out, errOut)
	}
	secret := out[strings.Index(out, "COHORT_ZENDESK_WEBHOOK_SECRET=")+len("COHORT_ZENDESK_WEBHOOK_SECRET="):]
	t.Setenv("COHORT_ZENDESK_WEBHOOK_SECRET", strings.TrimSpace(secret))
	if code, out, _ := runCLI(t, "install", "--url", "http://"+addr); code != exitOK || !strings.Contains(out, "already there") {
		t.Errorf("second install: exit %d\n%s", code, out)
	}
	if code, out, errOut := runCLI(t, "import", "customers", "../../manifests/sample/customers.csv"); code != exitOK {
		t.Fatalf("import: exit %d %s %s", code, out, errOut)
	}

	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan int, 1)
	logs := &proc.Buffer{}
	go func() { served <- run(serveCtx, []string{"serve"}, io.Discard, logs) }()
	defer func() {
		stop()
		if code := <-served; code != exitOK {
			t.Errorf("serve exit %d", code)
		}
	}()
	if err := proc.WaitReady(addr, 20*time.Second, nil); err != nil {
		t.Fatal(err)
	}

	created, err := zc.API().CreateTicket(ctx, zd.Ticket{
		Subject: "Checkout is down", Priority: "normal", Tags: []string{"from_agent"},
		Comment:   &zd.TicketComment{Body: "Blank checkout page for every EU customer."},
		Requester: &zd.Requester{Name: "Grace Kim", Email: "grace.kim@stark.example"},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-enriched:
		if id != created.ID {
			t.Fatalf("ticket %d enriched, want %d", id, created.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ticket not enriched within 30s")
	}

	got, err := zc.API().GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"from_agent", "seg_enterprise", "seg_technical", "vip", "cohort_enriched"} {
		if !slices.Contains(got.Tags, tag) {
			t.Errorf("ticket tags %v lack %q", got.Tags, tag)
		}
	}
	if got.Priority != "urgent" {
		t.Errorf("priority = %q, want urgent (outage escalation)", got.Priority)
	}
	comments, err := zc.API().ListTicketComments(ctx, created.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, c := range comments.TicketComments {
		if c.Public != nil && !*c.Public {
			notes = append(notes, c.Body)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "enterprise (primary)") || !strings.Contains(notes[0], "normal → urgent") {
		t.Errorf("private notes = %q, want one explaining the segments", notes)
	}
	if l := logs.String(); strings.Contains(l, e2eToken) || strings.Contains(l, strings.TrimSpace(secret)) {
		t.Errorf("serve logs leak a secret:\n%s", l)
	}
}

// TestEnvExampleListsEveryVariable keeps .env.example complete: every
// variable Config reads appears there with its default.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	data, err := os.ReadFile("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := envPrefix + "_" + f.Tag.Get("envconfig")
		want := name + "=" + f.Tag.Get("default")
		if !slices.Contains(lines, want) {
			t.Errorf(".env.example lacks the line %q", want)
		}
	}
}

func TestJobsListAndRetryDeadJobs(t *testing.T) {
	dbURL := storetest.URL(t, store.SQLite)
	t.Setenv("COHORT_DATABASE_URL", dbURL)
	ctx := context.Background()
	db, err := store.Open(ctx, dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	finished := make(chan cohort.Enrichment, 1)
	q, err := db.NewQueue(store.QueueConfig{
		OnFinish: func(e cohort.Enrichment) { finished <- e },
		Handler: func(context.Context, cohort.Delivery) (cohort.Enrichment, error) {
			return cohort.Enrichment{}, cohort.Errorf("test", cohort.KindNotFound, "zendesk answered 404: ticket deleted")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Enqueue(ctx, cohort.Delivery{Helpdesk: "zendesk", Ticket: cohort.Ticket{ID: 4242}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("job did not finish")
	}
	if err := q.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCLI(t, "jobs", "list", "--dead")
	if code != exitOK || !strings.Contains(out, "zendesk #4242") || !strings.Contains(out, "cancelled") || !strings.Contains(out, "ticket deleted") {
		t.Fatalf("jobs list --dead: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "jobs", "retry", "--all-dead")
	if code != exitOK || !strings.Contains(out, "ticket 4242) queued again") {
		t.Fatalf("jobs retry --all-dead: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "jobs", "list", "--dead"); code != exitOK || !strings.Contains(out, "no dead jobs") {
		t.Errorf("after retry: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "jobs", "retry", "99999"); code != exitFailure || !strings.Contains(errOut, "no job 99999") {
		t.Errorf("retry of a missing job: exit %d %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "jobs", "retry", "abc"); code != exitUsage {
		t.Errorf("retry abc: exit %d, want usage", code)
	}
}

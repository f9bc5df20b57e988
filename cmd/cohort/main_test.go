package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
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

	// Freshdesk configured in part: serve names what is missing.
	t.Setenv("COHORT_ZENDESK_URL", "http://127.0.0.1:9")
	t.Setenv("COHORT_ZENDESK_EMAIL", "a@b.example")
	t.Setenv("COHORT_ZENDESK_WEBHOOK_SECRET", "s")
	t.Setenv("COHORT_FRESHDESK_DOMAIN", "acme.freshdesk.com")
	code, _, errOut = runCLI(t, "serve")
	if code != exitUsage || !strings.Contains(errOut, "COHORT_FRESHDESK_DOMAIN \"acme.freshdesk.com\": want the account's name only") {
		t.Errorf("exit %d, want the domain refused: %s", code, errOut)
	}
	t.Setenv("COHORT_FRESHDESK_DOMAIN", "acme")
	code, _, errOut = runCLI(t, "serve")
	for _, want := range []string{"COHORT_FRESHDESK_API_KEY", "COHORT_FRESHDESK_WEBHOOK_SECRET"} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("exit %d, want usage error naming %s: %s", code, want, errOut)
		}
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

// served is `cohort serve` running in-process against a sandbox account,
// set up as an admin would: configured by the documented variables,
// installed, with the sample customers imported.
type served struct {
	sb       *sandbox.Server
	zc       *zendesk.Client
	addr     string
	secret   string
	logs     *proc.Buffer
	enriched <-chan int64 // ids of tickets cohort enriched
}

// serveWithSandbox starts a sandbox and `cohort serve` on engine with the
// segments file segments; both stop when the test ends.
func serveWithSandbox(t *testing.T, engine store.Engine, segments string) *served {
	t.Helper()
	dbURL := storetest.URL(t, engine)
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: e2eToken}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: "agent@example.com", APIToken: e2eToken})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zc.Close() })
	enriched, stopWatch := sb.WatchTag("cohort_enriched")
	t.Cleanup(stopWatch)
	addr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("COHORT_ZENDESK_URL", sb.URL())
	t.Setenv("COHORT_ZENDESK_EMAIL", "agent@example.com")
	t.Setenv("COHORT_ZENDESK_API_TOKEN", e2eToken)
	t.Setenv("COHORT_DATABASE_URL", dbURL)
	t.Setenv("COHORT_SEGMENTS_FILE", segments)
	t.Setenv("COHORT_MACROS_DIR", "../../manifests/macros")
	t.Setenv("COHORT_LISTEN_ADDR", addr)
	t.Setenv("COHORT_LOG_LEVEL", "debug")
	code, out, errOut := runCLI(t, "install", "--url", "http://"+addr)
	if code != exitOK {
		t.Fatalf("install: exit %d %s %s", code, out, errOut)
	}
	secret := strings.TrimSpace(out[strings.Index(out, "COHORT_ZENDESK_WEBHOOK_SECRET=")+len("COHORT_ZENDESK_WEBHOOK_SECRET="):])
	t.Setenv("COHORT_ZENDESK_WEBHOOK_SECRET", secret)
	if code, out, _ := runCLI(t, "install", "--url", "http://"+addr); code != exitOK || !strings.Contains(out, "already there") {
		t.Errorf("second install: exit %d\n%s", code, out)
	}
	if code, out, errOut := runCLI(t, "import", "customers", "../../manifests/sample/customers.csv"); code != exitOK {
		t.Fatalf("import: exit %d %s %s", code, out, errOut)
	}

	serveCtx, stop := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	logs := &proc.Buffer{}
	go func() { exited <- run(serveCtx, []string{"serve"}, io.Discard, logs) }()
	t.Cleanup(func() {
		stop()
		if code := <-exited; code != exitOK {
			t.Errorf("serve exit %d", code)
		}
	})
	if err := proc.WaitReady(addr, 20*time.Second, nil); err != nil {
		t.Fatal(err)
	}
	return &served{sb: sb, zc: zc, addr: addr, secret: secret, logs: logs, enriched: enriched}
}

// ticket creates a ticket from requester and waits until cohort enriched
// it, returning it as Zendesk has it then.
func (s *served) ticket(t *testing.T, subject, requester string) zd.Ticket {
	t.Helper()
	ctx := context.Background()
	created, err := s.zc.API().CreateTicket(ctx, zd.Ticket{
		Subject: subject, Priority: "normal", Tags: []string{"from_agent"},
		Comment:   &zd.TicketComment{Body: "Blank checkout page for every EU customer."},
		Requester: &zd.Requester{Name: requester, Email: requester},
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-s.enriched:
		if id != created.ID {
			t.Fatalf("ticket %d enriched, want %d", id, created.ID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ticket not enriched within 30s")
	}
	got, err := s.zc.API().GetTicket(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func testEndToEnd(t *testing.T, engine store.Engine) {
	s := serveWithSandbox(t, engine, "../../manifests/segments.yaml")
	got := s.ticket(t, "Checkout is down", "grace.kim@stark.example")
	for _, tag := range []string{"from_agent", "seg_enterprise", "seg_technical", "vip", "cohort_enriched"} {
		if !slices.Contains(got.Tags, tag) {
			t.Errorf("ticket tags %v lack %q", got.Tags, tag)
		}
	}
	if got.Priority != "urgent" {
		t.Errorf("priority = %q, want urgent (outage escalation)", got.Priority)
	}
	comments, err := s.zc.API().ListTicketComments(context.Background(), got.ID, nil)
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
	if l := s.logs.String(); strings.Contains(l, e2eToken) || strings.Contains(l, s.secret) {
		t.Errorf("serve logs leak a secret:\n%s", l)
	}
}

// TestEditedSegmentsTakeEffectWithoutARestart: serve follows an edit of
// its segments file; a broken edit keeps the last good rules, is logged
// with its line, and leaves the process ready.
func TestEditedSegmentsTakeEffectWithoutARestart(t *testing.T) {
	sample, err := os.ReadFile("../../manifests/segments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "segments.yaml")
	if err := os.WriteFile(file, sample, 0o600); err != nil {
		t.Fatal(err)
	}
	s := serveWithSandbox(t, store.SQLite, file)
	if got := s.ticket(t, "Question", "ana.lima@acme.example"); slices.Contains(got.Tags, "seg_acme_account") {
		t.Fatalf("tags %v before the edit", got.Tags)
	}

	edited := strings.Replace(string(sample), "segments:\n", "segments:\n  - name: acme_account\n"+
		"    description: Added while cohort runs\n    when: customer.organization == \"Acme Corp\"\n    tags: [acme]\n", 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	waitLog(t, s.logs, "playbook reloaded")
	if got := s.ticket(t, "Question", "ana.lima@acme.example"); !slices.Contains(got.Tags, "seg_acme_account") || !slices.Contains(got.Tags, "acme") {
		t.Errorf("tags %v after the edit, want seg_acme_account and acme", got.Tags)
	}

	broken := strings.Replace(edited, `customer.organization == "Acme Corp"`, `customer.tier == "gold"`, 1)
	if err := os.WriteFile(file, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	line := strings.Count(broken[:strings.Index(broken, "customer.tier")], "\n") + 1
	waitLog(t, s.logs, fmt.Sprintf("%s:%d: segment", file, line))
	waitLog(t, s.logs, "when: customer has no field tier")
	resp, err := http.Get("http://" + s.addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz = %d after a broken edit, want 200", resp.StatusCode)
	}
	if got := s.ticket(t, "Question", "ana.lima@acme.example"); !slices.Contains(got.Tags, "seg_acme_account") {
		t.Errorf("tags %v after a broken edit, want the last good rules' seg_acme_account", got.Tags)
	}
}

// waitLog waits up to 15 seconds (the files are checked every 5) for logs
// to hold want.
func waitLog(t *testing.T, logs *proc.Buffer, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(logs.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("logs lack %q after 15s:\n%s", want, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
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

// TestLongCommandsStopOnTheFirstSignal: `cohort segments stats` over a
// rule that takes long for every customer (within its budget) stops as
// soon as its context is cancelled, as main cancels it on the first
// SIGINT or SIGTERM.
func TestLongCommandsStopOnTheFirstSignal(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "c.db")
	t.Setenv("COHORT_DATABASE_URL", dbURL)
	t.Setenv("COHORT_LOG_LEVEL", "warn")
	db, err := store.Open(context.Background(), dbURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	var customers []cohort.Customer
	for i := range 4000 { // some 10 s of work without the stop
		c := cohort.Customer{Email: fmt.Sprintf("c%d@a.example", i)}
		for j := range 250 {
			c.Products = append(c.Products, fmt.Sprint("p", j))
		}
		customers = append(customers, c)
	}
	_, err = db.UpsertCustomers(context.Background(), store.CustomerSource{Name: "csv"}, customers)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	segments := filepath.Join(dir, "segments.yaml")
	if err := os.WriteFile(segments, []byte("segments:\n  - name: slow\n    when: 'any(customer.products, any(customer.products, # == \"zz\"))'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("COHORT_SEGMENTS_FILE", segments)
	t.Setenv("COHORT_MACROS_DIR", t.TempDir()) // no macros
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	var out, errOut bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"segments", "stats"}, &out, &errOut)
	if took := time.Since(start); code != exitFailure || took > 3*time.Second || !strings.Contains(errOut.String(), "stopped before it finished") {
		t.Errorf("exit %d after %v:\n%s%s", code, took, out.String(), errOut.String())
	}
}

// TestImportRejectsBadRowsAndLoadsTheRest: a row with a NUL, one that is
// not UTF-8 and a quote left open are each reported at their line (the
// open quote with how many lines it swallowed); the other rows load, on
// both engines.
func TestImportRejectsBadRowsAndLoadsTheRest(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			dbURL := storetest.URL(t, engine)
			t.Setenv("COHORT_DATABASE_URL", dbURL)
			t.Setenv("COHORT_SEGMENTS_FILE", "../../manifests/segments.yaml")
			t.Setenv("COHORT_LOG_LEVEL", "warn")
			file := filepath.Join(t.TempDir(), "c.csv")
			csv := "email,external_id,name,plan\n" +
				"ann@acme.example,c-1,Ann,pro\n" +
				"nul@acme.example,c-2,Nu\x00l,pro\n" +
				"latin@acme.example,c-3,Jos\xe9,pro\n" +
				"bob@acme.example,c-4,Bob,pro\n" +
				"cy@acme.example,c-5,\"Cy,pro\n" +
				"dee@acme.example,c-6,Dee,pro\n"
			if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runCLI(t, "import", "customers", file)
			for _, want := range []string{
				file + ":3: rejected: name: holds a NUL character",
				file + ":4: rejected: name: is not valid UTF-8 text",
				file + ":6: rejected: a quoted field is not closed, so lines 6 to 7 (2 lines) could not be read",
				"inserted 2,",
			} {
				if code != exitPartial || !strings.Contains(out, want) {
					t.Errorf("exit %d, want 3 and %q:\n%s%s", code, want, out, errOut)
				}
			}
			db, err := store.Open(context.Background(), dbURL, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n, _ := db.CountCustomers(context.Background()); n != 2 {
				t.Errorf("%d customers loaded, want ann and bob", n)
			}
		})
	}
}

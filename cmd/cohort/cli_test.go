package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/internal/proc"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// goName matches a Go identifier such as zendesk.VerifySignature or
// store.RetryJob, which users must never see.
var goName = regexp.MustCompile(`\b[a-z]+\.[A-Z][A-Za-z]+\b`)

// TestHelpIsZeroEverywhere: --help of every command exits 0.
func TestHelpIsZeroEverywhere(t *testing.T) {
	for _, c := range commands() {
		code, out, errOut := runCLI(t, c.name, "--help")
		if code != exitOK || !strings.Contains(out+errOut, "Usage: cohort "+c.name) {
			t.Errorf("cohort %s --help: exit %d\n%s%s", c.name, code, out, errOut)
		}
	}
}

// TestBadConfigurationIsExitTwoNamingTheVariable: a malformed or invalid
// COHORT_* value stops any command with exit 2 and a message naming the
// variable, in words.
func TestBadConfigurationIsExitTwoNamingTheVariable(t *testing.T) {
	tests := []struct {
		name, variable, value string
		args                  []string
		want                  string
	}{
		{"not a number", "COHORT_WORKERS", "abc", []string{"jobs", "list", "--dead"}, `COHORT_WORKERS "abc": want a whole number`},
		{"not a duration", "COHORT_JOB_TIMEOUT", "5 minutes", []string{"jobs", "list", "--dead"}, `COHORT_JOB_TIMEOUT "5 minutes": want a duration`},
		{"not a boolean", "COHORT_ZENDESK_SYNC_USERS", "yes please", []string{"sync", "crm"}, `COHORT_ZENDESK_SYNC_USERS "yes please": want true or false`},
		{"an unknown database", "COHORT_DATABASE_URL", "mysql://root:pw@db/cohort", []string{"jobs", "list", "--dead"},
			"COHORT_DATABASE_URL mysql://root:xxxxx@db/cohort: want sqlite:PATH or postgres://"},
		{"a database URL that does not parse", "COHORT_DATABASE_URL", "postgres://u:se%cret@db/x", []string{"metrics", "export", "--from", "2026-01-01", "--to", "2026-01-02"},
			"COHORT_DATABASE_URL postgres://xxxxx@db/x is not a URL"},
		{"a Zendesk URL that is not one", "COHORT_ZENDESK_URL", "acme.zendesk.com", []string{"install", "--url", "https://cohort.example.com"},
			`COHORT_ZENDESK_URL "acme.zendesk.com": want a base URL`},
		{"a broken segments file", "COHORT_SEGMENTS_FILE", "testdata/none.yaml", []string{"segments", "stats"}, "COHORT_SEGMENTS_FILE: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("COHORT_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
			t.Setenv("COHORT_ZENDESK_EMAIL", "agent@example.com")
			t.Setenv("COHORT_ZENDESK_API_TOKEN", "tok")
			t.Setenv(tt.variable, tt.value)
			code, out, errOut := runCLI(t, tt.args...)
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr:\n%s%s\nwant exit 2 and %q", code, errOut, out, tt.want)
			}
			if goName.MatchString(errOut) || strings.Contains(errOut, "se%cret") || strings.Contains(errOut, ":pw@") {
				t.Errorf("stderr shows Go names or a password:\n%s", errOut)
			}
		})
	}
}

// TestErrorsSpeakPlainWords: a failing command says what went wrong with
// no Go function names.
func TestErrorsSpeakPlainWords(t *testing.T) {
	t.Setenv("COHORT_DATABASE_URL", "sqlite:"+filepath.Join(t.TempDir(), "c.db"))
	code, _, errOut := runCLI(t, "jobs", "retry", "99999")
	if code != exitFailure || !strings.HasSuffix(errOut, "\ncohort jobs: no job 99999\n") {
		t.Errorf("retry of a missing job: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "jobs", "retry", "abc")
	if code != exitUsage || !strings.Contains(errOut, `"abc" is not a job id`) || goName.MatchString(errOut) {
		t.Errorf("retry abc: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "metrics", "export", "--from", "2026-02-01", "--to", "2026-01-01")
	if code != exitUsage || !strings.Contains(errOut, "--from 2026-02-01 is after to 2026-01-01") {
		t.Errorf("a backwards range: exit %d, stderr %q", code, errOut)
	}
}

// TestDatabasePasswordNeverShows runs commands with a database password in
// every form a URL or DSN can hold one, failing and working, with debug
// logs, and greps all they print for it.
func TestDatabasePasswordNeverShows(t *testing.T) {
	const password = "Sup3rS3cretPw"
	t.Setenv("COHORT_LOG_LEVEL", "debug")
	urls := []string{
		"postgres://u:" + password + "@127.0.0.1:1/db?connect_timeout=1",
		"postgres://u@127.0.0.1:1/db?connect_timeout=1&password=" + password,
		"host=127.0.0.1 port=1 user=u password=" + password + " dbname=db",
		"postgres://u:" + password + "%zz@127.0.0.1:1/db",
	}
	if os.Getenv(storetest.PostgresURLVar) != "" {
		// A database that answers (trust auth ignores the password): the
		// start logs the URL.
		base := storetest.URL(t, store.Postgres)
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		urls = append(urls, base+sep+"password="+password)
	}
	for _, u := range urls {
		t.Setenv("COHORT_DATABASE_URL", u)
		for _, args := range [][]string{{"jobs", "list", "--dead"}, {"segments", "stats"}} {
			_, out, errOut := runCLI(t, args...)
			if strings.Contains(out+errOut, password) {
				t.Errorf("%s with %s prints the password:\n%s%s", strings.Join(args, " "), store.Redact(u), out, errOut)
			}
		}
	}
	if len(urls) == 4 {
		return
	}
	// serve logs the database it starts on.
	addr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"COHORT_ZENDESK_URL": "http://127.0.0.1:1", "COHORT_ZENDESK_EMAIL": "a@b.example",
		"COHORT_ZENDESK_API_TOKEN": "tok", "COHORT_ZENDESK_WEBHOOK_SECRET": "s", "COHORT_LISTEN_ADDR": addr,
		"COHORT_SEGMENTS_FILE": "../../manifests/segments.yaml", "COHORT_MACROS_DIR": "../../manifests/macros"} {
		t.Setenv(k, v)
	}
	ctx, stop := context.WithCancel(context.Background())
	logs := &proc.Buffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, logs, logs) }()
	exited := func() error {
		select {
		case code := <-done:
			return fmt.Errorf("serve exited %d", code)
		default:
			return nil
		}
	}
	if err := proc.WaitReady(addr, 20*time.Second, exited); err != nil {
		stop()
		t.Fatalf("%v\n%s", err, logs.String())
	}
	stop()
	<-done
	if l := logs.String(); strings.Contains(l, password) || !strings.Contains(l, "password=xxxxx") {
		t.Errorf("serve's logs show the password, or not the redacted URL:\n%s", l)
	}
}

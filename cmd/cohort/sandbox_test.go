package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/internal/proc"
)

// sandboxCmd is a `cohort sandbox` running in-process.
type sandboxCmd struct {
	out  *proc.Buffer
	logs *proc.Buffer // its stderr
	stop context.CancelFunc
	done chan int
}

// startSandboxCmd runs `cohort sandbox args…` until the test ends or stop,
// and waits for it to say it is ready.
func startSandboxCmd(t *testing.T, args ...string) *sandboxCmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &sandboxCmd{out: &proc.Buffer{}, logs: &proc.Buffer{}, stop: cancel, done: make(chan int, 1)}
	go func() { c.done <- run(ctx, append([]string{"sandbox"}, args...), c.out, c.logs) }()
	t.Cleanup(func() {
		c.exit(t)
		if t.Failed() {
			t.Logf("cohort sandbox %s:\n%s%s", strings.Join(args, " "), c.out, c.logs)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(c.out.String(), "Press Ctrl-C to stop.") {
		select {
		case code := <-c.done:
			t.Fatalf("cohort sandbox exited %d:\n%s%s", code, c.out, c.logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("cohort sandbox not ready:\n%s%s", c.out, c.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c
}

// exit stops the command, as Ctrl-C does, and returns its exit code.
func (c *sandboxCmd) exit(t *testing.T) int {
	t.Helper()
	c.stop()
	select {
	case code := <-c.done:
		c.done <- code // a second exit gets it too
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("cohort sandbox did not stop")
		return -1
	}
}

var exportLine = regexp.MustCompile(`(?m)^export (COHORT_[A-Z_]+)=(\S+)$`)

// exports returns the COHORT_* lines the command printed.
func (c *sandboxCmd) exports() map[string]string {
	vars := map[string]string{}
	for _, m := range exportLine.FindAllStringSubmatch(c.out.String(), -1) {
		vars[m[1]] = m[2]
	}
	return vars
}

// TestSandboxWalkthrough follows the README's "Try it against the
// sandbox": cohort sandbox prints what points cohort at it; install,
// import, serve; a ticket created with plain HTTP (as the README does with
// curl) comes back enriched; macros and metrics sync; the HubSpot and
// Salesforce emulators sync as CRM sources; and the account, kept in its state file, is there
// again after a restart, with the same token.
func TestSandboxWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs cohort serve as a process")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "sandbox.json")
	sb := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--state", state, "--crm", "hubspot,salesforce",
		"--hubspot-addr", "127.0.0.1:0", "--salesforce-addr", "127.0.0.1:0")
	vars := sb.exports()
	for _, name := range []string{"COHORT_ZENDESK_URL", "COHORT_ZENDESK_EMAIL", "COHORT_ZENDESK_API_TOKEN", "COHORT_HUBSPOT_URL", "COHORT_HUBSPOT_TOKEN",
		"COHORT_SALESFORCE_URL", "COHORT_SALESFORCE_ACCESS_TOKEN"} {
		if vars[name] == "" {
			t.Fatalf("cohort sandbox printed no %s:\n%s", name, sb.out)
		}
		t.Setenv(name, vars[name])
	}
	segments, _ := filepath.Abs("../../manifests/segments.yaml")
	macrosDir, _ := filepath.Abs("../../manifests/macros")
	dbURL := "sqlite:" + filepath.Join(dir, "cohort.db")
	for k, v := range map[string]string{"COHORT_DATABASE_URL": dbURL, "COHORT_SEGMENTS_FILE": segments,
		"COHORT_MACROS_DIR": macrosDir, "COHORT_LOG_LEVEL": "warn"} {
		t.Setenv(k, v)
	}

	addr, err := proc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "install", "--url", "http://"+addr)
	secret := regexp.MustCompile(`COHORT_ZENDESK_WEBHOOK_SECRET=(\S+)`).FindStringSubmatch(out)
	if code != exitOK || secret == nil {
		t.Fatalf("install: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "import", "customers", "../../manifests/sample/customers.csv"); code != exitOK {
		t.Fatalf("import: %d\n%s%s", code, out, errOut)
	}
	startServe(t, []string{"COHORT_LISTEN_ADDR=" + addr, "COHORT_ZENDESK_WEBHOOK_SECRET=" + secret[1], "COHORT_LOG_LEVEL=info"})

	api := vars["COHORT_ZENDESK_URL"] + "/api/v2"
	created := sandboxHTTP(t, http.MethodPost, api+"/tickets.json", `{"ticket":{"subject":"Checkout is down",
		"comment":{"body":"Payments fail since 9:00"},"requester":{"name":"Ana Lima","email":"ana.lima@acme.example"}}}`)
	id := int64(created["ticket"].(map[string]any)["id"].(float64))
	ticketURL := fmt.Sprintf("%s/tickets/%d.json", api, id)
	var tags []any
	for deadline := time.Now().Add(30 * time.Second); !slices.Contains(tags, any("seg_enterprise")); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ticket %d not enriched: tags %v", id, tags)
		}
		tags = sandboxHTTP(t, http.MethodGet, ticketURL, "")["ticket"].(map[string]any)["tags"].([]any)
	}

	if code, out, errOut := runCLI(t, "macros", "sync"); code != exitOK {
		t.Errorf("macros sync: %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "sync", "metrics"); code != exitOK || !strings.Contains(out, "tickets (back-filled") {
		t.Errorf("sync metrics: %d\n%s%s", code, out, errOut)
	}
	for _, source := range []string{"hubspot", "salesforce"} {
		if code, out, errOut := runCLI(t, "sync", "crm", "--source", source); code != exitOK || !strings.Contains(out, source+": read 12") {
			t.Errorf("sync crm --source %s: %d\n%s%s", source, code, out, errOut)
		}
	}

	if code := sb.exit(t); code != exitOK {
		t.Fatalf("cohort sandbox exit %d:\n%s", code, sb.out)
	}
	if data, err := os.ReadFile(state); err != nil || !bytes.Contains(data, []byte(`"seg_enterprise"`)) {
		t.Fatalf("the state file does not hold the enriched ticket: %v", err)
	}
	again := startSandboxCmd(t, "--addr", "127.0.0.1:0", "--state", state)
	if got := again.exports()["COHORT_ZENDESK_API_TOKEN"]; got != vars["COHORT_ZENDESK_API_TOKEN"] || !strings.Contains(again.out.String(), "kept in "+state) {
		t.Errorf("after a restart the token is %q (was %q):\n%s", got, vars["COHORT_ZENDESK_API_TOKEN"], again.out)
	}
	t.Setenv("COHORT_ZENDESK_URL", again.exports()["COHORT_ZENDESK_URL"])
	ticket := sandboxHTTP(t, http.MethodGet, fmt.Sprintf("%s/api/v2/tickets/%d.json", again.exports()["COHORT_ZENDESK_URL"], id), "")
	if tags := ticket["ticket"].(map[string]any)["tags"].([]any); !slices.Contains(tags, any("seg_enterprise")) {
		t.Errorf("after a restart ticket %d has tags %v", id, tags)
	}
}

// sandboxHTTP sends a request to the sandbox with the credentials in the
// COHORT_ZENDESK_* variables, as curl would, and returns the JSON object
// answered.
func sandboxHTTP(t *testing.T, method, url, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(os.Getenv("COHORT_ZENDESK_EMAIL")+"/token", os.Getenv("COHORT_ZENDESK_API_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v (%v)", method, url, resp.StatusCode, out, err)
	}
	return out
}

// TestSandboxRefusesBadInput: a seed that is not an account, an unknown
// CRM and arguments are mistakes of the command line, exit 2.
func TestSandboxRefusesBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(bad, []byte(`{"version":1,"users":[{"name":"Ann","emial":"a@b.example"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sandbox", "--seed", bad}, bad + `: not a sandbox account: unknown field "emial"`},
		{[]string{"sandbox", "--seed", filepath.Join(t.TempDir(), "none.json")}, "no such file"},
		{[]string{"sandbox", "--crm", "pipedrive"}, `--crm "pipedrive": want hubspot, salesforce`},
		{[]string{"sandbox", "extra"}, "sandbox takes no arguments"},
		{[]string{"sandbox", "--error-rate", "2"}, "--error-rate 2: want a share from 0 to 1"},
	} {
		code, _, errOut := runCLI(t, tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, %s; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

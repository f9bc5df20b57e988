package conformance_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox/conformance"
)

// oasPath is Zendesk's Support API OpenAPI document, as testdata/README.md
// describes it; oasSHA256 is the hash of the reference copy.
const (
	oasPath   = "testdata/zendesk-oas.yaml"
	oasSHA256 = "e9c8068daa4721b5cf7d148cb5698596e7109638313860fb296a60ccd9a39d30"
)

// TestOASIsTheReferenceCopy checks that testdata holds the reference
// sheet's copy of the OAS, byte for byte.
func TestOASIsTheReferenceCopy(t *testing.T) {
	b, err := os.ReadFile(oasPath)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != oasSHA256 {
		t.Errorf("%s has sha256 %s, want %s (the copy in shared/reference)", oasPath, got, oasSHA256)
	}
}

// nodeDir holds the node-zendesk suite.
const nodeDir = "node"

// TestNodeZendesk runs node/suite.mjs, which calls every endpoint the
// sandbox serves with node-zendesk 6, and fails listing every check that
// failed. It then checks the exchanges the suite made against the OAS and
// fails on each difference knownDifferences does not hold. It skips
// without node or npm, or when npm ci cannot reach the registry.
func TestNodeZendesk(t *testing.T) {
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: install Node.js 18 or later to run the node-zendesk suite", tool)
		}
	}
	installNodeZendesk(t)
	acct := startAccount(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	appZip := filepath.Join(t.TempDir(), "cohort-app.zip")
	if err := os.WriteFile(appZip, cohortApp(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, "node", "suite.mjs")
	cmd.Dir = nodeDir
	cmd.Env = append(os.Environ(),
		"SANDBOX_URL="+acct.url,
		"SANDBOX_EMAIL="+adminEmail,
		"SANDBOX_TOKEN="+apiToken,
		"SANDBOX_WEBHOOK_ENDPOINT="+acct.hookURL,
		"SANDBOX_APP_ZIP="+appZip)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	checks, summary, err := parseSuite(out)
	if err != nil {
		t.Fatalf("node suite.mjs: %v (exit: %v)\nstderr:\n%s", err, runErr, stderr.Bytes())
	}
	t.Logf("node-zendesk: %d of %d calls pass", summary.Passed, summary.Total)
	var failed []string
	for _, c := range checks {
		if !c.OK {
			failed = append(failed, c.Name+": "+c.Error)
		}
	}
	if len(failed) > 0 {
		t.Errorf("%d node-zendesk checks fail:\n%s", len(failed), strings.Join(failed, "\n"))
	}
	if untouched := acct.untouched(); len(untouched) > 0 {
		t.Errorf("the node-zendesk suite calls no %s", strings.Join(untouched, ", "))
	}
	rep := loadSpec(t).Check(acct.recorder.Exchanges())
	t.Logf("the %d exchanges of the suite the OAS describes hold %d differences from it (%d distinct); not in the OAS: %s",
		rep.Checked, len(rep.Differences), len(countDifferences(rep.Differences)), strings.Join(rep.NotInOAS, ", "))
	if unknown := unknownDifferences(countDifferences(rep.Differences)); len(unknown) > 0 {
		t.Errorf("%d differences from the OAS in node-zendesk's exchanges, by operation (location: problem ×times found):\n%s", len(unknown), grouped(unknown))
	}
}

// installNodeZendesk runs npm ci in nodeDir unless node-zendesk is
// installed there, and skips the test if the registry cannot be reached.
func installNodeZendesk(t *testing.T) {
	t.Helper()
	_, err := os.Stat(filepath.Join(nodeDir, "node_modules", "node-zendesk", "package.json"))
	if err == nil {
		return
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = nodeDir
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	if registryUnreachable.Match(out) {
		t.Skipf("npm ci could not reach the npm registry, so node-zendesk is not installed: %v\n%s", err, firstLines(out, 5))
	}
	t.Fatalf("npm ci in %s: %v\n%s", nodeDir, err, out)
}

// firstLines returns the first n lines of out.
func firstLines(out []byte, n int) string {
	lines := strings.SplitN(string(out), "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// registryUnreachable matches what npm prints when it cannot reach the
// registry.
var registryUnreachable = regexp.MustCompile(`ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network`)

// suiteCheck is one line of suite.mjs's output: a check and its outcome.
type suiteCheck struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// suiteSummary is the last line of suite.mjs's output.
type suiteSummary struct {
	Passed int `json:"passed"`
	Total  int `json:"total"`
}

// parseSuite reads the output of suite.mjs: its checks, then its summary,
// which must count them.
func parseSuite(out []byte) ([]suiteCheck, suiteSummary, error) {
	var checks []suiteCheck
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var line struct {
			suiteCheck
			Summary *suiteSummary `json:"summary"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return nil, suiteSummary{}, fmt.Errorf("a line of its output is not JSON: %q", sc.Text())
		}
		if line.Summary == nil {
			checks = append(checks, line.suiteCheck)
			continue
		}
		passed := 0
		for _, c := range checks {
			if c.OK {
				passed++
			}
		}
		if line.Summary.Total != len(checks) || line.Summary.Passed != passed {
			return nil, suiteSummary{}, fmt.Errorf("its summary %+v does not count its %d checks, %d passed", *line.Summary, len(checks), passed)
		}
		return checks, *line.Summary, nil
	}
	return nil, suiteSummary{}, fmt.Errorf("it printed no summary after %d checks", len(checks))
}

// knownDifferences are the differences between the sandbox's answers and
// the OAS that are not the sandbox's to fix: real Zendesk answers the same
// way, as the reference sheet (shared/reference/helpdesk-api.md) says in
// the words each entry quotes.
var knownDifferences = map[conformance.Difference]string{
	// The OAS documents only the successes of most operations; a show of
	// something that is not there answers 404 RecordNotFound.
	// driveEveryEndpoint checks the body of each of these.
	notFound("GET /api/v2/tickets/{ticket_id}"):                           recordNotFound,
	notFound("GET /api/v2/users/{user_id}"):                               recordNotFound,
	notFound("GET /api/v2/organizations/{organization_id}"):               recordNotFound,
	notFound("GET /api/v2/macros/{macro_id}"):                             recordNotFound,
	notFound("GET /api/v2/triggers/{trigger_id}"):                         recordNotFound,
	notFound("GET /api/v2/ticket_metrics/{ticket_metric_id}"):             recordNotFound,
	notFound("GET /api/v2/satisfaction_ratings/{satisfaction_rating_id}"): recordNotFound,
	notFound("GET /api/v2/job_statuses/{job_status_id}"):                  recordNotFound,

	// The OAS's TicketMetricsByTicketMetricIdResponse makes ticket_metric
	// an array of metrics.
	{"GET /api/v2/ticket_metrics/{ticket_metric_id}", "/ticket_metric", "value must be an array"}: `§5.1: "GET /api/v2/ticket_metrics/{ticket_metric_id} and GET /api/v2/tickets/{ticket_id}/metrics → {"ticket_metric":{…}}"`,

	// The OAS's MacroApplyTicketResponse makes the ticket's fields one
	// {id, value} object, after its example.
	{"GET /api/v2/tickets/{ticket_id}/macros/{macro_id}/apply", "/result/ticket/fields", "value must be an object"}: `§2.2: "Real responses also carry fields (mirror of custom_fields)", and custom_fields is an array (§2.6)`,
}

// recordNotFound is the reference sheet's word on the answer to a show of
// something that is not there.
const recordNotFound = `§7: "404 {"error":"RecordNotFound","description":"Not found"}"`

// notFound is the difference of a 404 answered by an operation whose
// 404 the OAS does not document.
func notFound(operation string) conformance.Difference {
	return conformance.Difference{Operation: operation, Location: "status", Problem: "status 404 is not documented"}
}

// TestResponsesMatchOAS drives every endpoint the sandbox serves from Go,
// checks every answer against the OAS, and fails on each difference that
// is not a known one, or on a known one no longer found.
func TestResponsesMatchOAS(t *testing.T) {
	spec := loadSpec(t)
	acct := startAccount(t)
	driveEveryEndpoint(t, acct)
	if untouched := acct.untouched(); len(untouched) > 0 {
		t.Errorf("driveEveryEndpoint calls no %s", strings.Join(untouched, ", "))
	}
	rep := spec.Check(acct.recorder.Exchanges())
	counts := countDifferences(rep.Differences)
	t.Logf("%d exchanges checked against the OAS, %d differences (%d distinct)", rep.Checked, len(rep.Differences), len(counts))
	t.Logf("not in the OAS: %s", strings.Join(rep.NotInOAS, ", "))
	if unknown := unknownDifferences(counts); len(unknown) > 0 {
		t.Errorf("%d differences from the OAS, by operation (location: problem ×times found):\n%s", len(unknown), grouped(unknown))
	}
	for d := range knownDifferences {
		if counts[d] == 0 {
			t.Errorf("known difference no longer found, remove it from knownDifferences: %s", d)
		}
	}
}

// TestCheckFindsDifferences checks Check itself on answers written by
// hand, so that the gate above cannot pass for want of a working check: a
// wrong type and a null not allowed are found, with their locations, an
// allowed null is not, an undocumented status is, the branches of an anyOf
// are looked into, and a path the OAS does not describe is listed apart.
func TestCheckFindsDifferences(t *testing.T) {
	spec := loadSpec(t)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	exchanges := []conformance.Exchange{
		{Method: "GET", Path: "/api/v2/tickets/7.json", Status: 200, Header: jsonHeader,
			Body: []byte(`{"ticket":{"id":7,"requester_id":1,"priority":null,"assignee_id":"seven","tags":["a",null]}}`)},
		{Method: "GET", Path: "/api/v2/tickets/8", Status: 404, Header: jsonHeader,
			Body: []byte(`{"error":"RecordNotFound","description":"Not found"}`)},
		// A user must match UserForAdmin or UserForEndUser: user 1 fails
		// both on locale (its null alias is allowed); user 2 fails the
		// first on remote_photo_url, which the second does not describe,
		// and so matches the second.
		{Method: "GET", Path: "/api/v2/users/1", Status: 200, Header: jsonHeader,
			Body: []byte(`{"user":{"id":1,"name":"A","alias":null,"locale":null}}`)},
		{Method: "GET", Path: "/api/v2/users/2", Status: 200, Header: jsonHeader,
			Body: []byte(`{"user":{"id":2,"name":"B","remote_photo_url":null}}`)},
		{Method: "GET", Path: "/api/v2/webhooks/01EJFTSCC78X5V07NPY2MHR00M", Status: 200, Header: jsonHeader,
			Body: []byte(`{"webhook":{}}`)},
	}
	rep := spec.Check(exchanges)
	const show = "GET /api/v2/tickets/{ticket_id}"
	want := []conformance.Difference{
		{Operation: show, Location: "/ticket/assignee_id", Problem: "value must be an integer"},
		{Operation: show, Location: "/ticket/tags/*", Problem: "Value is not nullable"},
		{Operation: show, Location: "status", Problem: "status 404 is not documented"},
		{Operation: "GET /api/v2/users/{user_id}", Location: "/user/locale", Problem: "Value is not nullable (in anyOf UserForAdmin)"},
		{Operation: "GET /api/v2/users/{user_id}", Location: "/user/locale", Problem: "Value is not nullable (in anyOf UserForEndUser)"},
	}
	slices.SortFunc(rep.Differences, func(a, b conformance.Difference) int { return cmp.Compare(a.String(), b.String()) })
	if !slices.Equal(rep.Differences, want) {
		t.Errorf("differences:\n%s\nwant:\n%s", diffLines(rep.Differences), diffLines(want))
	}
	if rep.Checked != 4 {
		t.Errorf("checked %d exchanges, want 4", rep.Checked)
	}
	if wantNot := []string{"GET /api/v2/webhooks/{id}"}; !slices.Equal(rep.NotInOAS, wantNot) {
		t.Errorf("not in the OAS: %q, want %q", rep.NotInOAS, wantNot)
	}
}

// diffLines writes differences one per line.
func diffLines(diffs []conformance.Difference) string {
	var lines []string
	for _, d := range diffs {
		lines = append(lines, d.String())
	}
	return strings.Join(lines, "\n")
}

// loadSpec loads the OAS, failing the test if it cannot.
func loadSpec(t *testing.T) *conformance.Spec {
	t.Helper()
	spec, err := conformance.LoadSpec(oasPath)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// countDifferences counts each distinct difference.
func countDifferences(diffs []conformance.Difference) map[conformance.Difference]int {
	counts := make(map[conformance.Difference]int)
	for _, d := range diffs {
		counts[d]++
	}
	return counts
}

// unknownDifferences are the differences of counts that knownDifferences
// does not hold, sorted.
func unknownDifferences(counts map[conformance.Difference]int) []diffCount {
	var unknown []diffCount
	for _, dc := range sortedCounts(counts) {
		if _, known := knownDifferences[dc.diff]; !known {
			unknown = append(unknown, dc)
		}
	}
	return unknown
}

// diffCount is a distinct difference and how many times it was found.
type diffCount struct {
	diff  conformance.Difference
	count int
}

// grouped writes sorted differences under their operation, one per line.
func grouped(list []diffCount) string {
	var b strings.Builder
	for i, dc := range list {
		if i == 0 || list[i-1].diff.Operation != dc.diff.Operation {
			fmt.Fprintf(&b, "%s\n", dc.diff.Operation)
		}
		fmt.Fprintf(&b, "    %s: %s ×%d\n", dc.diff.Location, dc.diff.Problem, dc.count)
	}
	return b.String()
}

// sortedCounts lists counts by operation, location and problem, so that
// the differences of one operation come together.
func sortedCounts(counts map[conformance.Difference]int) []diffCount {
	var list []diffCount
	for d, n := range counts {
		list = append(list, diffCount{d, n})
	}
	slices.SortFunc(list, func(a, b diffCount) int {
		return cmp.Or(cmp.Compare(a.diff.Operation, b.diff.Operation),
			cmp.Compare(a.diff.Location, b.diff.Location), cmp.Compare(a.diff.Problem, b.diff.Problem))
	})
	return list
}

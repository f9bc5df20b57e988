package sandbox_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

// t0 is when every test org starts.
var t0 = time.Date(2026, 9, 15, 9, 0, 0, 0, time.UTC)

// clock is a settable sandbox clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const (
	testToken    = "00DRO0000000001!test"
	testClientID = "client-id"
	testSecret   = "client-secret"
	testRefresh  = "refresh-token"
	v            = "/services/data/v63.0"
)

// org is a started sandbox with its clock and an HTTP client.
type org struct {
	*sandbox.Server
	t      *testing.T
	clock  *clock
	client *http.Client
}

// startOrg starts a sandbox on cfg, filling in the clock and credentials,
// with a session open under testToken.
func startOrg(t *testing.T, cfg sandbox.Config) *org {
	t.Helper()
	c := &clock{t: t0}
	cfg.Now = c.Now
	cfg.ClientID, cfg.ClientSecret, cfg.RefreshToken = testClientID, testSecret, testRefresh
	if cfg.AccessToken == "" {
		cfg.AccessToken = testToken
	}
	srv, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &org{Server: srv, t: t, clock: c, client: &http.Client{Transport: tr}}
}

// do sends a request with the test token and returns the response and its
// body.
func (o *org) do(method, path string, body io.Reader, header http.Header) (*http.Response, []byte) {
	o.t.Helper()
	req, err := http.NewRequest(method, o.URL()+path, body)
	if err != nil {
		o.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := o.client.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return resp, b
}

func (o *org) get(path string) (*http.Response, []byte) {
	o.t.Helper()
	return o.do(http.MethodGet, path, nil, nil)
}

// queryPath is the path of a query (or queryAll) for soql.
func queryPath(endpoint, soql string) string {
	return v + "/" + endpoint + "?q=" + url.QueryEscape(soql)
}

// result is a decoded query batch.
type result struct {
	TotalSize      int                          `json:"totalSize"`
	Done           bool                         `json:"done"`
	NextRecordsURL string                       `json:"nextRecordsUrl"`
	Records        []map[string]json.RawMessage `json:"records"`
}

// ids returns the Id of every record of the batch.
func (r result) ids() []string {
	var out []string
	for _, rec := range r.Records {
		var id string
		json.Unmarshal(rec["Id"], &id)
		out = append(out, id)
	}
	return out
}

// fetch GETs path and decodes a query batch, failing on any other answer.
func (o *org) fetch(path string) result {
	o.t.Helper()
	resp, body := o.get(path)
	if resp.StatusCode != http.StatusOK {
		o.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var r result
	if err := json.Unmarshal(body, &r); err != nil {
		o.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return r
}

// apiErr is one element of Salesforce's error array.
type apiErr struct {
	Message   string `json:"message"`
	ErrorCode string `json:"errorCode"`
}

// failure GETs path expecting an error answer, and returns its status and
// first error.
func (o *org) failure(path string) (int, apiErr) {
	o.t.Helper()
	resp, body := o.get(path)
	var errs []apiErr
	if err := json.Unmarshal(body, &errs); err != nil || len(errs) != 1 {
		o.t.Fatalf("GET %s: %d %s: want an error array of one", path, resp.StatusCode, body)
	}
	return resp.StatusCode, errs[0]
}

// seeded holds the ids of the records seed makes.
type seeded struct {
	acme, globex, ann, bob, cy string
}

// seed inserts two Accounts and three Contacts a minute apart from t0:
// Ann Lee of Acme, Bob Stone of Globex, and Cy, with neither account nor
// email.
func (o *org) seed() seeded {
	o.t.Helper()
	var s seeded
	s.acme = o.must(o.InsertAccount(sandbox.Fields{"Name": "Acme", "Industry": "Software", "Plan__c": "Pro",
		"ARR__c": 250000, "LTV__c": 1.5e7, "NumberOfEmployees": 42, "Products__c": "Chat;Voice"}))
	s.globex = o.must(o.InsertAccount(sandbox.Fields{"Name": "Globex", "Industry": "Retail"}))
	s.ann = o.must(o.InsertContact(sandbox.Fields{"FirstName": "Ann", "LastName": "Lee", "Email": "ann@acme.io",
		"AccountId": s.acme, "Signup_Date__c": "2022-04-29"}))
	o.clock.Advance(time.Minute)
	s.bob = o.must(o.InsertContact(sandbox.Fields{"FirstName": "Bob", "LastName": "Stone", "Email": "bob@globex.com",
		"AccountId": s.globex}))
	o.clock.Advance(time.Minute)
	s.cy = o.must(o.InsertContact(sandbox.Fields{"LastName": "Cy"}))
	return s
}

func (o *org) must(id string, err error) string {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
	return id
}

// replacer fills {acme}, {globex}, {ann}, {bob} and {cy} with their ids.
func (s seeded) replacer() *strings.Replacer {
	return strings.NewReplacer("{acme}", s.acme, "{globex}", s.globex, "{ann}", s.ann, "{bob}", s.bob, "{cy}", s.cy)
}

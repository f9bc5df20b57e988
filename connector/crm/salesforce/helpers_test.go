package salesforce_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/salesforce"
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
	clientID     = "client-id"
	clientSecret = "client-secret-do-not-leak"
	refreshToken = "refresh-token-do-not-leak"
)

// org is a started sandbox org with its clock.
type org struct {
	*sandbox.Server
	t     *testing.T
	clock *clock
}

func startOrg(t *testing.T, cfg sandbox.Config) *org {
	t.Helper()
	c := &clock{t: t0}
	cfg.Now = c.Now
	cfg.ClientID, cfg.ClientSecret, cfg.RefreshToken = clientID, clientSecret, refreshToken
	srv, err := sandbox.Start(cfg, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &org{Server: srv, t: t, clock: c}
}

// config returns a source Config for the org with the refresh-token flow
// and fast retries, its HTTP client's idle connections closed when the
// test ends.
func (o *org) config() salesforce.Config {
	tr := &http.Transport{}
	o.t.Cleanup(tr.CloseIdleConnections)
	return salesforce.Config{
		LoginURL:     o.URL(),
		ClientID:     clientID,
		ClientSecret: clientSecret,
		RefreshToken: refreshToken,
		HTTPClient:   &http.Client{Transport: tr, Timeout: 10 * time.Second},
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}
}

func (o *org) source(cfg salesforce.Config) *salesforce.Source {
	o.t.Helper()
	src, err := salesforce.New(cfg)
	if err != nil {
		o.t.Fatal(err)
	}
	return src
}

func (o *org) must(id string, err error) string {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
	return id
}

func (o *org) check(err error) {
	o.t.Helper()
	if err != nil {
		o.t.Fatal(err)
	}
}

// read runs a Read and returns the batches emitted and its error.
func read(src *salesforce.Source, checkpoint string, full bool) ([]crm.Batch, error) {
	var batches []crm.Batch
	err := src.Read(context.Background(), checkpoint, full, func(b crm.Batch) error {
		batches = append(batches, b)
		return nil
	})
	return batches, err
}

// mustRead is read failing the test on an error.
func (o *org) mustRead(src *salesforce.Source, checkpoint string, full bool) []crm.Batch {
	o.t.Helper()
	batches, err := read(src, checkpoint, full)
	if err != nil {
		o.t.Fatal(err)
	}
	return batches
}

// records flattens batches.
func records(batches []crm.Batch) []cohort.SourceRecord {
	var out []cohort.SourceRecord
	for _, b := range batches {
		out = append(out, b.Records...)
	}
	return out
}

// refs lists the records' Refs, "-" before deleted ones.
func refs(recs []cohort.SourceRecord) []string {
	var out []string
	for _, r := range recs {
		ref := r.Ref
		if r.Deleted {
			ref = "-" + ref
		}
		out = append(out, ref)
	}
	return out
}

// last returns the checkpoint of the last batch.
func last(t *testing.T, batches []crm.Batch) string {
	t.Helper()
	if len(batches) == 0 {
		t.Fatal("no batch emitted")
	}
	return batches[len(batches)-1].Checkpoint
}

// seeded holds the ids of the records seed makes.
type seeded struct {
	acme, globex            string
	ann, bob, cy, dan, erin string
}

// seed makes Acme (with every custom field) and Globex, and five Contacts a
// minute apart from t0: Ann and Erin of Acme, Bob and Dan of Globex, Cy of
// none. Then it moves the clock an hour on.
func (o *org) seed() seeded {
	o.t.Helper()
	var s seeded
	s.acme = o.must(o.InsertAccount(sandbox.Fields{"Name": "Acme", "Industry": "Software", "Plan__c": "Pro",
		"ARR__c": 250000, "LTV__c": 1.5e7, "Products__c": "Chat;Voice"}))
	s.globex = o.must(o.InsertAccount(sandbox.Fields{"Name": "Globex", "Plan__c": "Basic"}))
	contacts := []struct {
		id *string
		f  sandbox.Fields
	}{
		{&s.ann, sandbox.Fields{"FirstName": "Ann", "LastName": "Lee", "Email": "Ann@Acme.io", "AccountId": s.acme,
			"Signup_Date__c": "2022-04-29", "Tech_Level__c": "High"}},
		{&s.bob, sandbox.Fields{"FirstName": "Bob", "LastName": "Stone", "Email": "bob@globex.com", "AccountId": s.globex}},
		{&s.cy, sandbox.Fields{"LastName": "Cy", "Email": "cy@example.com", "Plan__c": "Trial"}},
		{&s.dan, sandbox.Fields{"FirstName": "Dan", "LastName": "Ray", "Email": "dan@globex.com", "AccountId": s.globex}},
		{&s.erin, sandbox.Fields{"FirstName": "Erin", "LastName": "Moss", "Email": "erin@acme.io", "AccountId": s.acme}},
	}
	for _, c := range contacts {
		*c.id = o.must(o.InsertContact(c.f))
		o.clock.Advance(time.Minute)
	}
	o.clock.Advance(time.Hour)
	return s
}

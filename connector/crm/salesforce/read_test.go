package salesforce_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestFullReadAcrossBatches(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2, ShortBatchEvery: 3}})
	s := o.seed()
	batches := o.mustRead(o.source(o.config()), "", false)

	// Answers of 2, every third cut to none: 2, 2, 0, 1 records. The empty
	// one moves no checkpoint: it is followed, not emitted.
	var sizes []int
	for _, b := range batches {
		sizes = append(sizes, len(b.Records))
		if b.Checkpoint == "" {
			t.Error("a batch without a checkpoint")
		}
	}
	if !slices.Equal(sizes, []int{2, 2, 1}) {
		t.Errorf("batch sizes %v, want [2 2 1]", sizes)
	}
	if st := o.Stats(); st.RequestsByRoute["GET /services/data/{version}/query/{locator}"] != 3 {
		t.Errorf("%d query-more requests, want 3", st.RequestsByRoute["GET /services/data/{version}/query/{locator}"])
	}
	want := []string{"Contact " + s.ann, "Contact " + s.bob, "Contact " + s.cy, "Contact " + s.dan, "Contact " + s.erin}
	if got := refs(records(batches)); !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	ann := records(batches)[0]
	wantFields := map[string]string{
		"Id":                  s.ann,
		"Email":               "Ann@Acme.io",
		"FirstName":           "Ann",
		"LastName":            "Lee",
		"Account.Name":        "Acme",
		"Account.Plan__c":     "Pro",
		"Account.ARR__c":      "250000",   // 250000.0
		"Account.LTV__c":      "15000000", // 1.5E7
		"Account.Products__c": "Chat;Voice",
		"Account.Industry":    "Software",
		"Signup_Date__c":      "2022-04-29",
		"CreatedDate":         "2026-09-15T09:00:00.000+0000",
		"Tech_Level__c":       "High",
		// Plan__c is null on Ann: absent. SystemModstamp is not mapped.
	}
	if !maps.Equal(ann.Fields, wantFields) || ann.Deleted {
		t.Errorf("Ann's fields:\n%v\nwant\n%v", ann.Fields, wantFields)
	}
	cy := records(batches)[2]
	if _, ok := cy.Fields["Account.Name"]; ok || cy.Fields["Plan__c"] != "Trial" {
		t.Errorf("Cy, without an Account: %v", cy.Fields)
	}

	var cp struct {
		V        int
		Contacts struct{ At time.Time }
		Accounts struct{ At time.Time }
		Deleted  struct{ At time.Time }
	}
	if err := json.Unmarshal([]byte(last(t, batches)), &cp); err != nil {
		t.Fatal(err)
	}
	now := o.clock.Now()
	if cp.V != 1 || !cp.Contacts.At.Equal(now) || !cp.Accounts.At.Equal(now) || !cp.Deleted.At.Equal(now) {
		t.Errorf("last checkpoint %s: want every watermark at %s", last(t, batches), now)
	}
}

func TestFullReadIgnoresCheckpointAndDeleted(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.check(o.Delete(s.cy))
	src := o.source(o.config())
	cp := last(t, o.mustRead(src, "", false))
	o.clock.Advance(time.Minute)
	got := refs(records(o.mustRead(src, cp, true)))
	if want := []string{"Contact " + s.ann, "Contact " + s.bob, "Contact " + s.dan, "Contact " + s.erin}; !slices.Equal(got, want) {
		t.Errorf("full read: %v, want %v", got, want)
	}
}

func TestIncrementalRead(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	src := o.source(o.config())
	cp := last(t, o.mustRead(src, "", false))

	// Nothing changed: nothing to read.
	if got := records(o.mustRead(src, cp, false)); len(got) != 0 {
		t.Fatalf("no change, yet read %v", refs(got))
	}

	o.clock.Advance(time.Minute)
	o.check(o.Update(s.ann, sandbox.Fields{"Email": "ann@new.io"}))
	o.clock.Advance(time.Minute)
	o.check(o.Update(s.globex, sandbox.Fields{"Plan__c": "Enterprise"})) // Bob and Dan change
	o.clock.Advance(time.Minute)
	o.check(o.Merge(s.bob, s.dan)) // Dan merged into Bob, Bob bumped
	o.clock.Advance(time.Minute)
	o.check(o.Delete(s.cy))
	o.clock.Advance(time.Minute)
	frank := o.must(o.InsertContact(sandbox.Fields{"LastName": "Fox", "Email": "frank@acme.io", "AccountId": s.acme}))
	o.clock.Advance(time.Minute)

	batches := o.mustRead(src, cp, false)
	want := []string{
		"Contact " + s.ann, "Contact " + s.bob, "Contact " + frank, // changed, by SystemModstamp
		// Globex's contacts: Bob, read again unchanged, is not emitted twice; Dan is merged away.
		"-Contact " + s.dan, "-Contact " + s.cy, // deleted, by SystemModstamp
	}
	recs := records(batches)
	if got := refs(recs); !slices.Equal(got, want) {
		t.Fatalf("read %v, want %v", got, want)
	}
	if recs[0].Fields["Email"] != "ann@new.io" || recs[1].Fields["Account.Plan__c"] != "Enterprise" {
		t.Errorf("changed values not read: %v, %v", recs[0].Fields, recs[1].Fields)
	}
	if recs[3].Fields["Email"] != "dan@globex.com" {
		t.Errorf("a deleted record keeps its fields, for the syncer to find its customer: %v", recs[3].Fields)
	}

	// And then nothing again.
	if got := records(o.mustRead(src, last(t, batches), false)); len(got) != 0 {
		t.Errorf("no change, yet read %v", refs(got))
	}
}

func TestIncrementalReadsContactsOfChangedAccounts(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 1}})
	s := o.seed()
	src := o.source(o.config())
	cp := last(t, o.mustRead(src, "", false))
	o.clock.Advance(time.Minute)
	o.check(o.Update(s.acme, sandbox.Fields{"Name": "Acme Corp"}))
	o.clock.Advance(time.Minute)

	batches := o.mustRead(src, cp, false)
	recs := records(batches)
	if got, want := refs(recs), []string{"Contact " + s.ann, "Contact " + s.erin}; !slices.Equal(got, want) {
		t.Fatalf("read %v, want Acme's contacts %v", got, want)
	}
	for _, r := range recs {
		if r.Fields["Account.Name"] != "Acme Corp" {
			t.Errorf("%s: Account.Name %q", r.Ref, r.Fields["Account.Name"])
		}
	}
	if got := records(o.mustRead(src, last(t, batches), false)); len(got) != 0 {
		t.Errorf("read again: %v", refs(got))
	}
}

func TestIncrementalWithoutAccountFieldsSkipsAccounts(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	cfg := o.config()
	cfg.Mapping = crm.MustParseMapping("test.yaml", []byte("fields:\n  email: Email\n"))
	src := o.source(cfg)
	cp := last(t, o.mustRead(src, "", false))
	o.clock.Advance(time.Minute)
	o.check(o.Update(s.acme, sandbox.Fields{"Name": "Acme Corp"}))
	o.clock.Advance(time.Minute)
	before := o.Stats().RequestsByRoute["GET /services/data/{version}/query"]
	if got := records(o.mustRead(src, cp, false)); len(got) != 0 {
		t.Errorf("read %v", refs(got))
	}
	// contacts changed (query), contacts deleted (queryAll): no Account query.
	if n := o.Stats().RequestsByRoute["GET /services/data/{version}/query"] - before; n != 1 {
		t.Errorf("%d queries, want 1", n)
	}
}

// errStop is what a failing emit returns.
var errStop = errors.New("store is down")

func TestResumeAfterEmitError(t *testing.T) {
	for _, tt := range []struct {
		name    string
		prepare func(o *org, s seeded) string // returns the checkpoint to read from
		want    func(s seeded) []string
	}{
		{
			name:    "full read",
			prepare: func(*org, seeded) string { return "" },
			want: func(s seeded) []string {
				return []string{"Contact " + s.ann, "Contact " + s.bob, "Contact " + s.cy, "Contact " + s.dan, "Contact " + s.erin}
			},
		},
		{
			name: "incremental read",
			prepare: func(o *org, s seeded) string {
				cp := last(o.t, o.mustRead(o.source(o.config()), "", false))
				for _, id := range []string{s.erin, s.cy, s.ann, s.dan} {
					o.clock.Advance(time.Second)
					o.check(o.Update(id, sandbox.Fields{"Title": "changed"}))
				}
				o.clock.Advance(time.Second)
				o.check(o.Delete(s.bob))
				o.clock.Advance(time.Second)
				return cp
			},
			want: func(s seeded) []string {
				return []string{"Contact " + s.erin, "Contact " + s.cy, "Contact " + s.ann, "Contact " + s.dan, "-Contact " + s.bob}
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2}})
			s := o.seed()
			from := tt.prepare(o, s)
			src := o.source(o.config())

			// The store takes the first batch, then fails.
			var stored []cohort.SourceRecord
			committed := from
			calls := 0
			err := src.Read(context.Background(), from, false, func(b crm.Batch) error {
				if calls++; calls > 1 {
					return errStop
				}
				stored = append(stored, b.Records...)
				committed = b.Checkpoint
				return nil
			})
			if err != errStop {
				t.Fatalf("Read returned %v, want the emit error itself", err)
			}
			if len(stored) != 2 {
				t.Fatalf("stored %d records before the failure, want 2", len(stored))
			}
			// The next run resumes from the committed checkpoint, with
			// neither gap nor repeat.
			stored = append(stored, records(o.mustRead(src, committed, false))...)
			if got, want := refs(stored), tt.want(s); !slices.Equal(got, want) {
				t.Errorf("stored %v, want %v", got, want)
			}
		})
	}
}

func TestChangeDuringFullReadIsReadNextTime(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{MaxBatchSize: 2}})
	s := o.seed()
	src := o.source(o.config())
	var cp string
	calls := 0
	err := src.Read(context.Background(), "", false, func(b crm.Batch) error {
		if calls++; calls == 1 {
			// Ann was read; she changes while the read goes on, and so does
			// Dan, not read yet.
			o.clock.Advance(time.Second)
			o.check(o.Update(s.ann, sandbox.Fields{"Title": "new"}))
			o.check(o.Update(s.dan, sandbox.Fields{"Title": "new"}))
		}
		cp = b.Checkpoint
		return nil
	})
	o.check(err)
	o.clock.Advance(time.Second)
	got := refs(records(o.mustRead(src, cp, false)))
	if want := []string{"Contact " + s.ann, "Contact " + s.dan}; !slices.Equal(got, want) {
		t.Errorf("next run read %v, want %v", got, want)
	}
}

func TestBadCheckpoint(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	src := o.source(o.config())
	for _, cp := range []string{"nonsense", `{"v":2}`, `{"v":1,"cursor":"x"}`} {
		if _, err := read(src, cp, false); err == nil || !strings.Contains(err.Error(), "run a full sync") {
			t.Errorf("checkpoint %s: %v, want an error saying to run a full sync", cp, err)
		}
	}
}

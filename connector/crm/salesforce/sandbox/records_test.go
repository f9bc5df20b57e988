package sandbox_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

// field returns the JSON of one field of the record id, read with queryAll.
func (o *org) field(id, object, field string) string {
	o.t.Helper()
	r := o.fetch(queryPath("queryAll", "SELECT "+field+" FROM "+object+" WHERE Id = '"+id+"'"))
	if len(r.Records) != 1 {
		o.t.Fatalf("%s %s: %d records", object, id, len(r.Records))
	}
	var m map[string]json.RawMessage
	json.Unmarshal(r.Records[0][strings.Split(field, ".")[0]], &m)
	if parts := strings.Split(field, "."); len(parts) == 2 {
		return string(m[parts[1]])
	}
	return string(r.Records[0][field])
}

func TestUpdateBumpsSystemModstamp(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(1234567 * time.Microsecond)
	if err := o.Update(s.ann, sandbox.Fields{"email": "ann@new.io", "FirstName": "", "ARR__c": nil}); err == nil {
		t.Fatal("Update accepted ARR__c, an Account field, on a Contact")
	}
	if err := o.Update(s.ann, sandbox.Fields{"email": "ann@new.io", "FirstName": ""}); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		"SystemModstamp":   `"2026-09-15T09:02:01.234+0000"`,
		"LastModifiedDate": `"2026-09-15T09:02:01.234+0000"`,
		"CreatedDate":      `"2026-09-15T09:00:00.000+0000"`,
		"Email":            `"ann@new.io"`,
		"FirstName":        `null`, // "" stores null
		"Name":             `"Lee"`,
	} {
		if got := o.field(s.ann, "Contact", field); got != want {
			t.Errorf("%s = %s, want %s", field, got, want)
		}
	}
}

func TestHookErrors(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	if err := o.Delete(s.globex); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"unknown field", func() error { return o.Update(s.ann, sandbox.Fields{"Churn__c": "x"}) }, `no field "Churn__c" on Contact`},
		{"read-only", func() error { return o.Update(s.ann, sandbox.Fields{"SystemModstamp": t0}) }, "read-only"},
		{"CreatedDate on update", func() error { return o.Update(s.ann, sandbox.Fields{"CreatedDate": t0}) }, "read-only"},
		{"wrong type", func() error { return o.Update(s.acme, sandbox.Fields{"ARR__c": "lots"}) }, "of type currency"},
		{"required missing", func() error { _, err := o.InsertContact(sandbox.Fields{"FirstName": "X"}); return err }, "LastName is missing"},
		{"required emptied", func() error { return o.Update(s.acme, sandbox.Fields{"Name": ""}) }, "Name cannot be empty"},
		{"deleted parent", func() error { return o.Update(s.ann, sandbox.Fields{"AccountId": s.globex}) }, "no live Account"},
		{"update deleted", func() error { return o.Update(s.bob, sandbox.Fields{"Title": "x"}) }, "entity is deleted"},
		{"delete unknown", func() error { return o.Delete("003RO0000000099AAA") }, "no such record"},
		{"undelete live", func() error { return o.Undelete(s.ann) }, "not deleted"},
		{"undelete contact of deleted account", func() error { return o.Undelete(s.bob) }, "undelete the Account"},
		{"merge across objects", func() error { return o.Merge(s.acme, s.ann) }, "is a Contact, not a Account"},
		{"merge too many", func() error { return o.Merge(s.ann, s.cy, s.cy, s.cy) }, "one or two records"},
		{"merge twice the same", func() error { return o.Merge(s.ann, s.cy, s.cy) }, "named twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDeleteAccountCascades(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(time.Second)
	if err := o.Delete(s.acme); err != nil {
		t.Fatal(err)
	}
	if got := o.fetch(queryPath("query", "SELECT Id FROM Contact")).ids(); !slices.Equal(got, []string{s.bob, s.cy}) {
		t.Errorf("after deleting Acme: %v, want bob and cy", got)
	}
	if got := o.field(s.ann, "Contact", "IsDeleted"); got != "true" {
		t.Errorf("ann IsDeleted = %s", got)
	}
	o.clock.Advance(time.Second)
	if err := o.Undelete(s.acme); err != nil {
		t.Fatal(err)
	}
	if got := o.fetch(queryPath("query", "SELECT Id FROM Contact")).ids(); !slices.Equal(got, []string{s.ann, s.bob, s.cy}) {
		t.Errorf("after undeleting Acme: %v, want all three", got)
	}
	if got := o.field(s.ann, "Contact", "SystemModstamp"); got != `"2026-09-15T09:02:02.000+0000"` {
		t.Errorf("ann SystemModstamp = %s, want the undelete's", got)
	}
}

func TestMergeAccounts(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	o.clock.Advance(time.Second)
	if err := o.Merge(s.acme, s.globex); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{s.ann: `"Acme"`, s.bob: `"Acme"`, s.cy: ``} {
		if got := o.field(id, "Contact", "Account.Name"); got != want {
			t.Errorf("%s Account.Name = %s, want %s", id, got, want)
		}
	}
	if got := o.field(s.bob, "Contact", "SystemModstamp"); got != `"2026-09-15T09:02:01.000+0000"` {
		t.Errorf("moved contact's SystemModstamp = %s", got)
	}
	if got := o.field(s.globex, "Account", "MasterRecordId"); got != `"`+s.acme+`"` {
		t.Errorf("loser's MasterRecordId = %s", got)
	}
	if got := o.field(s.acme, "Account", "SystemModstamp"); got != `"2026-09-15T09:02:01.000+0000"` {
		t.Errorf("master's SystemModstamp = %s", got)
	}
}

func TestEmptyRecycleBin(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	if err := o.Delete(s.cy); err != nil {
		t.Fatal(err)
	}
	o.EmptyRecycleBin()
	if got := o.fetch(queryPath("queryAll", "SELECT Id FROM Contact")).ids(); !slices.Equal(got, []string{s.ann, s.bob}) {
		t.Errorf("queryAll after purge: %v, want ann and bob", got)
	}
	if err := o.Undelete(s.cy); err == nil {
		t.Error("Undelete of a purged record succeeded")
	}
}

func TestCustomFields(t *testing.T) {
	o := startOrg(t, sandbox.Config{CustomFields: []sandbox.Field{{Object: sandbox.ObjectContact, Name: "Score__c", Type: sandbox.TypeDouble}}})
	id := o.must(o.InsertContact(sandbox.Fields{"LastName": "X", "Score__c": 0.5}))
	if got := o.field(id, "Contact", "Score__c"); got != "0.5" {
		t.Errorf("Score__c = %s", got)
	}
	if status, e := o.failure(queryPath("query", "SELECT Plan__c FROM Contact")); status != 400 || e.ErrorCode != "INVALID_FIELD" {
		t.Errorf("a default custom field the org lacks: %d %s, want 400 INVALID_FIELD", status, e.ErrorCode)
	}
	for _, bad := range [][]sandbox.Field{
		{{Object: "Lead", Name: "X__c", Type: sandbox.TypeString}},
		{{Object: sandbox.ObjectAccount, Name: "NoSuffix", Type: sandbox.TypeString}},
		{{Object: sandbox.ObjectAccount, Name: "Bad-Name__c", Type: sandbox.TypeString}},
		{{Object: sandbox.ObjectAccount, Name: "X__c", Type: sandbox.TypeReference}},
		{{Object: sandbox.ObjectAccount, Name: "X__c", Type: "blob"}},
		{{Object: sandbox.ObjectAccount, Name: "X__c", Type: sandbox.TypeString}, {Object: sandbox.ObjectAccount, Name: "x__c", Type: sandbox.TypeInt}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New accepted custom fields %+v", bad)
				}
			}()
			sandbox.New(sandbox.Config{CustomFields: bad})
		}()
	}
}

package sandbox_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestSOQLSubset(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	s := o.seed()
	ids := s.replacer()
	tests := []struct {
		name string
		soql string
		want string // ids in order, {name} for each, space-separated
	}{
		{"all", "SELECT Id FROM Contact", "{ann} {bob} {cy}"},
		{"keywords and names in any case", "select id from contact where email = 'ANN@ACME.IO'", "{ann}"},
		{"datetime Z", "SELECT Id FROM Contact WHERE SystemModstamp >= 2026-09-15T09:01:00Z", "{bob} {cy}"},
		{"datetime offset", "SELECT Id FROM Contact WHERE SystemModstamp > 2026-09-15T11:00:30+02:00", "{bob} {cy}"},
		{"datetime range", "SELECT Id FROM Contact WHERE SystemModstamp > 2026-09-15T09:00:00Z AND SystemModstamp <= 2026-09-15T09:01:00Z", "{bob}"},
		{"null differs from a value", "SELECT Id FROM Contact WHERE Email != 'ann@acme.io'", "{bob} {cy}"},
		{"<> is !=", "SELECT Id FROM Contact WHERE Email <> 'ann@acme.io'", "{bob} {cy}"},
		{"= null", "SELECT Id FROM Contact WHERE Email = null", "{cy}"},
		{"parent field", "SELECT Id FROM Contact WHERE Account.Name = 'Acme' OR Account.Name = 'Globex'", "{ann} {bob}"},
		{"parentheses", "SELECT Id FROM Contact WHERE (Email = NULL OR Account.Industry = 'Retail') AND LastName != 'Cy'", "{bob}"},
		{"IN on AccountId", "SELECT Id FROM Contact WHERE AccountId IN ('{acme}', '{globex}')", "{ann} {bob}"},
		{"IN on Id", "SELECT Id FROM Contact WHERE Id IN ('{bob}')", "{bob}"},
		{"order desc", "SELECT Id FROM Contact ORDER BY LastName DESC", "{bob} {ann} {cy}"},
		{"nulls first ascending", "SELECT Id FROM Contact ORDER BY Email", "{cy} {ann} {bob}"},
		{"nulls last descending", "SELECT Id FROM Contact ORDER BY Email DESC", "{bob} {ann} {cy}"},
		{"order by parent field, limit", "SELECT Id FROM Contact ORDER BY Account.Name DESC, LastName ASC LIMIT 2", "{bob} {ann}"},
		{"limit 0", "SELECT Id FROM Contact LIMIT 0", ""},
		{"boolean", "SELECT Id FROM Contact WHERE IsDeleted = FALSE ORDER BY SystemModstamp DESC", "{cy} {bob} {ann}"},
		{"currency", "SELECT Id FROM Account WHERE ARR__c >= 1000", "{acme}"},
		{"int", "SELECT Id FROM Account WHERE NumberOfEmployees < 50.5", "{acme}"},
		{"date", "SELECT Id FROM Contact WHERE Signup_Date__c = 2022-04-29", "{ann}"},
		{"escaped quote", `SELECT Id FROM Account WHERE Name != 'O\'Brien'`, "{acme} {globex}"},
		{"newlines", "SELECT Id\nFROM Account\nORDER BY Name DESC", "{globex} {acme}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := o.fetch(queryPath("query", ids.Replace(tt.soql)))
			if got, want := r.ids(), strings.Fields(ids.Replace(tt.want)); !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if r.TotalSize != len(r.Records) || !r.Done {
				t.Errorf("totalSize %d, done %v for %d records", r.TotalSize, r.Done, len(r.Records))
			}
		})
	}
}

func TestSOQLErrors(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	tests := []struct {
		name, soql, code, reason string
	}{
		{"no fields", "SELECT FROM Contact", "MALFORMED_QUERY", "unexpected token: 'FROM'"},
		{"no condition", "SELECT Id FROM Contact WHERE", "MALFORMED_QUERY", "unexpected token: '<EOF>'"},
		{"function", "SELECT COUNT() FROM Contact", "MALFORMED_QUERY", "unexpected token: '('"},
		{"offset", "SELECT Id FROM Contact OFFSET 10", "MALFORMED_QUERY", "unexpected token: 'OFFSET'"},
		{"like", "SELECT Id FROM Contact WHERE Email LIKE 'a%'", "MALFORMED_QUERY", "unexpected token: 'LIKE'"},
		{"not in", "SELECT Id FROM Contact WHERE Id NOT IN ('x')", "MALFORMED_QUERY", "unexpected token: 'NOT'"},
		{"subquery", "SELECT Id, (SELECT Id FROM Contacts) FROM Account", "MALFORMED_QUERY", "unexpected token: '('"},
		{"AND and OR mixed", "SELECT Id FROM Contact WHERE Email = 'a' AND LastName = 'b' OR LastName = 'c'", "MALFORMED_QUERY", "unexpected token: 'OR'"},
		{"fractional seconds", "SELECT Id FROM Contact WHERE SystemModstamp > 2026-01-01T00:00:00.000Z", "MALFORMED_QUERY", "fractional seconds"},
		{"unterminated string", "SELECT Id FROM Contact WHERE Email = 'ann", "MALFORMED_QUERY", "unterminated string literal"},
		{"bad escape", `SELECT Id FROM Contact WHERE Email = 'a\qb'`, "MALFORMED_QUERY", `Illegal character sequence '\q'`},
		{"duplicate field", "SELECT Id, Email, id FROM Contact", "MALFORMED_QUERY", "duplicate field selected: id"},
		{"limit not integer", "SELECT Id FROM Contact LIMIT 1.5", "MALFORMED_QUERY", "LIMIT must be a non-negative integer"},
		{"null with <", "SELECT Id FROM Contact WHERE Email > NULL", "MALFORMED_QUERY", "null can only be compared with = or !="},
		{"trailing tokens", "SELECT Id FROM Contact Contact", "MALFORMED_QUERY", "unexpected token: 'Contact'"},
		{"bad character", "SELECT Id FROM Contact WHERE Email = \"a\"", "MALFORMED_QUERY", `unexpected token: '"'`},
		{"quoted datetime", "SELECT Id FROM Contact WHERE SystemModstamp > '2026-01-01'", "INVALID_FIELD", "must be of type datetime and should not be enclosed in quotes"},
		{"unquoted string", "SELECT Id FROM Contact WHERE Email = 5", "INVALID_FIELD", "must be of type email and should be enclosed in quotes"},
		{"boolean as number", "SELECT Id FROM Contact WHERE IsDeleted = 1", "INVALID_FIELD", "must be of type boolean"},
		{"unknown column", "SELECT Id, Churn__c FROM Contact", "INVALID_FIELD", "No such column 'Churn__c' on entity 'Contact'"},
		{"unknown parent column", "SELECT Account.Churn__c FROM Contact", "INVALID_FIELD", "No such column 'Churn__c' on entity 'Account'"},
		{"unknown relationship", "SELECT Owner.Name FROM Contact", "INVALID_FIELD", "Didn't understand relationship 'Owner'"},
		{"two levels", "SELECT Account.Owner.Name FROM Contact", "INVALID_FIELD", "Didn't understand relationship 'Owner'"},
		{"relationship of Account", "SELECT Account.Name FROM Account", "INVALID_FIELD", "Didn't understand relationship 'Account'"},
		{"unknown column in ORDER BY", "SELECT Id FROM Contact ORDER BY Nope", "INVALID_FIELD", "No such column 'Nope'"},
		{"unknown column in WHERE", "SELECT Id FROM Contact WHERE Nope = 'x'", "INVALID_FIELD", "No such column 'Nope'"},
		{"unknown object", "SELECT Id FROM Lead", "INVALID_TYPE", "sObject type 'Lead' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, e := o.failure(queryPath("query", tt.soql))
			if status != http.StatusBadRequest || e.ErrorCode != tt.code || !strings.Contains(e.Message, tt.reason) {
				t.Errorf("got %d %s %q, want 400 %s containing %q", status, e.ErrorCode, e.Message, tt.code, tt.reason)
			}
		})
	}
}

func TestSOQLErrorPointsAtTheToken(t *testing.T) {
	o := startOrg(t, sandbox.Config{})
	_, e := o.failure(queryPath("query", "SELECT Id, Churn__c FROM Contact"))
	want := "\nSELECT Id, Churn__c FROM Contact\n           ^\nERROR at Row:1:Column:12\nNo such column 'Churn__c'"
	if !strings.HasPrefix(e.Message, want) {
		t.Errorf("message %q, want it to start %q", e.Message, want)
	}
	_, e = o.failure(v + "/query")
	if e.ErrorCode != "MALFORMED_QUERY" {
		t.Errorf("query without q: %s %q, want MALFORMED_QUERY", e.ErrorCode, e.Message)
	}
}

func TestSOQLFractionalSecondsKnob(t *testing.T) {
	o := startOrg(t, sandbox.Config{FractionalSeconds: true})
	s := o.seed()
	r := o.fetch(queryPath("query", "SELECT Id FROM Contact WHERE SystemModstamp > 2026-09-15T09:01:59.999Z"))
	if got := r.ids(); !slices.Equal(got, []string{s.cy}) {
		t.Errorf("got %v, want [cy]", got)
	}
}

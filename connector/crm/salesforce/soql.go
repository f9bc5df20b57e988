package salesforce

import (
	"strings"
	"time"
)

// The SOQL the source runs. Datetime literals are unquoted, in UTC, to the
// second: whether Salesforce takes fractional seconds is not documented, so
// watermarks are truncated and compared with >=, and the overlap skipped
// (see run.stream).

// selectList returns the SELECT list of Contact queries: the mapping's
// fields, then Id and SystemModstamp unless the mapping names them, each
// once whatever its case (Salesforce refuses a field selected twice).
func selectList(fields []string) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range append(fields, "Id", "SystemModstamp") {
		if k := strings.ToLower(f); !seen[k] {
			seen[k] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

// byModstamp orders a query so that a watermark can follow it.
const byModstamp = " ORDER BY SystemModstamp, Id"

// allContacts reads every live Contact.
func allContacts(fields string) string {
	return "SELECT " + fields + " FROM Contact" + byModstamp
}

// contactsSince reads the live Contacts changed since t, or every one when
// t is zero.
func contactsSince(fields string, t time.Time) string {
	if t.IsZero() {
		return allContacts(fields)
	}
	return "SELECT " + fields + " FROM Contact WHERE SystemModstamp >= " + datetime(t) + byModstamp
}

// accountsSince reads the ids of the Accounts changed since t.
func accountsSince(t time.Time) string {
	return "SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp >= " + datetime(t) + byModstamp
}

// contactsOf reads the live Contacts of the given Accounts.
func contactsOf(fields string, accountIDs []string) string {
	quoted := make([]string, len(accountIDs))
	for i, id := range accountIDs {
		quoted[i] = quote(id)
	}
	return "SELECT " + fields + " FROM Contact WHERE AccountId IN (" + strings.Join(quoted, ", ") + ")" + byModstamp
}

// deletedSince reads, with queryAll, the Contacts deleted (or merged away)
// since t.
func deletedSince(fields string, t time.Time) string {
	return "SELECT " + fields + " FROM Contact WHERE IsDeleted = TRUE AND SystemModstamp >= " + datetime(t) + byModstamp
}

// datetime writes t as a SOQL datetime literal, truncated to the second:
// 2026-09-15T09:00:00Z.
func datetime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

// quote writes s as a SOQL string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

package zendeskusers

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort"
	zd "github.com/nukosuke/go-zendesk/zendesk"
)

// Prefixes of the source fields taken from custom fields and from the
// user's organization.
const (
	userFieldPrefix = "user_fields."
	orgPrefix       = "organization."
	orgFieldPrefix  = "organization.organization_fields."
)

// record makes u's record, with o's fields if the user has an
// organization. Empty values are left out.
func record(u zd.User, o *org) cohort.SourceRecord {
	f := map[string]string{}
	set := func(name, v string) {
		if v != "" {
			f[name] = v
		}
	}
	set("id", idText(u.ID))
	set("email", u.Email)
	set("name", u.Name)
	set("external_id", u.ExternalID)
	if !u.CreatedAt.IsZero() {
		set("created_at", u.CreatedAt.UTC().Format(time.RFC3339))
	}
	set("tags", strings.Join(u.Tags, ";"))
	for k, v := range fieldTexts(u.UserFields) {
		set(userFieldPrefix+k, v)
	}
	if o != nil {
		set(orgPrefix+"id", idText(o.id))
		set(orgPrefix+"name", o.name)
		set(orgPrefix+"external_id", o.externalID)
		for k, v := range o.fields {
			set(orgFieldPrefix+k, v)
		}
	}
	return cohort.SourceRecord{Ref: "user " + idText(u.ID), Fields: f, Deleted: !u.Active}
}

// idText writes an id in decimal.
func idText(id int64) string { return strconv.FormatInt(id, 10) }

// fieldTexts writes custom field values as text.
func fieldTexts(fields map[string]any) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = fieldText(v)
	}
	return out
}

// fieldText writes a custom field value as cohort.SourceRecord wants it: numbers as
// Zendesk wrote them, booleans as true or false, a multiselect's options
// joined by ";", null as "".
func fieldText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case []any:
		parts := make([]string, 0, len(v))
		for _, item := range v {
			if t := fieldText(item); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, ";")
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

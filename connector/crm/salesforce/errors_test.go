package salesforce_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/connector/crm/salesforce"
	"github.com/cohortdesk/cohort/connector/crm/salesforce/sandbox"
)

func TestServerErrorsRetried(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{Unavailable: 2}})
	o.seed()
	if got := records(o.mustRead(o.source(o.config()), "", false)); len(got) != 5 {
		t.Errorf("read %d records, want 5", len(got))
	}
	if n := o.Stats().Faults; n != 2 {
		t.Errorf("%d faults served, want 2", n)
	}
}

func TestServerErrorsOutlastRetries(t *testing.T) {
	o := startOrg(t, sandbox.Config{Faults: sandbox.Faults{ErrorRate: 1, Seed: 1}})
	cfg := o.config()
	cfg.RetryMax = 2
	_, err := read(o.source(cfg), "", false)
	if err == nil || cohort.KindOf(err) != cohort.KindUnavailable || !strings.Contains(err.Error(), "503 SERVER_UNAVAILABLE") {
		t.Fatalf("got %v, want an unavailable error naming 503 SERVER_UNAVAILABLE", err)
	}
	if n := o.Stats().Faults; n != 3 {
		t.Errorf("%d requests, want 3: one and two retries", n)
	}
}

func TestRequestLimitExceeded(t *testing.T) {
	o := startOrg(t, sandbox.Config{DailyLimit: 2, Faults: sandbox.Faults{MaxBatchSize: 2}})
	o.seed()
	batches, err := read(o.source(o.config()), "", false)
	if err == nil || cohort.KindOf(err) != cohort.KindUnavailable {
		t.Fatalf("got %v, want an unavailable error", err)
	}
	for _, want := range []string{"read all contacts", "403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.",
		"(api-usage=2/2)", "daily API request limit is used up"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(records(batches)) != 4 {
		t.Errorf("%d records emitted before the limit, want 4", len(records(batches)))
	}
	if n := o.Stats().Responses[http.StatusForbidden]; n != 1 {
		t.Errorf("%d 403s, want 1: no retry", n)
	}
}

func TestMappingNamesMissingField(t *testing.T) {
	for _, tt := range []struct {
		name    string
		org     sandbox.Config
		mapping *crm.Mapping
		want    string
	}{
		{
			name:    "custom mapping",
			mapping: crm.MustParseMapping("m.yaml", []byte("fields:\n  email: Email\nattrs:\n  risk: Account.Churn_Risk__c\n")),
			want:    "No such column 'Churn_Risk__c' on entity 'Account'",
		},
		{
			name: "default mapping, org without the custom fields",
			org:  sandbox.Config{CustomFields: []sandbox.Field{}},
			want: "No such column",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := startOrg(t, tt.org)
			cfg := o.config()
			cfg.Mapping = tt.mapping
			_, err := read(o.source(cfg), "", false)
			if err == nil || cohort.KindOf(err) != cohort.KindInvalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			for _, want := range []string{"400 INVALID_FIELD", tt.want, "the mapping names a field the org does not have"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "ERROR at Row") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q keeps Salesforce's query echo", err)
			}
			if n := o.Stats().Responses[http.StatusBadRequest]; n != 1 {
				t.Errorf("%d 400s, want 1: no retry", n)
			}
		})
	}
}

func TestNewChecksConfig(t *testing.T) {
	valid := salesforce.Config{ClientID: "id", ClientSecret: "s3cr3t-value", RefreshToken: "r3fr3sh-value"}
	tests := []struct {
		name   string
		change func(*salesforce.Config)
		want   string // "" for success
	}{
		{"refresh-token flow", func(*salesforce.Config) {}, ""},
		{"static token", func(c *salesforce.Config) {
			*c = salesforce.Config{AccessToken: "t", InstanceURL: "https://acme.my.salesforce.com/"}
		}, ""},
		{"no credentials", func(c *salesforce.Config) { *c = salesforce.Config{} }, "no credentials: set AccessToken"},
		{"token without instance", func(c *salesforce.Config) { *c = salesforce.Config{AccessToken: "t"} }, "InstanceURL is required with AccessToken"},
		{"client id without secret", func(c *salesforce.Config) { c.ClientSecret = "" }, "ClientSecret is required with ClientID"},
		{"refresh token without client", func(c *salesforce.Config) {
			*c = salesforce.Config{AccessToken: "t", InstanceURL: "https://x.my.salesforce.com", RefreshToken: "r"}
		}, "ClientID is required"},
		{"bad version", func(c *salesforce.Config) { c.APIVersion = "63.0" }, `APIVersion "63.0": want the form v63.0`},
		{"bad login URL", func(c *salesforce.Config) { c.LoginURL = "login.salesforce.com" }, `LoginURL "login.salesforce.com": want a base URL`},
		{"URL with a path", func(c *salesforce.Config) { c.InstanceURL = "https://x.my.salesforce.com/services/data" }, "InstanceURL"},
		{"batch size", func(c *salesforce.Config) { c.BatchSize = 100 }, "BatchSize 100: want 200 to 2000"},
		{"mapping field", func(c *salesforce.Config) {
			c.Mapping = crm.MustParseMapping("m.yaml", []byte("fields:\n  email: \"Email; DROP\"\n"))
		}, `the mapping names "Email; DROP", which is not a Salesforce field`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.change(&cfg)
			src, err := salesforce.New(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want == "" && src.Name() != "salesforce":
				t.Errorf("Name() = %q", src.Name())
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || cohort.KindOf(err) != cohort.KindInvalid):
				t.Errorf("New: %v, want an invalid error containing %q", err, tt.want)
			}
			if err != nil {
				leaks(t, err, "s3cr3t-value", "r3fr3sh-value")
			}
		})
	}
}

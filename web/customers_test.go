package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/connector/crm/csv"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/web"
)

const pushToken = "push-token"

func newPushServer(t *testing.T, db *store.DB) *httptest.Server {
	t.Helper()
	set, err := rules.Parse("segments.yaml", []byte(`
segments:
  - name: enterprise
    when: customer.plan == "enterprise" || customer.attrs["tier"] == "gold"
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{
		Ping:      db.Ping,
		Customers: &crmsync.Pusher{DB: db, Mapping: csv.DefaultMapping(), Rules: func() *rules.Set { return set }},
		PushToken: pushToken,
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts
}

func push(t *testing.T, url, token, body string) (*http.Response, cohort.PushResult) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/api/v1/customers", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res cohort.PushResult
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatal(err)
		}
	}
	return resp, res
}

func TestPushCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ts := newPushServer(t, db)
		resp, res := push(t, ts.URL, pushToken, `{"customers": [
			{"email": "Ann@Acme.example", "external_id": "crm-1", "name": "Ann", "plan": "Enterprise",
			 "arr": 120000, "ltv": 480000.5, "signup_date": "2021-03-04", "products": ["payments-api", "dashboard"],
			 "tech_level": "advanced", "attrs": {"region": "eu-west"}},
			{"email": "bob@beta.example", "tier": "gold"},
			{"email": "not-an-email"},
			{"external_id": "crm-9", "arr": "lots"},
			{"name": "nobody"}
		]}`)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if res.Inserted != 2 || res.Rejected != 3 {
			t.Fatalf("result = %+v", res)
		}
		wantRejects := map[int][2]string{2: {"email", "not an email"}, 3: {"arr", "not a non-negative number"}, 4: {"", "needs an email or an external_id"}}
		for i, want := range wantRejects {
			r := res.Records[i]
			if r.Outcome != "rejected" || r.Field != want[0] || !strings.Contains(r.Reason, want[1]) {
				t.Errorf("record %d = %+v, want %v", i, r, want)
			}
		}
		ctx := context.Background()
		ann, _, err := db.FindCustomer(ctx, cohort.CustomerQuery{ExternalID: "crm-1"})
		if err != nil || ann == nil || ann.Email != "ann@acme.example" || ann.Plan != "enterprise" || ann.LTV != 480000.5 ||
			strings.Join(ann.Products, ";") != "payments-api;dashboard" || ann.Attrs["region"] != "eu-west" {
			t.Errorf("ann = %+v, %v", ann, err)
		}
		// Membership was computed before the answer: a custom attribute
		// made bob enterprise too.
		members, _, _, err := db.SegmentCounts(ctx)
		if err != nil || members["enterprise"] != 2 {
			t.Errorf("members = %v, %v", members, err)
		}

		// Again: unchanged; a change updates; deleted removes.
		_, res = push(t, ts.URL, pushToken, `{"customers": [{"email": "bob@beta.example", "tier": "gold"},
			{"email": "ann@acme.example", "external_id": "crm-1", "plan": "pro"},
			{"email": "bob@beta.example", "deleted": true}]}`)
		if res.Unchanged != 1 || res.Updated != 1 || res.Deleted != 1 {
			t.Errorf("second push = %+v", res)
		}
		if n, _ := db.CountCustomers(ctx); n != 1 {
			t.Errorf("customers = %d, want 1", n)
		}
	})
}

func TestPushRefusesBadRequests(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ts := newPushServer(t, db)
	tests := []struct {
		name, token, body string
		status            int
	}{
		{"no token", "", `{"customers": []}`, http.StatusUnauthorized},
		{"wrong token", "nope", `{"customers": []}`, http.StatusUnauthorized},
		{"not json", pushToken, `{"customers": [`, http.StatusBadRequest},
		{"no customers key", pushToken, `{"people": []}`, http.StatusBadRequest},
		{"too many", pushToken, `{"customers": [` + strings.Repeat(`{"email":"a@b.example"},`, web.MaxPushRecords) + `{}]}`, http.StatusBadRequest},
		{"empty batch", pushToken, `{"customers": []}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := push(t, ts.URL, tt.token, tt.body)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	off := httptest.NewServer(web.New(web.Config{Ping: db.Ping}))
	defer off.Close()
	if resp, _ := push(t, off.URL, pushToken, `{"customers": []}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("push without a token configured: status %d, want 404", resp.StatusCode)
	}
}

// TestCustomerProfile: GET /api/v1/customers shows the merged customer,
// which source each field came from, and each source's record; a pushed
// value outranks the CSV's.
func TestCustomerProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "csv"}, []cohort.Customer{
			{Email: "ann@acme.example", ExternalID: "crm-1", Name: "Ann Lee", Plan: "pro", ARR: 1000, Attrs: map[string]string{"region": "eu"}},
		}); err != nil {
			t.Fatal(err)
		}
		srv := web.New(web.Config{
			Ping: db.Ping, AdminToken: "admin-token", Profiles: db, PushToken: pushToken,
			Customers: &crmsync.Pusher{DB: db, Mapping: csv.DefaultMapping(), Rules: func() *rules.Set { return &rules.Set{} }},
		})
		ts := httptest.NewServer(srv)
		defer ts.Close()
		if resp, res := push(t, ts.URL, pushToken, `{"customers": [{"external_id": "crm-1", "plan": "enterprise"}]}`); resp.StatusCode != http.StatusOK || res.Inserted != 1 {
			t.Fatalf("push: %d %+v", resp.StatusCode, res)
		}
		get := func(query, token string) (int, map[string]any) {
			return getJSON(t, ts.URL+"/api/v1/customers?"+query, token)
		}
		status, body := get("email=Ann@Acme.example", "admin-token")
		customer, _ := body["customer"].(map[string]any)
		sources, _ := body["sources"].(map[string]any)
		records, _ := body["records"].([]any)
		if status != http.StatusOK || customer["plan"] != "enterprise" || customer["name"] != "Ann Lee" ||
			sources["plan"] != "push" || sources["name"] != "csv" || sources["attrs.region"] != "csv" || len(records) != 2 {
			t.Fatalf("profile: %d %v", status, body)
		}
		first, _ := records[0].(map[string]any)
		if first["source"] != "push" || first["arr"] != nil || first["plan"] != "enterprise" {
			t.Errorf("push's record = %v; want it first, with no ARR", first)
		}
		if status, body := get("external_id=nobody", "admin-token"); status != http.StatusNotFound || body["error"] == nil {
			t.Errorf("unknown customer: %d %v", status, body)
		}
		if status, _ := get("", "admin-token"); status != http.StatusBadRequest {
			t.Errorf("no key: %d", status)
		}
		if status, _ := get("email=ann@acme.example", "wrong"); status != http.StatusUnauthorized {
			t.Errorf("wrong token: %d", status)
		}
	})
}

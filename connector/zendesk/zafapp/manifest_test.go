package zafapp_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

func TestLocationJSON(t *testing.T) {
	yes := true
	for _, tt := range []struct {
		name, in string
		want     zafapp.Location
		err      string
	}{
		{"a bare URL", `"https://cohort.example.com/app"`, zafapp.Location{URL: "https://cohort.example.com/app"}, ""},
		{"an object", `{"url":"assets/iframe.html","flexible":true,"autoLoad":false,"autoHide":true,"signed":true,"size":{"height":"200px"}}`,
			zafapp.Location{URL: "assets/iframe.html", Flexible: &yes, AutoLoad: new(false), AutoHide: &yes, Signed: &yes}, ""},
		{"no url", `{"autoLoad":false}`, zafapp.Location{AutoLoad: new(false)}, ""},
		{"a flag that is not a boolean", `{"url":"assets/x.html","signed":"yes"}`, zafapp.Location{}, `signed: "yes" is not true or false`},
		{"a url that is not a string", `{"url":["a"]}`, zafapp.Location{}, `url: ["a"] is not a string`},
		{"a number", `7`, zafapp.Location{}, "7 is not a URL or an object with a url"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var l zafapp.Location
			err := json.Unmarshal([]byte(tt.in), &l)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("got %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonOf(t, l), jsonOf(t, tt.want); string(got) != string(want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	// Written back, a location is always an object.
	var l zafapp.Location
	if err := json.Unmarshal([]byte(`"https://cohort.example.com/app"`), &l); err != nil {
		t.Fatal(err)
	}
	if got := string(jsonOf(t, l)); got != `{"url":"https://cohort.example.com/app"}` {
		t.Errorf("marshaled: %s", got)
	}
}

func TestManifestIsPrivate(t *testing.T) {
	for _, tt := range []struct {
		private *bool
		want    bool
	}{{nil, true}, {new(true), true}, {new(false), false}} {
		if got := (&zafapp.Manifest{Private: tt.private}).IsPrivate(); got != tt.want {
			t.Errorf("private %v: IsPrivate() = %v", tt.private, got)
		}
	}
}

func TestManifestLocationForAndSigned(t *testing.T) {
	m := &zafapp.Manifest{SignedURLs: true, Location: map[string]map[string]zafapp.Location{
		"support": {"ticket_sidebar": {URL: "https://x.example.com/a"}, "nav_bar": {URL: "assets/nav.html", Signed: new(false)}},
	}}
	sidebar, ok := m.LocationFor("support", "ticket_sidebar")
	if !ok || sidebar.URL != "https://x.example.com/a" || !m.Signed(sidebar) {
		t.Errorf("ticket_sidebar: %+v, %v, signed %v", sidebar, ok, m.Signed(sidebar))
	}
	if nav, _ := m.LocationFor("support", "nav_bar"); m.Signed(nav) {
		t.Error("nav_bar says signed:false, but Signed is true")
	}
	if _, ok := m.LocationFor("chat", "chat_sidebar"); ok {
		t.Error("a location the manifest lacks is found")
	}
	m.SignedURLs = false
	if m.Signed(sidebar) {
		t.Error("Signed without signedUrls or signed")
	}
	if m.Signed(zafapp.Location{Signed: new(true)}) != true {
		t.Error(`"signed": true is not signed`)
	}
}

// TestManifestJSONTags: the json tags name the keys the package reads, so
// a Manifest written by json.Marshal reads back the same.
func TestManifestJSONTags(t *testing.T) {
	read := func(manifest []byte) zafapp.Manifest {
		t.Helper()
		data, err := (&zafapp.Package{Files: map[string][]byte{"manifest.json": manifest}}).Zip()
		if err != nil {
			t.Fatal(err)
		}
		p, err := zafapp.ReadZip(data)
		if err != nil {
			t.Fatal(err)
		}
		return p.Manifest
	}
	// Every field set, none at its zero value.
	m := read([]byte(`{"name":"n","author":{"name":"a","email":"a@example.com","url":"https://a.example.com"},
		"defaultLocale":"en","private":false,"version":"1.0","frameworkVersion":"2.0","signedUrls":true,
		"singleInstall":true,"requirementsOnly":true,"marketingOnly":true,"domainWhitelist":["x.example.com"],
		"location":{"support":{"ticket_sidebar":{"url":"https://x.example.com/a","flexible":true,"autoLoad":false,"autoHide":true,"signed":false}}},
		"parameters":[{"name":"p","type":"text","required":true,"secure":true,"default":"d","scopes":["header"],"allowed_domain":"x.example.com"}]}`))
	if again := read(jsonOf(t, m)); !reflect.DeepEqual(again, m) {
		t.Errorf("read back %+v\nwant %+v", again, m)
	}
}

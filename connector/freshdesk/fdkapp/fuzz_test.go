package fdkapp_test

import (
	"testing"

	"github.com/cohortdesk/cohort/connector/freshdesk/fdkapp"
)

// FuzzReadZip: whatever bytes an upload holds, ReadZip returns an app or
// an error, and Check and Zip of an app it returns do not fail or panic,
// and every problem has a message.
func FuzzReadZip(f *testing.F) {
	valid, err := validApp().pkg(f).Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	broken, err := (&fdkapp.Package{Files: map[string][]byte{
		"manifest.json":        []byte(`{"platform-version":3,"modules":{"support_ticket":{"location":{"ticket_sidebar":{"url":"../x","icon":7}},"requests":[]}},"engines":[]}`),
		"config/iparams.json":  []byte(`{"a":{"type":"dropdown","options":{},"events":[{"change":"(("}]},"":1}`),
		"config/requests.json": []byte(`{"a b":{"schema":{"host":"<%= iparam.a %>/<%","path":7,"headers":{"<%":1}},"options":{"retryDelay":-1}}}`),
		"app/x.svg":            []byte(`<?xml`), "app/index.html": []byte(`invokeTemplate("zz")`)}}).Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(broken)
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := fdkapp.ReadZip(data)
		if err != nil {
			return
		}
		for _, problem := range p.Check() {
			if problem.Message == "" {
				t.Errorf("a problem with no message: %#v", problem)
			}
		}
		if _, err := p.Zip(); err != nil {
			t.Error(err)
		}
	})
}

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
	f.Add(zipOf(f,
		entry("manifest.json", `{"platform-version":3,"modules":{"support_ticket":{"location":{"ticket_sidebar":{"url":"../x","icon":7}},"requests":[]}},"engines":[]}`),
		entry("config/iparams.json", `{"a":{"type":"dropdown","options":{},"events":[{"change":"(("}]},"":1}`),
		entry("config/requests.json", `{"a b":{"schema":{"host":"<%= iparam.a %>/<%","path":7,"headers":{"<%":1}},"options":{"retryDelay":-1}}}`),
		entry("app/x.svg", `<?xml`), entry("app/index.html", `invokeTemplate("zz")`)))
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

package macros_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/yamlfile"
	"github.com/cohortdesk/cohort/macros"
)

// FuzzParse reads any macro file: a problem is a yamlfile.ErrorList with
// lines; what loads has keys.
func FuzzParse(f *testing.F) {
	f.Add([]byte(macroA + macroB))
	f.Add([]byte("key: solo\ntitle: Solo\nsegments: [a]\nactions: {status: pending, add_tags: [x]}\n"))
	f.Add([]byte("- key: x\n  title: \"\"\n---\n- key: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := macros.Parse(macros.File{Name: "fuzz.yaml", Data: data})
		if err != nil {
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is not a non-empty ErrorList: %v", err)
			}
			return
		}
		for _, m := range set.Macros {
			if m.Key == "" {
				t.Fatalf("a macro without a key: %+v", m)
			}
		}
	})
}

// FuzzRender renders any comment body: it never panics, a body it cannot
// render fully comes back as it was, and one without placeholders comes
// back unchanged. (A body of placeholders alone may render to nothing: a
// requester with no name.)
func FuzzRender(f *testing.F) {
	f.Add("Hi {{ticket.requester.first_name}}, about {{ticket.title}} (#{{ticket.id}})", "Ana Lima")
	f.Add("{{ticket.requester.name | upcase}} {{ {{ }} }}", "")
	f.Add("{{current_user.name}}{{", "x")
	f.Fuzz(func(t *testing.T, body, name string) {
		tk := &cohort.Ticket{ID: 7, Subject: name, Requester: cohort.Requester{Name: name, Email: "a@b.example"}}
		out, ok := macros.Render(body, tk, &cohort.Customer{Name: name, Plan: "pro"})
		if !ok && out != body {
			t.Fatalf("could not render %q, yet changed it to %q", body, out)
		}
		if !strings.Contains(body, "{{") && out != body {
			t.Fatalf("rendered %q, which has no placeholder, to %q", body, out)
		}
	})
}

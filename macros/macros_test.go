package macros_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/yamlfile"
	"github.com/cohortdesk/cohort/macros"
)

const validMacro = `key: enterprise_escalation_path
title: "Enterprise: escalation path"
description: Named escalation path for key accounts
segments: [enterprise]
escalations: [outage]
auto: true
actions:
  comment:
    body: |
      Escalation path for {{ticket.organization.name}}: page the account's engineer.
    public: false
  add_tags: [escalation_path]
  priority: high
  status: open
  type: incident
  group_id: 42
`

func TestParseValid(t *testing.T) {
	set, err := macros.Parse(macros.File{Name: "enterprise.yaml", Data: []byte(validMacro)},
		macros.File{Name: "more.yaml", Data: []byte(`
- key: technical_deep_dive
  title: Technical deep dive
  segments: [technical]
  actions: {comment: {body: "Logs please, {{ticket.requester.first_name}}.", public: true}}
- key: basic_step_by_step
  title: Step by step
  segments: [basic]
  actions: {add_tags: [guided]}
`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Macros) != 3 {
		t.Fatalf("%d macros", len(set.Macros))
	}
	m := set.Get("enterprise_escalation_path")
	want := cohort.MacroActions{Comment: "Escalation path for {{ticket.organization.name}}: page the account's engineer.",
		AddTags: []string{"escalation_path"}, Priority: cohort.PriorityHigh, Status: "open", Type: "incident", GroupID: 42}
	if m == nil || !m.Auto || m.Title != "Enterprise: escalation path" || m.Line != 1 || m.File != "enterprise.yaml" ||
		m.Actions.Comment != want.Comment || m.Actions.Priority != want.Priority || m.Actions.Status != "open" ||
		m.Actions.Type != "incident" || m.Actions.GroupID != 42 || m.Actions.Public {
		t.Errorf("macro = %+v", m)
	}
	if d := set.Get("technical_deep_dive"); d == nil || d.Auto || !d.Actions.Public || d.Line != 2 {
		t.Errorf("deep dive = %+v", d)
	}
}

func TestParseErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"not yaml", "key: [oops", `m.yaml:1: not valid YAML`},
		{"empty", "", `m.yaml: file is empty`},
		{"missing key", "title: x\nsegments: [a]\nactions: {priority: high}\n", `m.yaml:1: macro: missing key`},
		{"bad key", "key: Big Key\ntitle: x\nsegments: [a]\nactions: {priority: high}\n", `m.yaml:1: macro "Big Key": key must be lowercase`},
		{"no title", "key: k\nsegments: [a]\nactions: {priority: high}\n", `m.yaml:1: macro "k": missing title`},
		{"serves no one", "key: k\ntitle: x\nactions: {priority: high}\n", `m.yaml:1: macro "k": serves no one`},
		{"unknown key", "key: k\ntitle: x\nsegments: [a]\nowner: me\nactions: {priority: high}\n", `m.yaml:4: macro "k": unknown key "owner"`},
		{"bad priority", "key: k\ntitle: x\nsegments: [a]\nactions:\n  priority: hgh\n", `m.yaml:5: macro "k": priority: "hgh" is not one of low, normal, high, urgent`},
		{"closed status", "key: k\ntitle: x\nsegments: [a]\nactions:\n  status: closed\n", `m.yaml:5: macro "k": status: "closed" is not one of open, pending, hold, solved`},
		{"bad type", "key: k\ntitle: x\nsegments: [a]\nactions:\n  type: bug\n", `m.yaml:5: macro "k": type: "bug" is not one of problem`},
		{"bad group", "key: k\ntitle: x\nsegments: [a]\nactions:\n  group_id: sales\n", `m.yaml:5: macro "k": group_id: "sales" is not a group id`},
		{"auto not bool", "key: k\ntitle: x\nsegments: [a]\nauto: sometimes\nactions: {priority: high}\n", `m.yaml:4: macro "k": auto: want true or false`},
		{"public not bool", "key: k\ntitle: x\nsegments: [a]\nactions:\n  comment:\n    body: hi\n    public: \"yes\"\n", `m.yaml:7: macro "k": comment: public: want true`},
		{"comment without body", "key: k\ntitle: x\nsegments: [a]\nactions:\n  comment: {public: true}\n", `m.yaml:5: macro "k": comment: missing body`},
		{"no actions", "key: k\ntitle: x\nsegments: [a]\n", `m.yaml:1: macro "k": missing actions:`},
		{"empty actions", "key: k\ntitle: x\nsegments: [a]\nactions: {}\n", `m.yaml:4: macro "k": actions: empty`},
		{"tag with a space", "key: k\ntitle: x\nsegments: [a]\nactions:\n  add_tags: [two words]\n", `m.yaml:5: macro "k": add_tags: "two words" must be one word`},
		{"bad segment name", "key: k\ntitle: x\nsegments: [Enterprise]\nactions: {priority: high}\n", `m.yaml:3: macro "k": segments: "Enterprise" is not a segment name`},
		{"unclosed placeholder", "key: k\ntitle: x\nsegments: [a]\nactions:\n  comment:\n    body: \"Hi {{ticket.requester.name\"\n", `m.yaml:6: macro "k": comment: placeholder "{{ticket.requester.name" is not closed`},
		{"cohort-only placeholder", "key: k\ntitle: x\nsegments: [a]\nactions:\n  comment:\n    body: \"Your plan: {{customer.plan}}\"\n", `m.yaml:6: macro "k": comment: placeholder {{customer.plan}} is not a Zendesk placeholder`},
		{"duplicate key", "- key: k\n  title: x\n  segments: [a]\n  actions: {priority: high}\n- key: k\n  title: y\n  segments: [a]\n  actions: {priority: low}\n", `m.yaml:5: macro "k": key already used at m.yaml:1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := macros.Parse(macros.File{Name: "m.yaml", Data: []byte(tt.file)})
			var list yamlfile.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("err = %v, want an ErrorList", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadReadsTheFolderInNameOrder(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"b.yaml": "key: second\ntitle: B\nsegments: [a]\nactions: {priority: low}\n",
		"a.yml":  "key: first\ntitle: A\nsegments: [a]\nactions: {priority: low}\n",
		"c.txt":  "not a macro",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	set, err := macros.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Macros) != 2 || set.Macros[0].Key != "first" || set.Macros[1].Key != "second" {
		t.Errorf("macros = %+v", set.Macros)
	}
	if _, err := macros.Load(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "macros folder") {
		t.Errorf("missing folder: %v", err)
	}
}

const segmentsYAML = `segments:
  - name: enterprise
    when: customer.plan == "enterprise"
    macros: [listed_in_segments]
  - name: technical
    when: customer.tech_level == "advanced"
escalations:
  - name: outage
    when: ticket.subject contains "down"
    priority: urgent
`

func mustRules(t *testing.T, yaml string) *rules.Set {
	t.Helper()
	set, err := rules.Parse("segments.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestBindLinksAndChecksAgainstTheSegments(t *testing.T) {
	set, err := macros.Parse(macros.File{Name: "m.yaml", Data: []byte(`
- key: listed_in_segments
  title: Listed in segments.yaml
  segments: [technical]
  auto: true
  actions: {add_tags: [listed]}
- key: outage_bridge
  title: Outage bridge
  escalations: [outage]
  auto: true
  actions: {comment: {body: "Bridge opened", public: false}}
- key: tech_suggested
  title: Suggested only
  segments: [technical]
  actions: {priority: high}
`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Bind(mustRules(t, segmentsYAML)); err != nil {
		t.Fatal(err)
	}
	if m := set.Get("listed_in_segments"); len(m.Segments) != 2 {
		t.Errorf("a macro a segment lists serves it: %v", m.Segments)
	}
	keys := func(ms []*macros.Macro) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Key)
		}
		return strings.Join(out, ",")
	}
	if got := keys(set.Auto("enterprise", nil)); got != "listed_in_segments" {
		t.Errorf("auto for enterprise: %s", got)
	}
	if got := keys(set.Auto("basic", []string{"outage"})); got != "outage_bridge" {
		t.Errorf("auto for an outage: %s", got)
	}
	var sugg []string
	for _, s := range set.Suggest([]string{"technical", "enterprise"}, []string{"outage"}) {
		sugg = append(sugg, s.Key+" ("+s.Reason+")")
	}
	if got := strings.Join(sugg, "; "); got != "listed_in_segments (primary segment technical); tech_suggested (primary segment technical); outage_bridge (escalation outage)" {
		t.Errorf("suggestions: %s", got)
	}

	bad, err := macros.Parse(macros.File{Name: "m.yaml", Data: []byte(`
- key: orphan
  title: Orphan
  segments: [vip]
  escalations: [fire]
  actions: {priority: high}
- key: reply_one
  title: One
  segments: [technical]
  auto: true
  actions: {comment: {body: "a", public: true}}
- key: reply_two
  title: Two
  segments: [technical]
  auto: true
  actions: {comment: {body: "b", public: true}}
`)})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Bind(mustRules(t, segmentsYAML))
	for _, want := range []string{
		`m.yaml:2: macro "orphan": segments: vip is not a segment of segments.yaml`,
		`m.yaml:2: macro "orphan": escalations: fire is not an escalation of segments.yaml`,
		`segments.yaml:2: segment "enterprise": macros: no macro has the key listed_in_segments`,
		`segments.yaml:5: segment "technical": automatic macros reply_one, reply_two each write a public reply`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bind: %v\nwant %q", err, want)
		}
	}
}

func TestRender(t *testing.T) {
	ticket := &cohort.Ticket{ID: 42, Subject: "Checkout down", Description: "Blank page", Status: "new",
		Requester:    cohort.Requester{Name: "Ana Maria Lima", Email: "ana@acme.example"},
		Organization: cohort.Organization{Name: "Acme", ExternalID: "org-1"}}
	customer := &cohort.Customer{Name: "Ana Lima (CRM)", Email: "ana@crm.example", ExternalID: "crm-7", Organization: "Acme Corp"}
	tests := []struct {
		name, body string
		t          *cohort.Ticket
		c          *cohort.Customer
		want       string
		ok         bool
	}{
		{"plain text", "Thanks!", ticket, nil, "Thanks!", true},
		{"ticket fields", "#{{ticket.id}} {{ ticket.title }}: {{ticket.description}}", ticket, nil, "#42 Checkout down: Blank page", true},
		{"requester names", "{{ticket.requester.first_name}}/{{ticket.requester.last_name}}/{{ticket.requester.name}}", ticket, nil, "Ana/Maria Lima/Ana Maria Lima", true},
		{"status needs Zendesk (its titles)", "Status: {{ticket.status}}", ticket, nil, "Status: {{ticket.status}}", false},
		{"requester from the ticket first", "{{ticket.requester.email}} {{ticket.organization.name}}", ticket, customer, "ana@acme.example Acme", true},
		{"requester from the customer", "Hi {{ticket.requester.first_name}} of {{ticket.organization.name}} ({{ticket.requester.external_id}})",
			&cohort.Ticket{ID: 1}, customer, "Hi Ana of Acme Corp (crm-7)", true},
		{"no customer, no name", "Hi {{ticket.requester.first_name}}!", &cohort.Ticket{ID: 1}, nil, "Hi !", true},
		{"assignee needs Zendesk", "{{ticket.assignee.first_name}} will help", ticket, customer, "{{ticket.assignee.first_name}} will help", false},
		{"current user needs Zendesk", "Regards, {{current_user.name}}", ticket, nil, "Regards, {{current_user.name}}", false},
		{"dynamic content needs Zendesk", "{{dc.welcome}}", ticket, nil, "{{dc.welcome}}", false},
		{"a Liquid filter needs Zendesk", "{{ticket.title | upcase}}", ticket, nil, "{{ticket.title | upcase}}", false},
		{"a Liquid tag needs Zendesk", "{% if ticket.priority == 'urgent' %}Now{% endif %}", ticket, nil, "{% if ticket.priority == 'urgent' %}Now{% endif %}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := macros.Render(tt.body, tt.t, tt.c)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Render(%q) = %q, %v; want %q, %v", tt.body, got, ok, tt.want, tt.ok)
			}
		})
	}
}

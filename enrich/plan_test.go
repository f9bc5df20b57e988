package enrich_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/enrich"
)

func TestPlan(t *testing.T) {
	stamp := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		ticket       cohort.Ticket
		decision     cohort.Decision
		fieldID      int64
		wantTags     []string
		wantAdd      []string
		wantPriority cohort.Priority
		wantFields   []cohort.FieldValue
	}{
		{
			name:   "adds segment tags and marker, keeps agent tags, raises priority",
			ticket: cohort.Ticket{ID: 1, Tags: []string{"agent_tag", "seg_enterprise"}, Priority: cohort.PriorityNormal, UpdatedAt: stamp},
			decision: cohort.Decision{Segments: []string{"enterprise", "technical"}, Tags: []string{"seg_enterprise", "seg_technical", "vip"},
				PriorityBefore: cohort.PriorityNormal, Priority: cohort.PriorityHigh},
			fieldID:      360001,
			wantTags:     []string{"agent_tag", "seg_enterprise", "seg_technical", "vip", enrich.MarkerTag},
			wantAdd:      []string{"seg_technical", "vip", enrich.MarkerTag},
			wantPriority: cohort.PriorityHigh,
			wantFields:   []cohort.FieldValue{{ID: 360001, Value: "enterprise"}},
		},
		{
			name:         "never lowers: an urgent ticket keeps its priority",
			ticket:       cohort.Ticket{ID: 2, Priority: cohort.PriorityUrgent, UpdatedAt: stamp},
			decision:     cohort.Decision{Segments: []string{"basic"}, Tags: []string{"seg_basic"}, PriorityBefore: cohort.PriorityUrgent, Priority: cohort.PriorityUrgent},
			wantTags:     []string{"seg_basic", enrich.MarkerTag},
			wantAdd:      []string{"seg_basic", enrich.MarkerTag},
			wantPriority: cohort.PriorityNone,
		},
		{
			name:         "no segment: only the marker, no field",
			ticket:       cohort.Ticket{ID: 3, UpdatedAt: stamp},
			decision:     cohort.Decision{},
			fieldID:      360001,
			wantTags:     []string{enrich.MarkerTag},
			wantAdd:      []string{enrich.MarkerTag},
			wantPriority: cohort.PriorityNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := enrich.Plan(&tt.ticket, &tt.decision, tt.fieldID)
			if u.TicketID != tt.ticket.ID || !u.UpdatedStamp.Equal(stamp) {
				t.Errorf("ticket %d stamp %v", u.TicketID, u.UpdatedStamp)
			}
			if !slices.Equal(u.Tags, tt.wantTags) || !slices.Equal(u.AddTags, tt.wantAdd) {
				t.Errorf("tags %v add %v, want %v add %v", u.Tags, u.AddTags, tt.wantTags, tt.wantAdd)
			}
			if u.Priority != tt.wantPriority {
				t.Errorf("priority %v, want %v", u.Priority, tt.wantPriority)
			}
			if !slices.Equal(u.Fields, tt.wantFields) {
				t.Errorf("fields %v, want %v", u.Fields, tt.wantFields)
			}
			if u.Note == "" {
				t.Error("no note")
			}
			for _, kept := range tt.ticket.Tags {
				if !slices.Contains(u.Tags, kept) {
					t.Errorf("tag %q removed", kept)
				}
			}
		})
	}
}

func TestNoteExplains(t *testing.T) {
	ticket := &cohort.Ticket{ID: 1, Requester: cohort.Requester{Email: "ann@acme.example"}}
	known := &cohort.Decision{
		Customer:  &cohort.Customer{Name: "Ann", Email: "ann@acme.example", Organization: "Acme", Plan: "enterprise", ARR: 120000},
		MatchedBy: cohort.MatchedByEmail, Segments: []string{"enterprise", "technical"}, Escalations: []string{"outage"},
		PriorityBefore: cohort.PriorityNormal, Priority: cohort.PriorityUrgent,
		Reasons: []string{"segment enterprise: customer.plan == \"enterprise\" → priority high"},
	}
	note := enrich.Note(ticket, known)
	for _, want := range []string{"enterprise (primary), technical", "Escalations: outage", "Priority: normal → urgent",
		"Ann <ann@acme.example>, Acme, plan enterprise, ARR 120000 (matched by email)", "- segment enterprise"} {
		if !strings.Contains(note, want) {
			t.Errorf("note lacks %q:\n%s", want, note)
		}
	}
	unknown := enrich.Note(ticket, &cohort.Decision{PriorityBefore: cohort.PriorityHigh, Priority: cohort.PriorityHigh})
	for _, want := range []string{"Segments: none matched", "Priority: high (unchanged", "no CRM record matched ann@acme.example"} {
		if !strings.Contains(unknown, want) {
			t.Errorf("note lacks %q:\n%s", want, unknown)
		}
	}
}

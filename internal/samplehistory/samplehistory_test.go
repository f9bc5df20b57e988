package samplehistory_test

import (
	"slices"
	"testing"
	"time"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/internal/samplehistory"
)

func TestGenerate(t *testing.T) {
	end := time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC)
	customers := []cohort.Customer{
		{Email: "vip@x.example", Plan: "enterprise", TechLevel: "advanced"},
		{Email: "new@x.example", Plan: "starter", TechLevel: "beginner", SignupDate: end.AddDate(0, 0, -10)},
	}
	gen := func() []samplehistory.Ticket {
		var out []samplehistory.Ticket
		if err := samplehistory.Generate(customers, samplehistory.Options{End: end, Days: 60, PerDay: 40, Seed: 1},
			func(tk samplehistory.Ticket) error { out = append(out, tk); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tickets := gen()
	if len(tickets) < 60*30 || len(tickets) > 60*50 {
		t.Fatalf("%d tickets over 60 days at 40 a day", len(tickets))
	}
	if again := gen(); !slices.Equal(again, tickets) {
		t.Fatal("the same seed gave another history")
	}
	replies := map[int][]time.Duration{}
	for i, tk := range tickets {
		if i > 0 && tk.CreatedAt.Before(tickets[i-1].CreatedAt) {
			t.Fatalf("ticket %d created before the one before it", i)
		}
		for _, at := range []time.Time{tk.CreatedAt, tk.FirstReplyAt, tk.SolvedAt} {
			if !at.Before(end) {
				t.Fatalf("ticket %d has a time at or after the end: %+v", i, tk)
			}
		}
		if !tk.SolvedAt.IsZero() && (tk.FirstReplyAt.IsZero() || tk.SolvedAt.Before(tk.FirstReplyAt)) {
			t.Fatalf("ticket %d solved without or before a reply: %+v", i, tk)
		}
		if tk.Rating != "" && tk.SolvedAt.IsZero() {
			t.Fatalf("ticket %d rated while open", i)
		}
		if tk.Customer == 1 && tk.CreatedAt.Before(customers[1].SignupDate) {
			t.Fatalf("ticket %d before its requester signed up", i)
		}
		if !tk.FirstReplyAt.IsZero() {
			replies[tk.Customer] = append(replies[tk.Customer], tk.FirstReplyAt.Sub(tk.CreatedAt))
		}
	}
	median := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	if len(replies[1]) == 0 || median(replies[0]) >= median(replies[1]) {
		t.Errorf("the enterprise customer should be answered faster: %v against %v", median(replies[0]), median(replies[1]))
	}
}

// Package samplehistory generates a plausible past of support tickets for
// a set of customers: the history behind the demo's charts and the
// support-metrics benchmarks. How fast a ticket is answered and solved, how
// often it takes more than one reply, is reopened or rated well, follows
// the customer's plan and technical level, so that segments differ the way
// they do in a real helpdesk. The same seed gives the same history.
package samplehistory

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/cohortdesk/cohort"
)

// Ticket is one generated ticket, as it stands at the history's end.
type Ticket struct {
	Customer     int // index of the requester in the customers given
	Subject      string
	CreatedAt    time.Time
	FirstReplyAt time.Time // zero: not answered yet
	Replies      int       // public agent replies
	SolvedAt     time.Time // zero: still open
	Reopens      int
	Rating       string // "good", "bad" or "" (not rated)
}

// Options shape a history.
type Options struct {
	End    time.Time // every time is before End
	Days   int       // how many days before End the history starts
	PerDay int       // tickets a day, on average
	Seed   uint64
}

// profile is how support goes for one customer.
type profile struct {
	weight          float64 // how many tickets, relatively
	replyMinutes    float64 // median time to the first reply
	resolveMinutes  float64 // median time from the first reply to the solve
	moreReplies     float64 // chance of more than one reply
	reopen          float64 // chance of a reopen
	good            float64 // chance that a rating is good
	since           time.Time
	products, topic []string
}

func profileOf(c *cohort.Customer) profile {
	p := profile{weight: 1, replyMinutes: 240, resolveMinutes: 1440, moreReplies: 0.35, reopen: 0.08, good: 0.84,
		since: c.SignupDate, products: c.Products}
	switch c.Plan {
	case "enterprise":
		p.weight, p.replyMinutes, p.resolveMinutes, p.reopen, p.good = 3, 25, 360, 0.05, 0.93
	case "business":
		p.weight, p.replyMinutes, p.resolveMinutes, p.good = 2, 70, 720, 0.88
	case "free":
		p.weight, p.replyMinutes = 0.6, 600
	}
	switch c.TechLevel {
	case "advanced", "developer":
		p.moreReplies, p.resolveMinutes = 0.2, p.resolveMinutes*1.3 // deeper problems, fewer back-and-forths
		p.topic = []string{"API returns 5xx on", "Webhook signature fails for", "Rate limits hit on", "SDK crash in"}
	case "beginner", "basic", "":
		p.moreReplies, p.reopen, p.good = 0.55, p.reopen+0.06, p.good-0.08
		p.topic = []string{"How do I set up", "Can't find the settings of", "Invoice question about", "Getting started with"}
	default:
		p.topic = []string{"Question about", "Export from", "Permissions in", "Report missing in"}
	}
	if len(p.products) == 0 {
		p.products = []string{"the dashboard"}
	}
	return p
}

// Generate calls emit with the history's tickets in the order they were
// created.
func Generate(customers []cohort.Customer, opts Options, emit func(Ticket) error) error {
	if len(customers) == 0 || opts.Days < 1 || opts.PerDay < 1 {
		return fmt.Errorf("samplehistory: want customers, Days ≥ 1 and PerDay ≥ 1 (got %d, %d, %d)",
			len(customers), opts.Days, opts.PerDay)
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	profiles := make([]profile, len(customers))
	cumulative := make([]float64, len(customers))
	total := 0.0
	for i := range customers {
		profiles[i] = profileOf(&customers[i])
		total += profiles[i].weight
		cumulative[i] = total
	}
	end := opts.End.UTC()
	day := end.Truncate(24*time.Hour).AddDate(0, 0, -opts.Days)
	lognormal := func(median float64) time.Duration {
		return time.Duration(median * math.Exp(0.8*rng.NormFloat64()) * float64(time.Minute))
	}
	var today []Ticket
	for ; day.Before(end); day = day.AddDate(0, 0, 1) {
		n := opts.PerDay * 7 / 10
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n = opts.PerDay * 11 / 10
		}
		n = max(0, n+rng.IntN(opts.PerDay/5+1)-opts.PerDay/10)
		today = today[:0]
		for range n {
			ci, _ := slices.BinarySearch(cumulative, rng.Float64()*total)
			ci = min(ci, len(customers)-1)
			p := &profiles[ci]
			// Most tickets come in working hours.
			created := day.Add(time.Duration(7*60+rng.IntN(12*60)) * time.Minute)
			if rng.IntN(5) == 0 {
				created = day.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
			}
			created = created.Add(time.Duration(rng.IntN(60)) * time.Second)
			if !created.Before(end) || (!p.since.IsZero() && created.Before(p.since)) {
				continue
			}
			t := Ticket{Customer: ci, CreatedAt: created,
				Subject: p.topic[rng.IntN(len(p.topic))] + " " + p.products[rng.IntN(len(p.products))]}
			if reply := created.Add(lognormal(p.replyMinutes)); reply.Before(end) {
				t.FirstReplyAt, t.Replies = reply, 1
				if rng.Float64() < p.moreReplies {
					t.Replies += 1 + rng.IntN(3)
				}
				if solved := reply.Add(lognormal(p.resolveMinutes) * time.Duration(t.Replies)); solved.Before(end) {
					t.SolvedAt = solved
					if rng.Float64() < p.reopen {
						t.Reopens = 1
					}
					if rng.Float64() < 0.6 {
						t.Rating = "bad"
						if rng.Float64() < p.good-0.1*float64(t.Reopens) {
							t.Rating = "good"
						}
					}
				}
			}
			today = append(today, t)
		}
		slices.SortFunc(today, func(a, b Ticket) int { return a.CreatedAt.Compare(b.CreatedAt) })
		for _, t := range today {
			if err := emit(t); err != nil {
				return err
			}
		}
	}
	return nil
}

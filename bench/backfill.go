package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk"
	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/internal/samplehistory"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/syncer/metricsync"
	"github.com/cohortdesk/cohort/syncer/resegment"
)

// The back-fill benchmark (issue 5): a sandbox account with N tickets over
// 90 days from a few thousand requesters; a first metrics sync back-fills
// them. Counted: the helpdesk API calls it makes, by endpoint, against the
// minimum the incremental export's page size (1,000 tickets) allows. The
// counts do not vary between runs, so there is one run per size.

// Routes of the calls a back-fill makes.
const (
	exportRoute    = "GET /api/v2/incremental/tickets/cursor"
	usersShowRoute = "GET /api/v2/users/show_many"
)

func runBackfillBench(ctx context.Context, _ *int, fs *flag.FlagSet) error {
	sizes := fs.String("tickets", "10000,100000", "comma-separated ticket counts")
	requesters := fs.Int("requesters", 5000, "distinct requesters of the tickets")
	_ = fs.Parse(os.Args[2:])
	if *requesters < 1 || *requesters > metricsCustomers {
		return fmt.Errorf("-requesters %d: want 1 to %d", *requesters, metricsCustomers)
	}
	dir, err := os.MkdirTemp("", "cohort-bench-backfill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	_, file, _, _ := runtime.Caller(0)
	set, err := rules.Load(filepath.Join(filepath.Dir(file), "..", "manifests", "segments.yaml"))
	if err != nil {
		return err
	}
	fmt.Printf("| tickets | requesters | export pages | user lookups (100 a call) | API calls | minimum: pages of 1,000 | calls / minimum | at Zendesk's 10 export calls a minute | back-fill here s |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("-tickets %q: want positive counts", s)
		}
		if err := backfillOne(ctx, set, n, *requesters, dir); err != nil {
			return fmt.Errorf("%d tickets: %w", n, err)
		}
	}
	return nil
}

func backfillOne(ctx context.Context, set *rules.Set, n, requesters int, dir string) error {
	sb, err := sandbox.Start(sandbox.Config{Email: benchEmail, APIToken: benchToken}, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer sb.Close()
	all, _ := benchCustomers()
	customers := all[:requesters]
	end := time.Now().Add(-2 * time.Minute) // the export holds back the last minute
	imported := 0
	err = samplehistory.Generate(customers, samplehistory.Options{End: end, Days: 90, PerDay: max(1, n/90), Seed: uint64(n)},
		func(t samplehistory.Ticket) error {
			if imported == n {
				return nil
			}
			c := customers[t.Customer]
			_, err := sb.ImportTicket(sandbox.ImportedTicket{Subject: t.Subject, RequesterEmail: c.Email, RequesterName: c.Name,
				CreatedAt: t.CreatedAt, FirstReplyAt: t.FirstReplyAt, Replies: t.Replies, SolvedAt: t.SolvedAt,
				Reopens: t.Reopens, Rating: t.Rating})
			imported++
			return err
		})
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, fmt.Sprintf("backfill-%d.db", n)), nil)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.UpsertCustomers(ctx, store.CustomerSource{Name: "bench"}, customers); err != nil {
		return err
	}
	if _, err := resegment.All(ctx, db, set, time.Now()); err != nil {
		return err
	}
	zc, err := zendesk.NewClient(zendesk.Config{URL: sb.URL(), Email: benchEmail, APIToken: benchToken,
		RateLimit: 1_000_000, ExportRateLimit: 1_000_000})
	if err != nil {
		return err
	}
	defer zc.Close()
	before := sb.Stats()
	sum, err := metricsync.Sync(ctx, db, zendesk.TicketHistory{Client: zc}, metricsync.Options{BackfillDays: 91})
	if err != nil {
		return err
	}
	after := sb.Stats()
	pages := after.RequestsByRoute[exportRoute] - before.RequestsByRoute[exportRoute]
	lookups := after.RequestsByRoute[usersShowRoute] - before.RequestsByRoute[usersShowRoute]
	calls := after.Requests - before.Requests
	minimum := int(math.Ceil(float64(sum.Tickets) / zendesk.MaxExportPageSize))
	fmt.Fprintf(os.Stderr, "%d tickets (%d read, %d matched from membership): %d calls %v in %.1fs\n", n, sum.Tickets,
		sum.FromMembership, calls, after.RequestsByRoute, sum.Duration.Seconds())
	fmt.Printf("| %d | %d | %d | %d | **%d** | %d | **%.2f** | %.0f min | %.1f |\n", sum.Tickets, requesters, pages, lookups, calls,
		minimum, float64(calls)/float64(minimum), math.Ceil(float64(pages)/zendesk.DefaultExportRateLimit), sum.Duration.Seconds())
	return nil
}

package syncer_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/crm"
	"github.com/cohortdesk/cohort/enrich/rules"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
	"github.com/cohortdesk/cohort/syncer"
	"github.com/cohortdesk/cohort/syncer/crmsync"
	"github.com/cohortdesk/cohort/syncer/synctest"
)

// countingSource counts the reads of a source, across syncers.
type countingSource struct {
	crm.Source
	reads *atomic.Int32
}

func (c countingSource) Read(ctx context.Context, cp string, full bool, emit func(crm.Batch) error) error {
	c.reads.Add(1)
	return c.Source.Read(ctx, cp, full, emit)
}

// TestEachTickRunsOnceAcrossSyncers starts syncers that tick every second
// with a clock stuck in one minute: however many ticks and syncers, that
// minute's sync runs once. On PostgreSQL two syncers share the database,
// as replicas would.
func TestEachTickRunsOnceAcrossSyncers(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			replicas := 1
			if engine == store.Postgres {
				replicas = 2
			}
			src := synctest.CSVSource(t, filepath.Join(t.TempDir(), "c.csv"), synctest.Rows(20, func(int) string { return "pro" }))
			var reads atomic.Int32
			counted := crmsync.Source{Source: countingSource{Source: src.Source, reads: &reads}, Mapping: src.Mapping}
			minute := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
			set := synctest.Rules(t, synctest.Segments)
			var syncers []*syncer.Syncer
			var dbs []*store.DB
			for range replicas {
				db, err := store.Open(ctx, url, nil)
				if err != nil {
					t.Fatal(err)
				}
				dbs = append(dbs, db)
				s, err := syncer.New(syncer.Config{
					DB: db, Sources: []crmsync.Source{counted}, Schedule: "@every 1s",
					Rules: func() *rules.Set { return set },
					Now:   func() time.Time { return minute.Add(17 * time.Second) },
				})
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Start(ctx); err != nil {
					t.Fatal(err)
				}
				syncers = append(syncers, s)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				n, _ := dbs[0].CountCustomers(ctx)
				runs, _ := dbs[0].LastSyncRuns(ctx)
				if n == 20 && runs["csv"].Status == "succeeded" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("sync did not run: %d customers, runs %+v", n, runs)
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(2500 * time.Millisecond) // more ticks, in the same minute
			var wg sync.WaitGroup
			for _, s := range syncers {
				wg.Go(func() {
					stop, cancel := context.WithTimeout(ctx, 10*time.Second)
					defer cancel()
					if err := s.Stop(stop); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			for _, db := range dbs {
				db.Close()
			}
			if n := reads.Load(); n != 1 {
				t.Errorf("source read %d times in one minute's ticks, want 1", n)
			}
		})
	}
}

package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

func TestBudgetIsSharedAndSpread(t *testing.T) {
	url := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	// Two processes' worth of stores on one database, one budget.
	var budgets []*store.Budget
	for range 2 {
		db, err := store.Open(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		b, err := db.Budget(ctx, "zendesk", 600) // 10 a second, bursts of 60
		if err != nil {
			t.Fatal(err)
		}
		budgets = append(budgets, b)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 80 { // the burst of 60, then 20 more at 10 a second
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := budgets[i%2].Wait(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(start); took < 1500*time.Millisecond || took > 6*time.Second {
		t.Errorf("80 tokens from a budget of 60 + 10/s took %v, want about 2s", took)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	for {
		if err := budgets[0].Wait(short); err != nil {
			break // the budget ran dry and the context ended the wait
		}
	}
}

func TestBudgetNeedsPostgres(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	if _, err := db.Budget(context.Background(), "zendesk", 100); err == nil {
		t.Error("SQLite budget: want an error")
	}
}

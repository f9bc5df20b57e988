package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

// TestInstalledItems: records are kept per helpdesk, replaced by kind and
// name, listed in order, and forgotten one by one.
func TestInstalledItems(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		hook := store.InstalledItem{Helpdesk: "zendesk", Kind: "webhook", Name: "cohort", RemoteID: "01HX", CreatedByCohort: true}
		app := store.InstalledItem{Helpdesk: "zendesk", Kind: "app", Name: "cohort", RemoteID: "42", CreatedByCohort: true, Detail: "sha256:ab"}
		field := store.InstalledItem{Helpdesk: "zendesk", Kind: "ticket_field", Name: "cohort segment", RemoteID: "7"}
		other := store.InstalledItem{Helpdesk: "freshdesk", Kind: "webhook", Name: "cohort", RemoteID: "9"}
		before := time.Now().Add(-time.Minute)
		for _, it := range []store.InstalledItem{hook, app, field, other} {
			if err := db.SaveInstalledItem(ctx, it); err != nil {
				t.Fatal(err)
			}
		}
		app.Detail, app.RemoteID = "sha256:cd", "43"
		if err := db.SaveInstalledItem(ctx, app); err != nil {
			t.Fatal(err)
		}
		got, err := db.InstalledItems(ctx, "zendesk")
		if err != nil {
			t.Fatal(err)
		}
		want := []store.InstalledItem{app, field, hook}
		if len(got) != len(want) {
			t.Fatalf("items = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i].UpdatedAt.Before(before) {
				t.Errorf("item %d updated at %v", i, got[i].UpdatedAt)
			}
			got[i].UpdatedAt = time.Time{}
			if got[i] != want[i] {
				t.Errorf("item %d = %+v, want %+v", i, got[i], want[i])
			}
		}

		if err := db.DeleteInstalledItem(ctx, "zendesk", "app", "cohort"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteInstalledItem(ctx, "zendesk", "app", "cohort"); err != nil {
			t.Errorf("forgetting twice: %v", err)
		}
		if got, err := db.InstalledItems(ctx, "zendesk"); err != nil || len(got) != 2 {
			t.Errorf("after forgetting the app: %+v (%v)", got, err)
		}
		if got, err := db.InstalledItems(ctx, "freshdesk"); err != nil || len(got) != 1 || got[0].RemoteID != "9" {
			t.Errorf("another helpdesk's items: %+v (%v)", got, err)
		}
	})
}

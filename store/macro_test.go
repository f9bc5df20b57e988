package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/cohortdesk/cohort"
	"github.com/cohortdesk/cohort/store"
	"github.com/cohortdesk/cohort/store/storetest"
)

func TestOwnedMacros(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := cohort.OwnedMacro{Helpdesk: "zendesk", Key: "welcome", MacroID: 7, Active: true}
		b := cohort.OwnedMacro{Helpdesk: "zendesk", Key: "escalate", MacroID: 8, Active: true}
		for _, m := range []cohort.OwnedMacro{a, b, {Helpdesk: "freshdesk", Key: "welcome", MacroID: 9, Active: true}} {
			if err := db.SaveOwnedMacro(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		b.Active = false
		if err := db.SaveOwnedMacro(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, err := db.OwnedMacros(ctx, "zendesk")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]cohort.OwnedMacro{"welcome": a, "escalate": b}; !reflect.DeepEqual(got, want) {
			t.Errorf("owned = %v, want %v", got, want)
		}
	})
}

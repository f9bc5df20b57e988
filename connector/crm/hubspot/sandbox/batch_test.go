package sandbox_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/crm/hubspot/sandbox"
)

// batchPage is a batch read answer.
type batchPage struct {
	Status      string      `json:"status"`
	Results     []object    `json:"results"`
	NumErrors   int         `json:"numErrors"`
	Errors      []errorBody `json:"errors"`
	StartedAt   string      `json:"startedAt"`
	CompletedAt string      `json:"completedAt"`
}

func TestBatchRead(t *testing.T) {
	srv, clk := startSandbox(t)
	ids := createContacts(srv, clk, 4)
	if err := srv.Archive(sandbox.Contacts, ids[3]); err != nil {
		t.Fatal(err)
	}
	inputs := func(ids ...string) []map[string]string {
		var in []map[string]string
		for _, id := range ids {
			in = append(in, map[string]string{"id": id})
		}
		return in
	}
	tests := []struct {
		name       string
		path       string
		body       any
		wantStatus int
		wantIDs    []string
		wantErrIDs []string
	}{
		{"all found, input order", "", map[string]any{"inputs": inputs(ids[2], ids[0]), "properties": []string{"email"}},
			http.StatusOK, []string{ids[2], ids[0]}, nil},
		{"repeated id once", "", map[string]any{"inputs": inputs(ids[1], ids[1])},
			http.StatusOK, []string{ids[1]}, nil},
		{"archived and unknown ids", "", map[string]any{"inputs": inputs(ids[0], ids[3], "42", "x")},
			http.StatusMultiStatus, []string{ids[0]}, []string{ids[3], "42", "x"}},
		{"archived=true", "?archived=true", map[string]any{"inputs": inputs(ids[0], ids[3])},
			http.StatusMultiStatus, []string{ids[3]}, []string{ids[0]}},
		{"by email", "", map[string]any{"inputs": inputs("C002@example.com"), "idProperty": "email"},
			http.StatusOK, []string{ids[2]}, nil},
		{"numeric id", "", `{"inputs":[{"id":` + ids[1] + `}]}`,
			http.StatusOK, []string{ids[1]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/batch/read"+tt.path, tt.body)
			wantStatus(t, r, tt.wantStatus)
			var b batchPage
			r.decode(t, &b)
			var got []string
			for _, o := range b.Results {
				got = append(got, o.ID)
			}
			if b.Status != "COMPLETE" || !slices.Equal(got, tt.wantIDs) || b.StartedAt == "" || b.CompletedAt == "" {
				t.Errorf("answer %s; want COMPLETE with %v", r.body, tt.wantIDs)
			}
			if tt.wantErrIDs == nil {
				if strings.Contains(string(r.body), `"errors"`) {
					t.Errorf("unexpected errors: %s", r.body)
				}
				return
			}
			if b.NumErrors != 1 || len(b.Errors) != 1 || b.Errors[0].Category != sandbox.CategoryNotFound ||
				!slices.Equal(b.Errors[0].Context["ids"], tt.wantErrIDs) {
				t.Errorf("errors %+v, want one OBJECT_NOT_FOUND for %v", b.Errors, tt.wantErrIDs)
			}
		})
	}
	t.Run("properties", func(t *testing.T) {
		var b batchPage
		call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/batch/read",
			map[string]any{"inputs": inputs(ids[0]), "properties": []string{"email", "plan"}}).decode(t, &b)
		if o := b.Results[0]; o.prop("email") != "c000@example.com" || o.prop("plan") != "<absent>" || o.prop("firstname") != "<absent>" {
			t.Errorf("properties %v, want only email", o.Properties)
		}
	})
	many := make([]map[string]string, 101)
	for i := range many {
		many[i] = map[string]string{"id": fmt.Sprint(i + 1)}
	}
	for name, body := range map[string]any{
		"101 inputs": map[string]any{"inputs": many},
		"not JSON":   "{",
		"empty body": "",
		"wrong type": `{"inputs":"x"}`,
	} {
		t.Run("400 for "+name, func(t *testing.T) {
			wantError(t, call(t, srv, http.MethodPost, "/crm/v3/objects/contacts/batch/read", body), http.StatusBadRequest, sandbox.CategoryValidation)
		})
	}
}

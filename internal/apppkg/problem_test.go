package apppkg_test

import (
	"errors"
	"testing"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

func TestErrors(t *testing.T) {
	warning := apppkg.Problem{File: "manifest.json", Message: "parameters[0]: secure without scopes", Warning: true}
	if err := apppkg.Errors([]apppkg.Problem{warning}); err != nil {
		t.Errorf("warnings only: %v", err)
	}
	if err := apppkg.Errors(nil); err != nil {
		t.Errorf("none: %v", err)
	}
	a := apppkg.Problem{File: "manifest.json", Message: "author: missing"}
	b := apppkg.Problem{File: "assets/logo.png", Message: "not a PNG image"}
	err := apppkg.Errors([]apppkg.Problem{a, warning, b})
	if err == nil || err.Error() != "manifest.json: author: missing\nassets/logo.png: not a PNG image" {
		t.Fatalf("got %q", err)
	}
	var p apppkg.Problem
	if !errors.As(err, &p) || p != a {
		t.Errorf("errors.As finds %v, want %v", p, a)
	}
}

func TestProblemString(t *testing.T) {
	for _, tt := range []struct {
		p    apppkg.Problem
		want string
	}{
		{apppkg.Problem{File: "manifest.json", Message: "author: missing"}, "manifest.json: author: missing"},
		{apppkg.Problem{File: "manifest.json", Message: "x: y", Warning: true}, "manifest.json: warning: x: y"},
		{apppkg.Problem{Message: "the package holds more than 1000 files"}, "the package holds more than 1000 files"},
	} {
		if got := tt.p.String(); got != tt.want || tt.p.Error() != tt.want {
			t.Errorf("%#v: String %q, Error %q, want %q", tt.p, got, tt.p.Error(), tt.want)
		}
	}
}

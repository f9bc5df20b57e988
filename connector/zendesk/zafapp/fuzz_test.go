package zafapp_test

import (
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
)

// FuzzReadZip: whatever bytes an upload holds, ReadZip returns a package
// or an error, and Check and Zip of a package it returns do not fail.
func FuzzReadZip(f *testing.F) {
	files := validFiles(f)
	files["manifest.json"] = jsonOf(f, validManifest())
	files["requirements.json"] = []byte(`{"ticket_fields":{"f":{"title":"F"}},"user_fields":{"u":{"title":"U"}}}`)
	valid, err := (&zafapp.Package{Files: files}).Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	broken, err := (&zafapp.Package{Files: map[string][]byte{
		"manifest.json":        []byte(`{"location":{"support":{"a":7}},"parameters":[1,{"name":{}}],"author":[]}`),
		"translations/en.json": []byte(`{"app":{"parameters":[]}}`), "requirements.json": []byte(`{"webhooks":{"w":[]}}`)}}).Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(broken)
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := zafapp.ReadZip(data)
		if err != nil {
			return
		}
		for _, problem := range p.Check() {
			if problem.Message == "" {
				t.Errorf("a problem with no message: %#v", problem)
			}
		}
		if _, err := p.Zip(); err != nil {
			t.Error(err)
		}
		if _, err := p.WithURL("https://cohort.example.com"); err != nil && p.Files["manifest.json"] != nil && len(p.Check()) == 0 {
			t.Errorf("WithURL of a package Check passes: %v", err)
		}
	})
}

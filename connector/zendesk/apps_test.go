package zendesk

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cohortdesk/cohort/connector/zendesk/sandbox"
)

// appsClient returns a client of a sandbox closed when t ends, waiting up
// to jobTimeout for jobs (0: the default).
func appsClient(t *testing.T, jobTimeout time.Duration) *Client {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Config{Email: "agent@example.com", APIToken: "tok"}, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := NewClient(Config{URL: sb.URL(), Email: "agent@example.com", APIToken: "tok", RateLimit: 6000, UpdateRateLimit: 6000,
		JobTimeout: jobTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// notAnApp is a zip with no manifest.json, which Zendesk's build refuses.
func notAnApp(t *testing.T) *AppPackage {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("README.md")
	if err == nil {
		_, err = w.Write([]byte("no manifest here"))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return &AppPackage{File: "broken.zip", Name: "broken", ShortDescription: "broken", Zip: buf.Bytes()}
}

// TestAppBuildFailureSaysWhy: a build Zendesk fails is an error with the
// job's message; a build that outlasts the wait is an error saying so.
func TestAppBuildFailureSaysWhy(t *testing.T) {
	_, err := appsClient(t, time.Minute).createApp(t.Context(), notAnApp(t))
	if err == nil || !strings.Contains(err.Error(), "Zendesk could not build the app: ") || !strings.Contains(err.Error(), "manifest.json") {
		t.Errorf("a failed build: %v", err)
	}
	_, err = appsClient(t, time.Nanosecond).createApp(t.Context(), notAnApp(t))
	if err == nil || !strings.Contains(err.Error(), "Zendesk had not built the app after 1ns") {
		t.Errorf("a build that outlasts the wait: %v", err)
	}
}

// TestReadAppPackageRefusesWhatZendeskWould: a zip Zendesk's upload would
// refuse is refused before anything is sent, naming the file.
func TestReadAppPackageRefusesWhatZendeskWould(t *testing.T) {
	_, err := ReadAppPackage("broken.zip", notAnApp(t).Zip)
	if err == nil || !strings.HasPrefix(err.Error(), "broken.zip is not an app package Zendesk would take: ") {
		t.Errorf("err = %v", err)
	}
	if _, err := ReadAppPackage("x.zip", []byte("PK? no")); err == nil || !strings.Contains(err.Error(), "not a zip file") {
		t.Errorf("not a zip: %v", err)
	}
}

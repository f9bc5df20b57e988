package main

import (
	"bytes"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/manifests"
)

// readAppZip reads the zip cohort app package wrote, which has no errors.
func readAppZip(t *testing.T, path string) *zafapp.Package {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := zafapp.ReadZip(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := zafapp.Errors(pkg.Check()); err != nil {
		t.Errorf("the zip has problems:\n%v", err)
	}
	return pkg
}

// TestAppPackage: an admin zips the built-in app for their deployment and
// gets a package Zendesk takes, pointing at it, and the next step.
func TestAppPackage(t *testing.T) {
	out := filepath.Join(t.TempDir(), "app.zip")
	code, stdout, stderr := runCLI(t, "app", "package", "--url", "https://cohort.acme.example/", "--out", out)
	if code != exitOK || stderr != "" {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"wrote " + out + " (", " KiB, 11 files)",
		"support.ticket_sidebar: https://cohort.acme.example/app/v1/sidebar\n",
		"support.new_ticket_sidebar: https://cohort.acme.example/app/v1/sidebar\n",
		"Next: cohort install --url https://cohort.acme.example/ --app " + out + "\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	pkg := readAppZip(t, out)
	sidebar, ok := pkg.Manifest.LocationFor("support", "ticket_sidebar")
	if !ok || sidebar.URL != "https://cohort.acme.example/app/v1/sidebar" || !pkg.Manifest.Signed(sidebar) {
		t.Errorf("ticket_sidebar: %+v", sidebar)
	}
	if !slices.Equal(pkg.Manifest.DomainWhitelist, []string{"cohort.acme.example"}) {
		t.Errorf("domainWhitelist: %v", pkg.Manifest.DomainWhitelist)
	}
	if _, ok := pkg.Files["vendor-sdk.sh"]; ok {
		t.Error("the zip holds vendor-sdk.sh")
	}
	built, err := zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := slices.Sorted(maps.Keys(pkg.Files)), slices.Sorted(maps.Keys(built.Files)); !slices.Equal(got, want) {
		t.Errorf("zip holds %v, want %v", got, want)
	}
	if !bytes.Equal(pkg.Files["assets/sidebar.js"], built.Files["assets/sidebar.js"]) {
		t.Error("assets/sidebar.js differs from the built-in one")
	}
}

// TestAppPackageDefaultOut: without --out the zip is
// cohort-zendesk-app.zip in the current folder.
func TestAppPackageDefaultOut(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runCLI(t, "app", "package", "--url", "https://cohort.acme.example")
	if code != exitOK || !strings.Contains(stdout, "--app cohort-zendesk-app.zip\n") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	readAppZip(t, "cohort-zendesk-app.zip")
}

// TestAppPackageFromDir: --dir packages an edited copy, leaving out (and
// naming) what is no part of an app, and refuses a broken one, writing
// nothing.
func TestAppPackageFromDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "zendesk-app")
	if err := os.CopyFS(dir, os.DirFS("../../manifests/zendesk-app")); err != nil {
		t.Fatal(err)
	}
	en := filepath.Join(dir, "translations", "en.json")
	data, err := os.ReadFile(en)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(en, bytes.Replace(data, []byte(`"name": "cohort"`), []byte(`"name": "cohort (Acme)"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "app.zip")
	code, stdout, stderr := runCLI(t, "app", "package", "--url", "https://cohort.acme.example", "--dir", dir, "--out", out)
	if code != exitOK || !strings.Contains(stderr, "left out vendor-sdk.sh: no part of a Zendesk app\n") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	pkg := readAppZip(t, out)
	if _, ok := pkg.Files["vendor-sdk.sh"]; ok {
		t.Error("the zip holds vendor-sdk.sh")
	}
	if !bytes.Contains(pkg.Files["translations/en.json"], []byte("cohort (Acme)")) {
		t.Error("the zip holds the built-in en.json, not the edited one")
	}

	if err := os.Remove(filepath.Join(dir, "assets", "logo.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), bytes.Replace(mustRead(t, filepath.Join(dir, "manifest.json")),
		[]byte(`"type": "number"`), []byte(`"type": "password"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.zip")
	code, stdout, stderr = runCLI(t, "app", "package", "--url", "https://cohort.acme.example", "--dir", dir, "--out", broken)
	want := "cohort app: the app has problems; nothing written:\n" +
		`manifest.json: parameters[1] ("max_macros"): type "password" is not one of text, checkbox, url, number, multiline, hidden, oauth, mtls` + "\n" +
		"assets/logo.png: missing: the app's 320x320 PNG logo\n"
	if code != exitFailure || !strings.HasSuffix(stderr, want) || goName.MatchString(stderr) {
		t.Errorf("a broken app: exit %d\n%s%s\nwant stderr ending:\n%s", code, stdout, stderr, want)
	}
	if _, err := os.Stat(broken); !os.IsNotExist(err) {
		t.Errorf("a zip was written for a broken app: %v", err)
	}
	if code, _, stderr := runCLI(t, "app", "package", "--url", "https://cohort.acme.example", "--dir", filepath.Join(dir, "none")); code != exitFailure ||
		!strings.Contains(stderr, "none: no such file or directory") || goName.MatchString(stderr) {
		t.Errorf("a folder that is not there: exit %d %s", code, stderr)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestAppPackageWarnsAndGoesOn: a warning is printed, and the zip
// written.
func TestAppPackageWarnsAndGoesOn(t *testing.T) {
	out := filepath.Join(t.TempDir(), "app.zip")
	code, stdout, stderr := runCLI(t, "app", "package", "--url", "http://127.0.0.1:8080", "--out", out)
	if code != exitOK || !strings.Contains(stderr, "manifest.json: warning: location.support.ticket_sidebar.url: http://127.0.0.1:8080/app/v1/sidebar: Zendesk takes http only from the host name localhost") {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	readAppZip(t, out)
}

// TestAppPackageRefusesABadURL: no --url, or one Zendesk would not load,
// is exit 2 with the reason, and no zip.
func TestAppPackageRefusesABadURL(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no --url", nil, "cohort app: --url is required: the public base URL of cohort serve\n\nUsage: cohort app package"},
		{"http", []string{"--url", "http://cohort.acme.example"},
			"cohort app: --url: http://cohort.acme.example: Zendesk loads apps only over https (http only from localhost, 127.0.0.1 or ::1, for local development)\n"},
		{"no scheme", []string{"--url", "cohort.acme.example"},
			`cohort app: --url: "cohort.acme.example" is not an absolute URL such as https://cohort.example.com` + "\n"},
		{"a query", []string{"--url", "https://cohort.acme.example/?token=x"}, "cohort app: --url: https://cohort.acme.example/?token=x: want a base URL with no query"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "app.zip")
			code, stdout, stderr := runCLI(t, append([]string{"app", "package", "--out", out}, tt.args...)...)
			if code != exitUsage || !strings.HasPrefix(stderr, tt.want) || stdout != "" {
				t.Errorf("exit %d\nstdout: %s\nstderr: %s\nwant stderr starting %q", code, stdout, stderr, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a zip was written: %v", err)
			}
		})
	}
	for _, args := range [][]string{{"app"}, {"app", "zip", "--url", "https://cohort.acme.example"}, {"app", "package", "extra", "--url", "https://x.example"}} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage || !strings.Contains(stderr, "Usage: cohort app package") {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	if _, err := fs.Stat(os.DirFS("."), defaultAppZip); err == nil {
		t.Errorf("a refused command wrote %s here", defaultAppZip)
	}
}

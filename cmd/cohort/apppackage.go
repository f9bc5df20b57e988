package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"

	"github.com/cohortdesk/cohort/connector/zendesk/zafapp"
	"github.com/cohortdesk/cohort/manifests"
)

// defaultAppZip is where cohort app package writes the zip.
const defaultAppZip = "cohort-zendesk-app.zip"

func runApp(_ context.Context, c *cli, args []string) error {
	fs := newFlags(c, "app", "app package --url https://cohort.example.com [--out FILE] [--dir DIR]", `package zips the Zendesk app (the sidebar agents see beside a ticket) for the
cohort serve at URL: its locations point at URL/app/v1/sidebar, and its
domainWhitelist is URL's host. It checks the package the way Zendesk's
upload does, prints the warnings, and writes nothing if there is an error.
Then upload it with cohort install --url URL --app FILE.

The app is the one built into cohort (manifests/zendesk-app); --dir packages
an edited copy instead, leaving out the files that are no part of an app.`)
	base := fs.String("url", "", "public base URL of cohort serve, e.g. https://cohort.example.com (https; http only for localhost)")
	out := fs.String("out", defaultAppZip, "the zip to write")
	dir := fs.String("dir", "", "package the app in this folder instead of the built-in one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "package" {
		return usageError(fs, "")
	}
	if *base == "" {
		return usageError(fs, "--url is required: the public base URL of cohort serve")
	}
	pkg, err := readApp(c, *dir)
	if err != nil {
		return err
	}
	// The package as it is first, so that an error WithURL returns can
	// only be the URL's.
	if err := zafapp.Errors(pkg.Check()); err != nil {
		return fmt.Errorf("the app has problems; nothing written:\n%w", err)
	}
	if pkg, err = pkg.WithURL(*base); err != nil {
		return usageError(nil, "--url: %v", err)
	}
	problems := pkg.Check()
	for _, p := range problems {
		if p.Warning {
			fmt.Fprintln(c.stderr, p)
		}
	}
	if err := zafapp.Errors(problems); err != nil {
		return fmt.Errorf("the app has problems with --url %s; nothing written:\n%w", *base, err)
	}
	data, err := pkg.Zip()
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(c.stdout, "wrote %s (%s, %d files)\n", *out, byteSize(len(data)), len(pkg.Files))
	for _, product := range slices.Sorted(maps.Keys(pkg.Manifest.Location)) {
		locations := pkg.Manifest.Location[product]
		for _, name := range slices.Sorted(maps.Keys(locations)) {
			fmt.Fprintf(c.stdout, "%s.%s: %s\n", product, name, locations[name].URL)
		}
	}
	fmt.Fprintf(c.stdout, "\nNext: cohort install --url %s --app %s\n", *base, *out)
	return nil
}

// readApp reads the built-in app, or the one in dir, leaving out (and
// naming) the files of dir that are no part of an app, such as the
// built-in app's vendor-sdk.sh.
func readApp(c *cli, dir string) (*zafapp.Package, error) {
	if dir == "" {
		return zafapp.Read(manifests.ZendeskApp, "zendesk-app")
	}
	pkg, err := zafapp.Read(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("--dir %s: %w", dir, err)
	}
	for _, name := range slices.Sorted(maps.Keys(pkg.Files)) {
		if !zafapp.Belongs(name) {
			fmt.Fprintf(c.stderr, "left out %s: no part of a Zendesk app\n", name)
			delete(pkg.Files, name)
		}
	}
	return pkg, nil
}

// byteSize returns n bytes in words: 812 B, 23.4 KiB, 1.2 MiB.
func byteSize(n int) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

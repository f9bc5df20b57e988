// Package fdkapp reads, checks and zips a Freshworks app for Freshdesk
// built on the Freshworks Developer Kit (FDK), platform 3.0: manifest.json,
// app/ (the pages the product frames, their scripts and styles), config/
// (iparams.json, the installation parameters, and requests.json, the
// request templates) and, for serverless apps, server/.
//
// cohort's Freshdesk sidebar lives in manifests/freshdesk-app. The FDK CLI,
// whose `fdk validate` and `fdk pack` are the real judges, cannot be
// installed in cohort's workplace (`npm view @freshworks/fdk` answers 404:
// Freshworks ships the CLI from its own CDN), so Check enforces the rules
// that Freshworks documents, each with its source beside it, and says so.
// Sources, cited below by these short names:
//
//   - [guide]: Freshworks' user guide of request templates,
//     freshworks-developers/request-method-samples, UserGuide.md (request
//     schema, options, where each substitution may go, {{{appclient}}}).
//   - [p3]: freshworks-developers/freshworks-platform3, references/: the
//     platform 3.0 manifest (fdk/manifest.md, fdk-docs/manifest-errors.md),
//     request templates (fdk/request_method.md,
//     fdk/fdk-docs/request-method-errors.md), installation parameters
//     (common/fdk-docs/installation-parameters-errors.md), and
//     .cursor/rules/platform3-modules-locations.mdc (modules and locations).
//   - [samples]: freshworks-developers/request-method-samples, whose 3.0 app
//     (manifest.json, config/) and product-samples/freshdesk show working
//     files.
//
// Known limits: Check does not run or lint JavaScript, does not know every
// product's placements (an unknown one is a warning), does not check
// serverless code, OAuth (config/oauth_config.json) or a custom settings
// page (config/iparams.html) beyond its being there, and cannot know which
// FDK and Node versions Freshworks accepts today.
//
// It imports only the standard library and internal/apppkg, which it
// shares with connector/zendesk/zafapp, so that a Freshdesk sandbox can
// check uploads with it.
package fdkapp

import (
	"io/fs"

	"github.com/cohortdesk/cohort/internal/apppkg"
)

// Package is an FDK app as files.
type Package struct {
	// Files maps each file's slash-separated path, relative to the app's
	// root ("manifest.json", "app/index.html", "config/requests.json"), to
	// its content. It is what Check checks and Zip writes.
	Files map[string][]byte
}

// Read reads the app in dir of fsys: every regular file under it. It
// refuses links and other irregular files, and more than 1000 files or 20
// MiB. What the files hold is left to Check.
func Read(fsys fs.FS, dir string) (*Package, error) {
	files, err := apppkg.Read(fsys, dir, "app")
	if err != nil {
		return nil, err
	}
	return &Package{Files: files}, nil
}

// ReadZip reads an app from a zip with the app's files at its root.
// Directory entries are skipped. It refuses a zip that is not one, an entry
// whose path is absolute or climbs out with "..", a link, an entry twice,
// and more than 1000 files or 20 MiB uncompressed.
func ReadZip(data []byte) (*Package, error) {
	files, err := apppkg.ReadZip(data, "app")
	if err != nil {
		return nil, err
	}
	return &Package{Files: files}, nil
}

// Zip returns the app as a zip with its files at the root, the layout
// `fdk pack` packs from, in order and with one fixed modification time, so
// the same files always make the same bytes. It is a plain archive of the
// source, for an admin to unpack and run `fdk validate` and `fdk pack` on,
// not the output of `fdk pack`, which adds what the FDK builds.
func (p *Package) Zip() ([]byte, error) { return apppkg.Zip(p.Files) }

// Package manifests embeds what cohort installs and ships by default: the
// sample segments file and macros, the Zendesk app package, and the sample CRM customers and tickets that
// `cohort demo` uses, so the demo runs from a fresh clone with no files
// around it. The files themselves are the documentation: copy and edit them.
package manifests

import "embed"

// Files holds segments.yaml, macros/*.yaml and sample/*.csv.
//
//go:embed segments.yaml macros/*.yaml sample/customers.csv sample/tickets.csv
var Files embed.FS

// ZendeskApp holds the Zendesk app package under zendesk-app/: its
// manifest, translations, requirements and assets (the sidebar and the
// vendored ZAF SDK). `cohort app package` zips it with the deployment's
// URL filled in; `cohort serve` serves its assets to the sidebar.
//
//go:embed zendesk-app/manifest.json zendesk-app/requirements.json zendesk-app/translations zendesk-app/assets
var ZendeskApp embed.FS

// SampleReferenceDay is the day the sample customers' signup dates are
// relative to. The demo shifts them so that this day is today, keeping the
// "signed up in the last 30 days" customers new.
const SampleReferenceDay = "2026-11-23"

// Package manifests embeds what cohort installs and ships by default: the
// sample segments file and macros, and the sample CRM customers and tickets that
// `cohort demo` uses, so the demo runs from a fresh clone with no files
// around it. The files themselves are the documentation: copy and edit them.
package manifests

import "embed"

// Files holds segments.yaml, macros/*.yaml and sample/*.csv.
//
//go:embed segments.yaml macros/*.yaml sample/customers.csv sample/tickets.csv
var Files embed.FS

// SampleReferenceDay is the day the sample customers' signup dates are
// relative to. The demo shifts them so that this day is today, keeping the
// "signed up in the last 30 days" customers new.
const SampleReferenceDay = "2026-11-23"

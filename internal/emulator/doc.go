// Package emulator is the plumbing shared by the HTTP emulators of
// third-party APIs, the sandboxes of the connectors (Zendesk, HubSpot,
// Salesforce): serving a handler on a TCP address until closed, counting
// requests by route and answers by status, recording the status a handler
// answers, chaining middleware and rewriting request paths, and the seeded
// draws and dropped connections of injected faults.
//
// What an API means — its routes, errors, limits and faults — stays in its
// sandbox; this package knows nothing of any API. It imports only the
// standard library, so that a sandbox built on it stays importable from any
// layer.
package emulator

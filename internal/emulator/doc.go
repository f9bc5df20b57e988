// Package emulator is the plumbing shared by the HTTP emulators of
// third-party APIs, the sandboxes of the connectors (Zendesk, Freshdesk,
// HubSpot, Salesforce): serving a handler on a TCP address until closed;
// chaining middleware, rewriting request paths, keeping each request's
// route in its context, counting requests by route and answers by status,
// logging requests and recording the status a handler answers; adapting
// handlers that return errors; the seeded draws, dropped connections and
// latency waits of injected faults, the server faults (latency, 500/503,
// dropped connections, failed routes) the helpdesk emulators share and the
// middleware steps that answer them; and the channels of the helpdesks'
// WatchTag.
//
// What an API means — its routes, errors and error bodies, limits and
// faults of its own — stays in its sandbox, which hands this package the
// answers in its API's words; this package knows nothing of any API. It
// imports only the standard library, so that a sandbox built on it stays
// importable from any layer.
package emulator

// Package conformance measures how faithful the Zendesk sandbox
// (connector/zendesk/sandbox) is to real Zendesk: a Recorder wraps the
// sandbox's handler and keeps every API exchange that passes through it,
// and a Spec, Zendesk's own Support API OpenAPI document, checks the
// recorded answers: is the status documented for the operation, and does
// the body match the documented schema.
//
// Each way an answer departs from the OpenAPI document is a Difference, a
// plain comparable value naming the operation, the JSON location and the
// problem. Requests for paths the document does not describe (the
// Webhooks and Apps APIs, GET /tickets/{id}/metrics…) are listed apart,
// as not in the OAS, rather than counted as differences.
//
// Zendesk's document marks as not nullable some fields that real Zendesk
// answers null; a null there is a difference unless the field is in
// NullableFields, where each entry quotes the reference sheet
// (shared/reference/helpdesk-api.md) saying so.
//
// The tests of this package drive the sandbox with net/http and with the
// node-zendesk client (node/suite.mjs); see README.md.
package conformance

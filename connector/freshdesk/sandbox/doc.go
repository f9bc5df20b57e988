// Package sandbox emulates the slice of the Freshdesk API v2 that cohort
// uses, so that tests, `cohort sandbox --helpdesk freshdesk` and `cohort
// demo --helpdesk freshdesk` run without a Freshdesk account. It is a real
// HTTP server: point any Freshdesk client at URL()+"/api/v2", with HTTP
// Basic auth whose username is Config.APIKey and any password.
//
// It follows two reference sheets: shared/reference/helpdesk-api.md §10
// (cited as §10.x) and shared/reference/apps-freshdesk-ops.md §2 (cited as
// §2.x). What they call UNCONFIRMED or UNVERIFIED, and what the sandbox
// had to guess, is marked UNCONFIRMED in the code with its section.
//
// The package owns the emulated account's state, all in memory: one agent
// (the API key's owner, AgentID), contacts, companies, tickets with their
// notes, replies and stats, ticket fields, canned-response folders and
// responses, automation rules, satisfaction ratings and bulk-update jobs.
// State and Restore save and load it (State is a JSON document).
// Ticket-creation automation rules run on every ticket created through
// the API, and their "Trigger Webhook" actions are rendered and sent
// asynchronously with their basic auth, retried as Freshdesk does;
// Deliveries and WaitDeliveries observe them, WaitJobs waits for bulk
// updates, WatchTag tells when a ticket gains a tag.
//
// Like the Zendesk sandbox (connector/zendesk/sandbox) it builds on
// internal/emulator for its listener, middleware chain, request counters
// and fault dice, and it imports nothing else of this module, so any layer
// may use it in tests.
//
// # Emulated endpoints (under /api/v2)
//
//	tickets:       POST|GET /tickets, GET|PUT|DELETE /tickets/{id},
//	               PUT /tickets/{id}/restore, POST /tickets/bulk_update,
//	               GET /jobs/{id}, GET /search/tickets            (§10.2, §2.3, §2.5)
//	conversations: POST /tickets/{id}/notes, POST /tickets/{id}/reply,
//	               GET /tickets/{id}/conversations                (§10.3, §2.4)
//	contacts:      GET|POST /contacts, GET|PUT /contacts/{id},
//	               GET /agents/me                                 (§10.4, §2.7)
//	companies:     GET|POST /companies, GET|PUT /companies/{id}   (§10.4)
//	ticket fields: GET /ticket_fields, GET|POST /admin/ticket_fields,
//	               GET|DELETE /admin/ticket_fields/{id}           (§10.2)
//	canned:        GET /canned_response_folders, GET /canned_response_folders/{id},
//	               GET /canned_response_folders/{id}/responses,
//	               POST /canned_response_folder, PUT /canned_response_folder/{id},
//	               POST /canned_responses, GET|PUT /canned_responses/{id} (§10.5, §2.6)
//	ratings:       GET /surveys/satisfaction_ratings,
//	               GET|POST /tickets/{id}/satisfaction_ratings    (§10.6, §2.8)
//	automations:   GET|POST /automations/{1|3|4}/rules,
//	               GET|PUT|DELETE /automations/{1|3|4}/rules/{id} (§2.2)
//
// Anything else answers 404. Bodies are JSON only: a POST or PUT with a
// body of another type answers 415 (multipart attachments are not
// emulated).
//
// # Errors
//
// A validation failure answers 400 with Freshdesk's body (§10.1, §2.10):
//
//	{"description":"Validation failed","errors":[{"field":"priority","message":"It should be one of these values: '1,2,3,4'","code":"invalid_value"}]}
//
// with every invalid field listed; codes are invalid_value (the sheet's),
// missing_field, datatype_mismatch (a value of the wrong JSON type, such
// as "2" for an integer), invalid_field (an unknown field, or a custom
// field the account does not have) and duplicate_value. Other failures
// answer {"code","message"}: 401 invalid_credentials, 404 not_found, 429,
// 5xx. Those codes and messages are UNCONFIRMED (§10.1 says only
// "standard").
//
// # Tickets
//
// POST /tickets needs a subject and a requester: requester_id, or email
// (a contact is found case-insensitively or created, named by name or the
// email's local part), unique_external_id, or phone (with name). The
// ticket takes its requester's company unless company_id is given. status
// (2 Open, 3 Pending, 4 Resolved, 5 Closed; custom statuses ≥ 6 are not
// emulated), priority (1-4) and source are integers (§10.2); type is one
// of the ticket_type field's choices; custom_fields are keyed cf_<name>
// and checked against the custom ticket fields, by type. Tickets are
// numbered from 1. PUT /tickets/{id} replaces tags (there is no add-tag
// endpoint and no safe update, §2.3), merges custom_fields, and moves the
// stats of include=stats: status_updated_at, pending_since, resolved_at,
// closed_at, reopened_at; a reply by the agent sets first_responded_at
// (once) and agent_responded_at. DELETE marks a ticket deleted (listed
// with filter=deleted, restored by PUT …/restore).
//
// GET /tickets lists, without updated_since, the tickets created in the
// last 30 days (§10.2), newest first; it takes requester_id, email,
// company_id, updated_since, filter=deleted|spam, order_by (created_at,
// due_by, updated_at, status), order_type and include=stats, requester,
// description (the list has no description otherwise). GET /tickets/{id}
// takes include=conversations (the first 10), requester, company, stats.
//
// # Pagination
//
// Lists take page (from 1) and per_page (30 by default, at most 100;
// §10.7) and answer a JSON array; when a page follows, a Link header
// <URL?…&page=N+1&per_page=…>; rel="next" names it, on Config.URL or the
// listening URL. Search answers {"results","total"}, 30 a page, at most
// 10 pages. The deep-pagination cap of third-party sources (300 pages,
// §10.7 UNCONFIRMED) is not emulated.
//
// # Rate limits
//
// Every API response carries X-Ratelimit-Total, X-Ratelimit-Remaining and
// X-Ratelimit-Used-CurrentRequest (§10.7, §2.9) for the account's
// per-minute budget, counted in fixed minute windows of Config.Now. A
// request costs 1 credit, plus 1 per include= embed on a ticket view and
// 2 per embed on the tickets list (the amounts are UNCONFIRMED: the sheet
// says only that embeds cost extra). With Config.RateLimit 0 the budget is
// Config.Plan's (Growth 200 by default; Trial 50, Pro 400, Enterprise 700)
// and reported, not enforced. A positive RateLimit is the budget and is
// enforced together with the plan's per-endpoint limits (ticket create,
// ticket update, tickets list, contacts list): a request over them answers
// 429 with Retry-After, the seconds left in the minute, and uses no
// credit; invalid calls (400, 404) use theirs (§10.7). Webhook deliveries
// use the same budget (§10.8): over it they wait for the next window, and
// are dropped after 24 hours (scaled by Config.WebhookRetryScale). The
// newer hourly plans are UNCONFIRMED and not emulated.
//
// # Automation rules and their webhooks
//
// Automation rules (§2.2) are kept for the types 1 (ticket creation), 3
// (time triggers) and 4 (ticket updates); only ticket-creation rules run,
// when a ticket is created through the API, active ones in position order
// (all that match, or the first with Config.FirstMatchingRule). Their
// conditions are evaluated on priority, status, source, ticket_type,
// subject and requester_email (in, not_in, is, is_not, contains,
// does_not_contain); other conditions match. Their actions with
// field_name "trigger_webhook" (UNCONFIRMED name, §2.2) are sent:
//
//	{"field_name":"trigger_webhook","request_type":"POST","url":"https://…",
//	 "auth_header":{"username":"cohort","password":"…"},
//	 "content_type":"json","content_layout":"2",
//	 "content":"{\"ticket_id\":\"{{ticket.id}}\",\"email\":\"{{ticket.requester.email}}\"}"}
//
// As §2.1 describes what arrives, every placeholder renders a string:
// {{ticket.id}}, {{ticket.subject}}, {{ticket.description}} (HTML),
// {{ticket.status}}, {{ticket.priority}} and {{ticket.source}} as names
// ("Open", "High"), {{ticket.ticket_type}}, {{ticket.tags}},
// {{ticket.url}}, {{ticket.requester.email|name|id|phone}},
// {{ticket.company.id|name}}, {{ticket.agent.name|email}},
// {{ticket.cf_…}} and {{triggered_event}} ("{ticket_action:created}").
// Advanced content ("2", or a string content) is the template rendered,
// values JSON-escaped in a JSON body (UNVERIFIED, §2.1); simple content
// ("1", or a list of placeholder names as content) is
// {"freshdesk_webhook":{"ticket_id":"…","ticket_contact_email":"…",…}},
// keys as in §2.1's third-party receiver, UNVERIFIED. auth_header sends
// HTTP Basic auth; api_key sends Basic key:X (UNCONFIRMED); custom_headers
// are set. A delivery that fails (no answer, or not 2xx) is retried at
// +5, +30 and +60 minutes (§10.8), scaled by Config.WebhookRetryScale.
// There is no signature: Freshdesk signs nothing.
//
// # Jobs, search, ratings, canned responses
//
// POST /tickets/bulk_update {"bulk_action":{"ids":[…],"properties":{…}}}
// (1 to 100 ids) answers 202 {"job_id"}; the job runs after
// Config.JobDelay, applying the properties as PUT /tickets/{id} would, and
// GET /jobs/{id} shows {id,name,status "in_progress"|"completed",progress,
// created_at,updated_at,status_updated_at,data:[{id,success,error}]}: the
// shape of §2.5, UNCONFIRMED. GET /search/tickets?query="…" takes
// field:value, field:>value, field:<value, AND, OR and parentheses over
// status, priority, type, tag, agent_id, group_id, requester_id,
// company_id, the dates and custom fields (§10.2, §2.7). Satisfaction
// ratings take values on the scale 103…-103 (§10.6); listing without
// created_since shows the last 30 days. Canned-response folders are
// created with the singular /canned_response_folder (§2.6); the sheets
// list no DELETE for canned responses or folders, and the sandbox has none.
//
// # Faults
//
// Config.Faults and SetFaults inject, as the Zendesk sandbox does, server
// errors (500 and 503 with Retry-After: 1, alternately), dropped
// connections and latency into API requests, drawn from a seeded source;
// FailRoute fails one route. A faulted request executes nothing and uses
// no credit. Stats counts requests by route, responses by status, credits,
// faults, ticket updates, webhook attempts and jobs.
//
// # Not emulated
//
// Attachments and multipart bodies, agents other than the API key's
// owner, groups, products, SLA policies (due_by and fr_due_by are set 72
// and 24 hours after creation), custom statuses, the spam and
// new_and_my_open/watching filters' semantics, contact and company field
// definitions (their custom_fields are kept as sent, keyed without cf_,
// §10.4 UNCONFIRMED), contact search and autocomplete, the new CSAT
// endpoints (§2.8), scenario automations, ticket-update and time-trigger
// rules running, rule actions other than webhooks, the "Trigger API"
// action, XML and form bodies in simple webhook mode, and the indexing
// lag of search.
package sandbox

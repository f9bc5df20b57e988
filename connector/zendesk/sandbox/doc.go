// Package sandbox emulates the slice of the Zendesk Support API that cohort
// uses, so that tests and the `cohort demo` command can run without a Zendesk
// account. It is a real HTTP server: point any Zendesk client (go-zendesk
// included) at URL()+"/api/v2".
//
// The package owns the emulated account's state, all in memory: users,
// organizations, tickets with their comments and tags, background jobs,
// webhooks and triggers. Triggers run after every ticket create and update
// made through the API, and their notification_webhook actions are delivered
// to the webhook's endpoint asynchronously, signed and retried the way Zendesk
// does. Deliveries() and WaitDeliveries let tests observe them; WaitJobs waits
// for update_many jobs.
//
// The sandbox can also misbehave on purpose: it enforces Zendesk's rate
// limits when Config.RateLimit is set, injects faults (Config.Faults,
// SetFaults), and counts what it served (Stats), so that tests and
// benchmarks see how a client copes with a real account's limits and
// failures.
//
// It imports only the standard library and no other package of this module,
// so that any layer may use it in tests.
//
// # Emulated endpoints (under /api/v2, each also with a ".json" suffix)
//
//	tickets:       POST /tickets, GET /tickets/{id}, GET /tickets/show_many,
//	               PUT /tickets/{id}, PUT /tickets/update_many,
//	               GET /tickets/{id}/comments, GET|PUT|POST|DELETE /tickets/{id}/tags
//	jobs:          GET /job_statuses/{id}, GET /job_statuses/show_many
//	users:         GET /users/{id}, GET /users/me, GET /users/show_many,
//	               GET /users/search, POST /users, POST /users/create_or_update
//	organizations: GET /organizations/{id}, GET /organizations/show_many,
//	               POST /organizations, GET /organizations/search
//	webhooks:      POST|GET /webhooks, GET|DELETE /webhooks/{id},
//	               GET /webhooks/{id}/signing_secret
//	triggers:      POST|GET /triggers, GET|DELETE /triggers/{id}
//
// Anything else answers 404 RecordNotFound.
//
// # Rate limits
//
// Every response carries X-Rate-Limit and X-Rate-Limit-Remaining; API
// responses also ratelimit-limit, ratelimit-remaining and ratelimit-reset
// (seconds until the window resets). Windows are fixed and aligned to the
// sandbox clock (Config.Now): a minute window runs from second 0 to second
// 60 of a minute, the per-ticket window from minute 0, 10, 20… of an hour.
// Only authenticated requests under /api/v2 count; a 401, a faulted request
// and a 429 consume no quota, and neither do requests outside the API.
//
//   - Account: Config.RateLimit requests per minute. 0 reports 700
//     (DefaultRateLimit) without enforcing it.
//   - Ticket updates, account-wide: Config.TicketUpdateRateLimit requests per
//     minute (100 when RateLimit is set) among PUT /tickets/{id},
//     PUT /tickets/update_many (one request, whatever its number of tickets)
//     and PUT, POST and DELETE /tickets/{id}/tags. Reported on those
//     requests as "Zendesk-Ratelimit-Tickets-Update: total=100;
//     remaining=99; resets=41".
//   - Ticket updates per ticket: Config.TicketUpdatesPerTicket
//     PUT /tickets/{id} requests per ticket per 10 minutes (30 when
//     RateLimit is set). Reported on those requests as
//     "Zendesk-Ratelimit-Tickets-Update-Per-Ticket: total=30; remaining=29;
//     resets=412". Tag writes and update_many items do not count against it.
//
// A request over any enforced limit is answered 429 with Retry-After (the
// seconds until the exceeded window resets, at least 1) and a plain-text
// body, and is not executed: "Number of allowed API requests per minute
// exceeded" for the account limit, Zendesk's "Rate limit for ticket updates
// exceeded, please wait before updating this ticket again" for the others.
//
// # Faults
//
// Faults (Config.Faults, changed at run time with SetFaults) apply to
// requests under /api/v2 only, never to webhook deliveries, and before
// authentication: a faulted request is not executed and consumes no quota.
// Latency delays every API request; then DropRate closes the connection
// without a response, or else ErrorRate answers 500 and 503 (with
// Retry-After: 1) in turn. ConflictRate refuses safe-update writes that
// would succeed: PUT /tickets/{id} and tag writes with safe_update answer
// 409 UpdateConflict, update_many items fail with UpdateConflict in the job
// results; nothing is written. JobDelay keeps each update_many job queued
// that long, which lets a test fill the account's 30 job slots. The
// requests faulted are picked by a random source seeded with Seed.
//
// # Stats
//
// Stats counts every request under /api/v2 that reached the server, refused
// and faulted ones included, by method and endpoint pattern; the responses
// by status (429s apart); the faults by kind; the ticket updates applied,
// per ticket; and the job statuses created.
//
// # Watching and rendering
//
// WatchTag tells a test the moment a ticket gains a tag, whatever wrote it,
// so it can wait on cohort's update without polling. Render renders a
// template with a ticket's placeholders as a trigger would, so a test can
// send the very body Zendesk would. SetRateLimits changes the limits at run
// time, so a benchmark can set an account up before limiting it.
//
// # Choices where Zendesk's behaviour is not documented (UNCONFIRMED)
//
//   - Placeholders render status, priority and type with their English titles
//     ("Open", "Urgent", "Question"); an unset priority or type renders "-".
//     {{ticket.via}} renders "API" (every sandbox ticket arrives via the API).
//     {{ticket.created_at}} renders like "Mar 25, 2021"; the _with_timestamp
//     variants render ISO-8601 with seconds. {{ticket.url}} has no scheme,
//     {{ticket.link}} has https. {{ticket.account}} renders the subdomain.
//     Comment placeholders render the comment body only. Checkbox fields
//     render "true"/"false", multiselect fields their tags joined by spaces.
//   - In a json webhook body each placeholder value is JSON-escaped (without
//     the surrounding quotes) so the body stays valid JSON; other formats get
//     the plain text.
//   - The 401, 409, 422 and 400 bodies follow the fact sheet's guesses;
//     webhook validation errors use the newer {"errors":[…]} shape with 400.
//   - More than 30 queued or working jobs answer 429 {"error":"TooManyJobs"}
//     without Retry-After (Zendesk documents the error name, not the
//     status); the slot frees when a job completes.
//   - Rate limits: the endpoint-limit header names, the account limit's 429
//     body, fixed windows (rather than Zendesk's unknown algorithm), and
//     which requests count (above) are the sandbox's choices. The sandbox
//     has a single user, so "per user per ticket" is per ticket.
//   - GET /job_statuses/show_many requires ids (400 without), leaves unknown
//     ids out and keeps the order asked.
//   - Webhook retries: connection errors and timeouts up to 5 retries, 409 up
//     to 3, 429 and 503 up to 5 when Retry-After is under 60 s (waiting
//     Retry-After); every retry reuses the invocation id and is re-signed.
//   - Triggers without any condition are rejected; a trigger's category_id is
//     optional and stored as given.
//   - safe_update without updated_stamp is rejected on a single-ticket PUT as
//     it is in a batch update. Bulk and batch items without a stamp of their
//     own conflict when someone else changed the ticket after the job was
//     queued.
//   - Every credential acts as the admin: it submits tickets and authors
//     comments that name no author_id. A requester given as {name, email} is
//     found by email or created as an end-user.
//   - Tags are lowercased and split on whitespace. Tickets are numbered from
//     1; every other id comes from one account-wide sequence of large
//     numbers, as on Zendesk.
//
// # Known limits
//
// Not emulated: search (other than users/search), ticket lists and
// incremental exports, audits, groups, brands, ticket fields and forms
// (custom field ids are not checked), attachments and uploads, macros,
// automations, trigger categories, webhook update/clone/test/invocations,
// event-subscription webhooks, side conversations, email. Trigger conditions
// are limited to update_type, status, priority, current_tags and
// ticket_is_public; actions to notification_webhook, status, priority, type,
// set_tags, current_tags and remove_tags; anything else is rejected with 422
// naming the field. Placeholders are substituted, not run through Liquid:
// filters and tags are not supported. Endpoint rate limits other than the
// ticket-update ones (incremental exports, users, organizations, list
// pagination…) are not emulated, nor is the account-wide 100,000/min
// ceiling; jobs never expire.
package sandbox

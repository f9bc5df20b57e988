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
// It imports only the standard library and no other package of this module,
// so that any layer may use it in tests.
//
// # Emulated endpoints (under /api/v2, each also with a ".json" suffix)
//
//	tickets:       POST /tickets, GET /tickets/{id}, GET /tickets/show_many,
//	               PUT /tickets/{id}, PUT /tickets/update_many,
//	               GET /tickets/{id}/comments, GET|PUT|POST|DELETE /tickets/{id}/tags
//	jobs:          GET /job_statuses/{id}
//	users:         GET /users/{id}, GET /users/me, GET /users/show_many,
//	               GET /users/search, POST /users, POST /users/create_or_update
//	organizations: GET /organizations/{id}, POST /organizations, GET /organizations/search
//	webhooks:      POST|GET /webhooks, GET|DELETE /webhooks/{id},
//	               GET /webhooks/{id}/signing_secret
//	triggers:      POST|GET /triggers, GET|DELETE /triggers/{id}
//
// Anything else answers 404 RecordNotFound.
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
//   - More than 30 queued or working jobs answer 429 {"error":"TooManyJobs"}.
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
// filters and tags are not supported. Rate limits are reported in headers but
// not enforced.
package sandbox

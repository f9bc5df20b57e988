// Package sandbox emulates the slice of the Zendesk Support API that cohort
// uses, so that tests and the `cohort demo` command can run without a Zendesk
// account. It is a real HTTP server: point any Zendesk client (go-zendesk
// included) at URL()+"/api/v2".
//
// The package owns the emulated account's state, all in memory: users and
// organizations with their custom field values and definitions, tickets
// with their comments and tags, background jobs, webhooks and triggers.
// Triggers run after every ticket create and update made through the API,
// and their notification_webhook actions are delivered to the webhook's
// endpoint asynchronously, signed and retried the way Zendesk does.
// Deliveries() and WaitDeliveries let tests observe them; WaitJobs waits
// for background jobs. SetUserFields, SetOrganizationFields and DeleteUser
// change users and organizations as an admin would, moving their
// updated_at, so that tests can feed the incremental exports. Tickets keep
// their metrics and satisfaction ratings; ImportTicket stores a ticket with
// a backdated history (created, first reply, replies, solve, reopens,
// rating) for tests and the demo, with the metrics, export entry and rating
// those events would have produced, and without running triggers.
//
// It keeps Zendesk apps too: packages uploaded and built through the Apps
// API (checked as Zendesk's validator checks them), each with an RSA key
// of its own, installed with their settings and the fields their
// requirements ask for. Its agent workspace, browser pages under /agent/,
// shows a ticket with its installed apps framed beside it, loaded and
// spoken to as Zendesk does (see "The agent workspace").
//
// The sandbox can also misbehave on purpose: it enforces Zendesk's rate
// limits when Config.RateLimit is set, injects faults (Config.Faults,
// SetFaults), and counts what it served (Stats), so that tests and
// benchmarks see how a client copes with a real account's limits and
// failures.
//
// It imports the standard library and two packages of this module that
// import only the standard library themselves: internal/emulator (the
// emulators' listener, middleware and counters) and
// connector/zendesk/zafapp (which reads and checks app packages as
// Zendesk does). So any layer may use it in tests.
//
// # Emulated endpoints (under /api/v2, each also with a ".json" suffix)
//
//	tickets:       GET|POST /tickets, GET /tickets/{id}, GET /tickets/show_many,
//	               PUT /tickets/{id}, PUT /tickets/update_many,
//	               GET /tickets/{id}/comments, GET|PUT|POST|DELETE /tickets/{id}/tags,
//	               GET|POST /ticket_fields, GET|PUT|DELETE /ticket_fields/{id}
//	metrics:       GET /ticket_metrics, GET /ticket_metrics/{id}, GET /tickets/{id}/metrics
//	ratings:       GET /satisfaction_ratings, GET /satisfaction_ratings/{id},
//	               POST /tickets/{id}/satisfaction_rating
//	jobs:          GET /job_statuses/{id}, GET /job_statuses/show_many
//	users:         GET /users, GET|PUT|DELETE /users/{id}, GET /users/me,
//	               GET /users/show_many, GET /users/search, POST /users,
//	               POST /users/create_or_update, POST /users/create_or_update_many,
//	               GET|POST /user_fields, GET|PUT|DELETE /user_fields/{id}
//	organizations: GET|POST /organizations, GET|PUT /organizations/{id},
//	               GET /organizations/show_many, GET /organizations/search,
//	               GET /organizations/{id}/users, GET|POST /organization_fields
//	search:        GET /search, GET /tags
//	exports:       GET /incremental/tickets/cursor, GET /incremental/users/cursor,
//	               GET /incremental/tickets, GET /incremental/users,
//	               GET /incremental/organizations
//	webhooks:      POST|GET /webhooks, GET|PUT|PATCH|DELETE /webhooks/{id},
//	               GET /webhooks/{id}/signing_secret
//	triggers:      POST|GET /triggers, GET /triggers/active,
//	               GET|PUT|DELETE /triggers/{id},
//	               GET|POST /trigger_categories,
//	               GET|PATCH|DELETE /trigger_categories/{id}
//	macros:        GET|POST /macros, GET /macros/active, GET /macros/search,
//	               GET /macros/categories, GET|PUT|DELETE /macros/{id},
//	               GET /macros/{id}/apply, GET /tickets/{id}/macros/{macro_id}/apply
//	groups:        GET|POST /groups
//	apps:          POST /apps/uploads, POST /apps, GET /apps/owned,
//	               GET|PUT|DELETE /apps/{id}, GET /apps/{id}/public_key (also
//	               /public_key.pem), GET /apps/job_statuses/{id},
//	               GET|POST /apps/installations, GET|PUT|DELETE /apps/installations/{id},
//	               GET /apps/installations/{id}/requirements
//
// Anything else answers 404 RecordNotFound. The agent workspace's pages
// (below) are outside the API.
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
//   - Incremental exports: Config.IncrementalExportRateLimit requests per
//     minute to GET /incremental/… (10 when RateLimit is set). Reported on
//     those requests as "Zendesk-Ratelimit-Incremental-Exports: total=10;
//     remaining=9; resets=41".
//
// A request over any enforced limit is answered 429 with Retry-After (the
// seconds until the exceeded window resets, at least 1) and a plain-text
// body, and is not executed: "Number of allowed API requests per minute
// exceeded" for the account limit, "Number of allowed incremental export
// API requests per minute exceeded" for the export limit, Zendesk's "Rate
// limit for ticket updates exceeded, please wait before updating this
// ticket again" for the others.
//
// # Users, organizations and incremental exports
//
// Users and organizations carry user_fields and organization_fields, set
// through the API (merged key by key on update) or the Go hooks. Field
// definitions (GET|POST /user_fields, /organization_fields) are kept and
// listed but do not constrain the values. A deleted user stays, with
// active:false: found by id and in the user export, not by search, email
// or external id, nor among an organization's users.
//
// The user export (cursor-based) answers, from start_time, the users whose
// updated_at is at or after it, then from each after_cursor the users
// written since: each once, in the order of its last write, deleted ones
// included. after_cursor is set even at end_of_stream, so a later poll
// with it gets only later changes. The organization export (time-based)
// answers the organizations updated at or after start_time by updated_at,
// with end_time and next_page for the next page; a page never splits one
// second's organizations, so the next page, which starts at end_time,
// repeats them. Both take per_page up to 1000 (the default) and refuse a
// start_time less than a minute before the sandbox clock with 400.
//
// The ticket export (cursor-based, like the user export) lists tickets in
// the order of their last write, each once in its current version, so a
// ticket changed again comes again; it holds back the tickets written in
// the last minute (a page stops before the first of them), as Zendesk
// does. include=metric_sets adds a top-level metric_sets array.
//
// # Ticket metrics and satisfaction ratings
//
// Every ticket has a metric object, kept as the ticket lives: replies
// counts the public comments of agents after the description, reopens the
// changes from solved (or closed) to another status; reply_time_in_minutes
// runs from creation to the first such reply, first_resolution_time_in_minutes
// to the first solve and full_resolution_time_in_minutes to the latest;
// each is {"calendar": minutes, "business": minutes} and null until it
// happens. The ticket metric list is newest ticket first, with cursor
// (page[size]) or offset pagination.
//
// A solved ticket can be rated good or bad, with a comment; rating it
// again changes its rating. The rating moves the ticket's updated_at, so
// the ticket comes again in the export, and shows in its
// satisfaction_rating as {id, score, comment}. GET /satisfaction_ratings
// filters on score (received, good, bad, each also _with_comment or
// _without_comment; offered and unoffered match nothing), start_time
// (inclusive) and end_time (exclusive) against the rating's created_at,
// oldest first, with cursor (page[size], page[after]) or offset pagination.
//
// POST /users/create_or_update_many takes up to 100 users, matched by email
// then external_id, and answers a job status; the job writes them in the
// background and reports one result per user (index, id, action, status,
// or error and details). Config.BulkUserImportDisabled makes it answer
// 403, as on accounts where Zendesk has not enabled bulk user imports.
//
// # Macros and groups
//
// Macros can be created, listed (GET /macros and /macros/active, sorted
// alphabetically by default, with cursor or offset pagination), shown,
// updated (absent fields are kept; actions replace the list) and deleted.
// Their actions are checked as Zendesk's actions reference describes them:
// status (not new or closed), priority, type, group_id (an existing group
// or ""), assignee_id (an agent, current_user or ""), set_tags,
// current_tags, remove_tags, subject, custom_fields_<id>, comment_value (a
// string or [channel, text]), comment_value_html and comment_mode_is_public
// ("true" or "false"); anything else is rejected with 422. The two apply
// endpoints change nothing: GET /tickets/{id}/macros/{id}/apply answers the
// whole ticket as the macro would leave it, GET /macros/{id}/apply only the
// fields it changes; the comment, its placeholders rendered as a trigger's
// are, is a sibling of the ticket in the result, or inside it with
// Config.MacroCommentInTicket. Groups can be created and listed, and a
// ticket's group_id set to one of them.
//
// A ticket write's metadata is its audit's custom metadata, and shows in
// the comment it adds (metadata.custom).
//
// # Apps
//
// POST /apps/uploads takes an app's zip in the multipart field
// uploaded_data and answers 201 {"id"}. POST /apps ({"name",
// "short_description", "upload_id"}) and PUT /apps/{id} ({"upload_id"})
// answer 202 {"job_id"} and build in the background: the package is read
// and checked by zafapp with the rules of Zendesk's validator, and the
// job at GET /apps/job_statuses/{id} ends "completed" with app_id, or
// "failed" with a message listing the problems. Its first poll always
// answers it queued or working, whatever the build has done, so that a
// client that does not poll fails against the sandbox as against
// Zendesk; WaitJobs waits for builds too. A new app gets an RSA-2048 key,
// which a rebuild keeps, as it keeps the app's installations.
//
// POST /apps/installations ({"app_id", "settings", "enabled"}) answers
// 201 with the installation. It is refused with 422 when the app is not
// there, when a required parameter has neither a value nor a default, or
// when the app is singleInstall and installed already. Installing creates
// the ticket_fields and user_fields of the app's requirements.json
// through the fields' own create (all of them or none), and
// GET /apps/installations/{id}/requirements lists what it created;
// requirements of other types (webhooks, triggers, targets…) are not
// created. Uninstalling (DELETE /apps/installations/{id}, or DELETE
// /apps/{id}, which uninstalls first) deletes those fields, as Zendesk
// does, and a deleted field takes its values off tickets and users.
//
// SignAppToken signs, with an app's key, the token Zendesk posts to a
// signed-URL location (see its documentation for the claims); GET
// /apps/{id}/public_key answers the key that verifies it, as PEM.
//
// # The agent workspace
//
// The workspace is browser pages that need no credential: the sandbox is
// local, and its pages act as the account's admin agent, as if signed in
// to Zendesk. They are served with a Content-Security-Policy that allows
// no inline script or style.
//
//	GET  /agent/tickets/{id}          the ticket, and its ticket_sidebar apps
//	GET  /agent/tickets/{id}/pane     the ticket's pane alone, reloaded in place
//	POST /agent/tickets/{id}/macros/{macro_id}  an agent applies a macro and submits
//	GET  /agent/tickets/new?requester=EMAIL     a new ticket, and its new_ticket_sidebar apps
//	GET  /agent/requester?email=EMAIL           the requester apps get for an email
//	GET  /agent/apps/{id}/assets/{path}         a file of an app's package
//	GET  /agent/workspace.js, /agent/workspace.css
//
// A ticket page shows #ticket-subject, #ticket-status, #ticket-priority
// and #ticket-type (each with data-value), #ticket-requester (data-user-id,
// data-email), #ticket-organization, #ticket-tags (one <li data-tag> per
// tag) and #ticket-comments (one <li data-comment-id data-public="true"
// or "false"> per comment, oldest first, internal notes marked), inside
// #ticket-pane; the new-ticket page has the input #requester-email. In
// the sidebar (#app-sidebar, 320px), each enabled installation whose app
// has the page's location is an <iframe class="app-frame"
// data-installation-id data-app-id data-app-guid data-location>. Its URL
// gets origin (the page's origin) and app_guid (new for each frame) in
// its query, as Zendesk's does, and {{setting.NAME}} filled in. An
// absolute URL with signed URLs on is loaded by an auto-submitted <form
// class="app-form" method="post" target="{frame's name}"> whose one
// field, token, is SignAppToken's for the admin; an absolute URL without
// by GET; a file of the package (assets/…) from /agent/apps/{id}/assets/.
//
// workspace.js plays Zendesk's side of the ZAF SDK's postMessage
// protocol: it registers an app on its iframe.handshake
// (zaf.app.registered with the context and metadata: the installation's
// settings with the manifest's defaults, secure ones left out); answers
// get requests for ticket (id, subject, description, status, priority,
// type, tags, requester, organization), currentUser and currentAccount,
// any path under them, with APIUnavailable errors for the rest; performs
// the invoke actions resize and macro (which posts to the macro endpoint
// above, then reloads the ticket's pane, not the apps); keeps the apps'
// iframe.on and iframe.off subscriptions, and posts ticket.<path>.changed
// events after a macro, ticket.requester.email.changed when the new
// ticket's requester changes, and app.activated once. The macro endpoint
// saves what GET /tickets/{id}/macros/{macro_id}/apply shows, as one
// update by the admin (triggers run); it refuses a request another site's
// page sends (http.CrossOriginProtection). For browser tests,
// window.sandboxWorkspace.log keeps every message, and
// window.sandboxWorkspace.subscriptions(installationId) lists the events
// an app subscribed to.
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
// results; nothing is written. LostResponseRate executes a write (POST,
// PUT, PATCH, DELETE) and then loses its answer, a 503 and a dropped
// connection in turn: what a timeout between a client and Zendesk looks
// like. JobDelay keeps each update_many job queued that long, which lets a
// test fill the account's 30 job slots. The requests faulted are picked by
// a random source seeded with Seed. FailRoute makes one endpoint answer a
// status without executing, as an account or proxy that lacks it (404) or
// an endpoint that is down (503).
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
//   - Incremental exports: the 400 bodies (start_time missing or less than a
//     minute old), the cursors (opaque), before_cursor (the cursor asked
//     with), next_page being set at end_of_stream too, pages that never
//     split a second, and a user export that does not hold back the last
//     minute. Whether Zendesk's time-based pages overlap is not known; the
//     sandbox's do (start_time is inclusive), so clients must drop
//     duplicates by id and updated_at.
//   - Business minutes follow a default schedule, Monday to Friday 09:00 to
//     17:00 UTC without holidays: the sandbox's choice, as Zendesk's
//     depends on the account's schedules.
//   - metric_sets on the ticket export holds ticket_metric objects, as
//     GET /tickets/{id}/metrics gives them, one per ticket of the page in
//     the same order. The metric fields not emulated (requester_updated_at,
//     custom_status_updated_at, reply_time_in_seconds, the agent wait,
//     requester wait and on-hold times) are null; group_stations is 0.
//     A reopened ticket keeps its last solved_at and full resolution time
//     until it is solved again.
//   - Satisfaction ratings: any credential may rate (Zendesk allows only the
//     requester), POST answers 200 with {"satisfaction_rating": {…}}, a
//     ticket that is not solved answers 422 on status, a score other than
//     good or bad 422 on score; reason, reason_id and group_id are null.
//     An unknown score filter answers 400.
//   - ImportTicket: the replies are the assignee's (else the admin's),
//     the first at FirstReplyAt and the others spread evenly up to
//     SolvedAt, which is both the first and the full resolution.
//   - create_or_update_many: the 403 body (Zendesk's classic Forbidden), the
//     job_type "bulk_create_or_update_users", and results that carry index,
//     email and external_id besides id, action ("create", "update") and
//     status ("Created", "Updated"). A new user needs a name, as with
//     POST /users.
//   - user_fields and organization_fields given on update are merged into
//     the stored ones key by key; their keys and values are not checked
//     against the field definitions (Zendesk validates them).
//   - Deleted users' emails and external ids are free for new users; a
//     deleted user cannot be deleted again (404), nor can the admin (422).
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
//   - Apps API: GET /apps/{id} and the installation endpoints answer the
//     object itself, not wrapped, as Zendesk's examples show; an app shows
//     Zendesk's documented fields that its manifest gives, and an
//     installation's settings (and settings_objects) leave out secure
//     parameters. An app job's total is 1 and its progress 0 or 1; the
//     first poll's "working" is the sandbox's choice. app_id and upload_id
//     may be numbers or strings of digits (zcli sends strings). Refusals
//     are 422 RecordInvalid naming the field; an unknown upload_id is one.
//   - A signed-URL token lives 5 minutes and its times follow the sandbox
//     clock (Config.Now).
//   - PUT of a ticket or user field keeps its key and type (422 when the
//     body changes them); options given replace the field's, keeping the
//     ids of those with an id or value it had, and values already set
//     stay. Deleting a field does not move the updated_at of the tickets
//     and users that lose its value; a system ticket field cannot be
//     deleted (422).
//   - In the workspace, an unset priority or type is null to apps; a
//     new ticket's id is null, and its requester null until an email is
//     typed.
//
// # Fidelity
//
// The conformance package beside this one measures the sandbox: node-zendesk
// 6 calls every endpoint (Routes), and every answer is checked against
// Zendesk's own OpenAPI document where it describes the endpoint (it
// leaves out the Webhooks and Apps APIs). The answers differ from that document
// only where real Zendesk does too: a 404 RecordNotFound where the document
// lists none, ticket_metric as an object, a macro apply's fields as an
// array, and nulls the document forbids and real accounts' answers show
// (docs/sandbox.md lists each with its evidence). Where nothing shows
// Zendesk sends null, the sandbox does not: tickets carry the account's
// brand_id, ticket_form_id and custom_status_id, and leave out group_id
// and organization_id when they have none. Following the document, a
// satisfaction rating's show and create answer it in an array, a macro
// create answers 200, and bulk user results are {id, index, status} for a
// create and {id, action, status, success} for an update.
//
// # Known limits
//
// Search (GET /search, GET /users/search) takes Zendesk's syntax: type:,
// field:value (quoted values, < and > on status, priority, ticket_type and
// dates) and free text; it ranks by id rather than relevance, and reaches
// the first 1,000 results (then 422). Trigger categories: a new account
// holds one (DefaultTriggerCategory); a trigger created with neither
// category_id nor category goes in the first by position (whether Zendesk
// does so or refuses is not settled). Unrated tickets show
// satisfaction_rating {"score":"unoffered"}, and {"score":"offered"} once
// solved, as if Zendesk's default survey automation had run. Ticket
// custom_fields name every custom ticket field (null when unset); values
// for ids that are not ticket fields are kept as given.
//
// Not emulated: the ticket event, metric event and sample exports, the
// ticket import API (POST /imports/tickets: use ImportTicket), the
// satisfaction rating count, CSAT surveys, audit lists, group updates and
// memberships, brands, ticket forms, attachments and uploads, macro
// definitions and bulk updates, automations, trigger reorder and bulk
// updates, trigger category jobs, webhook clone/test/invocations,
// event-subscription webhooks, side conversations, search export and
// count, email. Trigger conditions
// are limited to update_type, status, priority, current_tags and
// ticket_is_public; actions to notification_webhook, status, priority, type,
// set_tags, current_tags and remove_tags; anything else is rejected with 422
// naming the field. Placeholders are substituted, not run through Liquid:
// filters and tags are not supported. Endpoint rate limits other than the
// ticket-update and incremental export ones (user and organization updates,
// list pagination…) are not emulated, nor is the account-wide 100,000/min
// ceiling; jobs never expire.
//
// Apps: POST /apps/validate, app locations other than support's
// ticket_sidebar and new_ticket_sidebar, and zcli's older paths
// (/api/apps.json, /api/support/apps/installations.json) are not
// emulated; a rebuild does not create or delete requirements; requirements
// other than ticket_fields and user_fields are not created. In the
// workspace, tickets change only by macros; the new-ticket form is not
// submitted; apps' client.request is not proxied (it fails with 501),
// set answers APIUnavailable for every path, and secure settings are
// never substituted.
package sandbox

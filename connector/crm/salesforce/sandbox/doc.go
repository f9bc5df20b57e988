// Package sandbox emulates the slice of the Salesforce REST API that
// cohort's Salesforce source reads, so that tests and demos can run without
// an org. It is a real HTTP server: point a client at URL(), which is both
// the login URL (for the token endpoint) and the instance URL.
//
// The package owns the emulated org's state, all in memory: Accounts and
// Contacts with their standard fields and the custom fields of
// Config.CustomFields (DefaultCustomFields unless set), live or in the
// Recycle Bin; the OAuth sessions; the open query cursors; the daily API
// counter. Tests change the data between requests with the mutation hooks
// (InsertAccount, InsertContact, Update, Delete, Undelete, Merge,
// EmptyRecycleBin), read the clock from Config.Now, and see what was served
// in Stats.
//
// It imports only the standard library and no other package of this
// module, so that any layer may use it in tests.
//
// # Endpoints
//
//	POST /services/oauth2/token                        grant_type=refresh_token | client_credentials
//	GET  /services/data/                               the version list (also without the slash)
//	GET  /services/data/vNN.N/query?q=<SOQL>           also …/query/?q=
//	GET  /services/data/vNN.N/queryAll?q=<SOQL>        also …/queryAll/?q=; deleted rows included
//	GET  /services/data/vNN.N/query/<locator>-<offset> the next batch of a query or queryAll
//	GET  /services/data/vNN.N/sobjects/{Account|Contact}/updated/?start=&end=
//	GET  /services/data/vNN.N/sobjects/{Account|Contact}/deleted/?start=&end=
//	GET  /services/data/vNN.N/sobjects/{Account|Contact}/describe/
//
// Any vNN.N is accepted; another version segment, and any other path,
// answers 404 NOT_FOUND. Errors are Salesforce's JSON array
// [{"message":"…","errorCode":"…"}]; the token endpoint's are
// {"error":"…","error_description":"…"}.
//
// # Sessions and limits
//
// The token endpoint checks Config.ClientID and ClientSecret (form fields,
// or Basic auth for client_credentials) and, for refresh_token,
// Config.RefreshToken, and answers access_token, instance_url (the base URL
// the request came to), id, token_type, issued_at and signature.
// API requests need "Authorization: Bearer <token>" of a live session, or
// answer 401 INVALID_SESSION_ID. A session ends when unused for
// Config.SessionTimeout (2 hours) or when ExpireTokens is called.
//
// Every API response carries "Sforce-Limit-Info: api-usage=<used>/<max>"
// and Date (from Config.Now). Authenticated API requests count against
// Config.DailyLimit; once it is reached, requests answer 403
// REQUEST_LIMIT_EXCEEDED until the 24-hour window restarts.
//
// # SOQL subset
//
//	SELECT path, … FROM Account|Contact
//	  [WHERE cond] [ORDER BY path [ASC|DESC], …] [LIMIT n]
//
// A path is a field of the object (standard, or custom "__c") or, from
// Contact, a field of its Account: "Account.Name", "Account.Plan__c".
// Conditions are "path op literal" with op one of = != <> < <= > >=, and
// "path IN (literal, …)", joined by AND or by OR (mixing them needs
// parentheses, as in SOQL) and grouped with parentheses. Literals are
// 'strings' (backslash escapes), numbers, dates (2022-04-29, for date
// fields), datetimes (2026-01-01T00:00:00Z or ±hh:mm, unquoted, for
// datetime fields), TRUE, FALSE and NULL (with = and != only). Names and
// keywords are case-insensitive; text compares case-insensitively; a null
// field equals only NULL and differs from every value; ORDER BY puts nulls
// first ascending, last descending, and keeps insertion order among equals.
// query leaves deleted rows out; queryAll keeps them, IsDeleted true.
//
// Anything else (functions, subqueries, OFFSET, LIKE, NOT, GROUP BY, …)
// answers 400 MALFORMED_QUERY; an unknown field or relationship 400
// INVALID_FIELD, as does a literal of the wrong type; an unknown object 400
// INVALID_TYPE. Messages follow Salesforce's layout: the query line, a
// caret, "ERROR at Row:1:Column:N", the reason.
//
// # Query results
//
// Records are typed JSON in the order selected, after "attributes" (type
// and url): text as strings, numbers unquoted (doubles as Java writes them:
// 250000.0, 1.5E7), booleans native, null for empty, dates "2022-04-29",
// datetimes "2026-09-15T09:00:00.000+0000". Selected Account fields nest
// in an "Account" object with attributes of its own, or "Account": null.
//
// A query snapshots the ids it matched and answers batches of
// min(Sforce-Query-Options batchSize clamped to 200…2000, 2000,
// Faults.MaxBatchSize) records: totalSize (the ids matched, the same on
// every batch), done, nextRecordsUrl
// /services/data/vNN.N/query/<locator>-<offset> while not done (for
// queryAll too), records. Each batch reads its records as they are when it
// is served: a row deleted since the query is left out of a query's batch
// (which then holds fewer records), a purged row out of any. A cursor
// closes when its last batch is served, or CursorLifetime (2 days) after
// the query; an unknown or closed locator answers 400
// INVALID_QUERY_LOCATOR. Faults.ShortBatchEvery cuts batches short or
// empty with done:false.
//
// # Data
//
// Ids are 18 characters: 001… for Accounts, 003… for Contacts, with the
// case-encoding suffix. Every insert, update, delete, undelete and merge
// sets SystemModstamp and LastModifiedDate to Config.Now at millisecond
// precision. Contact.Name is FirstName and LastName joined. Deleting an
// Account deletes its Contacts; undeleting it restores them. Merge deletes
// the losers with MasterRecordId set to the master, moves an Account
// loser's Contacts to the master, and bumps the master.
//
// The replication feeds truncate start and end to the minute and end to
// now, need start before end, and reach 30 days back (updated) or 15
// (deleted), else 400 INVALID_REPLICATION_DATE. updated lists live records
// with SystemModstamp in [start, end), 400 EXCEEDED_ID_LIMIT over
// Config.ReplicationIDLimit; deleted lists records in the Recycle Bin
// deleted in [start, end), earliestDateAvailable being the later of New and
// the last EmptyRecycleBin. latestDateCovered is end.
//
// # Faults
//
// Faults (Config.Faults, SetFaults) answer API requests 503
// SERVER_UNAVAILABLE, the next Unavailable ones or an ErrorRate share,
// before authentication and the daily count; MaxBatchSize and
// ShortBatchEvery/ShortBatchSize shape query batches.
//
// # Choices where the reference is UNCONFIRMED
//
//   - Token errors: invalid_client_id "client identifier invalid",
//     invalid_client "invalid client credentials", invalid_grant
//     "expired access/refresh token", unsupported_grant_type, all 400. No
//     expires_in; sessions expire after SessionTimeout unused.
//   - The version list's entries are {"label","url","version"}, v59.0 to
//     v67.0; any other vNN.N is served too.
//   - INVALID_QUERY_LOCATOR, EXCEEDED_ID_LIMIT, INVALID_REPLICATION_DATE and
//     MISSING_ARGUMENT (start or end missing) answer 400.
//   - Datetime literals with fractional seconds are rejected
//     (MALFORMED_QUERY) unless Config.FractionalSeconds is set.
//   - A cursor's later batches show the records' current values, not those
//     at query time, and leave out rows deleted since (query only).
//   - A field selected twice is MALFORMED_QUERY "duplicate field selected".
//   - The daily window is fixed (it restarts 24 hours after it began), not
//     rolling; 401s, 403s and faulted requests do not count.
//   - 503 answers carry no Retry-After.
//   - Doubles are written like Java's Double.toString (1.5E7).
//   - Deleting an Account cascades to its Contacts; merging at most three
//     records (a master and two losers).
//
// # Known limits
//
// Not emulated: other objects and relationships (Owner, MasterRecord, custom
// __r), writes over HTTP (the hooks stand in), SOQL beyond the subset above
// (date functions and literals such as LAST_N_DAYS, aggregate queries,
// LIKE, INCLUDES, semi-joins), GET …/limits, composite and bulk APIs,
// field-level security and sharing (every session sees everything), the
// concurrent long-request limit, and automatic purge of the Recycle Bin
// after 15 days (call EmptyRecycleBin).
package sandbox

// Package sandbox emulates the slice of HubSpot's CRM API that cohort's
// HubSpot source reads — contacts, companies, their associations and
// properties — so that tests and demos run without a HubSpot account. It is
// a real HTTP server: point any HubSpot client at URL() instead of
// https://api.hubapi.com, with "Authorization: Bearer <Config.Token>".
//
// The package owns the emulated account's state, all in memory: contacts
// and companies with string-typed properties, their associations, and the
// property definitions. The API is read-only; tests write through Go hooks
// (CreateContact, CreateCompany, Update, Archive, Unarchive, Merge,
// Associate, DefineProperty) and read back with Get. Creating, updating,
// unarchiving or merging into an object bumps its lastmodifieddate
// (contacts) or hs_lastmodifieddate (companies) and updatedAt, to the
// millisecond, in UTC ("2024-09-11T13:27:39.356Z"), as does giving a
// contact a primary company. Ids are decimal strings above 2^31. Time is
// Config.Now, so tests can move it.
//
// It imports only the standard library and no other package of this module,
// so that any layer may use it in tests.
//
// # Emulated endpoints
//
//	GET  /crm/v3/objects/{contacts|companies}
//	     limit (default 10, at most 100), after, properties (comma-separated
//	     and/or repeated), associations=companies|contacts, archived
//	GET  /crm/v3/objects/{type}/{id}
//	     the same parameters but limit and after, plus idProperty
//	POST /crm/v3/objects/{type}/batch/read[?archived=]
//	     {"inputs":[{"id"}],"properties":[…],"idProperty"}, at most 100 inputs
//	POST /crm/v3/objects/{type}/search
//	     filterGroups, sorts, properties, limit (default 10, at most 200),
//	     after (an offset), query
//	GET  /crm/v4/objects/{type}/{id}/associations/{toType}
//	     limit (default and at most 500), after
//	POST /crm/v4/associations/{type}/{toType}/batch/read
//	     {"inputs":[{"id","after"}]}, at most 1,000 inputs
//	GET  /crm/v3/properties/{type}[?archived=]
//
// The date-versioned paths /crm/objects/{YYYY-MM}/… answer as their
// /crm/v3/objects/… twins. Anything else answers 404 OBJECT_NOT_FOUND.
//
// Lists walk objects by ascending id; the cursor encodes the last id
// returned, so objects created, archived or updated during a walk neither
// skip nor repeat the others, and an object updated mid-walk shows its
// current values. The last page has no paging; an empty list is
// {"results":[]}. Search pages by offset and re-evaluates every page, so
// that writes between pages shift rows as on HubSpot; archived objects never
// match.
//
// Errors use HubSpot's body {"status":"error","message","correlationId",
// "category",…}: 400 VALIDATION_ERROR (bad parameters, an unknown object
// type, a garbage after cursor, too many filters, limits out of range), 401 INVALID_AUTHENTICATION
// (no or another token), 403 MISSING_SCOPES (Config.Scopes lacks
// crm.objects.{contacts,companies}.read, or crm.schemas.{type}.read for
// properties), 404 OBJECT_NOT_FOUND. Batch reads answer 207 with errors and
// numErrors when some inputs fail. Every response carries
// X-HubSpot-Correlation-Id, repeated as the body's correlationId, and a Date
// on the sandbox clock.
//
// # Rate limits
//
// Every request other than search counts against a rolling window of
// Config.RateWindow (10 s) per token; every request counts against a daily
// count that resets at midnight in Config.Location; search requests count
// against a rolling one-second window. A limit is enforced only when its
// Config field is set (TenSecondlyLimit, DailyLimit, SearchLimit);
// otherwise the headers report HubSpot's Free/Starter numbers. Answers
// other than search's carry X-HubSpot-RateLimit-Daily, -Daily-Remaining,
// -Interval-Milliseconds, -Max, -Remaining, -Secondly and
// -Secondly-Remaining. A request over a limit is answered 429 without being
// served or counted: {"status":"error","message":"You have reached your
// daily limit.","errorType":"RATE_LIMIT","correlationId","policyName":
// "DAILY","requestId"} for the daily limit, policyName TEN_SECONDLY_ROLLING
// for the burst window, and for search the message "You have reached your
// secondly limit." without rate-limit headers. Only authenticated requests
// count.
//
// # Knobs and faults
//
// Config.SearchResultCap lowers search's 10,000-result ceiling so that tests
// reach it quickly; Config.IndexLag keeps writes invisible to search for a
// while; Config.NumericAssociationIDs writes v4 toObjectId as numbers.
// Faults (Config.Faults, SetFaults) answer chosen requests — the nth, of a
// route or of all — with 500, 503, any of the three 429s, or a dropped
// connection; add latency; and answer every nth list page empty with a
// paging.next that resumes at the same place. Stats counts requests by
// route, answers by status, 429s by policy and faults by kind.
//
// # Choices where the reference sheet says UNCONFIRMED
//
//   - limit above the maximum (100 for lists, 200 for search, 500 for v4) is
//     a 400, not clamped: a client that passes here cannot be caught out by
//     HubSpot refusing it.
//   - A garbage after cursor is a 400 VALIDATION_ERROR. The cursor is the
//     base64 of "<id>\n", URL-escaped as in HubSpot's example
//     ("NTI1Cg%3D%3D"); it is accepted escaped or not.
//   - Without properties, lists and reads return the search defaults;
//     requested properties the account knows come back null when unset,
//     unknown ones are left out, and no property is added unasked.
//   - Inline associations (associations=companies) list every associated
//     object, uncapped: the primary company as contact_to_company and, for
//     every company, contact_to_company_unlabeled (company_to_contact… the
//     other way), by ascending id.
//   - v4 toObjectId is a string (HS-OAS), or a number with
//     Config.NumericAssociationIDs. Primary associations carry typeId 1
//     (contact→company) or 2 (company→contact) labelled "Primary", plus the
//     unlabeled 279 or 280; others only the unlabeled type.
//   - A v4 batch read reports an id with no associations as an error
//     (subCategory crm.associations.NO_ASSOCIATIONS_FOUND) with 207, and
//     allows 1,000 inputs and 500 objects per input page. A v4 list of an
//     unknown or archived object is a 404.
//   - Batch reads keep the input order, return a repeated id once, and put
//     all unknown ids in one OBJECT_NOT_FOUND error with context.ids.
//   - Search allows 5 filter groups, 10 filters per group and 25 in all (the
//     laxest limits the sources give) and a 3,000-character body. A filter
//     on an unknown property is a 400. NEQ, NOT_IN and NOT_CONTAINS_TOKEN
//     match objects without the property. CONTAINS_TOKEN matches the whole
//     value or a word of it (split on spaces and ";"). Objects without the
//     sort property sort last; ties keep creation order. A sort may be an
//     object or a bare property name (ascending). The query searches email,
//     names, phone and company (contacts) or name, domain, website and phone
//     (companies) for a substring.
//   - The last search page before the cap still carries paging.next (which
//     then answers 400), as total counts every match.
//   - Search requests count against the daily limit but not the burst
//     window; the 429 search body's policyName is SECONDLY. 429s carry no
//     Retry-After. The burst 429's message is "You have reached your
//     ten_secondly_rolling limit.". X-HubSpot-RateLimit-Secondly is the
//     burst limit per second.
//   - The 401 bodies say "Authentication credentials not found…" without a
//     token and "Authentication credentials are invalid…" with a wrong one;
//     the 403 lists the missing scopes in errors[0].context
//     .requiredGranularScopes. Injected 500 and 503 use the error body with
//     category INTERNAL_ERROR.
//   - Archiving keeps the object's properties and last-modified date and
//     sets archivedAt; archived objects drop out of associations.
//     Unarchiving bumps the object. A merged-away object is archived, its id
//     resolves to the surviving object in reads, and the survivor lists it
//     in hs_merged_object_ids. Making a company a contact's primary one sets
//     the contact's associatedcompanyid and bumps the contact; unlabeled
//     associations bump nothing.
//   - Properties the account does not know, when a hook writes them, become
//     custom text properties; DefineProperty gives them another type.
//
// # Known limits
//
// Not emulated: writes through the API (create, update, archive, merge,
// associate, GDPR delete), objects other than contacts and companies,
// propertiesWithHistory (accepted, ignored), association labels other than
// Primary, company-to-company associations, property groups and
// per-property reads, OAuth token introspection, webhooks, and the
// marketplace apps' separate limits.
package sandbox

// suite.mjs drives a Zendesk account (the cohort sandbox, or any other)
// with node-zendesk 6, calling every endpoint the sandbox serves. Each call
// is one named check; it fails if node-zendesk throws, or if the result
// lacks what the method's callers rely on (a list is an array, a show is
// the object asked for...). It prints one JSON line per check,
//
//	{"name":"tickets.list","ok":true}
//	{"name":"tickets.show","ok":false,"error":"status 404: {\"error\":…}"}
//
// and a last line {"summary":{"passed":N,"total":M}}; it exits 1 when a
// check failed.
//
// Environment: SANDBOX_URL (the account's base URL, without /api/v2),
// SANDBOX_EMAIL and SANDBOX_TOKEN (an API token of an admin),
// SANDBOX_WEBHOOK_ENDPOINT (where the webhook it creates delivers; by
// default an address that refuses connections), and SANDBOX_APP_ZIP (the
// zip of a Zendesk app, which the suite uploads, builds, installs and
// deletes through the Apps API; without it the suite leaves apps alone).
//
// Endpoints node-zendesk has no method for are called through its generic
// request method, and their checks are named "request <METHOD> <path>";
// the few whose request or answer is not JSON are called with fetch, and
// named "fetch <METHOD> <path>".

import { readFile } from "node:fs/promises";
import process from "node:process";
// node-zendesk is CommonJS, bundled: its exports are not named ones.
import zendesk from "node-zendesk";

const { createClient } = zendesk;

const env = (name, fallback) => {
	const value = process.env[name] ?? fallback;
	if (value === undefined || value === "") {
		console.error(`suite.mjs: set ${name}`);
		process.exit(2);
	}
	return value;
};

const baseURL = env("SANDBOX_URL").replace(/\/+$/, "");
const email = env("SANDBOX_EMAIL");
const hookEndpoint = env("SANDBOX_WEBHOOK_ENDPOINT", "http://127.0.0.1:9/hook");

const token = env("SANDBOX_TOKEN");
const appZip = process.env.SANDBOX_APP_ZIP ?? "";

const client = createClient({
	username: email,
	token,
	endpointUri: `${baseURL}/api/v2`,
	// Errors keep the status and the body of the answer.
	throwOriginalException: true,
});

// startTime is an hour ago, in Unix seconds: the incremental exports take
// no start time in the last minute.
const startTime = Math.floor(Date.now() / 1000) - 3600;
// run tells apart the users and organizations of two runs on one account.
const run = Date.now().toString(36);

let passed = 0;
let total = 0;

// check runs fn as the check called name, prints its outcome, and returns
// fn's value, or undefined when it failed.
async function check(name, fn) {
	total++;
	try {
		const value = await fn();
		passed++;
		console.log(JSON.stringify({ name, ok: true }));
		return value;
	} catch (error) {
		console.log(JSON.stringify({ name, ok: false, error: describe(error) }));
		return undefined;
	}
}

// describe says why a check failed: the status and the start of the body
// of an answer node-zendesk refused, or the error's message.
function describe(error) {
	if (error && error.statusCode !== undefined) {
		const body = error.result === undefined ? "" : JSON.stringify(error.result);
		return `status ${error.statusCode}: ${excerpt(body)}`;
	}
	return excerpt(String(error?.message ?? error));
}

// excerpt returns the start of text (JSON.stringify's undefined included).
function excerpt(text) {
	const s = String(text);
	return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

// expect throws with message unless ok.
function expect(ok, message) {
	if (!ok) {
		throw new Error(message);
	}
}

// need returns value, or throws if an earlier check did not provide it.
function need(value, what) {
	expect(value !== undefined && value !== null, `needs ${what}, which an earlier check did not provide`);
	return value;
}

// shown checks that a show returned the object asked for.
function shown(object, id, what) {
	expect(object && typeof object === "object", `${what}: expected an object, got ${excerpt(JSON.stringify(object))}`);
	expect(String(object.id) === String(id), `${what}: expected id ${id}, got ${object.id}`);
	return object;
}

// one checks that list holds exactly one object, and returns it.
function one(list, what) {
	expect(Array.isArray(list) && list.length === 1, `${what}: expected an array of one, got ${excerpt(JSON.stringify(list))}`);
	return list[0];
}

// created checks that a create returned an object with an id.
function created(object, what) {
	expect(object && object.id !== undefined && object.id !== null, `${what}: expected an object with an id, got ${excerpt(JSON.stringify(object))}`);
	return object;
}

// listed checks that a list returned an array holding every id in ids.
function listed(list, ids, what) {
	expect(Array.isArray(list), `${what}: expected an array, got ${excerpt(JSON.stringify(list))}`);
	for (const id of ids) {
		expect(list.some((item) => item && String(item.id) === String(id)), `${what}: ${id} is not in the list of ${list.length}`);
	}
	return list;
}

// array checks that value is an array.
function array(value, what) {
	expect(Array.isArray(value), `${what}: expected an array, got ${excerpt(JSON.stringify(value))}`);
	return value;
}

// Users, fields and organizations.

await check("users.me", async () => {
	const { result } = await client.users.me();
	expect(result?.email === email.toLowerCase(), `expected the user ${email}, got ${excerpt(JSON.stringify(result))}`);
});

await check("userfields.create", async () => {
	const { result } = await client.userfields.create({ user_field: { type: "text", key: `plan_${run}`, title: "Plan" } });
	return created(result, "user field");
});
await check("userfields.list", async () => array(await client.userfields.list(), "user fields"));

await check("organizationfields.create", async () => {
	const { result } = await client.organizationfields.create({
		organization_field: {
			type: "dropdown", key: `tier_${run}`, title: "Tier",
			custom_field_options: [{ name: "Gold", value: "gold" }, { name: "Silver", value: "silver" }],
		},
	});
	return created(result, "organization field");
});
await check("organizationfields.list", async () => array(await client.organizationfields.list(), "organization fields"));

const orgExternalID = `acme-${run}`;
const org = await check("organizations.create", async () => {
	const { result } = await client.organizations.create({
		organization: { name: `Acme ${run}`, external_id: orgExternalID, domain_names: [`acme-${run}.example`], tags: ["enterprise"] },
	});
	return created(result, "organization");
});
await check("organizations.show", async () => {
	const { result } = await client.organizations.show(need(org, "an organization").id);
	shown(result, org.id, "organization");
});
await check("organizations.update", async () => {
	const { result } = await client.organizations.update(need(org, "an organization").id, { organization: { notes: "Renews in March" } });
	shown(result, org.id, "organization");
	expect(result.notes === "Renews in March", `notes not updated: ${excerpt(JSON.stringify(result))}`);
});
await check("organizations.showMany", async () => {
	listed(await client.organizations.showMany([need(org, "an organization").id]), [org.id], "organizations");
});
await check("organizations.search", async () => {
	listed(await client.organizations.search(orgExternalID), [need(org, "an organization").id], "organizations");
});
await check("organizations.list", async () => {
	listed(await client.organizations.list(), [need(org, "an organization").id], "organizations");
});

const requesterEmail = `jane.${run}@acme.example`;
const requesterExternalID = `cust-${run}`;
const requester = await check("users.create", async () => {
	const { result } = await client.users.create({
		user: {
			name: `Jane Customer ${run}`, email: requesterEmail, external_id: requesterExternalID,
			organization_id: org?.id, phone: "+15555550100", tags: ["vip"],
		},
	});
	return created(result, "user");
});
const agent = await check("users.create (agent)", async () => {
	const { result } = await client.users.create({ user: { name: `Alex Agent ${run}`, email: `alex.${run}@support.example`, role: "agent" } });
	return created(result, "user");
});
await check("users.createOrUpdate", async () => {
	const { result } = await client.users.createOrUpdate({ user: { name: "Sam Upsert", email: `sam.${run}@acme.example` } });
	created(result, "user");
});
await check("users.show", async () => {
	const { result } = await client.users.show(need(requester, "a user").id);
	shown(result, requester.id, "user");
});
await check("users.update", async () => {
	const { result } = await client.users.update(need(requester, "a user").id, { user: { notes: "Prefers email" } });
	shown(result, requester.id, "user");
	expect(result.notes === "Prefers email", `notes not updated: ${excerpt(JSON.stringify(result))}`);
});
await check("users.showMany", async () => {
	const { result } = await client.users.showMany([need(requester, "a user").id, need(agent, "an agent").id]);
	listed(result, [requester.id, agent.id], "users");
});
await check("users.search (email)", async () => {
	listed(await client.users.search({ query: `email:${requesterEmail}` }), [need(requester, "a user").id], "users");
});
await check("users.search (external_id)", async () => {
	listed(await client.users.search({ external_id: requesterExternalID }), [need(requester, "a user").id], "users");
});
await check("users.search (name)", async () => {
	listed(await client.users.search({ query: `name:"Jane Customer ${run}"` }), [need(requester, "a user").id], "users");
});
await check("users.list", async () => {
	listed(await client.users.list(), [need(requester, "a user").id, need(agent, "an agent").id], "users");
});
await check("users.listByOrganization", async () => {
	listed(await client.users.listByOrganization(need(org, "an organization").id), [need(requester, "a user").id], "users");
});
const bulkJob = await check("users.createOrUpdateMany", async () => {
	const { result } = await client.users.createOrUpdateMany({
		users: [{ name: "Bulk One", email: `bulk1.${run}@acme.example` }, { name: "Bulk Two", email: `bulk2.${run}@acme.example` }],
	});
	return created(result?.job_status, "job status");
});
await check("jobstatuses.show", async () => {
	const { result } = await client.jobstatuses.show(need(bulkJob, "a job").id);
	shown(result?.job_status, bulkJob.id, "job status");
});
await check("jobstatuses.watch", async () => {
	const status = await client.jobstatuses.watch(need(bulkJob, "a job").id, 50, 5);
	expect(status?.status === "completed", `job ended ${excerpt(JSON.stringify(status))}`);
	array(status.results, "job results");
});
const leaving = await check("users.create (to delete)", async () => {
	const { result } = await client.users.create({ user: { name: "Leaving User", email: `leaving.${run}@acme.example` } });
	return created(result, "user");
});
await check("users.delete", async () => {
	const { result } = await client.users.delete(need(leaving, "a user to delete").id);
	expect(result?.active !== true, `the deleted user is still active: ${excerpt(JSON.stringify(result))}`);
});

// Groups and ticket fields.

const group = await check("groups.create", async () => {
	const { result } = await client.groups.create({ group: { name: `Tier 2 ${run}`, description: "Escalations" } });
	return created(result, "group");
});
await check("groups.list", async () => listed(await client.groups.list(), [need(group, "a group").id], "groups"));
const ticketField = await check("ticketfields.create", async () => {
	const { result } = await client.ticketfields.create({ ticket_field: { type: "text", title: `Order number ${run}` } });
	return created(result, "ticket field");
});
await check("ticketfields.list", async () => listed(await client.ticketfields.list(), [need(ticketField, "a ticket field").id], "ticket fields"));
await check("ticketfields.show", async () => {
	const { result } = await client.ticketfields.show(need(ticketField, "a ticket field").id);
	shown(result, ticketField.id, "ticket field");
});
await check("ticketfields.update", async () => {
	const { result } = await client.ticketfields.update(need(ticketField, "a ticket field").id, { ticket_field: { description: "From the shop" } });
	shown(result, ticketField.id, "ticket field");
});
const spareTicketField = await check("ticketfields.create (to delete)", async () => {
	const { result } = await client.ticketfields.create({ ticket_field: { type: "checkbox", title: `Spare ${run}` } });
	return created(result, "ticket field");
});
await check("ticketfields.delete", async () => {
	await client.ticketfields.delete(need(spareTicketField, "a ticket field to delete").id);
});
const userField = await check("userfields.create (to change)", async () => {
	const { result } = await client.userfields.create({ user_field: { type: "text", key: `nickname_${run}`, title: "Nickname" } });
	return created(result, "user field");
});
await check("userfields.show", async () => {
	const { result } = await client.userfields.show(need(userField, "a user field").id);
	shown(result, userField.id, "user field");
});
await check("userfields.update", async () => {
	const { result } = await client.userfields.update(need(userField, "a user field").id, { user_field: { description: "What to call them" } });
	shown(result, userField.id, "user field");
});
await check("userfields.delete", async () => {
	await client.userfields.delete(need(userField, "a user field").id);
});

// A webhook, trigger categories and triggers.

const webhookBody = (name) => ({
	webhook: {
		name, endpoint: hookEndpoint, http_method: "POST", request_format: "json", status: "active",
		subscriptions: ["conditional_ticket_events"],
		authentication: { type: "bearer_token", add_position: "header", data: { token: "hook-secret" } },
	},
});
const webhook = await check("webhooks.create", async () => {
	const { result } = await client.webhooks.create(webhookBody("Ticket solved"));
	return created(result, "webhook");
});
await check("webhooks.list", async () => listed(await client.webhooks.list(), [need(webhook, "a webhook").id], "webhooks"));
await check("webhooks.show", async () => {
	const { result } = await client.webhooks.show(need(webhook, "a webhook").id);
	shown(result, webhook.id, "webhook");
});
await check("webhooks.getSigningSecret", async () => {
	const { result } = await client.webhooks.getSigningSecret(need(webhook, "a webhook").id);
	expect(typeof result?.signing_secret?.secret === "string", `no secret: ${excerpt(JSON.stringify(result))}`);
});
await check("webhooks.update", async () => {
	await client.webhooks.update(need(webhook, "a webhook").id, webhookBody("Ticket solved (v2)"));
});
await check("webhooks.patch", async () => {
	await client.webhooks.patch(need(webhook, "a webhook").id, { webhook: { name: "Ticket solved (v3)" } });
});

const category = await check("request POST trigger_categories", async () => {
	const { result } = await client.triggers.request("POST", ["trigger_categories"], { trigger_category: { name: `Notifications ${run}` } });
	return created(result?.trigger_category, "trigger category");
});
await check("request GET trigger_categories", async () => {
	const { result } = await client.triggers.request("GET", ["trigger_categories"]);
	listed(result?.trigger_categories, [need(category, "a trigger category").id], "trigger categories");
});
await check("request GET trigger_categories/{id}", async () => {
	const { result } = await client.triggers.request("GET", ["trigger_categories", need(category, "a trigger category").id]);
	shown(result?.trigger_category, category.id, "trigger category");
});
await check("request PATCH trigger_categories/{id}", async () => {
	const { result } = await client.triggers.request("PATCH", ["trigger_categories", need(category, "a trigger category").id],
		{ trigger_category: { name: `Webhook notifications ${run}` } });
	shown(result?.trigger_category, category.id, "trigger category");
});
const spareCategory = await check("request POST trigger_categories (to delete)", async () => {
	const { result } = await client.triggers.request("POST", ["trigger_categories"], { trigger_category: { name: `Spare ${run}` } });
	return created(result?.trigger_category, "trigger category");
});
await check("request DELETE trigger_categories/{id}", async () => {
	await client.triggers.request("DELETE", ["trigger_categories", need(spareCategory, "a trigger category to delete").id]);
});

const triggerBody = (title) => ({
	trigger: {
		title,
		...(category ? { category_id: category.id } : {}),
		conditions: {
			all: [{ field: "update_type", operator: "is", value: "Change" }, { field: "status", operator: "is", value: "solved" }],
			any: [],
		},
		actions: [{ field: "notification_webhook", value: [webhook?.id, '{"ticket_id": "{{ticket.id}}", "status": "{{ticket.status}}"}'] }],
	},
});
const trigger = await check("triggers.create", async () => {
	need(webhook, "a webhook");
	const { result } = await client.triggers.create(triggerBody("Notify on solve"));
	return created(result, "trigger");
});
await check("triggers.list", async () => listed(await client.triggers.list(), [need(trigger, "a trigger").id], "triggers"));
await check("triggers.listActive", async () => listed(await client.triggers.listActive(), [need(trigger, "a trigger").id], "triggers"));
await check("triggers.show", async () => {
	const { result } = await client.triggers.show(need(trigger, "a trigger").id);
	shown(result, trigger.id, "trigger");
});
await check("triggers.update", async () => {
	const { result } = await client.triggers.update(need(trigger, "a trigger").id, triggerBody("Notify on solve (v2)"));
	shown(result, trigger.id, "trigger");
	expect(result.title === "Notify on solve (v2)", `title not updated: ${excerpt(JSON.stringify(result))}`);
});
const doomed = await check("triggers.create (to delete)", async () => {
	need(webhook, "a webhook");
	const { result } = await client.triggers.create(triggerBody("Doomed"));
	return created(result, "trigger");
});
await check("triggers.delete", async () => {
	await client.triggers.delete(need(doomed, "a trigger to delete").id);
});

// Tickets.

const ticket = await check("tickets.create", async () => {
	const { result } = await client.tickets.create({
		ticket: {
			subject: "My printer is on fire", comment: { body: "It smokes." },
			requester_id: need(requester, "a user").id, assignee_id: agent?.id, group_id: group?.id,
			priority: "urgent", type: "incident", tags: ["printer", "fire"], external_id: `ext-${run}`,
			...(ticketField ? { custom_fields: [{ id: ticketField.id, value: "A-100" }] } : {}),
		},
	});
	return created(result, "ticket");
});
const other = await check("tickets.create (new requester)", async () => {
	const { result } = await client.tickets.create({
		ticket: {
			subject: "Question", comment: { body: "How do I reset my password?" },
			requester: { name: "New Person", email: `new.person.${run}@example.net` },
		},
	});
	return created(result, "ticket");
});
await check("tickets.show", async () => {
	const { result } = await client.tickets.show(need(ticket, "a ticket").id);
	shown(result, ticket.id, "ticket");
});
await check("tickets.showMany", async () => {
	const { result } = await client.tickets.showMany([need(ticket, "a ticket").id, need(other, "a second ticket").id]);
	listed(result, [ticket.id, other.id], "tickets");
});
await check("tickets.update", async () => {
	const { result } = await client.tickets.update(need(ticket, "a ticket").id, {
		ticket: { comment: { body: "We are on it.", public: true, author_id: agent?.id }, status: "pending" },
	});
	shown(result, ticket.id, "ticket");
	expect(result.status === "pending", `status not updated: ${result.status}`);
});
await check("tickets.update (solve)", async () => {
	const { result } = await client.tickets.update(need(ticket, "a ticket").id, { ticket: { status: "solved" } });
	shown(result, ticket.id, "ticket");
});
const bulkUpdate = await check("tickets.updateMany", async () => {
	const { result } = await client.tickets.updateMany([need(other, "a second ticket").id], { ticket: { status: "open" } });
	return created(result?.job_status, "job status");
});
await check("jobstatuses.watch (ticket update)", async () => {
	const status = await client.jobstatuses.watch(need(bulkUpdate, "a ticket update job").id, 50, 5);
	expect(status?.status === "completed", `job ended ${excerpt(JSON.stringify(status))}`);
});
const batchJob = await check("request PUT tickets/update_many (batch)", async () => {
	const { result } = await client.tickets.request("PUT", ["tickets", "update_many"], {
		tickets: [{ id: need(other, "a second ticket").id, priority: "low", additional_tags: ["password"] }],
	});
	return created(result?.job_status, "job status");
});
await check("jobstatuses.showMany", async () => {
	const { result } = await client.jobstatuses.showMany([need(bulkJob, "a job").id, need(batchJob, "a batch job").id]);
	listed(result?.job_statuses, [bulkJob.id, batchJob.id], "job statuses");
});
await check("tickets.getComments", async () => {
	const comments = array(await client.tickets.getComments(need(ticket, "a ticket").id), "comments");
	expect(comments.length === 2 && comments[0].body === "It smokes.", `expected 2 comments, the first "It smokes.": ${excerpt(JSON.stringify(comments))}`);
});
await check("request GET tickets/{id}/tags", async () => {
	const { result } = await client.tickets.request("GET", ["tickets", need(ticket, "a ticket").id, "tags"]);
	expect(Array.isArray(result?.tags) && result.tags.includes("printer"), `expected the tag printer: ${excerpt(JSON.stringify(result))}`);
});
await check("tickets.addTags", async () => {
	const [result] = await client.tickets.addTags(need(other, "a second ticket").id, { tags: ["followup"] });
	expect(Array.isArray(result?.tags) && result.tags.includes("followup"), `expected the tag followup: ${excerpt(JSON.stringify(result))}`);
});
await check("tickets.updateTags", async () => {
	const [result] = await client.tickets.updateTags(need(other, "a second ticket").id, { tags: ["password", "reset"] });
	expect(Array.isArray(result?.tags) && result.tags.includes("reset"), `expected the tag reset: ${excerpt(JSON.stringify(result))}`);
});
await check("request DELETE tickets/{id}/tags", async () => {
	await client.tickets.request("DELETE", ["tickets", need(other, "a second ticket").id, "tags"], { tags: ["reset"] });
});
await check("tickets.list", async () => {
	listed(await client.tickets.list(), [need(ticket, "a ticket").id, need(other, "a second ticket").id], "tickets");
});
await check("tickets.listWithFilter (external_id)", async () => {
	listed(await client.tickets.listWithFilter("external_id", `ext-${run}`), [need(ticket, "a ticket").id], "tickets");
});
await check("tags.list", async () => {
	const tags = array(await client.tags.list(), "tags");
	expect(tags.some((t) => t?.name === "printer"), `expected the tag printer: ${excerpt(JSON.stringify(tags))}`);
});

// Metrics and satisfaction ratings.

await check("tickets.listMetrics", async () => {
	const { result } = await client.tickets.listMetrics(need(ticket, "a ticket").id);
	expect(String(result?.ticket_metric?.ticket_id) === String(ticket.id), `expected the metric of ticket ${ticket.id}: ${excerpt(JSON.stringify(result))}`);
});
const metric = await check("ticketmetrics.list", async () => {
	const { result } = await client.ticketmetrics.list(need(ticket, "a ticket").id);
	expect(String(result?.ticket_id) === String(ticket.id), `expected the metric of ticket ${ticket.id}: ${excerpt(JSON.stringify(result))}`);
	return result;
});
await check("ticketmetrics.listAll", async () => listed(await client.ticketmetrics.listAll(), [need(metric, "a ticket metric").id], "ticket metrics"));
await check("ticketmetrics.show", async () => {
	const { result } = await client.ticketmetrics.show(need(metric, "a ticket metric").id);
	shown(result, metric.id, "ticket metric");
});
const rating = await check("satisfactionratings.create", async () => {
	const { result } = await client.satisfactionratings.create(need(ticket, "a ticket").id, {
		satisfaction_rating: { score: "good", comment: "Quick and kind" },
	});
	// One rating in an array, as Zendesk's OpenAPI document answers it.
	return created(one(result?.satisfaction_rating, "satisfaction rating"), "satisfaction rating");
});
await check("satisfactionratings.list", async () => {
	listed(await client.satisfactionratings.list(), [need(rating, "a satisfaction rating").id], "satisfaction ratings");
});
await check("satisfactionratings.show", async () => {
	const { result } = await client.satisfactionratings.show(need(rating, "a satisfaction rating").id);
	shown(one(result?.satisfaction_rating, "satisfaction rating"), rating.id, "satisfaction rating");
});

// Macros. node-zendesk unwraps only "macros": a single macro comes as
// {macro: {…}}.

const macro = await check("macros.create", async () => {
	const { result } = await client.macros.create({
		macro: {
			title: `Close and thank ${run}`, description: "Solves with a thank-you",
			actions: [
				{ field: "status", value: "solved" },
				{ field: "comment_value", value: "Thanks, {{ticket.requester.first_name}}!" },
				{ field: "set_tags", value: "thanked" },
			],
		},
	});
	return created(result?.macro, "macro");
});
await check("macros.listByParams", async () => listed(await client.macros.listByParams({ active: true }), [need(macro, "a macro").id], "macros"));
await check("macros.list", async () => listed(await client.macros.list(), [need(macro, "a macro").id], "macros"));
await check("macros.listActive", async () => {
	const { result } = await client.macros.listActive();
	listed(result, [need(macro, "a macro").id], "macros");
});
await check("macros.show", async () => {
	const { result } = await client.macros.show(need(macro, "a macro").id);
	shown(result?.macro, macro.id, "macro");
});
await check("macros.update", async () => {
	const { result } = await client.macros.update(need(macro, "a macro").id, { macro: { title: `Close and thank ${run} (v2)` } });
	shown(result?.macro, macro.id, "macro");
});
await check("macros.apply", async () => {
	const { result } = await client.macros.apply(need(macro, "a macro").id);
	expect(result?.result?.ticket?.status === "solved", `expected the change to status solved: ${excerpt(JSON.stringify(result))}`);
});
await check("macros.applyTicket", async () => {
	const { result } = await client.macros.applyTicket(need(other, "a second ticket").id, need(macro, "a macro").id);
	shown(result?.result?.ticket, other.id, "ticket");
	const comment = result.result.comment ?? result.result.ticket.comment;
	expect(typeof comment?.body === "string", `expected the macro's comment: ${excerpt(JSON.stringify(result))}`);
});
await check("macros.search", async () => {
	const { result } = await client.macros.search(`thank ${run}`);
	listed(result, [need(macro, "a macro").id], "macros");
});
await check("macros.categories", async () => {
	const [result] = await client.macros.categories();
	array(result?.categories, "macro categories");
});
const oldMacro = await check("macros.create (to delete)", async () => {
	const { result } = await client.macros.create({ macro: { title: `Old macro ${run}`, actions: [{ field: "priority", value: "low" }] } });
	return created(result?.macro, "macro");
});
await check("macros.delete", async () => {
	await client.macros.delete(need(oldMacro, "a macro to delete").id);
});

// Apps, from SANDBOX_APP_ZIP. node-zendesk has a client for
// installations only.

if (appZip) {
	const zipped = await readFile(appZip);
	const basicAuth = `Basic ${Buffer.from(`${email}/token:${token}`).toString("base64")}`;
	const upload = async () => {
		const form = new FormData();
		form.append("uploaded_data", new Blob([zipped], { type: "application/zip" }), "app.zip");
		const resp = await fetch(`${baseURL}/api/v2/apps/uploads.json`, { method: "POST", headers: { Authorization: basicAuth }, body: form });
		const body = await resp.json();
		expect(resp.status === 201 && body?.id, `status ${resp.status}: ${excerpt(JSON.stringify(body))}`);
		return body.id;
	};
	// built polls the build jobID until it completes, and returns the
	// app's id.
	const built = async (jobID) => {
		for (let i = 0; i < 500; i++) {
			const { result } = await client.installations.request("GET", ["apps", "job_statuses", jobID]);
			if (result?.status === "completed") {
				return result.app_id;
			}
			expect(result?.status === "queued" || result?.status === "working", `the build: ${excerpt(JSON.stringify(result))}`);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		throw new Error(`the build ${jobID} did not end`);
	};
	const uploadID = await check("fetch POST apps/uploads", upload);
	const createJob = await check("request POST apps", async () => {
		const { result } = await client.installations.request("POST", ["apps"], {
			name: `cohort ${run}`, short_description: "Segments on every ticket", upload_id: need(uploadID, "an upload"),
		});
		expect(typeof result?.job_id === "string", `expected a job_id: ${excerpt(JSON.stringify(result))}`);
		return result.job_id;
	});
	const appID = await check("request GET apps/job_statuses/{id}", async () => built(need(createJob, "a build")));
	await check("request GET apps/owned", async () => {
		const { result } = await client.installations.request("GET", ["apps", "owned"]);
		listed(result?.apps, [need(appID, "an app")], "apps");
	});
	await check("request GET apps/{id}", async () => {
		const { result } = await client.installations.request("GET", ["apps", need(appID, "an app")]);
		shown(result, appID, "app");
	});
	await check("fetch GET apps/{id}/public_key.pem", async () => {
		const resp = await fetch(`${baseURL}/api/v2/apps/${need(appID, "an app")}/public_key.pem`, { headers: { Authorization: basicAuth } });
		const pem = await resp.text();
		expect(resp.status === 200 && pem.startsWith("-----BEGIN PUBLIC KEY-----"), `status ${resp.status}: ${excerpt(pem)}`);
	});
	const installation = await check("installations.create", async () => {
		const { result } = await client.installations.create({ app_id: need(appID, "an app"), settings: { name: `cohort ${run}` }, enabled: true });
		return created(result, "installation");
	});
	await check("installations.list", async () => listed(await client.installations.list(), [need(installation, "an installation").id], "installations"));
	await check("installations.show", async () => {
		const { result } = await client.installations.show(need(installation, "an installation").id);
		shown(result, installation.id, "installation");
	});
	await check("installations.update", async () => {
		const { result } = await client.installations.update(need(installation, "an installation").id, { settings: { max_macros: "5" } });
		shown(result, installation.id, "installation");
	});
	await check("request GET apps/installations/{id}/requirements", async () => {
		const { result } = await client.installations.request("GET", ["apps", "installations", need(installation, "an installation").id, "requirements"]);
		array(result?.requirements, "requirements");
	});
	await check("request PUT apps/{id}", async () => {
		const { result } = await client.installations.request("PUT", ["apps", need(appID, "an app")], { upload_id: await upload() });
		expect(String(await built(result?.job_id)) === String(appID), `the rebuild made another app: ${excerpt(JSON.stringify(result))}`);
	});
	await check("installations.delete", async () => {
		await client.installations.delete(need(installation, "an installation").id);
	});
	await check("request DELETE apps/{id}", async () => {
		await client.installations.request("DELETE", ["apps", need(appID, "an app")]);
	});
}

// Search and the incremental exports.

await check("search.query", async () => {
	const { result } = await client.search.query(`type:ticket status:open`);
	listed(result, [need(other, "a second ticket").id], "results");
});
await check("search.queryAll", async () => {
	listed(await client.search.queryAll(`type:user email:${requesterEmail}`), [need(requester, "a user").id], "results");
});
// Through the tickets client, a request's result would be the tickets
// alone; the export client keeps the whole page, cursor included.
const firstPage = await check("request GET incremental/tickets/cursor", async () => {
	const { result } = await client.ticketexport.request("GET", ["incremental", "tickets", "cursor", { start_time: startTime }]);
	array(result?.tickets, "tickets");
	expect(typeof result.after_cursor === "string", `expected an after_cursor: ${excerpt(JSON.stringify(result))}`);
	return result;
});
await check("ticketexport.exportCursor", async () => {
	const { result } = await client.ticketexport.exportCursor(startTime, need(firstPage, "a cursor").after_cursor);
	array(result?.tickets, "tickets");
});
await check("ticketexport.export", async () => {
	const { result } = await client.ticketexport.export(startTime);
	array(result?.tickets, "tickets");
});
await check("tickets.incremental", async () => array(await client.tickets.incremental(startTime), "tickets"));
await check("request GET incremental/users/cursor", async () => {
	const { result } = await client.users.request("GET", ["incremental", "users", "cursor", { start_time: startTime }]);
	array(result, "users");
});
await check("users.incremental", async () => array(await client.users.incremental(startTime), "users"));
await check("organizations.incremental", async () => array(await client.organizations.incremental(startTime), "organizations"));

await check("webhooks.delete", async () => {
	await client.webhooks.delete(need(webhook, "a webhook").id);
});

console.log(JSON.stringify({ summary: { passed, total } }));
process.exitCode = passed === total ? 0 : 1;

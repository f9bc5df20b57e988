// workspace.js is Zendesk's side of the Zendesk Apps Framework in the
// sandbox's agent workspace: for the apps framed beside a ticket, it
// answers the postMessage protocol the ZAF SDK (zendesk_app_framework_sdk
// 2.0, lib/client.js) speaks to Zendesk.
//
//   - {"key":"iframe.handshake"} registers the app: the workspace posts
//     back {"key":"zaf.app.registered","message":{"context":…,"metadata":…}}.
//   - {"id":N,"request":"get","params":[paths]} is answered
//     {"id":N,"result":{"<path>":value,…,"errors":{"<path>":error}}}.
//     Paths walk {ticket, currentUser, currentAccount}; any other is an
//     APIUnavailable error, and so is every path of a "set".
//   - {"id":N,"request":"invoke","params":{"resize":[{width,height}]}}
//     resizes the app's frame; {"macro":[id]} applies the macro to the
//     ticket as an agent would, then reloads the ticket's pane (not the
//     apps). Both answer {"id":N,"result":{}}, or
//     {"id":N,"error":{"name":…,"message":…}}.
//   - "iframe.on:<event>" and "iframe.off:<event>" subscribe the app to an
//     event and unsubscribe it. The workspace posts
//     {"key":"zaf.<event>","message":…} for ticket.<path>.changed when a
//     macro or the new ticket's requester field changes that path
//     (ticket.tags.changed, ticket.requester.email.changed…), and
//     app.activated ({"firstLoad":true}) once.
//   - client.request ("request:N") is not proxied: it fails with status
//     501.
//
// Messages go both ways as JSON strings, as the SDK sends them; messages
// from a frame's window that do not come from its app's origin are
// ignored. Everything exchanged is kept in window.sandboxWorkspace.log
// for tests. The message listener starts at once, before the frames
// exist, so that no handshake is missed; the page's data is read when
// the first message comes.
(function () {
	"use strict";

	// log holds every message: {direction: "in" | "out" | "ignored",
	// installationId, origin, message}.
	const log = [];
	// apps holds, by app GUID, each framed app's state.
	const apps = new Map();

	window.sandboxWorkspace = {
		log: log,
		// subscriptions returns the events the installation's app
		// subscribed to.
		subscriptions: function (installationId) {
			for (const state of apps.values()) {
				if (state.installationId === Number(installationId)) {
					return Array.from(state.subscriptions.keys());
				}
			}
			return [];
		},
	};

	function readJSON(id) {
		const el = document.getElementById(id);
		return el ? JSON.parse(el.textContent) : null;
	}

	let pageData = null;
	function page() {
		if (!pageData) {
			pageData = readJSON("workspace-data");
		}
		return pageData;
	}

	let ticketData = null;
	function ticket() {
		if (!ticketData) {
			ticketData = readJSON("ticket-data").ticket;
		}
		return ticketData;
	}

	function frameOf(source) {
		for (const frame of document.querySelectorAll("iframe.app-frame")) {
			if (frame.contentWindow === source) {
				return frame;
			}
		}
		return null;
	}

	function stateOf(frame) {
		const guid = frame.dataset.appGuid;
		let state = apps.get(guid);
		if (!state) {
			const app = page().apps.find(function (a) { return a.guid === guid; });
			if (!app) {
				return null;
			}
			state = {
				frame: frame,
				app: app,
				installationId: Number(frame.dataset.installationId),
				origin: app.origin || window.location.origin,
				subscriptions: new Map(),
				activated: false,
			};
			apps.set(guid, state);
		}
		return state;
	}

	window.addEventListener("message", function (event) {
		const frame = frameOf(event.source);
		const state = frame && stateOf(frame);
		if (!state) {
			return;
		}
		let data = event.data;
		if (typeof data === "string") {
			try {
				data = JSON.parse(data);
			} catch (e) {
				return;
			}
		}
		if (!data || typeof data !== "object") {
			return;
		}
		if (event.origin !== state.origin) {
			log.push({ direction: "ignored", installationId: state.installationId, origin: event.origin, message: data });
			return;
		}
		log.push({ direction: "in", installationId: state.installationId, origin: event.origin, message: data });
		if (typeof data.request === "string") {
			handleRequest(state, data);
			return;
		}
		const key = typeof data.key === "string" ? data.key : "";
		if (key === "iframe.handshake") {
			register(state);
		} else if (key.startsWith("iframe.on:")) {
			subscribe(state, key.slice("iframe.on:".length), data.message);
		} else if (key.startsWith("iframe.off:")) {
			unsubscribe(state, key.slice("iframe.off:".length), data.message);
		} else if (/^request:\d+$/.test(key)) {
			post(state, {
				key: "zaf." + key + ".fail",
				message: { responseArgs: [{ status: 501, statusText: "Not Implemented", responseText: "The sandbox's workspace does not proxy client.request." }] },
			});
		}
	});

	function post(state, message) {
		log.push({ direction: "out", installationId: state.installationId, origin: state.origin, message: message });
		state.frame.contentWindow.postMessage(JSON.stringify(message), state.origin);
	}

	function register(state) {
		const data = page();
		const context = { product: "support", location: data.location, instanceGuid: state.app.guid, account: data.currentAccount };
		if (data.ticketId) {
			context.ticketId = data.ticketId;
		}
		state.subscriptions.clear();
		state.activated = false;
		post(state, { key: "zaf.app.registered", message: { context: context, metadata: state.app.metadata } });
	}

	function subscriberCount(message) {
		return message && typeof message.subscriberCount === "number" ? message.subscriberCount : 1;
	}

	function subscribe(state, name, message) {
		state.subscriptions.set(name, subscriberCount(message));
		if (name === "app.activated" && !state.activated) {
			state.activated = true;
			post(state, { key: "zaf.app.activated", message: { firstLoad: true } });
		}
	}

	function unsubscribe(state, name, message) {
		const count = message && typeof message.subscriberCount === "number" ? message.subscriberCount : 0;
		if (count > 0) {
			state.subscriptions.set(name, count);
		} else {
			state.subscriptions.delete(name);
		}
	}

	function handleRequest(state, data) {
		function reply(body) {
			post(state, Object.assign({ id: data.id }, body));
		}
		switch (data.request) {
		case "get":
			reply({ result: get(data.params) });
			break;
		case "set": {
			const errors = {};
			for (const path of Object.keys(data.params || {})) {
				errors[path] = unavailable(path);
			}
			reply({ result: { errors: errors } });
			break;
		}
		case "invoke":
			invoke(state, data.params).then(
				function () { reply({ result: {} }); },
				function (err) { reply({ error: asError(err) }); });
			break;
		default:
			reply({ error: { name: "APIUnavailable", message: "The sandbox's workspace does not answer " + data.request + " requests" } });
		}
	}

	function unavailable(path) {
		return { name: "APIUnavailable", message: "is not available in the sandbox's workspace", path: path };
	}

	function asError(err) {
		if (err && typeof err === "object" && err.name && err.message) {
			return { name: String(err.name), message: String(err.message) };
		}
		return { name: "Error", message: String(err) };
	}

	// valueAt walks path (dot-separated names) in obj: {ok, value}.
	function valueAt(obj, path) {
		let node = obj;
		for (const name of String(path).split(".")) {
			if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.prototype.hasOwnProperty.call(node, name)) {
				return { ok: false };
			}
			node = node[name];
		}
		return { ok: true, value: node };
	}

	function get(paths) {
		const data = page();
		const root = { ticket: ticket(), currentUser: data.currentUser, currentAccount: data.currentAccount };
		const result = { errors: {} };
		for (const path of Array.isArray(paths) ? paths : []) {
			const found = valueAt(root, path);
			if (found.ok) {
				result[path] = found.value;
			} else {
				result.errors[path] = unavailable(path);
			}
		}
		return result;
	}

	async function invoke(state, params) {
		if (!params || typeof params !== "object") {
			throw { name: "InvalidArgument", message: "invoke takes an object of actions and their arguments" };
		}
		for (const name of Object.keys(params)) {
			const args = Array.isArray(params[name]) ? params[name] : [params[name]];
			if (name === "resize") {
				resize(state.frame, args[0]);
			} else if (name === "macro") {
				for (const id of args) {
					await applyMacro(id);
				}
			} else {
				throw { name: "APIUnavailable", message: "\"" + name + "\" is not an action the sandbox's workspace performs" };
			}
		}
	}

	function cssLength(v) {
		return /^\d+(\.\d+)?$/.test(String(v)) ? v + "px" : String(v);
	}

	function resize(frame, size) {
		if (!size || typeof size !== "object") {
			throw { name: "InvalidArgument", message: "resize takes {width, height}" };
		}
		if (size.height !== undefined) {
			frame.style.height = cssLength(size.height);
		}
		if (size.width !== undefined) {
			frame.style.width = cssLength(size.width);
		}
	}

	// macros runs the macros one after another.
	let macros = Promise.resolve();

	function applyMacro(macroId) {
		const run = macros.then(async function () {
			const ticketId = page().ticketId;
			if (!ticketId) {
				throw { name: "InvalidOperation", message: "A macro applies to a ticket, and this new ticket is not one yet" };
			}
			const resp = await fetch("/agent/tickets/" + ticketId + "/macros/" + encodeURIComponent(macroId), {
				method: "POST",
				headers: { Accept: "application/json" },
			});
			if (!resp.ok) {
				let body = {};
				try {
					body = await resp.json();
				} catch (e) {
					// The status says it.
				}
				throw { name: body.error || "MacroFailed", message: describe(body) || "status " + resp.status };
			}
			await reloadPane(ticketId);
		});
		macros = run.catch(function () {});
		return run;
	}

	// describe returns what an API error body says, in words.
	function describe(body) {
		const words = [];
		for (const list of Object.values(body.details || {})) {
			for (const d of list) {
				words.push(d.description);
			}
		}
		return words.length ? words.join("; ") : body.description;
	}

	async function reloadPane(ticketId) {
		const resp = await fetch("/agent/tickets/" + ticketId + "/pane", { headers: { Accept: "text/html" } });
		if (!resp.ok) {
			throw { name: "PaneNotReloaded", message: "The macro was applied, but the ticket's pane did not reload: status " + resp.status };
		}
		const before = ticket();
		document.getElementById("ticket-pane").innerHTML = await resp.text();
		ticketData = readJSON("ticket-data").ticket;
		notifyChanges(before, ticketData);
	}

	// notifyChanges posts ticket.<path>.changed to the apps subscribed to
	// it, for each path whose value differs between before and after.
	function notifyChanges(before, after) {
		for (const state of apps.values()) {
			for (const name of state.subscriptions.keys()) {
				const m = /^ticket\.(.+)\.changed$/.exec(name);
				if (!m) {
					continue;
				}
				const was = valueAt(before, m[1]);
				const now = valueAt(after, m[1]);
				if (JSON.stringify(was) !== JSON.stringify(now)) {
					post(state, { key: "zaf." + name, message: now.ok ? now.value : null });
				}
			}
		}
	}

	// watchRequester follows the new ticket's requester field: the
	// requester apps get is the user with the email typed, or {email} for
	// an unknown one.
	function watchRequester(input) {
		let last = input.value.trim();
		let seq = 0;
		let timer = null;
		async function changed() {
			clearTimeout(timer);
			const email = input.value.trim();
			if (email === last) {
				return;
			}
			last = email;
			const mine = ++seq;
			let found = { requester: email ? { email: email } : null, organization: null };
			try {
				const resp = await fetch("/agent/requester?email=" + encodeURIComponent(email), { headers: { Accept: "application/json" } });
				if (resp.ok) {
					found = await resp.json();
				}
			} catch (e) {
				// Keep {email}.
			}
			if (mine !== seq) {
				return; // a later change is on its way
			}
			const before = ticket();
			ticketData = Object.assign({}, before, { requester: found.requester, organization: found.organization });
			notifyChanges(before, ticketData);
		}
		input.addEventListener("input", function () {
			clearTimeout(timer);
			timer = setTimeout(changed, 300);
		});
		input.addEventListener("change", changed);
	}

	document.addEventListener("DOMContentLoaded", function () {
		for (const form of document.querySelectorAll("form.app-form")) {
			form.submit();
		}
		const input = document.getElementById("requester-email");
		if (input) {
			watchRequester(input);
		}
	});
})();

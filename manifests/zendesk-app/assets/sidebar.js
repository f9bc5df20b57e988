// cohort's sidebar, for Zendesk and for Freshdesk: the requester's segments
// and why, the priority decision, the customer facts with their sources,
// how the segment is served, and the macros that fit. One view, two
// transports: the helpdesk's SDK on the page picks one.
//
//   Zendesk (window.ZAFClient, the vendored ZAF SDK): cohort serves this
//   page after verifying Zendesk's signed token and puts its own session
//   token in <meta name="cohort-session">; every call to cohort carries it,
//   and a click on Apply applies the macro through the SDK.
//
//   Freshdesk (window.app, the FDK's {{{appclient}}}): the app's request
//   templates (config/requests.json of manifests/freshdesk-app) call cohort
//   through Freshworks' proxy, which adds cohort's token from the app's
//   secure installation parameter: this page never sees it. Macros are
//   cohort's canned responses there; the agent inserts them from the reply
//   editor.
//
// Nothing secret is kept here.
//
// This file is the one copy: manifests/zendesk-app/assets/sidebar.js. The
// Freshdesk app cannot load files from outside its folder once packed, so it
// holds a byte-for-byte copy at manifests/freshdesk-app/app/scripts/sidebar.js,
// and connector/freshdesk/fdkapp's TestSharedSidebar fails when the two
// differ. Edit this one, then copy it:
//   cp manifests/zendesk-app/assets/sidebar.js manifests/freshdesk-app/app/scripts/sidebar.js
(function () {
  'use strict';

  var root = document.getElementById('cohort');
  var cacheTTL = 60 * 1000; // a view is reused this long, e.g. when a tab comes back
  var cache = {};
  var settings = { show_measures: true, max_macros: 3 };
  // The transport's hooks, filled in by zendesk() or freshdesk().
  var hooks = { applyMacro: null, macroMissing: '', macroHint: '', unauthorized: '', resize: function () {} };

  if (window.ZAFClient) {
    zendesk(window.ZAFClient.init());
  } else if (window.app && typeof window.app.initialized === 'function') {
    freshdesk(window.app);
  } else {
    show([el('p', { 'class': 'notice' }, 'Open this page from a ticket in Zendesk or Freshdesk: it runs as a helpdesk app.')]);
  }

  // readSettings takes the app's settings: show_measures and max_macros.
  function readSettings(s) {
    s = s || {};
    if (s.show_measures === false || s.show_measures === 'false') { settings.show_measures = false; }
    var max = parseInt(s.max_macros, 10);
    if (max >= 1 && max <= 10) { settings.max_macros = max; }
  }

  // cached returns the view at key from the cache when it is fresh, and
  // otherwise gets it with load and keeps it.
  function cached(key, load) {
    var hit = cache[key];
    if (hit && Date.now() - hit.at < cacheTTL) { return Promise.resolve(hit.view); }
    return load().then(function (view) {
      cache[key] = { at: Date.now(), view: view };
      return view;
    });
  }

  // answerError is the error of cohort's answer of status with body (its
  // JSON error, if any).
  function answerError(status, body) {
    var err = new Error((body && body.error) || ('cohort answered ' + status));
    err.status = status;
    return err;
  }

  // previewQuery is the preview's query for a requester and a priority.
  function previewQuery(email, externalId, priority) {
    var q = [];
    if (email) { q.push('email=' + encodeURIComponent(email)); }
    if (externalId) { q.push('external_id=' + encodeURIComponent(externalId)); }
    if (priority && priority !== '-') { q.push('priority=' + encodeURIComponent(priority)); }
    return q.join('&');
  }

  // ---- Zendesk: the ZAF SDK, and fetch with cohort's session token ----

  function zendesk(client) {
    var sessionMeta = document.querySelector('meta[name="cohort-session"]');
    var session = sessionMeta ? sessionMeta.getAttribute('content') : '';
    var api = new URL('../', document.baseURI).href; // …/app/v1/
    hooks.applyMacro = function (m) { return client.invoke('macro', m.macro_id); };
    hooks.macroMissing = 'Not in Zendesk yet: run cohort macros sync';
    hooks.unauthorized = 'cohort did not accept this page\'s session: reopen the ticket.';
    hooks.resize = function () {
      client.invoke('resize', { width: '100%', height: Math.min(Math.max(document.body.scrollHeight, 80), 1200) + 'px' });
    };

    Promise.all([client.context(), client.metadata()]).then(function (both) {
      var context = both[0], metadata = both[1] || {};
      readSettings(metadata.settings);
      if (context.location === 'new_ticket_sidebar') {
        client.on('ticket.requester.email.changed', function () { loadNewTicket(); });
        client.on('ticket.requester.id.changed', function () { loadNewTicket(); });
        return loadNewTicket();
      }
      return loadTicket();
    }).catch(failed);

    // loadTicket shows the enriched ticket's view; a ticket cohort has not
    // enriched yet gets a preview for its requester.
    function loadTicket() {
      return client.get(['ticket.id', 'ticket.requester', 'ticket.priority']).then(function (data) {
        var id = data['ticket.id'];
        return fetchView('tickets/' + encodeURIComponent(id) + '/sidebar').then(render, function (err) {
          if (err.status !== 404) { throw err; }
          return preview(data['ticket.requester'], data['ticket.priority'], 'cohort has not enriched this ticket yet. What it would decide now:');
        });
      }).catch(failed);
    }

    // loadNewTicket previews the requester the agent typed.
    function loadNewTicket() {
      return client.get(['ticket.requester', 'ticket.priority']).then(function (data) {
        var who = data['ticket.requester'];
        if (!who || (!who.email && !who.externalId)) {
          show([el('p', { 'class': 'notice' }, 'Choose the requester to see their segments.')]);
          return;
        }
        return preview(who, data['ticket.priority'], 'A new ticket from this requester would be decided so:');
      }).catch(failed);
    }

    function preview(requester, priority, intro) {
      requester = requester || {};
      return fetchView('preview?' + previewQuery(requester.email, requester.externalId, priority)).then(function (view) {
        view.intro = intro;
        render(view);
      });
    }

    // fetchView gets a view from cohort, or from the cache when it is fresh.
    function fetchView(path) {
      return cached(path, function () {
        return fetch(api + path, { headers: { 'Authorization': 'Bearer ' + session, 'Accept': 'application/json' }, credentials: 'omit' })
          .then(function (res) {
            return res.json().catch(function () { return {}; }).then(function (body) {
              if (!res.ok) { throw answerError(res.status, body); }
              return body;
            });
          });
      });
    }
  }

  // ---- Freshdesk: the FDK's app client and request templates ----
  //
  // app.initialized() resolves to the client; the app reloads its view each
  // time the agent opens it (app.activated). client.data.get('ticket') and
  // client.data.get('requester') read the open ticket; client.iparams.get()
  // reads the non-secure installation parameters (secure ones never reach
  // the browser); client.request.invokeTemplate(name, {context}) sends a
  // request template of config/requests.json and resolves to
  // {status, headers, response} with the body as a string, or rejects with
  // the same shape (and errorSource, attempts). Sources: Freshworks'
  // request-method user guide (freshworks-developers/request-method-samples,
  // UserGuide.md) and platform 3.0 references
  // (freshworks-developers/freshworks-platform3, references/fdk/).

  function freshdesk(fdk) {
    var priorities = { 1: 'low', 2: 'normal', 3: 'high', 4: 'urgent' }; // Freshdesk's 1–4; its "medium" is cohort's normal
    hooks.macroHint = 'cohort keeps these as canned responses in the folder "cohort": insert one from the reply editor.';
    hooks.unauthorized = 'cohort did not accept the app\'s token: check the cohort token in the app\'s settings.';

    fdk.initialized().then(function (client) {
      hooks.resize = function () {
        var height = Math.min(Math.max(document.body.scrollHeight, 80), 1200) + 'px';
        Promise.resolve(client.instance.resize({ height: height })).catch(function () {});
      };
      var load = function () { loadTicket(client).catch(failed); };
      client.iparams.get().then(readSettings, function () {}).then(function () {
        load();
        client.events.on('app.activated', load);
      });
    }).catch(failed);

    function loadTicket(client) {
      return client.data.get('ticket').then(function (data) {
        var ticket = (data && data.ticket) || {};
        return invoke(client, 'cohortTicketSidebar', { ticket_id: String(ticket.id) }).then(render, function (err) {
          if (err.status !== 404) { throw err; }
          return client.data.get('requester').then(function (r) {
            var who = (r && r.requester) || {};
            if (!who.email) {
              show([el('p', { 'class': 'notice' }, 'cohort has not enriched this ticket yet.')]);
              return;
            }
            var context = { email: who.email, priority: priorities[ticket.priority] || '' };
            return invoke(client, 'cohortPreview', context).then(function (view) {
              view.intro = 'cohort has not enriched this ticket yet. What it would decide now:';
              render(view);
            });
          });
        });
      });
    }

    // invoke sends a request template and parses cohort's JSON answer.
    function invoke(client, name, context) {
      return cached(name + '?' + JSON.stringify(context), function () {
        return client.request.invokeTemplate(name, { context: context }).then(function (res) {
          return JSON.parse(res.response);
        }, function (res) {
          var body = {};
          try { body = JSON.parse(res.response); } catch (e) { body = {}; }
          throw answerError(res.status || 'no answer', body);
        });
      });
    }
  }

  // ---- the view ----

  function render(v) {
    var parts = [];
    if (v.intro) { parts.push(el('p', { 'class': 'notice' }, v.intro)); }
    parts.push(segmentsSection(v));
    parts.push(prioritySection(v.priority));
    parts.push(customerSection(v.customer));
    if (settings.show_measures && v.measures) { parts.push(measuresSection(v.measures)); }
    parts.push(macrosSection(v.macros || []));
    show(parts);
  }

  function segmentsSection(v) {
    var items = (v.segments || []).map(function (s) { return ruleItem(s, 'segment'); });
    (v.escalations || []).forEach(function (e) { items.push(ruleItem(e, 'escalation')); });
    var body = items.length ? el('ul', { 'class': 'rules', id: 'cohort-segments' }, items)
      : el('p', { 'class': 'muted', id: 'cohort-segments' }, 'No segment matched this requester.');
    return section('Segments', body);
  }

  function ruleItem(r, kind) {
    var head = [el('span', { 'class': 'tag' + (r.primary ? ' primary' : '') }, r.name)];
    if (r.primary) { head.push(el('span', { 'class': 'label' }, 'primary')); }
    if (kind === 'escalation') { head.push(el('span', { 'class': 'label' }, 'escalation')); }
    if (r.priority) { head.push(el('span', { 'class': 'label prio-' + r.priority }, r.priority)); }
    var parts = [el('div', { 'class': 'rule-head' }, head)];
    if (r.description) { parts.push(el('p', { 'class': 'reason' }, r.description)); }
    if (r.rule) { parts.push(el('p', { 'class': 'why' }, ['Because ', el('code', {}, r.rule)])); }
    return el('li', { 'data-segment': r.name, 'data-kind': kind }, parts);
  }

  function prioritySection(p) {
    p = p || {};
    var line = p.raised ? [el('span', {}, p.before), ' → ', el('strong', {}, p.after)] : [el('strong', {}, p.after)];
    return section('Priority', [
      el('p', { id: 'cohort-priority', 'data-before': p.before || '', 'data-after': p.after || '' }, line),
      el('p', { 'class': 'muted' }, p.why || '')
    ]);
  }

  function customerSection(c) {
    c = c || { facts: [] };
    if (!c.known) {
      return section('Customer', el('p', { 'class': 'muted', id: 'cohort-customer' },
        'No CRM record matched ' + (c.email || 'this requester') + '.'));
    }
    var rows = (c.facts || []).map(function (f) {
      return el('div', { 'class': 'fact', 'data-field': f.field }, [
        el('dt', {}, f.label),
        el('dd', {}, [f.value, ' ', el('span', { 'class': 'source', title: 'from the ' + f.source + ' source' }, f.source)])
      ]);
    });
    var who = [c.name || c.email || ''];
    if (c.matched_by) { who.push(el('span', { 'class': 'muted' }, ' · matched by ' + c.matched_by.replace(/_/g, ' '))); }
    return section('Customer', [el('p', { id: 'cohort-customer' }, who), el('dl', { 'class': 'facts' }, rows)]);
  }

  function measuresSection(m) {
    var seg = m.segment || {}, all = m.all || {};
    var rows = [
      ['CSAT', percent(seg.csat), percent(all.csat)],
      ['First reply, median', duration(seg.first_reply_minutes_p50), duration(all.first_reply_minutes_p50)],
      ['Resolution, median', duration(seg.full_resolution_minutes_p50), duration(all.full_resolution_minutes_p50)],
      ['Tickets', String(seg.tickets || 0), String(all.tickets || 0)]
    ].map(function (r) {
      return el('tr', {}, [el('th', { scope: 'row' }, r[0]), el('td', {}, r[1]), el('td', {}, r[2])]);
    });
    var table = el('table', { 'class': 'measures', id: 'cohort-measures' }, [
      el('caption', {}, m.from + ' to ' + m.to),
      el('thead', {}, el('tr', {}, [el('th', { scope: 'col' }, ''), el('th', { scope: 'col' }, seg.segment || ''),
        el('th', { scope: 'col' }, 'All customers')])),
      el('tbody', {}, rows)
    ]);
    return section('How this segment is served', table);
  }

  function macrosSection(list) {
    list = list.slice(0, settings.max_macros);
    if (!list.length) {
      return section('Suggested macros', el('p', { 'class': 'muted', id: 'cohort-macros' }, 'No macro serves these segments.'));
    }
    var items = list.map(function (m) {
      var head = [el('strong', {}, m.title)];
      var status = el('span', { 'class': 'status', role: 'status' }, '');
      if (hooks.applyMacro) { head.push(applyButton(m, status)); }
      var parts = [el('div', { 'class': 'macro-head' }, head), status];
      if (m.reason) { parts.push(el('p', { 'class': 'muted' }, m.reason)); }
      if (m.applied) { parts.push(el('p', { 'class': 'muted' }, 'Applied by cohort when the ticket arrived.')); }
      return el('li', { 'data-macro': m.key }, parts);
    });
    var body = [el('ol', { 'class': 'macros', id: 'cohort-macros' }, items)];
    if (!hooks.applyMacro && hooks.macroHint) { body.push(el('p', { 'class': 'muted' }, hooks.macroHint)); }
    return section('Suggested macros', body);
  }

  function applyButton(m, status) {
    var button = el('button', { type: 'button', 'class': 'apply', 'data-macro-id': String(m.macro_id) }, 'Apply');
    if (!m.macro_id) {
      button.disabled = true;
      button.title = hooks.macroMissing;
    }
    button.setAttribute('aria-label', 'Apply macro ' + m.title);
    button.addEventListener('click', function () {
      button.disabled = true;
      status.textContent = 'Applying…';
      hooks.applyMacro(m).then(function () {
        status.textContent = 'Applied';
      }, function (err) {
        button.disabled = false;
        status.textContent = 'Could not apply: ' + (err && err.message ? err.message : err);
      });
    });
    return button;
  }

  function failed(err) {
    var msg = err && err.message ? err.message : String(err);
    if (err && err.status === 401 && hooks.unauthorized) { msg = hooks.unauthorized; }
    show([el('p', { 'class': 'notice error', role: 'alert' }, 'cohort could not load: ' + msg)]);
  }

  function section(title, body) {
    return el('section', {}, [el('h2', {}, title)].concat(body));
  }

  function show(parts) {
    root.textContent = '';
    parts.forEach(function (p) { root.appendChild(p); });
    root.setAttribute('aria-busy', 'false');
    hooks.resize();
  }

  // el builds an element; text children become text nodes, never HTML.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return node;
  }

  function percent(v) { return v === null || v === undefined ? '–' : Math.round(v * 100) + '%'; }

  function duration(min) {
    if (min === null || min === undefined) { return '–'; }
    if (min < 60) { return Math.round(min) + ' min'; }
    var h = Math.floor(min / 60), m = Math.round(min % 60);
    if (h < 48) { return h + ' h' + (m ? ' ' + m + ' min' : ''); }
    return Math.round(h / 24) + ' days';
  }
})();

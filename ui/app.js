// Tocsin web UI: a client of the JSON API (/api/v2) with the session cookie.
// Every piece of text from the server is put in the page with textContent,
// never as HTML.
'use strict';

(function () {
  let csrf = '';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') node.className = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function signInUrl() {
    return '/sign-in?next=' + encodeURIComponent(location.pathname + location.search);
  }

  // fetch with the CSRF token on every state-changing request; a lost
  // session goes back to the sign-in page. Answers {status, body}.
  async function api(method, url, body) {
    const headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
    const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                   credentials: 'same-origin' });
    if (res.status === 401) {
      location.assign(signInUrl());
      throw new Error('signed out');
    }
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = { errors: [text] }; }
    }
    return { status: res.status, body: data };
  }

  function errorText(r) {
    const errs = r.body && r.body.errors;
    return (Array.isArray(errs) && errs.length ? errs.join('; ') : 'request failed') + ' (HTTP ' + r.status + ')';
  }

  async function loadSession() {
    const r = await api('GET', '/ui/session');
    csrf = r.body.csrf_token;
    const who = document.getElementById('who');
    if (who) who.textContent = 'Signed in as @' + r.body.handle;
    const out = document.getElementById('sign-out');
    if (out) {
      out.addEventListener('click', async () => {
        await api('DELETE', '/ui/session');
        location.assign('/sign-in');
      });
    }
  }

  function ago(iso) {
    if (!iso) return '';
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ago';
    if (s < 86400) return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
    return Math.floor(s / 86400) + ' d ago';
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : '';
  }

  // Live updates: the server's event stream (GET /api/v2/events/stream) says
  // what changed; `fn` refetches through the API when `wanted(change)` says
  // the page shows it. Bursts are coalesced (one refetch per 300 ms). While
  // the stream is down (EventSource retries by itself), a visible page
  // refetches every 30 s; after the stream comes back, once at once.
  function live(wanted, fn) {
    let timer = null;
    const run = () => { timer = null; fn().catch(() => {}); };
    const soon = () => { if (!timer) timer = setTimeout(run, 300); };
    let source = null;
    let lost = false;
    function connect() {
      source = new EventSource('/api/v2/events/stream');
      source.addEventListener('open', () => {
        if (lost) soon();
        lost = false;
        document.body.dataset.live = 'on';
      });
      source.addEventListener('error', () => {
        lost = true;
        document.body.dataset.live = 'off';
      });
      source.addEventListener('message', (ev) => {
        let change = null;
        try { change = JSON.parse(ev.data); } catch (e) { return; }
        if (wanted(change)) soon();
      });
    }
    connect();
    setInterval(() => {
      if (document.hidden || !source) return;
      if (source.readyState === EventSource.CLOSED) connect();  // refused (e.g. too many streams)
      if (source.readyState !== EventSource.OPEN) fn().catch(() => {});
    }, 30000);
  }

  function severityBadge(sev) {
    const level = /^SEV-(\d)$/.exec(sev || '');
    return el('span', { class: 'sev' + (level ? ' sev-' + level[1] : '') }, sev || 'no severity');
  }

  // ---- sign-in -------------------------------------------------------------
  function signInPage() {
    const form = document.getElementById('sign-in-form');
    const error = document.getElementById('form-error');
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      error.hidden = true;
      const res = await fetch('/ui/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ handle: form.handle.value.trim(), password: form.password.value }),
        credentials: 'same-origin',
      });
      if (res.ok) {
        const next = new URLSearchParams(location.search).get('next') || '/incidents';
        // Only a path on this server: never "//elsewhere" or "https://…".
        location.assign(/^\/(?![/\\])/.test(next) ? next : '/incidents');
        return;
      }
      let message = 'Sign-in failed (HTTP ' + res.status + ')';
      try {
        const body = await res.json();
        if (body.errors && body.errors.length) message = body.errors.join('; ');
      } catch (e) { /* keep the generic message */ }
      error.textContent = message;
      error.hidden = false;
      form.password.value = '';
      form.password.focus();
    });
  }

  // ---- list ----------------------------------------------------------------
  async function incidentsPage() {
    await loadSession();
    const form = document.getElementById('search-form');
    const input = document.getElementById('query');
    const status = document.getElementById('status');
    const list = document.getElementById('incident-list');
    const params = new URLSearchParams(location.search);
    input.value = params.get('query') || '';

    const more = document.getElementById('more');
    let shown = 50;  // incidents on the page; "Show more" adds 50
    async function load(quiet) {
      const q = input.value.trim();
      const url = q ? '/api/v2/incidents/search?page[size]=' + shown + '&query=' + encodeURIComponent(q)
                    : '/api/v2/incidents?page[size]=' + shown;
      if (!quiet) status.textContent = 'Loading…';
      const r = await api('GET', url);
      if (r.status !== 200) {
        list.replaceChildren();
        status.textContent = errorText(r);
        more.hidden = true;
        return;
      }
      list.replaceChildren();
      const items = q ? r.body.data.attributes.incidents.map((x) => x.data) : r.body.data;
      const total = q ? r.body.data.attributes.total : null;
      status.textContent = items.length ? items.length + (total !== null ? ' of ' + total : '') + ' incident(s)'
                                        : 'No incidents.';
      more.hidden = items.length < shown || shown >= 100;
      for (const inc of items) {
        const a = inc.attributes;
        list.append(el('li', {},
          el('a', { href: '/incidents/' + inc.id, class: 'title' }, 'IR-' + a.public_id + ' ', a.title),
          el('span', { class: 'meta' }, severityBadge(a.severity), ' ', a.state, ' · ', a.phase || '',
             ' · declared ', ago(a.created))));
      }
    }
    more.addEventListener('click', () => { shown = 100; load(); });
    live((c) => c.kind === 'incident', () => load(true));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      shown = 50;
      const q = input.value.trim();
      history.pushState(null, '', q ? '/incidents?query=' + encodeURIComponent(q) : '/incidents');
      load();
    });
    window.addEventListener('popstate', () => {
      input.value = new URLSearchParams(location.search).get('query') || '';
      load();
    });
    await load();
  }

  // ---- one incident --------------------------------------------------------
  async function incidentPage() {
    await loadSession();
    const id = document.body.dataset.incidentId;
    const base = '/api/v2/incidents/' + encodeURIComponent(id);
    const $ = (x) => document.getElementById(x);
    const errorBox = $('action-error');
    const statusBox = $('action-status');
    const sevSelect = $('severity-select');
    let levels = [];
    try { levels = JSON.parse(document.body.dataset.severities || '[]'); } catch (e) { levels = []; }
    for (const s of levels) {
      sevSelect.append(el('option', { value: s.name }, s.label ? s.name + ' (' + s.label + ')' : s.name));
    }
    let current = null;  // the incident's attributes as last loaded

    // The acknowledgement deadline (created + the severity's response time),
    // counting down each second until someone acknowledges.
    function duration(seconds) {
      const s = Math.abs(Math.round(seconds));
      if (s < 60) return s + ' s';
      if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s';
      return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min';
    }
    function showDeadline() {
      const box = $('deadline');
      if (!current) return;
      const level = levels.find((l) => l.name === current.severity);
      box.classList.remove('overdue');
      if (current.acknowledged) { box.textContent = 'done'; return; }
      if (current.state !== 'active' && current.state !== 'stable') { box.textContent = '—'; return; }
      if (!level || !level.response_seconds) { box.textContent = 'no response time for this severity'; return; }
      const left = (Date.parse(current.created) + level.response_seconds * 1000 - Date.now()) / 1000;
      if (left >= 0) {
        box.textContent = 'in ' + duration(left) + ' (' + current.severity + ': ' + duration(level.response_seconds) + ')';
      } else {
        box.textContent = 'overdue by ' + duration(left);
        box.classList.add('overdue');
      }
    }
    setInterval(showDeadline, 1000);

    function showError(r) {
      errorBox.textContent = errorText(r);
      errorBox.hidden = false;
    }

    async function loadIncident() {
      const r = await api('GET', base + '?include=attachments');
      if (r.status !== 200) return showError(r);
      const a = r.body.data.attributes;
      // A live refresh must not undo a choice the person has made but not yet sent.
      const untouched = !current || sevSelect.value === current.severity;
      current = a;
      showDeadline();
      document.title = 'IR-' + a.public_id + ' ' + a.title + ' · Tocsin';
      $('title').textContent = 'IR-' + a.public_id + ': ' + a.title;
      $('severity').replaceWith(Object.assign(severityBadge(a.severity), { id: 'severity' }));
      $('state').textContent = a.state;
      $('phase').textContent = a.phase || '—';
      $('commander').textContent = a.commander_handle || (a.commander && a.commander.data ? '@' + a.commander.data.attributes.handle : 'none');
      $('type').textContent = a.incident_type || '—';
      const detected = a.detected || a.created;
      $('since').textContent = when(detected) + ' (' + ago(detected) + ')';
      $('acknowledged').textContent = a.acknowledged ? when(a.acknowledged) + ' by @' + a.acknowledged_by : 'not yet';
      if (untouched && document.activeElement !== sevSelect) sevSelect.value = a.severity;
      const open = a.state === 'active' || a.state === 'stable';
      $('ack').disabled = !open || !!a.acknowledged;
      $('resolve').disabled = !open;
      $('reopen').disabled = open;
      const links = $('links');
      links.replaceChildren();
      for (const inc of (r.body.included || [])) {
        if (inc.type !== 'incident_attachments') continue;
        const att = inc.attributes.attachment || {};
        const url = att.documentUrl || '';
        const safe = /^https?:\/\//i.test(url);
        links.append(el('li', {}, safe ? el('a', { href: url, rel: 'noopener noreferrer' }, att.title || url)
                                       : (att.title || url), ' (', inc.attributes.attachment_type, ')'));
      }
      if (!links.children.length) links.append(el('li', { class: 'muted' }, 'No links.'));
    }

    async function loadTimeline() {
      const r = await api('GET', base + '/timeline?page[size]=1000');
      if (r.status !== 200) return showError(r);
      const ol = $('timeline');
      ol.replaceChildren();
      for (const cell of r.body.data.slice().reverse()) {
        const a = cell.attributes;
        const changes = (a.changes || []).map((c) => c.field + ': ' + (c.from || '∅') + ' → ' + (c.to || '∅')).join(', ');
        ol.append(el('li', { class: 'kind-' + a.kind },
          el('div', { class: 'meta' }, el('time', { datetime: a.created }, when(a.created)), ' · ',
             (a.author && a.author.handle ? '@' + a.author.handle : ''), ' · ', a.kind.replace(/_/g, ' ')),
          a.content && a.content.content ? el('p', { class: 'content' }, a.content.content) : null,
          changes ? el('p', { class: 'changes' }, changes) : null));
      }
    }

    async function loadTodos() {
      const r = await api('GET', base + '/relationships/todos');
      const ul = $('todos');
      ul.replaceChildren();
      if (r.status !== 200) return showError(r);
      for (const t of r.body.data) {
        const a = t.attributes;
        ul.append(el('li', {}, (a.completed ? '☑ ' : '☐ '), a.content,
          a.checklist ? el('span', { class: 'muted' }, ' (' + a.checklist + ')') : null));
      }
      if (!ul.children.length) ul.append(el('li', { class: 'muted' }, 'No todos.'));
    }

    async function refresh() {
      await Promise.all([loadIncident(), loadTimeline(), loadTodos()]);
    }

    async function act(label, method, url, body) {
      errorBox.hidden = true;
      statusBox.textContent = label + '…';
      const r = await api(method, url, body);
      if (r.status >= 400) {
        statusBox.textContent = '';
        showError(r);
        return false;
      }
      await refresh();
      statusBox.textContent = label + ': done';
      return true;
    }

    const patch = (attrs) => ({ data: { type: 'incidents', attributes: attrs } });
    $('ack').addEventListener('click', () => act('Acknowledge', 'POST', base + '/acknowledge', {}));
    $('resolve').addEventListener('click', () =>
      act('Resolve', 'PATCH', base, patch({ fields: { state: { type: 'dropdown', value: 'resolved' } } })));
    $('reopen').addEventListener('click', () =>
      act('Reopen', 'PATCH', base, patch({ fields: { state: { type: 'dropdown', value: 'active' } } })));
    $('severity-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      act('Change severity', 'PATCH', base, patch({ fields: { severity: { type: 'dropdown', value: sevSelect.value } } }));
    });
    $('note-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = $('note').value;
      const ok = await act('Post', 'POST', base + '/timeline',
        { data: { type: 'incident_timeline_cells', attributes: { kind: $('note-kind').value, content: { content: text } } } });
      if (ok) $('note').value = '';
    });
    live((c) => c.kind === 'incident' && c.incident_id === id, refresh);
    await refresh();
  }

  const pages = { 'sign-in': signInPage, 'incidents': incidentsPage, 'incident': incidentPage };
  const run = pages[document.body.dataset.page];
  if (run) {
    Promise.resolve(run()).catch((e) => {
      if (e && e.message === 'signed out') return;
      const box = document.createElement('p');
      box.className = 'error';
      box.setAttribute('role', 'alert');
      box.textContent = 'Something went wrong: ' + (e && e.message ? e.message : e);
      document.querySelector('main').prepend(box);
    });
  }
})();

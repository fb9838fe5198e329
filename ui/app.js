// Tocsin web UI: a client of the JSON API (/api/v2) with the session cookie.
// Every piece of text from the server is put in the page with textContent,
// never as HTML.
'use strict';

(function () {
  let csrf = '';
  // Set by each page as it starts: the signed-in session and its CSRF token.
  // Pages attach their handlers at once and do not wait for it; a
  // state-changing request waits for it instead.
  let sessionReady = null;
  function startSession() {
    sessionReady = loadSession();
    return sessionReady;
  }
  const $ = (id) => document.getElementById(id);

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
    if (method !== 'GET') {
      if (sessionReady) await sessionReady;
      headers['X-CSRF-Token'] = csrf;
    }
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
  // the page shows it. A change refetches at once; a burst is coalesced (one
  // refetch in flight, at most one more after it). While the stream is down
  // (EventSource retries by itself), a visible page refetches every 30 s;
  // after the stream comes back, once at once.
  function live(wanted, fn) {
    let running = false;
    let again = false;
    async function soon() {
      if (running) { again = true; return; }
      running = true;
      try { await fn(); } catch (e) { /* the next change or poll tries again */ }
      running = false;
      if (again) { again = false; soon(); }
    }
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
  // Filters and the page are in the URL (/incidents?query=&state=&severity=
  // &team=&type=&page=), so a list can be shared and the back button works.
  // Filters become terms of the API's query syntax (team → the teams field).
  const kFilters = { state: 'state', severity: 'severity', team: 'teams', type: 'type' };
  const kPageSize = 50;

  function queryTerm(facet, value) {
    return facet + ':' + (/[\s"]/.test(value) ? '"' + value.replace(/"/g, '') + '"' : value);
  }

  async function fillFilterOptions() {
    const add = (select, values) => {
      const have = new Set([...select.options].map((o) => o.value));
      for (const v of values) if (v && !have.has(v)) { select.append(el('option', { value: v }, v)); have.add(v); }
    };
    add($('f-severity'), ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4']);
    const [teams, types] = await Promise.all([api('GET', '/api/v2/on-call/teams'),
                                              api('GET', '/api/v2/incidents/config/types')]);
    if (teams.status === 200) add($('f-team'), teams.body.data.map((t) => t.id));
    if (types.status === 200) add($('f-type'), types.body.data.map((t) => t.attributes.name));
  }

  async function incidentsPage() {
    const session = startSession();
    const form = $('search-form');
    const input = $('query');
    const status = $('status');
    const list = $('incident-list');
    const prev = $('prev');
    const next = $('next');
    let page = 0;

    function readUrl(first) {
      const params = new URLSearchParams(location.search);
      // On arrival, never overwrite what the person typed before the script ran.
      if (!first || params.has('query') || !input.value) input.value = params.get('query') || '';
      for (const name of Object.keys(kFilters)) {
        const select = $('f-' + name);
        const v = params.get(name) || '';
        if (v && ![...select.options].some((o) => o.value === v)) select.append(el('option', { value: v }, v));
        select.value = v;
      }
      page = Math.max(0, parseInt(params.get('page') || '0', 10) || 0);
    }
    function writeUrl() {
      const params = new URLSearchParams();
      if (input.value.trim()) params.set('query', input.value.trim());
      for (const name of Object.keys(kFilters)) if ($('f-' + name).value) params.set(name, $('f-' + name).value);
      if (page) params.set('page', String(page));
      const qs = params.toString();
      history.pushState(null, '', '/incidents' + (qs ? '?' + qs : ''));
    }
    function composedQuery() {
      const terms = [];
      if (input.value.trim()) terms.push(input.value.trim());
      for (const [name, facet] of Object.entries(kFilters)) {
        const v = $('f-' + name).value;
        if (v) terms.push(queryTerm(facet, v));
      }
      return terms.join(' ');
    }

    async function load(quiet) {
      const q = composedQuery();
      const paging = 'page[size]=' + kPageSize + '&page[offset]=' + page * kPageSize;
      const url = q ? '/api/v2/incidents/search?' + paging + '&query=' + encodeURIComponent(q)
                    : '/api/v2/incidents?' + paging;
      if (!quiet) status.textContent = 'Loading…';
      const r = await api('GET', url);
      if (r.status !== 200) {
        list.replaceChildren();
        status.textContent = errorText(r);
        prev.hidden = next.hidden = true;
        return;
      }
      list.replaceChildren();
      const items = q ? r.body.data.attributes.incidents.map((x) => x.data) : r.body.data;
      const total = q ? r.body.data.attributes.total : null;
      const first = page * kPageSize + 1;
      status.textContent = items.length
        ? first + '–' + (first + items.length - 1) + (total !== null ? ' of ' + total : '') + ' incident(s)'
        : 'No incidents.';
      prev.hidden = page === 0;
      next.hidden = total !== null ? first - 1 + items.length >= total : items.length < kPageSize;
      for (const inc of items) {
        const a = inc.attributes;
        list.append(el('li', {},
          el('a', { href: '/incidents/' + inc.id, class: 'title' }, 'IR-' + a.public_id + ' ', a.title),
          el('span', { class: 'meta' }, severityBadge(a.severity), ' ', a.state, ' · ', a.phase || '',
             ' · declared ', ago(a.created))));
      }
    }
    prev.addEventListener('click', () => { page = Math.max(0, page - 1); writeUrl(); load(); });
    next.addEventListener('click', () => { page += 1; writeUrl(); load(); });
    live((c) => c.kind === 'incident', () => load(true));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      page = 0;
      writeUrl();
      load();
    });
    for (const name of Object.keys(kFilters)) {
      $('f-' + name).addEventListener('change', () => { page = 0; writeUrl(); load(); });
    }
    window.addEventListener('popstate', () => { readUrl(); load(); });
    readUrl(true);
    await Promise.all([session, load(), fillFilterOptions()]);
  }

  // ---- one incident --------------------------------------------------------
  async function incidentPage() {
    // Reads need no CSRF token, so the page's data is fetched while the
    // session is (nothing waits on a round trip it does not need).
    const session = startSession();
    const fieldDefsReady = api('GET', '/api/v2/incidents/config/user-defined-fields');
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
    const commanderSelect = $('commander-select');
    commanderSelect.append(el('option', { value: '' }, 'choose a person'));
    for (const u of readJsonData('users')) {
      commanderSelect.append(el('option', { value: u.handle }, '@' + u.handle + (u.name ? ' (' + u.name + ')' : '')));
    }

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
      const commander = a.commander_handle || (a.commander && a.commander.data ? a.commander.data.attributes.handle : '');
      // A team's on-call handle (set by a rule) is not a person: offer it too.
      if (commander && ![...commanderSelect.options].some((o) => o.value === commander)) {
        commanderSelect.append(el('option', { value: commander }, '@' + commander));
      }
      if (document.activeElement !== commanderSelect && !commanderSelect.dataset.dirty) commanderSelect.value = commander || '';
      await loadFields(a);
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

    // The timeline newest first, a page at a time: the newest page on load
    // (an incident with thousands of events opens as fast as a short one),
    // older pages on request. Once older pages are open, a live refresh
    // reloads down to the oldest event shown, so nothing read disappears.
    const timelinePage = 100;
    let oldestShown = null;  // seq of the oldest event shown, once older pages are open
    function timelineItem(cell) {
      const a = cell.attributes;
      const changes = (a.changes || []).map((c) => c.field + ': ' + (c.from || '∅') + ' → ' + (c.to || '∅')).join(', ');
      return el('li', { class: 'kind-' + a.kind, 'data-seq': cell.id },
        el('div', { class: 'meta' }, el('time', { datetime: a.created }, when(a.created)), ' · ',
           (a.author && a.author.handle ? '@' + a.author.handle : ''), ' · ', a.kind.replace(/_/g, ' ')),
        a.content && a.content.content ? el('p', { class: 'content' }, a.content.content) : null,
        changes ? el('p', { class: 'changes' }, changes) : null);
    }
    function timelineSlice(offset, size) {
      return api('GET', base + '/timeline?sort=-created&page[size]=' + size + '&page[offset]=' + offset);
    }
    async function loadTimeline() {
      const cells = [];
      let ended = false;
      for (let offset = 0; ;) {
        const size = oldestShown === null ? timelinePage : 1000;
        const r = await timelineSlice(offset, size);
        if (r.status !== 200) return showError(r);
        cells.push(...r.body.data);
        offset += r.body.data.length;
        if (r.body.data.length < size) { ended = true; break; }
        if (oldestShown === null || Number(cells[cells.length - 1].id) <= oldestShown) break;
      }
      const shown = oldestShown === null ? cells : cells.filter((c) => Number(c.id) >= oldestShown);
      $('timeline').replaceChildren(...shown.map(timelineItem));
      $('timeline-older').hidden = ended && shown.length === cells.length;
    }
    $('timeline-older').addEventListener('click', async () => {
      const ol = $('timeline');
      const last = ol.lastElementChild;
      const before = last ? Number(last.dataset.seq) : Infinity;
      // Offsets count from the newest event, so events that arrived since the
      // last render shift them: skip anything already shown.
      const r = await timelineSlice(ol.children.length, timelinePage);
      if (r.status !== 200) return showError(r);
      ol.append(...r.body.data.filter((c) => Number(c.id) < before).map(timelineItem));
      if (ol.lastElementChild) oldestShown = Number(ol.lastElementChild.dataset.seq);
      $('timeline-older').hidden = r.body.data.length < timelinePage;
    });

    // The template fields of the incident's type, as a form. Built once per
    // type; a live refresh updates only the inputs nobody has touched.
    let fieldDefs = null;
    let fieldsType = null;
    async function loadFields(a) {
      if (!fieldDefs) {
        const r = await fieldDefsReady;
        fieldDefs = r.status === 200 ? r.body.data.map((f) => f.attributes) : [];
      }
      const box = $('fields');
      const type = a.incident_type || '';
      const mine = fieldDefs.filter((f) => (f.incident_types || []).includes(type));
      if (type !== fieldsType) {
        fieldsType = type;
        box.replaceChildren();
        for (const f of mine) {
          const id = 'field-' + f.name;
          let input;
          if (f.field_type === 'dropdown' || f.field_type === 'boolean' || f.field_type === 'multiselect') {
            input = el('select', { id, name: f.name });
            if (f.field_type === 'multiselect') input.multiple = true;
            else input.append(el('option', { value: '' }, '—'));
            for (const v of f.valid_values) input.append(el('option', { value: v.value }, v.display_name));
          } else {
            input = el('input', { id, name: f.name, type: 'text', inputmode: f.field_type === 'number' ? 'decimal' : 'text' });
          }
          input.dataset.kind = f.field_type;
          input.addEventListener('change', () => { input.dataset.dirty = '1'; });
          input.addEventListener('input', () => { input.dataset.dirty = '1'; });
          box.append(el('div', {}, el('label', { for: id }, f.display_name + (f.required ? ' (required)' : '')), input));
        }
        $('fields-save').hidden = !mine.length;
        if (!mine.length) box.append(el('p', { class: 'muted' }, type ? 'The type ' + type + ' has no template fields.' : 'No type, so no template fields.'));
      }
      for (const f of mine) {
        const input = $('field-' + f.name);
        if (!input || input.dataset.dirty || document.activeElement === input) continue;
        const v = a.fields && a.fields[f.name] ? a.fields[f.name].value : null;
        if (input.multiple) {
          const chosen = Array.isArray(v) ? v : [];
          for (const o of input.options) o.selected = chosen.includes(o.value);
        } else {
          input.value = v === null || v === undefined ? '' : String(v);
        }
      }
    }

    async function loadDeliveries() {
      const r = await api('GET', '/api/v2/notifications?page[size]=100&filter[incident]=' + encodeURIComponent(id));
      const ul = $('deliveries');
      ul.replaceChildren();
      if (r.status !== 200) return showError(r);
      for (const d of r.body.data) {
        const a = d.attributes;
        const what = a.kind === 'page' ? 'Page' : a.kind.replace(/_/g, ' ');
        const state = a.state.replace(/_/g, ' ') + (a.attempts ? ' after ' + a.attempts + ' attempt(s)' : '') +
          (a.state === 'queued' && a.attempts ? ', retry at ' + when(a.next_attempt_at) : '');
        ul.append(el('li', { class: 'kind-' + a.kind },
          el('div', {}, el('strong', {}, what), ' via ', a.channel, a.recipient ? ' to @' + a.recipient : '', ' — ', state),
          a.reason ? el('div', { class: 'why' }, 'Why: ', a.reason) : null,
          a.last_error ? el('div', { class: 'error-text' }, 'Last error: ', a.last_error) : null));
      }
      if (!ul.children.length) ul.append(el('li', { class: 'muted' }, 'Nothing sent for this incident.'));
    }

    async function loadTodos() {
      const r = await api('GET', base + '/relationships/todos');
      const ul = $('todos');
      ul.replaceChildren();
      if (r.status !== 200) return showError(r);
      // A checkbox per todo: ticking it completes the todo (PATCH completed:
      // now), unticking reopens it (completed: null), as the API does.
      for (const t of r.body.data) {
        const a = t.attributes;
        const box = el('input', { type: 'checkbox', id: 'todo-' + t.id });
        box.checked = !!a.completed;
        box.addEventListener('change', () => act(box.checked ? 'Complete todo' : 'Reopen todo', 'PATCH',
          base + '/relationships/todos/' + encodeURIComponent(t.id),
          { data: { type: 'incident_todos', attributes: { completed: box.checked ? new Date().toISOString() : null } } }));
        ul.append(el('li', { class: a.completed ? 'done' : '' }, box, ' ', el('label', { for: 'todo-' + t.id }, a.content),
          a.checklist ? el('span', { class: 'muted' }, ' (' + a.checklist + ')') : null));
      }
      if (!ul.children.length) ul.append(el('li', { class: 'muted' }, 'No todos.'));
    }

    async function refresh() {
      await Promise.all([loadIncident(), loadTimeline(), loadTodos(), loadDeliveries()]);
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
    $('commander-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const ok = await act('Assign commander', 'PATCH', base, patch({ commander: commanderSelect.value ? '@' + commanderSelect.value : '' }));
      if (ok) delete commanderSelect.dataset.dirty;
    });
    commanderSelect.addEventListener('change', () => { commanderSelect.dataset.dirty = '1'; });
    $('fields-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('fields-error').hidden = true;
      $('fields-status').textContent = 'Saving…';
      const fields = {};
      for (const input of $('fields').querySelectorAll('input, select')) {
        if (input.multiple) fields[input.name] = [...input.selectedOptions].map((o) => o.value);
        else fields[input.name] = input.value === '' ? null : input.value;
      }
      const r = await api('PATCH', base, patch({ fields }));
      if (r.status >= 400) {
        $('fields-status').textContent = '';
        $('fields-error').textContent = errorText(r);
        $('fields-error').hidden = false;
        return;
      }
      for (const input of $('fields').querySelectorAll('[data-dirty]')) delete input.dataset.dirty;
      $('fields-status').textContent = 'Fields saved.';
      await refresh();
    });
    $('todo-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const ok = await act('Add todo', 'POST', base + '/relationships/todos',
        { data: { type: 'incident_todos', attributes: { content: $('todo-content').value } } });
      if (ok) $('todo-content').value = '';
    });
    $('note-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const text = $('note').value;
      const ok = await act('Post', 'POST', base + '/timeline',
        { data: { type: 'incident_timeline_cells', attributes: { kind: $('note-kind').value, content: { content: text } } } });
      if (ok) $('note').value = '';
    });
    live((c) => c.kind === 'incident' && c.incident_id === id, refresh);
    await Promise.all([session, refresh()]);
  }

  // ---- on call -------------------------------------------------------------
  const DAY = 86400000;
  // Light backgrounds under dark text (AA contrast), one per person.
  const PALETTE = ['#dbeafe', '#fde68a', '#d1fae5', '#fce7f3', '#e9d5ff', '#fed7aa', '#cffafe', '#e5e7eb'];
  function colourOf(handle) {
    let h = 0;
    for (const c of handle || '') h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return PALETTE[h % PALETTE.length];
  }
  function range(start, end) {
    const opts = { weekday: 'short', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
    return new Date(start).toLocaleString(undefined, opts) + ' – ' + new Date(end).toLocaleString(undefined, opts);
  }
  function readJsonData(name) {
    try { return JSON.parse(document.body.dataset[name] || '[]'); } catch (e) { return []; }
  }

  async function onCallPage() {
    const session = startSession();
    const $ = (x) => document.getElementById(x);
    const users = readJsonData('users');
    for (const u of users) {
      const label = '@' + u.handle + (u.name ? ' (' + u.name + ')' : '');
      $('ov-user').append(el('option', { value: u.handle }, label));
      $('ov-for').append(el('option', { value: u.handle }, label));
    }
    const schedSelect = $('ov-schedule');

    // One schedule: who is on call now, its shifts as a 14-day bar, the
    // shifts as text, its overrides (removable) and its calendar feed.
    async function scheduleBlock(s, from, to) {
      const a = s.attributes;
      const base = '/api/v2/on-call/schedules/' + encodeURIComponent(a.name);
      const [shifts, overrides] = await Promise.all([
        api('GET', base + '/shifts?from=' + encodeURIComponent(from.toISOString()) + '&to=' + encodeURIComponent(to.toISOString())),
        api('GET', base + '/overrides')]);
      const box = el('section', { class: 'schedule', 'aria-labelledby': 'sched-' + a.name });
      box.append(el('h3', { id: 'sched-' + a.name }, a.name),
        el('p', { class: 'meta' }, 'team ', a.team, ' · ', a.time_zone, ' · ',
           el('a', { href: base + '/calendar.ics' }, 'calendar (.ics)')),
        el('p', { class: 'now' }, 'Now: ', a.on_call ? el('strong', {}, '@' + a.on_call.handle) : 'nobody',
           a.on_call ? ' — ' + a.on_call.why : ''));
      if (shifts.status !== 200) {
        box.append(el('p', { class: 'error' }, errorText(shifts)));
        return box;
      }
      const span = to - from;
      const bar = el('ol', { class: 'bar', 'aria-label': 'Shifts of ' + a.name + ' over the next 14 days' });
      const list = el('ul', { class: 'plain shift-list' });
      for (const sh of shifts.body.data) {
        const x = sh.attributes;
        const start = Math.max(Date.parse(x.start), from.getTime());
        const end = Math.min(Date.parse(x.end), to.getTime());
        if (end <= start) continue;
        const seg = el('li', { title: '@' + x.user + ': ' + range(x.start, x.end) + ' (' + x.source + ')' }, '@' + x.user);
        seg.style.left = ((start - from) / span * 100).toFixed(3) + '%';
        seg.style.width = ((end - start) / span * 100).toFixed(3) + '%';
        seg.style.background = colourOf(x.user);
        bar.append(seg);
        list.append(el('li', {}, el('strong', {}, '@' + x.user), ' ', range(x.start, x.end), ' ',
                       el('span', { class: 'muted' }, '(' + x.source + ')')));
      }
      const scale = el('div', { class: 'scale', 'aria-hidden': 'true' });
      for (let d = 0; d < 14; d++) {
        const day = new Date(from.getTime() + d * DAY);
        scale.append(el('span', {}, day.toLocaleDateString(undefined, { day: 'numeric' })));
      }
      // A line at "now" over the bar.
      const track = el('div', { class: 'track' }, bar);
      const mark = el('div', { class: 'now-mark', 'aria-hidden': 'true' });
      mark.style.left = ((Date.now() - from) / span * 100).toFixed(3) + '%';
      track.append(mark);
      box.append(track, scale, el('details', {}, el('summary', {}, 'Shifts as a list'), list));

      const ovs = el('ul', { class: 'plain overrides' });
      if (overrides.status === 200) {
        for (const o of overrides.body.data) {
          const x = o.attributes;
          if (x.removed || Date.parse(x.end) < Date.now()) continue;
          const remove = el('button', { type: 'button', class: 'small' }, 'Remove');
          remove.setAttribute('aria-label', 'Remove the override of @' + x.user + ' ' + range(x.start, x.end));
          remove.addEventListener('click', async () => {
            const r = await api('DELETE', base + '/overrides/' + encodeURIComponent(o.id));
            if (r.status >= 400) return showOverrideError(r);
            $('override-status').textContent = 'Override removed.';
            await refresh();
          });
          ovs.append(el('li', {}, '@' + x.user, x.for_user ? ' instead of @' + x.for_user : '', ': ',
                        range(x.start, x.end), ' ', el('span', { class: 'muted' }, 'by @' + x.created_by), ' ', remove));
        }
      }
      if (!ovs.children.length) ovs.append(el('li', { class: 'muted' }, 'No current or upcoming overrides.'));
      box.append(el('h4', {}, 'Overrides'), ovs);
      return box;
    }

    async function refresh() {
      const from = new Date();
      from.setHours(0, 0, 0, 0);  // today, local midnight: the scale's days line up
      const to = new Date(from.getTime() + 14 * DAY);
      const [teams, schedules] = await Promise.all([api('GET', '/api/v2/on-call/teams'),
                                                    api('GET', '/api/v2/on-call/schedules')]);
      if (teams.status !== 200) { $('status').textContent = errorText(teams); return; }
      if (schedules.status !== 200) { $('status').textContent = errorText(schedules); return; }
      const ul = $('teams');
      ul.replaceChildren();
      for (const t of teams.body.data) {
        const a = t.attributes;
        const people = a.on_call.length
          ? a.on_call.map((p) => el('li', {}, el('strong', {}, '@' + p.handle), p.name ? ' (' + p.name + ')' : '', ' — ', p.why))
          : [el('li', { class: 'muted' }, 'nobody')];
        ul.append(el('li', { class: 'team', 'data-team': t.id }, el('h3', {}, a.team, ' ', el('span', { class: 'muted' }, a.handle)),
                     el('ul', { class: 'plain' }, ...people)));
      }
      const blocks = await Promise.all(schedules.body.data.map((s) => scheduleBlock(s, from, to)));
      $('schedules').replaceChildren(...blocks);
      const chosen = schedSelect.value;
      schedSelect.replaceChildren(...schedules.body.data.map((s) => el('option', { value: s.id }, s.attributes.name)));
      if (chosen) schedSelect.value = chosen;
      $('status').textContent = '';
    }

    function showOverrideError(r) {
      $('override-error').textContent = errorText(r);
      $('override-error').hidden = false;
    }
    $('override-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('override-error').hidden = true;
      $('override-status').textContent = '';
      const iso = (v) => (v ? new Date(v).toISOString() : '');
      const attrs = { user: $('ov-user').value, start: iso($('ov-start').value), end: iso($('ov-end').value) };
      if ($('ov-for').value) attrs.for_user = $('ov-for').value;
      const r = await api('POST', '/api/v2/on-call/schedules/' + encodeURIComponent(schedSelect.value) + '/overrides',
                          { data: { type: 'schedule_overrides', attributes: attrs } });
      if (r.status >= 400) return showOverrideError(r);
      $('override-status').textContent = 'Override added.';
      await refresh();
    });
    live((c) => c.kind === 'oncall', refresh);
    await Promise.all([session, refresh()]);
  }

  // A page's main table, filled from an API list: `row` makes a <tr> of an
  // item, `summary` the status line from the count.
  function tableLoader(url, tableId, row, summary) {
    return async function load() {
      const status = document.getElementById('status');
      const r = await api('GET', url);
      if (r.status !== 200) { status.textContent = errorText(r); return; }
      document.getElementById(tableId).tBodies[0].replaceChildren(...r.body.data.map(row));
      status.textContent = summary(r.body.data.length);
    };
  }

  // ---- alerts --------------------------------------------------------------
  async function alertsPage() {
    const session = startSession();
    const $ = (x) => document.getElementById(x);
    const load = tableLoader('/api/v2/alerts?page[size]=100', 'alerts', (al) => {
      const a = al.attributes;
      const inc = al.relationships.incident.data;
      return el('tr', {},
        el('td', {}, el('time', { datetime: a.received_at || '' }, when(a.received_at))),
        el('td', {}, a.source),
        el('td', { class: 'wrap' }, a.monitor_name, a.scope ? el('span', { class: 'muted' }, ' ' + a.scope) : null),
        el('td', {}, a.state),
        el('td', { class: 'wrap' }, a.duplicate ? 'duplicate' : a.decision,
           a.detail ? el('span', { class: 'muted' }, ' — ' + a.detail) : null),
        el('td', {}, inc ? el('a', { href: '/incidents/' + inc.id }, 'incident') : '—'));
    }, (n) => (n ? n + ' alert(s)' : 'No alerts yet.'));
    $('try-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      $('try-error').hidden = true;
      $('try-report').hidden = true;
      await sessionReady;  // the CSRF token
      // The payload goes as it was pasted: the API parses it.
      const res = await fetch('/api/v2/alerts/dry-run?source=' + encodeURIComponent($('try-source').value), {
        method: 'POST', credentials: 'same-origin', body: $('try-body').value,
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrf } });
      let body = null;
      try { body = await res.json(); } catch (e) { body = null; }
      if (!res.ok) {
        $('try-error').textContent = errorText({ status: res.status, body });
        $('try-error').hidden = false;
        return;
      }
      $('try-report').textContent = body.data.attributes.report;
      $('try-report').hidden = false;
    });
    live((c) => c.kind === 'alert', load);
    await Promise.all([session, load()]);
  }

  // ---- notifications -------------------------------------------------------
  async function notificationsPage() {
    const session = startSession();
    const $ = (x) => document.getElementById(x);
    const load = tableLoader('/api/v2/notifications?page[size]=100', 'deliveries', (d) => {
      const a = d.attributes;
      const inc = d.relationships.incident.data;
      return el('tr', { class: 'state-' + a.state },
        el('td', {}, el('time', { datetime: a.created }, when(a.created))),
        el('td', {}, a.channel, a.recipient ? el('span', { class: 'muted' }, ' to @' + a.recipient) : null),
        el('td', { class: 'wrap' }, a.kind.replace(/_/g, ' '), a.reason ? el('span', { class: 'muted' }, ' — ' + a.reason) : null),
        el('td', {}, a.state.replace(/_/g, ' '),
           a.state === 'queued' && a.attempts > 0 ? el('span', { class: 'muted' }, ' (retry at ' + when(a.next_attempt_at) + ')') : null),
        el('td', {}, String(a.attempts)),
        el('td', { class: 'wrap' }, a.last_error || '—'),
        el('td', {}, inc && inc.id ? el('a', { href: '/incidents/' + inc.id }, 'incident') : '—'));
    }, (n) => (n ? n + ' deliveries' : 'Nothing sent yet.'));
    const channels = await api('GET', '/api/v2/channels');
    if (channels.status === 200) {
      for (const c of channels.body.data) {
        const a = c.attributes;
        const button = el('button', { type: 'button', class: 'small' }, 'Send a test');
        button.setAttribute('aria-label', 'Send a test to ' + a.name);
        button.addEventListener('click', async () => {
          $('test-result').textContent = 'Sending a test to ' + a.name + '…';
          const r = await api('POST', '/api/v2/channels/' + encodeURIComponent(a.name) + '/test', {});
          const t = r.body && r.body.data ? r.body.data.attributes : null;
          $('test-result').textContent = t ? a.name + ': ' + t.outcome.replace(/_/g, ' ') + (t.detail ? ' — ' + t.detail : '')
                                           : errorText(r);
        });
        $('channels').append(el('li', {}, el('strong', {}, a.name), ' ', el('span', { class: 'muted' }, a.channel_type), ' ', button));
      }
    }
    live((c) => c.kind === 'delivery' || c.kind === 'incident', load);
    await Promise.all([session, load()]);
  }

  // The current page in the navigation.
  for (const a of document.querySelectorAll('.nav a')) {
    const here = location.pathname === a.getAttribute('href') ||
                 (a.getAttribute('href') === '/incidents' && location.pathname === '/');
    if (here) a.setAttribute('aria-current', 'page');
  }

  const pages = { 'sign-in': signInPage, 'incidents': incidentsPage, 'incident': incidentPage,
                  'on-call': onCallPage, 'alerts': alertsPage, 'notifications': notificationsPage };
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

// The web UI end to end in Debian's chromium against a real tocsin.
import { test, expect, request as apiRequest } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { HANDLE, PASSWORD } from './global-setup.mjs';

// TOCSIN_UI_SHOTS_DIR=docs/ui refreshes the screenshots in docs/ui.md.
const shots = process.env.TOCSIN_UI_SHOTS_DIR ? process.env.TOCSIN_UI_SHOTS_DIR.replace(/\/?$/, '/')
                                              : new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

// Declares an incident through the API with the key pair; answers its data.
async function declare(title, severity = 'SEV-2', fields = {}) {
  const api = await apiRequest.newContext({
    baseURL: process.env.TOCSIN_BASE_URL,
    extraHTTPHeaders: { 'DD-API-KEY': process.env.TOCSIN_API_KEY, 'DD-APPLICATION-KEY': process.env.TOCSIN_APP_KEY },
  });
  const r = await api.post('/api/v2/incidents', {
    data: { data: { type: 'incidents', attributes: { title, fields: { severity: { type: 'dropdown', value: severity }, ...fields } } } },
  });
  expect(r.status()).toBe(201);
  const body = await r.json();
  await api.dispose();
  return body.data;
}

// Sends an alert through the ingestion API (generic webhook); answers the
// incident it opened or joined.
async function sendAlert(alert) {
  const api = await apiRequest.newContext({
    baseURL: process.env.TOCSIN_BASE_URL,
    extraHTTPHeaders: { 'Authorization': 'Bearer ' + process.env.TOCSIN_INGEST_KEY },
  });
  const r = await api.post('/api/integrations/generic', { data: alert });
  expect(r.status()).toBe(200);
  const body = await r.json();
  await api.dispose();
  return body.data[0].relationships.incident.data;
}

const INJECTION = '[V-Commerce] LLM Prompt Injection / Adversarial Input Detection';

// axe-core on the page as it is now: no serious or critical violations.
async function expectAccessible(page, what) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.passes.length).toBeGreaterThan(10);  // axe did look at the page
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`))
    .toEqual([]);
}

async function signIn(page, password = PASSWORD) {
  await page.getByLabel('Handle').fill(HANDLE);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

// No page may ever open a dialog: an XSS payload would.
test.beforeEach(async ({ page }) => {
  page.on('dialog', (d) => {
    throw new Error('unexpected dialog: ' + d.message());
  });
});

test('sign in: a wrong password is refused, the right one opens the list', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in\?next=%2F|\/sign-in\?next=\//);
  await page.screenshot({ path: shots + 'sign-in.png', fullPage: true });
  await expectAccessible(page, 'sign-in');
  await signIn(page, 'not the password');
  await expect(page.getByRole('alert')).toHaveText('handle or password is wrong');
  await expect(page).toHaveURL(/\/sign-in/);
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Incidents' })).toBeVisible();
  await expect(page.locator('#who')).toHaveText('Signed in as @' + HANDLE);
});

test('an expired session sends the person back to sign in, then to the page', async ({ page, context }) => {
  await page.goto('/incidents');
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Incidents' })).toBeVisible();
  await page.goto('about:blank');  // no page of ours open meanwhile
  // The server no longer knows the session (expired, or signed out elsewhere).
  await context.addCookies([{ name: 'tocsin_session', value: '0'.repeat(64), url: process.env.TOCSIN_BASE_URL }]);
  await page.goto('/on-call');
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page);
  await expect(page).toHaveURL(/\/on-call$/);
});

test('an incident from its URL: acknowledge, note, severity, resolve, reopen', async ({ page }) => {
  const inc = await declare('Checkout latency above SLO', 'SEV-3');
  await page.goto('/incidents/' + inc.id);  // the link a Slack message carries
  await expect(page).toHaveURL(/\/sign-in\?next=/);
  await signIn(page);
  await expect(page).toHaveURL(new RegExp('/incidents/' + inc.id + '$'));
  const title = page.locator('#title');
  await expect(title).toHaveText('IR-' + inc.attributes.public_id + ': Checkout latency above SLO');
  await expect(page.locator('#severity')).toHaveText('SEV-3');
  await expect(page.locator('#state')).toHaveText('active');
  await expect(page.locator('#commander')).not.toBeEmpty();
  await expect(page.locator('#since')).toContainText('ago');
  await expect(page.locator('#deadline')).toContainText(/^in \d+ min \d+ s \(SEV-3: /);

  await page.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.locator('#acknowledged')).toContainText('by @' + HANDLE);
  await expect(page.getByRole('button', { name: 'Acknowledge' })).toBeDisabled();
  await expect(page.locator('#deadline')).toHaveText('done');

  await page.getByLabel('Note', { exact: true }).fill('Rolled back the 14:02 deploy');
  await page.getByRole('button', { name: 'Post' }).click();
  await expect(page.locator('#timeline')).toContainText('Rolled back the 14:02 deploy');
  await expect(page.locator('#timeline li', { hasText: 'Rolled back' })).toContainText('@' + HANDLE);

  await page.getByLabel('Severity', { exact: true }).selectOption({ value: 'SEV-1' });
  await page.getByRole('button', { name: 'Change severity' }).click();
  await expect(page.locator('#severity')).toHaveText('SEV-1');
  await expect(page.locator('#timeline')).toContainText('SEV-3 → SEV-1');

  await page.getByRole('button', { name: 'Resolve' }).click();
  await expect(page.locator('#state')).toHaveText('resolved');
  await expect(page.getByRole('button', { name: 'Reopen' })).toBeEnabled();
  await page.screenshot({ path: shots + 'incident-resolved.png', fullPage: true });

  await page.getByRole('button', { name: 'Reopen' }).click();
  await expect(page.locator('#state')).toHaveText('active');
  await page.screenshot({ path: shots + 'incident.png', fullPage: true });
  await expectAccessible(page, 'incident');

  // The same incident by its public id.
  await page.goto('/incidents/IR-' + inc.attributes.public_id);
  await expect(title).toHaveText('IR-' + inc.attributes.public_id + ': Checkout latency above SLO');
});

test('a long timeline opens at its newest events; older ones on request', async ({ page }) => {
  const inc = await declare('Many notes');
  const api = await apiRequest.newContext({
    baseURL: process.env.TOCSIN_BASE_URL,
    extraHTTPHeaders: { 'DD-API-KEY': process.env.TOCSIN_API_KEY, 'DD-APPLICATION-KEY': process.env.TOCSIN_APP_KEY },
  });
  for (let k = 1; k <= 130; ++k) {
    const r = await api.post('/api/v2/incidents/' + inc.id + '/timeline',
      { data: { data: { type: 'incident_timeline_cells', attributes: { kind: 'note', content: { content: 'note ' + k } } } } });
    expect(r.status()).toBe(201);
  }
  await api.dispose();
  await page.goto('/sign-in?next=' + encodeURIComponent('/incidents/' + inc.id));
  await signIn(page);
  // Deliveries may add their own events meanwhile, so notes are counted apart.
  const items = page.locator('#timeline > li');
  const notes = page.locator('#timeline > li.kind-note');
  await expect(items).toHaveCount(100);
  await expect(notes.first()).toContainText('note 130');
  await expect(notes.nth(1)).toContainText('note 129');
  const older = page.getByRole('button', { name: 'Show older events' });
  await older.click();
  await expect(notes).toHaveCount(130);
  await expect(notes.last().locator('p.content')).toHaveText('note 1');
  await expect(items.last()).toContainText('incident created');
  await expect(older).toBeHidden();
  // A live change keeps every event shown, with the new one on top.
  await page.getByLabel('Note', { exact: true }).fill('note 131');
  await page.getByRole('button', { name: 'Post' }).click();
  await expect(notes.first()).toContainText('note 131');
  await expect(notes).toHaveCount(131);
  await expect(items.last()).toContainText('incident created');
  await expect(older).toBeHidden();
});

test('todos: added, ticked and unticked from the incident page', async ({ page }) => {
  const inc = await declare('Payments timeouts');
  await page.goto('/sign-in?next=' + encodeURIComponent('/incidents/' + inc.id));
  await signIn(page);
  await page.getByLabel('New todo').fill('Page the payments vendor');
  await page.getByRole('button', { name: 'Add todo' }).click();
  const box = page.getByRole('checkbox', { name: 'Page the payments vendor' });
  await expect(box).not.toBeChecked();
  await expect(page.getByLabel('New todo')).toHaveValue('');
  await box.check();
  await expect(page.locator('#action-status')).toHaveText('Complete todo: done');
  await expect(box).toBeChecked();
  await expect(page.locator('#timeline')).toContainText('todo completed');
  // The API agrees: the todo is completed, by the signed-in person's change.
  const api = await apiRequest.newContext({
    baseURL: process.env.TOCSIN_BASE_URL,
    extraHTTPHeaders: { 'DD-API-KEY': process.env.TOCSIN_API_KEY, 'DD-APPLICATION-KEY': process.env.TOCSIN_APP_KEY },
  });
  const todos = await (await api.get('/api/v2/incidents/' + inc.id + '/relationships/todos')).json();
  const mine = todos.data.find((t) => t.attributes.content === 'Page the payments vendor');
  expect(mine.attributes.completed).not.toBeNull();
  await box.uncheck();
  await expect(page.locator('#action-status')).toHaveText('Reopen todo: done');
  await expect(box).not.toBeChecked();
  const again = await (await api.get('/api/v2/incidents/' + inc.id + '/relationships/todos')).json();
  expect(again.data.find((t) => t.id === mine.id).attributes.completed).toBeNull();
  await api.dispose();
  await expectAccessible(page, 'incident with todos');
});

test('a hostile title renders as text', async ({ page }) => {
  const xss = '<img src=x onerror=alert(1)>';
  const inc = await declare(xss);
  await page.goto('/incidents/' + inc.id);
  await signIn(page);
  await expect(page.locator('#title')).toHaveText('IR-' + inc.attributes.public_id + ': ' + xss);
  await expect(page.locator('main img')).toHaveCount(0);
  await page.goto('/incidents');
  await expect(page.locator('#incident-list')).toContainText(xss);
  await expect(page.locator('#incident-list img')).toHaveCount(0);
  await page.screenshot({ path: shots + 'incidents.png', fullPage: true });
  await expectAccessible(page, 'incidents');
});

test('search uses the API query syntax', async ({ page }) => {
  await declare('Search me: payments SEV-4', 'SEV-4');
  await page.goto('/incidents');
  await signIn(page);
  await page.getByLabel(/Search/).fill('severity:SEV-4');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/query=severity%3ASEV-4/);
  await expect(page.locator('#incident-list li')).toHaveCount(1);
  await expect(page.locator('#incident-list')).toContainText('Search me: payments SEV-4');
  await page.getByLabel(/Search/).fill('severity:');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.locator('#status')).toContainText('HTTP 400');
});

test('what is typed before the session answers is kept and searched', async ({ page }) => {
  await declare('Typed early: checkout SEV-4', 'SEV-4');
  await page.goto('/incidents');
  await signIn(page);
  await expect(page.locator('#who')).toContainText('Signed in');
  // Hold the session lookup of the next visit until the search is typed.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/ui/session', async (route) => { await held; await route.continue(); });
  await page.goto('/incidents');
  await page.getByLabel(/Search/).fill('"Typed early"');
  const answered = page.waitForResponse((r) => r.url().endsWith('/ui/session'));
  release();
  await answered;
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/query=%22Typed\+early%22/);
  await expect(page.locator('#incident-list li')).toHaveCount(1);
  await expect(page.locator('#incident-list')).toContainText('Typed early: checkout SEV-4');
});

test('filters and pages compose the query, live in the URL and follow the back button', async ({ page }) => {
  // 52 incidents sharing a word; two of them for the commerce team at SEV-3.
  for (let k = 0; k < 50; k++) await declare('Pagedzq7 plain ' + k, 'SEV-4');
  const teams = { teams: { type: 'multiselect', value: ['commerce'] } };
  await declare('Pagedzq7 commerce A', 'SEV-3', teams);
  await declare('Pagedzq7 commerce B', 'SEV-3', teams);
  await page.goto('/incidents');
  await signIn(page);
  await page.getByLabel(/Search/).fill('Pagedzq7');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/query=Pagedzq7/);
  await expect(page.locator('#status')).toHaveText('1–50 of 52 incident(s)');
  await expect(page.locator('#prev')).toBeHidden();
  await page.getByRole('button', { name: 'Older' }).click();
  await expect(page).toHaveURL(/page=1/);
  await expect(page.locator('#status')).toHaveText('51–52 of 52 incident(s)');
  await expect(page.locator('#incident-list li')).toHaveCount(2);
  await expect(page.locator('#next')).toBeHidden();
  await page.goBack();
  await expect(page.locator('#status')).toHaveText('1–50 of 52 incident(s)');
  // Filters: severity, then team; each is a query term and part of the URL.
  await page.getByLabel('Severity', { exact: true }).selectOption('SEV-3');
  await expect(page).toHaveURL(/severity=SEV-3/);
  await expect(page.locator('#status')).toHaveText('1–2 of 2 incident(s)');
  await page.getByLabel('Team', { exact: true }).selectOption('commerce');
  await expect(page).toHaveURL(/team=commerce/);
  await expect(page.locator('#incident-list')).toContainText('Pagedzq7 commerce A');
  await page.getByLabel('State', { exact: true }).selectOption('resolved');
  await expect(page.locator('#status')).toHaveText('No incidents.');
  await page.goBack();
  await expect(page.getByLabel('State', { exact: true })).toHaveValue('');
  await expect(page.locator('#status')).toHaveText('1–2 of 2 incident(s)');
  await expectAccessible(page, 'incidents with filters');
});

test('a state-changing request without the CSRF token is refused', async ({ page }) => {
  const inc = await declare('CSRF target');
  await page.goto('/incidents/' + inc.id);
  await signIn(page);
  await expect(page.locator('#state')).toHaveText('active');
  // page.request shares the browser's cookies but sends no X-CSRF-Token.
  const r = await page.request.post('/api/v2/incidents/' + inc.id + '/acknowledge', { data: {} });
  expect(r.status()).toBe(403);
  expect((await r.json()).errors[0]).toContain('X-CSRF-Token');
  const get = await page.request.get('/api/v2/incidents/' + inc.id);
  expect(get.status()).toBe(200);
  expect((await get.json()).data.attributes.acknowledged).toBeNull();
});

test('an unknown incident id gives the 404 page', async ({ page }) => {
  await page.goto('/sign-in');
  await signIn(page);
  await expect(page.getByRole('heading', { name: 'Incidents' })).toBeVisible();
  for (const id of ['IR-999999', '0b7d3c1e-0000-4000-8000-000000000000']) {
    const r = await page.goto('/incidents/' + id);
    expect(r.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  }
  await page.screenshot({ path: shots + 'not-found.png', fullPage: true });
  await expectAccessible(page, 'not-found');
});

test('the list shows a new incident live when an alert arrives', async ({ page }) => {
  await page.goto('/incidents');
  await signIn(page);
  await expect(page.locator('#status')).not.toHaveText('Loading…');
  await expect(page.locator('body')).toHaveAttribute('data-live', 'on');  // the event stream is open
  const before = await page.locator('#incident-list li').count();
  const incident = await sendAlert({ monitor: INJECTION, scope: 'env:live-' + Date.now() });
  expect(incident).not.toBeNull();
  // No reload, no 15 s poll: the stream says "created" and the list refetches.
  await expect(page.locator(`#incident-list a[href="/incidents/${incident.id}"]`)).toBeVisible({ timeout: 5000 });
  // The newest first: at the top of the first page (which holds at most 50).
  await expect(page.locator('#incident-list li').first().locator('a')).toHaveAttribute('href', '/incidents/' + incident.id);
  await expect(page.locator('#incident-list li')).toHaveCount(Math.min(before + 1, 50));
});

// A datetime-local value (the browser's local time) `minutes` from now.
async function localInput(page, minutes) {
  return page.evaluate((m) => {
    const d = new Date(Date.now() + m * 60000);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
  }, minutes);
}

test('on call: an override is added, changes who is on call, and is removed', async ({ page }) => {
  await page.goto('/on-call');
  await signIn(page);
  await expect(page).toHaveTitle('On call · Tocsin');
  const team = page.locator('#teams li.team[data-team="llm-platform"]');
  await expect(team).toContainText(/@(priya|mateo)/);
  await expect(team).not.toContainText('@wei');
  const schedule = page.locator('section.schedule', { has: page.getByRole('heading', { name: 'llm-primary' }) });
  await expect(schedule.locator('.bar li').first()).toBeVisible();
  await expect(schedule.getByRole('link', { name: 'calendar (.ics)' }))
    .toHaveAttribute('href', '/api/v2/on-call/schedules/llm-primary/calendar.ics');
  await page.screenshot({ path: shots + 'on-call.png', fullPage: true });
  await expectAccessible(page, 'on-call');

  // An end before the start: the form shows the API's message, nothing changes.
  await page.getByLabel('Schedule', { exact: true }).selectOption('llm-primary');
  await page.getByLabel('Who is on call').selectOption('wei');
  await page.getByLabel('Start (your time)').fill(await localInput(page, 120));
  await page.getByLabel('End (your time)').fill(await localInput(page, 60));
  await page.getByRole('button', { name: 'Add override' }).click();
  await expect(page.locator('#override-error')).toHaveText('data.attributes.end: must be after start (HTTP 400)');
  await expect(team).not.toContainText('@wei');

  await page.getByLabel('Start (your time)').fill(await localInput(page, -1));
  await page.getByLabel('End (your time)').fill(await localInput(page, 120));
  await page.getByRole('button', { name: 'Add override' }).click();
  await expect(page.locator('#override-status')).toHaveText('Override added.');
  await expect(page.locator('#override-error')).toBeHidden();
  await expect(team).toContainText('@wei');
  await expect(team).toContainText(/override/i);
  await expect(schedule.locator('.now')).toContainText('@wei');
  await expect(schedule.locator('.overrides')).toContainText('@wei');

  await schedule.getByRole('button', { name: /Remove the override of @wei/ }).click();
  await expect(page.locator('#override-status')).toHaveText('Override removed.');
  await expect(team).not.toContainText('@wei');
  await expect(schedule.locator('.overrides')).toContainText('No current or upcoming overrides.');
});

test('alerts: recent alerts link to their incident; a pasted alert is dry-run', async ({ page }) => {
  const incident = await sendAlert({ monitor: INJECTION, scope: 'env:alerts-page' });
  await page.goto('/alerts');
  await signIn(page);
  const row = page.locator('#alerts tbody tr', { hasText: 'env:alerts-page' });
  await expect(row).toContainText(INJECTION);
  await expect(row).toContainText('generic');
  await expect(row.getByRole('link', { name: 'incident' })).toHaveAttribute('href', '/incidents/' + incident.id);

  await page.getByLabel('Alert payload (JSON)').fill(JSON.stringify({ monitor: INJECTION, scope: 'env:dry' }));
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(page.locator('#try-report')).toContainText('decision: opened');
  await expect(page.locator('#try-report')).toContainText("rule matched:");
  await page.screenshot({ path: shots + 'alerts.png', fullPage: true });
  await expectAccessible(page, 'alerts');
  // Nothing was stored by the dry run.
  await expect(page.locator('#alerts tbody tr', { hasText: 'env:dry' })).toHaveCount(0);

  await page.getByLabel('Alert payload (JSON)').fill('{"monitor": ');
  await page.getByRole('button', { name: 'Dry run' }).click();
  await expect(page.locator('#try-error')).toContainText('HTTP 400');
  await expect(page.locator('#try-report')).toBeHidden();
});

test('notifications: deliveries with state and attempts; send a test per channel', async ({ page }) => {
  await sendAlert({ monitor: INJECTION, scope: 'env:notifications-page' });
  await page.goto('/notifications');
  await signIn(page);
  await expect(page.locator('#deliveries tbody tr').first()).toBeVisible();
  await expect(page.locator('#deliveries tbody')).toContainText(/queued|sending|delivered|failed|gave up/);
  const test = page.getByRole('button', { name: 'Send a test to slack-security-alerts' });
  await test.click();
  await expect(page.locator('#test-result')).toContainText(/^slack-security-alerts: (delivered|transient failure|permanent failure)/);
  await page.screenshot({ path: shots + 'notifications.png', fullPage: true });
  await expectAccessible(page, 'notifications');
  // Navigation between the pages.
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'On call' }).click();
  await expect(page).toHaveURL(/\/on-call$/);
  await expect(page.getByRole('link', { name: 'On call' })).toHaveAttribute('aria-current', 'page');
});

test('incident: assign a commander, edit template fields, see pages with their why', async ({ page }) => {
  const inc = await declare('Hallucination rate up on chatbot', 'SEV-2', { type: 'LLM Quality' });
  await page.goto('/incidents/' + inc.id);
  await signIn(page);
  await expect(page.locator('#type')).toHaveText('LLM Quality');

  await page.getByLabel('Commander', { exact: true }).selectOption('wei');
  await page.getByRole('button', { name: 'Assign commander' }).click();
  await expect(page.locator('#commander')).toHaveText(/@?wei/);
  await expect(page.locator('#timeline')).toContainText('wei');

  // A number field given text: the API's message, nothing saved.
  const score = page.getByLabel('Quality Score at Detection');
  await score.fill('very low');
  await page.getByLabel('Affected LLM Service').selectOption('chatbotservice');
  await page.getByRole('button', { name: 'Save fields' }).click();
  await expect(page.locator('#fields-error')).toContainText('quality_score_at_detection');
  await expect(page.locator('#fields-error')).toContainText('HTTP 400');
  await score.fill('0.42');
  await page.getByRole('button', { name: 'Save fields' }).click();
  await expect(page.locator('#fields-status')).toHaveText('Fields saved.');
  await expect(page.locator('#fields-error')).toBeHidden();
  await page.reload();
  await expect(page.getByLabel('Quality Score at Detection')).toHaveValue('0.42');
  await expect(page.getByLabel('Affected LLM Service')).toHaveValue('chatbotservice');

  // An alert pages the security on-call: the page and its why chain on the incident.
  const paged = await sendAlert({ monitor: INJECTION, scope: 'env:why-chain' });
  await page.goto('/incidents/' + paged.id);
  const pageItem = page.locator('#deliveries li.kind-page').first();
  await expect(pageItem).toContainText('Page');
  await expect(pageItem.locator('.why')).toContainText('policy');
  await expect(page.locator('#deliveries')).toContainText('slack-security-alerts');
  await page.screenshot({ path: shots + 'incident-deliveries.png', fullPage: true });
  await expectAccessible(page, 'incident with deliveries');
});

test.describe('a phone', () => {
  test.use({ viewport: { width: 360, height: 740 } });
  test('the incident page fits 360 px and works by keyboard', async ({ page }) => {
    const inc = await declare('Phone view: checkout errors on iOS app with a long title that must wrap', 'SEV-1');
    await page.goto('/incidents/' + inc.id);
    await signIn(page);
    await expect(page.locator('#severity')).toHaveText('SEV-1');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(360);
    // Keyboard: focus reaches the Acknowledge button and Enter presses it.
    const ack = page.getByRole('button', { name: 'Acknowledge' });
    for (let k = 0; k < 10 && !(await ack.evaluate((b) => b === document.activeElement)); k++) {
      await page.keyboard.press('Tab');
    }
    await expect(ack).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('#acknowledged')).toContainText('by @' + HANDLE);
    await page.screenshot({ path: shots + 'incident-360px.png', fullPage: true });
    await expectAccessible(page, 'incident at 360 px');
  });
});

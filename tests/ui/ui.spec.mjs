// The web UI end to end in Debian's chromium against a real tocsin.
import { test, expect, request as apiRequest } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { HANDLE, PASSWORD } from './global-setup.mjs';

const shots = new URL('./screenshots/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

// Declares an incident through the API with the key pair; answers its data.
async function declare(title, severity = 'SEV-2') {
  const api = await apiRequest.newContext({
    baseURL: process.env.TOCSIN_BASE_URL,
    extraHTTPHeaders: { 'DD-API-KEY': process.env.TOCSIN_API_KEY, 'DD-APPLICATION-KEY': process.env.TOCSIN_APP_KEY },
  });
  const r = await api.post('/api/v2/incidents', {
    data: { data: { type: 'incidents', attributes: { title, fields: { severity: { type: 'dropdown', value: severity } } } } },
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
  await expect(page.locator('#incident-list li')).toHaveCount(before + 1);
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

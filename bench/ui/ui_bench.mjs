// Web UI figures in Debian's chromium, driven by Playwright (the pinned copy
// in tests/ui/node_modules; run `npm ci` there first, tests/ui/run.sh does):
//   - largest contentful paint of the incident list and of an incident with
//     EVENTS timeline events (ROUNDS loads each; p50 and p95),
//   - bytes transferred per page load (HTML, JS, CSS and API answers),
//   - live update latency: from the moment the ingestion POST is answered to
//     the new incident's row appearing in an open list (ROUNDS alerts).
// Usage: node bench/ui/ui_bench.mjs TOCSIN_BINARY SOURCE_DIR
// Env: INCIDENTS (seeded through the API, default 2000), EVENTS (1000), ROUNDS (20).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [binary, sourceDir] = process.argv.slice(2).map((p) => resolve(p));
if (!binary || !sourceDir) throw new Error('usage: ui_bench.mjs TOCSIN_BINARY SOURCE_DIR');
const require = createRequire(join(sourceDir, 'tests/ui/package.json'));
const { chromium, request } = require('@playwright/test');
const INCIDENTS = Number(process.env.INCIDENTS || 2000);
const EVENTS = Number(process.env.EVENTS || 1000);
const ROUNDS = Number(process.env.ROUNDS || 20);

// The v-commerce config with the per-key rate limit raised, so seeding is not throttled.
const configCopy = join(mkdtempSync(join(tmpdir(), 'tocsin-ui-bench-')), 'tocsin.yaml');
writeFileSync(configCopy, readFileSync(join(sourceDir, 'examples/v-commerce/tocsin.yaml'), 'utf8')
  .replace(/rate_limit: \{requests: \d+/, 'rate_limit: {requests: 100000000'));
process.env.TOCSIN_UI_CONFIG = configCopy;
process.env.TOCSIN_BINARY = binary;
process.env.TOCSIN_SOURCE_DIR = sourceDir;
const { default: globalSetup, HANDLE, PASSWORD } = await import(join(sourceDir, 'tests/ui/global-setup.mjs'));
const teardown = await globalSetup();
const base = process.env.TOCSIN_BASE_URL;

function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
const fmt = (v) => v.toFixed(1);

try {
  const api = await request.newContext({ baseURL: base,
    extraHTTPHeaders: { 'DD-API-KEY': process.env.TOCSIN_API_KEY, 'DD-APPLICATION-KEY': process.env.TOCSIN_APP_KEY } });
  const ingest = await request.newContext({ baseURL: base,
    extraHTTPHeaders: { 'Authorization': 'Bearer ' + process.env.TOCSIN_INGEST_KEY } });
  // Seed: INCIDENTS incidents, 8 at a time; the last one gets EVENTS notes.
  let made = 0;
  let last = null;
  while (made < INCIDENTS) {
    const batch = [];
    for (let k = 0; k < 8 && made < INCIDENTS; k++, made++) {
      batch.push(api.post('/api/v2/incidents', { data: { data: { type: 'incidents', attributes: {
        title: 'Seeded incident ' + made, fields: { severity: { type: 'dropdown', value: ['SEV-1', 'SEV-2', 'SEV-3', 'SEV-4'][made % 4] } } } } } }));
    }
    for (const r of await Promise.all(batch)) {
      if (r.status() !== 201) throw new Error('seeding: HTTP ' + r.status() + ' ' + (await r.text()));
      last = (await r.json()).data;
    }
    if (made % 10000 === 0) console.error(`seeded ${made}`);
  }
  for (let e = 0; e < EVENTS; e += 8) {
    await Promise.all(Array.from({ length: Math.min(8, EVENTS - e) }, (_, k) => api.post(
      `/api/v2/incidents/${last.id}/timeline`, { data: { data: { type: 'incident_timeline_cells',
        attributes: { kind: 'note', content: { content: 'Note ' + (e + k) + ': checked the dashboards again' } } } } })));
  }
  console.error(`seeded ${INCIDENTS} incidents, ${EVENTS} notes on IR-${last.attributes.public_id}`);

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(base + '/sign-in');
  await page.getByLabel('Handle').fill(HANDLE);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/incidents/);

  // LCP and bytes of one page load, once `ready` says the data is on the page.
  async function measure(url, ready) {
    const lcps = [];
    const bytes = [];
    for (let k = 0; k < ROUNDS; k++) {
      await page.goto(base + url);
      await page.waitForSelector(ready);
      const r = await page.evaluate(() => new Promise((done) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          const lcp = entries[entries.length - 1].startTime;
          const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
          done({ lcp, bytes: all.reduce((n, e) => n + (e.transferSize || 0), 0) });
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }));
      lcps.push(r.lcp);
      bytes.push(r.bytes);
    }
    return { p50: pct(lcps, 50), p95: pct(lcps, 95), bytes: pct(bytes, 50) };
  }
  const list = await measure('/incidents', '#incident-list li');
  // The incident page shows its newest 100 events (older ones on request).
  const one = await measure('/incidents/' + last.id, '#timeline li:nth-child(' + Math.min(EVENTS, 100) + ')');
  console.log(`list LCP p50 ${fmt(list.p50)} ms p95 ${fmt(list.p95)} ms, ${list.bytes} bytes per load`);
  console.log(`incident (${EVENTS} events) LCP p50 ${fmt(one.p50)} ms p95 ${fmt(one.p95)} ms, ${one.bytes} bytes per load`);

  // Live update: the list is open with its stream; an alert opens an incident.
  await page.goto(base + '/incidents');
  await page.waitForSelector('body[data-live="on"]');
  const latencies = [];
  for (let k = 0; k < ROUNDS; k++) {
    await page.evaluate(() => {
      window.__seen = {};
      new MutationObserver(() => {
        for (const a of document.querySelectorAll('#incident-list a')) {
          const id = a.getAttribute('href');
          if (!(id in window.__seen)) window.__seen[id] = Date.now();
        }
      }).observe(document.getElementById('incident-list'), { childList: true, subtree: true });
      for (const a of document.querySelectorAll('#incident-list a')) window.__seen[a.getAttribute('href')] = 0;
    });
    const r = await ingest.post('/api/integrations/generic', { data: {
      monitor: '[V-Commerce] LLM Prompt Injection / Adversarial Input Detection', scope: 'env:bench-' + Date.now() + '-' + k } });
    const answered = Date.now();
    const id = (await r.json()).data[0].relationships.incident.data.id;
    const href = '/incidents/' + id;
    await page.waitForFunction((h) => window.__seen[h] > 0, href, { timeout: 10000 });
    latencies.push(await page.evaluate((h) => window.__seen[h], href) - answered);
  }
  console.log(`live update after the POST's answer: p50 ${latencies.length ? pct(latencies, 50) : 'n/a'} ms, ` +
              `p95 ${pct(latencies, 95)} ms, max ${Math.max(...latencies)} ms (${ROUNDS} alerts)`);
  await browser.close();
  await api.dispose();
  await ingest.dispose();
} finally {
  await teardown();
}

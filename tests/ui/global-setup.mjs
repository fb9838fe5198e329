// Starts a real `tocsin serve` on a free port with a fresh data directory and
// the v-commerce example config, sets a password with
// `tocsin users set-password` and an API key (to seed incidents through the
// API); tells the tests where through environment variables.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const HANDLE = 'priya';
export const PASSWORD = 'a long test password';

export default async function globalSetup() {
  const binary = process.env.TOCSIN_BINARY;
  const sourceDir = process.env.TOCSIN_SOURCE_DIR;
  if (!binary || !sourceDir) throw new Error('set TOCSIN_BINARY and TOCSIN_SOURCE_DIR (tests/ui/run.sh does)');
  // TOCSIN_UI_CONFIG: another config (bench/ui/ui_bench.mjs raises the rate limit to seed).
  const config = process.env.TOCSIN_UI_CONFIG || join(sourceDir, 'examples/v-commerce/tocsin.yaml');
  const dataDir = mkdtempSync(join(tmpdir(), 'tocsin-ui-'));
  execFileSync(binary, ['users', 'set-password', HANDLE, '--config', config, '--data', dataDir],
               { input: PASSWORD + '\n' });
  const keys = JSON.parse(execFileSync(binary, ['keys', 'create', '--config', config, '--data', dataDir,
                                                '--name', 'ui-seed', '--user', HANDLE, '--json']).toString());
  const ingest = JSON.parse(execFileSync(binary, ['keys', 'create', '--config', config, '--data', dataDir,
                                                  '--name', 'ui-alerts', '--kind', 'ingest', '--json']).toString());
  const server = spawn(binary, ['serve', '--config', config, '--data', dataDir, '--listen', '127.0.0.1:0'],
                       { stdio: ['ignore', 'ignore', 'pipe'] });
  const baseUrl = await new Promise((resolve, reject) => {
    let buffered = '';
    server.stderr.on('data', (chunk) => {
      buffered += chunk.toString();
      const m = buffered.match(/tocsin listening address=(http:\/\/[0-9.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`tocsin exited early (${code}): ${buffered}`)));
  });
  server.stderr.resume();
  process.env.TOCSIN_BASE_URL = baseUrl;
  process.env.TOCSIN_API_KEY = keys.api_key;
  process.env.TOCSIN_APP_KEY = keys.application_key;
  process.env.TOCSIN_INGEST_KEY = ingest.api_key;
  return async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  };
}

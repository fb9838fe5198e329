// The browser suite's settings: Debian's chromium, one worker (the machine is
// shared), a real tocsin started by global-setup.mjs.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.mjs/,
  globalSetup: './global-setup.mjs',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 30_000,
  reporter: [['list']],
  outputDir: './test-results',
  use: {
    baseURL: process.env.TOCSIN_BASE_URL,
    launchOptions: { executablePath: '/usr/bin/chromium' },
    trace: 'off',
    screenshot: 'off',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});

import { defineConfig } from '@playwright/test';
import { ENGINES, type EngineName } from './tests/engines/driver';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './tests/support/chromium';

const PORT = Number(process.env.E2E_PORT || 4183);

/**
 * End-to-end tests against the production server (`npm start` code path), in
 * Debian's browsers (Playwright's own downloads are not reachable here): the
 * Chromium suite through Playwright itself, and the cross-engine scenarios
 * (tests/engines) in Chromium, Firefox ESR and WebKitGTK through our drivers.
 */
export default defineConfig<{ engine: EngineName }>({
  timeout: 60_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    // The Chromium suite: Playwright's own driving (downloads, offline switch, CDP, axe).
    { name: 'chromium', testDir: 'tests/e2e' },
    // One scenario set (tests/engines) in every engine, through our driver interface.
    ...ENGINES.map((engine) => ({ name: `engines-${engine}`, testDir: 'tests/engines', use: { engine } })),
  ],
  webServer: {
    command: `node dist-server/main.js`,
    // The URL tests serve images from 127.0.0.1, which the proxy refuses by default.
    env: { PORT: String(PORT), HOST: '127.0.0.1', PROXY_ALLOW_PRIVATE_NETWORKS: '1' },
    url: `http://127.0.0.1:${PORT}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});

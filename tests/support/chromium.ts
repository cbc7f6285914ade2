/**
 * Debian's Chromium, as the e2e tests and the browser benchmarks launch it.
 * Playwright's own browser download is not reachable here; and without the
 * background-networking flags Chromium stalls on this machine's closed network.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

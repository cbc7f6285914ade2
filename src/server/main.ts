import { resolve } from 'node:path';
import { createUrlFetcher } from '../node/fetch-url';
import { NodeThumbnailPool } from '../node/pool';
import { createApp } from './app';
import { legacyConfigFromEnv } from './legacy/config';
import { proxyConfigFromEnv } from './proxy';
import { listenWithLimits, serverLimitsFromEnv } from './server-limits';

/** `npm start`: serves dist/ on HOST:PORT (default 127.0.0.1:4173). */
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4173);
const distDir = resolve(process.env.DIST_DIR || 'dist');
// Read (and checked) before listening: a bad value stops start-up with its name.
const limits = serverLimitsFromEnv(process.env);
const proxy = proxyConfigFromEnv(process.env);
const legacyConfig = legacyConfigFromEnv(process.env);

// The old API (LEGACY_API=1) processes images here, on worker threads, so this
// process keeps serving the app and the proxy meanwhile.
const pool = legacyConfig.enabled
  ? new NodeThumbnailPool({ size: legacyConfig.maxJobs, maxQueue: legacyConfig.maxQueue, jobTimeoutMs: legacyConfig.jobTimeoutMs })
  : undefined;
const legacy = pool ? { config: legacyConfig, pool, fetchUrl: createUrlFetcher(proxy) } : undefined;
if (pool) await pool.warm();

const app = createApp({ distDir, proxy, legacy });
const server = listenWithLimits(app.fetch, {
  host,
  port,
  limits,
  onListening: (info) => {
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    console.log(`Thumbnail Generator is running at http://${shown}:${info.port}/`);
    if (legacy) console.log(`The old API is on: POST /generate_thumbnail processes images on this server (${legacyConfig.maxJobs} at once).`);
  },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    void pool?.close();
    process.exit(0);
  });
}

import { resolve } from 'node:path';
import { createApp } from './app';
import { listenWithLimits, serverLimitsFromEnv } from './server-limits';

/** `npm start`: serves dist/ on HOST:PORT (default 127.0.0.1:4173). */
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4173);
const distDir = resolve(process.env.DIST_DIR || 'dist');
// Read (and checked) before listening: a bad value stops start-up with its name.
const limits = serverLimitsFromEnv(process.env);

const app = createApp({ distDir });
const server = listenWithLimits(app.fetch, {
  host,
  port,
  limits,
  onListening: (info) => {
    const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    console.log(`Thumbnail Generator is running at http://${shown}:${info.port}/`);
  },
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

import { serve } from '@hono/node-server';
import { resolve } from 'node:path';
import { createApp } from './app';

/** `npm start`: serves dist/ on HOST:PORT (default 127.0.0.1:4173). */
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4173);
const distDir = resolve(process.env.DIST_DIR || 'dist');

const app = createApp({ distDir });
const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
  const shown = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  console.log(`Thumbnail Generator is running at http://${shown}:${info.port}/`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
}

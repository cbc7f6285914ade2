import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { SHARE_FAILED, SHARE_PARAM, SHARE_TARGET_PATH } from '../pwa/share-target';
import { mountLegacyApi, type LegacyApiDeps } from './legacy/route';
import type { LegacyApiConfig } from './legacy/config';
import { mountProxy, proxyConfigFromEnv, type ProxyConfig } from './proxy';
import { ALWAYS_REVALIDATE, securityHeaders } from './security-headers';

export interface AppOptions {
  /** Folder holding the built client (vite build output). */
  distDir: string;
  /** The image proxy's limits; read from PROXY_* environment variables by default. */
  proxy?: ProxyConfig;
  /** The old API's POST /generate_thumbnail, only when given (LEGACY_API=1): without it the route does not exist. */
  legacy?: { config: LegacyApiConfig } & LegacyApiDeps;
}

const SECURITY_HEADERS = Object.entries(securityHeaders('production'));

/** Vite puts content-hashed files under /assets/: safe to cache for a year. */
const HASHED = /^\/assets\//;

/**
 * The production server: the built app plus the image proxy route, on one port.
 * A Hono app, so the routes stay Web-standard (Request -> Response).
 */
export function createApp({ distDir, proxy = proxyConfigFromEnv(process.env), legacy }: AppOptions): Hono {
  const app = new Hono();

  // On every response: documents and worker scripts (a worker's policy comes with
  // its own script) above all. A response with its own, stricter CSP (the proxy's
  // images) keeps it.
  app.use('*', async (c, next) => {
    await next();
    for (const [name, value] of SECURITY_HEADERS) {
      if (name === 'Content-Security-Policy' && c.res.headers.has(name)) continue;
      c.header(name, value);
    }
  });

  app.get('/healthz', (c) => c.text('ok'));
  mountProxy(app, proxy);
  if (legacy?.config.enabled) mountLegacyApi(app, legacy.config, legacy);

  // Shared images are received by the service worker, on the device. A share that
  // reaches the server instead (no service worker yet) is not read, only turned back,
  // and the page says what to do; closing the connection cuts a large upload short.
  app.post(SHARE_TARGET_PATH, (c) => {
    c.header('Connection', 'close');
    return c.redirect(`/?${SHARE_PARAM}=${SHARE_FAILED.noWorker}`, 303);
  });

  app.use(
    '*',
    serveStatic({
      root: distDir,
      onFound: (path, c) => {
        const url = new URL(c.req.url).pathname;
        if (HASHED.test(url)) c.header('Cache-Control', 'public, max-age=31536000, immutable');
        else if (ALWAYS_REVALIDATE.includes(url) || path.endsWith('.html')) c.header('Cache-Control', 'no-cache');
        else c.header('Cache-Control', 'public, max-age=3600');
      },
    }),
  );

  app.notFound((c) => c.text('Not found', 404));
  return app;
}

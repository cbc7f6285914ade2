import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { SHARE_FAILED, SHARE_PARAM, SHARE_TARGET_PATH } from '../pwa/share-target';
import { mountProxy, proxyConfigFromEnv, type ProxyConfig } from './proxy';

export interface AppOptions {
  /** Folder holding the built client (vite build output). */
  distDir: string;
  /** The image proxy's limits; read from PROXY_* environment variables by default. */
  proxy?: ProxyConfig;
}

/**
 * Paths whose content changes without a change of name: the browser must
 * revalidate them on every load, or an update never reaches the user.
 */
const ALWAYS_REVALIDATE = /^\/(index\.html|sw\.js|registerSW\.js|manifest\.webmanifest)?$/;

/** Vite puts content-hashed files under /assets/: safe to cache for a year. */
const HASHED = /^\/assets\//;

/**
 * The production server: the built app plus the image proxy route, on one port.
 * A Hono app, so the routes stay Web-standard (Request -> Response).
 */
export function createApp({ distDir, proxy = proxyConfigFromEnv(process.env) }: AppOptions): Hono {
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
  });

  app.get('/healthz', (c) => c.text('ok'));
  mountProxy(app, proxy);

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
        else if (ALWAYS_REVALIDATE.test(url) || path.endsWith('.html')) c.header('Cache-Control', 'no-cache');
        else c.header('Cache-Control', 'public, max-age=3600');
      },
    }),
  );

  app.notFound((c) => c.text('Not found', 404));
  return app;
}

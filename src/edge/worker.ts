import { proxyConfigFromEnv } from '../server/proxy/config';
import { edgeProxyDeps } from '../server/proxy/edge';
import { createProxyHandler, type ProxyHandler } from '../server/proxy/handler';
import { clientKeyFromAddress } from '../server/proxy/rate-limit';

/**
 * The app on Cloudflare's edge runtime (workerd): a module Worker serving the
 * built page from Workers static assets and the image proxy from the same
 * Web-standard handler the Node server mounts, with the fetch-only parts
 * (edge.ts). Bundled by scripts/build-edge.mjs into dist-edge/worker.js; an
 * example deployment is deploy/cloudflare/wrangler.toml.
 *
 * Imports only the proxy's runtime-free modules: not src/server/proxy/index.ts,
 * which pulls in Hono's Node adapter.
 */

interface Fetcher {
  fetch(request: Request): Promise<Response>;
}

/** The Worker's bindings: PROXY_* text vars (see config.ts) and, when static assets are configured, ASSETS. */
export interface Env {
  ASSETS?: Fetcher;
  readonly [binding: string]: unknown;
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * One handler per distinct PROXY_* configuration. Bindings do not change while
 * an isolate lives, so this is built once; keying it by the values keeps a
 * changed binding (a test, a new deployment in the same isolate) from being
 * served by a handler built for the old one.
 *
 * Its rate limiter and fetch caps live in this isolate's memory: Cloudflare
 * runs many isolates across its locations, so on the edge they bound each
 * isolate, not the whole deployment (Cloudflare's own rate limiting rules are
 * the place for a global limit).
 */
let cached: { key: string; handler: ProxyHandler } | undefined;

function proxyHandler(env: Env): ProxyHandler {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('PROXY_') && typeof value === 'string') vars[name] = value;
  }
  const key = JSON.stringify(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (cached?.key !== key) cached = { key, handler: createProxyHandler(proxyConfigFromEnv(vars), edgeProxyDeps()) };
  return cached.handler;
}

export default {
  async fetch(request: Request, env: Env, _ctx: ExecutionContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/api/proxy') {
      let handler: ProxyHandler;
      try {
        handler = proxyHandler(env);
      } catch (e) {
        // An invalid PROXY_* value: say which, rather than run with limits nobody chose.
        const message = e instanceof Error ? e.message : String(e);
        console.error(`proxy configuration: ${message}`);
        return Response.json({ error: 'misconfigured', message: `The proxy is misconfigured: ${message}` }, { status: 500 });
      }
      // Cloudflare's edge sets CF-Connecting-IP to the visitor's address and
      // overwrites any value the client sent. Only behind Cloudflare: workerd
      // serving clients directly passes the header on as the client wrote it.
      return handler(request, clientKeyFromAddress(request.headers.get('CF-Connecting-IP') ?? undefined));
    }
    if (pathname === '/healthz') {
      return new Response('ok', { headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' } });
    }
    if (env.ASSETS) return env.ASSETS.fetch(request);
    return new Response('Not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  },
};

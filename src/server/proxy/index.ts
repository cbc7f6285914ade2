/**
 * The proxy as the Node servers mount it (npm start through Hono, vite dev and
 * preview through vite-plugin.ts), with Node's parts (node.ts). The handler
 * itself (handler.ts) imports nothing of Node; edge.ts supplies a fetch-only
 * runtime's parts instead (src/edge/worker.ts).
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Hono } from 'hono';
import { proxyConfigFromEnv, type ProxyConfig } from './config';
import { createProxyHandler } from './handler';
import { nodeProxyDeps } from './node';
import { clientKeyFromAddress } from './rate-limit';
import type { ProxyDeps } from './types';

export { classifyAddress, describeRefusal, isAllowedTarget, type AddressVerdict } from './address-policy';
export { DEFAULT_PROXY_CONFIG, parseAllowHosts, proxyConfig, proxyConfigFromEnv, type ProxyConfig } from './config';
export { clientKeyFromAddress, createRateLimiter } from './rate-limit';
export { createProxyHandler, UPSTREAM_HEADERS, type ProxyHandler } from './handler';
export { nodeProxyDeps } from './node';
export { nodeFetchHop } from './node-fetcher';
export { isLocalhostName, resolveAndCheck } from './resolve';
export type { FetchHop, HopRequest, HopResponse, LookupAll, ProxyDeps, ResolveResult, ResolveTarget, VettedAddress } from './types';
export { proxyMiddleware, proxyVitePlugin } from './vite-plugin';

export interface MountProxyOptions {
  /**
   * Take the client's address for the rate limit from X-Forwarded-For.
   * Default: process.env.TRUST_PROXY === '1'. Turn it on ONLY behind a reverse
   * proxy that sets that header: otherwise any client writes its own key and
   * the rate limit is void. Off, the key is the TCP peer's address.
   */
  trustProxy?: boolean;
  /** The runtime's parts; Node's (nodeProxyDeps) by default. */
  deps?: ProxyDeps;
}

/**
 * Registers /api/proxy on a Hono app served by @hono/node-server.
 * `all`, not `get`: other methods must get the handler's 405 (with Allow: GET),
 * not fall through to the static files' 404. (Hono routes HEAD to GET routes;
 * the handler sees HEAD and answers 405 too.)
 */
export function mountProxy(app: Hono, config: ProxyConfig = proxyConfigFromEnv(process.env), options: MountProxyOptions = {}): void {
  const handler = createProxyHandler(config, options.deps ?? nodeProxyDeps());
  const trustProxy = options.trustProxy ?? process.env.TRUST_PROXY === '1';
  app.all('/api/proxy', (c) => handler(c.req.raw, clientKeyFromAddress(clientAddress(c, trustProxy))));
}

/** The client address a limit counts against (see MountProxyOptions.trustProxy). */
export function clientAddress(c: Context, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    // The LAST entry is the one our own reverse proxy appended (the address it
    // saw); earlier entries were written by the client and prove nothing.
    const forwarded = c.req.header('x-forwarded-for')?.split(',').pop()?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // Not served by @hono/node-server (app.request() in a test, say): one shared key.
    return undefined;
  }
}

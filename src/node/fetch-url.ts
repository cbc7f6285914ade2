/**
 * Image URLs fetched in Node (the command-line tool, the old API's route) through
 * the proxy's own handler, called in-process: every address checked (no private
 * or loopback targets unless PROXY_ALLOW_HOSTS says so), every redirect judged,
 * the size, time and rate limits applied, and only images let through. The
 * handler's refusals become the same errors, in the same words, as in the page
 * (client/fetch-image.ts reads them).
 */
import { fetchImageBytes } from '../client/fetch-image';
import { proxyConfigFromEnv, type ProxyConfig } from '../server/proxy/config';
import { createProxyHandler } from '../server/proxy/handler';
import { nodeProxyDeps } from '../server/proxy/node';
import type { ProxyDeps } from '../server/proxy/types';

export interface FetchUrlOptions {
  /** Whom the rate limit and per-client share count this against. */
  clientKey?: string;
  signal?: AbortSignal;
}

export type UrlFetcher = (url: string, options?: FetchUrlOptions) => Promise<Uint8Array>;

/** Any origin works: the handler reads only the path's `url` parameter. */
const IN_PROCESS = 'http://in-process.invalid/api/proxy';

export function createUrlFetcher(config: ProxyConfig = proxyConfigFromEnv(process.env), deps: ProxyDeps = nodeProxyDeps()): UrlFetcher {
  const handler = createProxyHandler(config, deps);
  return async (url, { clientKey = 'local', signal } = {}) => {
    const fetchImpl: typeof fetch = async (input, init) => handler(new Request(input, init), clientKey);
    const bytes = await fetchImageBytes(url, { proxyOnly: true, proxyPath: IN_PROCESS, fetchImpl, maxBytes: config.maxBytes, timeoutMs: config.timeoutMs, signal });
    return new Uint8Array(bytes);
  };
}

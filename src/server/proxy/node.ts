import { nodeFetchHop } from './node-fetcher';
import { resolveAndCheck } from './resolve';
import { createSystemLookup } from './system-lookup';
import type { LookupAll, ProxyDeps } from './types';

/**
 * The proxy's parts in Node: DNS through c-ares (system-lookup.ts), every
 * address checked, and a connection pinned to the checked addresses
 * (node-fetcher.ts). Wired here, where the Node servers mount the handler, so
 * the handler itself stays free of Node imports and runs on an edge runtime too.
 */

/** Created on first use, so importing this module opens no resolver. */
let systemLookup: LookupAll | undefined;
const lookupOnFirstUse: LookupAll = (hostname) => (systemLookup ??= createSystemLookup())(hostname);

export function nodeProxyDeps(overrides: Partial<ProxyDeps> & { lookup?: LookupAll } = {}): ProxyDeps {
  const { lookup = lookupOnFirstUse, ...rest } = overrides;
  return {
    fetchHop: nodeFetchHop,
    resolve: (hostname, port, config) => resolveAndCheck(hostname, port, config, lookup),
    ...rest,
  };
}

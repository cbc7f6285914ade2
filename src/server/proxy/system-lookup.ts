import { lookup as getaddrinfo, Resolver } from 'node:dns/promises';
import type { LookupAll } from './types';

/**
 * The proxy's DNS step, built so that hostile names cannot stall the server.
 *
 * Node's dns.lookup (getaddrinfo) runs on libuv's thread pool, 4 threads by
 * default, shared with file reads: a few names whose nameserver never answers
 * would hold every thread until glibc gives up, and the app's own static files
 * would stop being served. So names are asked of c-ares (dns.Resolver: real DNS
 * queries on the event loop, with our own timeout and retries). Only when DNS
 * answers definitively that the name has no A/AAAA records is the system
 * resolver consulted, for names only it knows (/etc/hosts, mDNS on a LAN), and
 * at most `maxSystemLookups` of those run at once.
 */
export interface SystemLookupOptions {
  /** Per-query timeout for c-ares, in ms. */
  timeoutMs?: number;
  tries?: number;
  /** DNS servers to ask instead of the system's (tests). */
  servers?: string[];
  /** getaddrinfo stand-in (tests). */
  fallback?: LookupAll;
  maxSystemLookups?: number;
  /** System lookups allowed to wait for a turn; more are refused at once (EBUSY). */
  maxWaiting?: number;
}

/**
 * c-ares answers after which the system resolver is worth asking: the name or its
 * records do not exist in DNS, or there is no DNS server at all (refused at once).
 * A timeout is not among them: that is the hostile case this module is for.
 */
const DEFINITIVELY_ABSENT = new Set(['ENOTFOUND', 'ENODATA', 'ECONNREFUSED']);

export function createSystemLookup(options: SystemLookupOptions = {}): LookupAll {
  const resolver = new Resolver({ timeout: options.timeoutMs ?? 2500, tries: options.tries ?? 2 });
  if (options.servers) resolver.setServers(options.servers);
  const fallback: LookupAll = options.fallback ?? ((hostname) => getaddrinfo(hostname, { all: true, order: 'verbatim' }));
  const limit = createLimit(options.maxSystemLookups ?? 2, options.maxWaiting ?? 32);

  return async (hostname) => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const found = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (found.length) return found;
    const failures = [v4, v6].filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as NodeJS.ErrnoException);
    if (failures.every((e) => DEFINITIVELY_ABSENT.has(String(e.code)))) return limit(() => fallback(hostname));
    // A timeout or a server failure: say so, without handing the name to getaddrinfo.
    throw failures.find((e) => !DEFINITIVELY_ABSENT.has(String(e.code))) ?? failures[0];
  };
}

/** At most n tasks at once; up to maxWaiting more wait their turn, the rest are refused. */
function createLimit(n: number, maxWaiting: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= n) {
      if (waiting.length >= maxWaiting) throw Object.assign(new Error('too many host lookups waiting'), { code: 'EBUSY' });
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

import ipaddr from 'ipaddr.js';

/** Per-client request limits for the proxy, and how a client address becomes a key. */

const WINDOW_MS = 60_000;

/**
 * A fixed one-minute window per client key: simple, O(1), and a burst at a
 * window's edge can reach at most twice the limit, which is fine for a limit
 * meant to stop abuse, not to meter. Returns the seconds to wait (0 = go).
 */
export function createRateLimiter(limit: number, now: () => number): { take(key: string): number } {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    take(key) {
      const t = now();
      // Forget finished windows once a minute, so memory follows recent clients only.
      if (t - lastSweep >= WINDOW_MS) {
        for (const [k, w] of windows) if (t - w.start >= WINDOW_MS) windows.delete(k);
        lastSweep = t;
      }
      let w = windows.get(key);
      if (!w || t - w.start >= WINDOW_MS) {
        w = { start: t, count: 0 };
        windows.set(key, w);
      }
      if (w.count >= limit) return Math.max(1, Math.ceil((w.start + WINDOW_MS - t) / 1000));
      w.count++;
      return 0;
    },
  };
}

/**
 * The rate-limit key for a client address: IPv4 as is, IPv4-mapped IPv6 as its
 * IPv4, other IPv6 by its /64 (one subscriber usually holds a whole /64, so
 * per-address keys would hand one client 2^64 budgets).
 */
export function clientKeyFromAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  const text = address.replace(/%.*$/, ''); // a zone id names our interface, not the client
  if (!ipaddr.isValid(text)) return address;
  const ip = ipaddr.process(text); // unwraps ::ffff:a.b.c.d
  if (ip.kind() === 'ipv4') return ip.toString();
  const groups = (ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${groups.join(':')}::/64`;
}

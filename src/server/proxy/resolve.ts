import { describeRefusal, ipFamily, isAllowedTarget, rangeWords } from './address-policy';
import { allowHostKey, type ProxyConfig } from './config';
import type { LookupAll, ResolveResult, VettedAddress } from './types';

/**
 * Turns a URL's host into the addresses the proxy may connect to, or a refusal.
 *
 * The name alone proves nothing (any name can resolve to 127.0.0.1), so every
 * address it resolves to is checked, and the caller connects only to the
 * addresses returned here: the check and the connection see the same answer,
 * which is what defeats DNS rebinding.
 */

/**
 * Pure: the lookup is injected (Node's is system-lookup.ts, wired in node.ts), so
 * this module runs anywhere.
 *
 * @param hostname as `new URL(u).hostname` gives it: lower-case, IPv4 in dotted
 *   decimal whatever its spelling in the URL, IPv6 compressed and in brackets.
 * @param port the URL's port, or the scheme's default (80 / 443).
 */
export async function resolveAndCheck(
  hostname: string,
  port: number,
  config: Pick<ProxyConfig, 'allowPrivateNetworks' | 'allowHosts'>,
  lookup: LookupAll,
): Promise<ResolveResult> {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  // The operator's exemption is for this exact host:port only; redirects get here
  // again with their own host:port and are judged on their own.
  const exempt = config.allowPrivateNetworks || config.allowHosts.has(allowHostKey(hostname, port));

  if (!bare) return forbidden('the URL has no host');
  if (!exempt && isLocalhostName(bare)) {
    // Refused by name before any DNS query: RFC 6761 reserves these names for
    // this machine, and resolvers may answer them without asking anyone.
    return forbidden(`the host name ${hostname} is reserved for this machine (localhost)`);
  }

  let found: ReadonlyArray<{ address: string; family: number }>;
  const literal = ipFamily(bare);
  if (literal) {
    found = [{ address: bare, family: literal }];
  } else {
    try {
      found = await lookup(bare);
    } catch (e) {
      return { ok: false, error: 'host-not-found', message: `the host name ${hostname} could not be resolved${dnsCode(e)}` };
    }
    if (found.length === 0) return { ok: false, error: 'host-not-found', message: `the host name ${hostname} has no addresses` };
  }

  const vetted: VettedAddress[] = [];
  for (const { address, family } of found) {
    // An exempt host is judged as if private networks were allowed: it may be on
    // the LAN, but it still never gets 0.0.0.0, multicast or an unparsable answer.
    const verdict = isAllowedTarget(address, { allowPrivateNetworks: exempt });
    // Refuse if ANY address is forbidden: connecting to "the good one" would
    // still let a hostile name decide, by order or by timing, where we connect.
    if (!verdict.allowed) {
      // For an address the client typed, naming its range tells them nothing new. For a
      // name, the address it resolves to is the server's private knowledge (OWASP: do
      // not turn the proxy into a lookup service for internal names), so only the
      // kind of range is said.
      if (literal) return forbidden(describeRefusal(address, verdict));
      return forbidden(`${hostname} resolves to an address that is not public (${rangeWords(verdict.range)})`);
    }
    vetted.push({ address, family: family === 6 ? 6 : 4 });
  }
  return { ok: true, addresses: vetted };
}

/** 'localhost', 'localhost.', 'x.localhost' and 'x.localhost.' (RFC 6761 section 6.3). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function forbidden(message: string): ResolveResult {
  return { ok: false, error: 'forbidden-target', message };
}

function dnsCode(e: unknown): string {
  const code = e instanceof Error && 'code' in e ? String(e.code) : '';
  return code ? ` (${code})` : '';
}

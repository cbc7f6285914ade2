import ipaddr from 'ipaddr.js';
import type { ProxyConfig } from './config';

/**
 * Which IP addresses the proxy may connect to.
 *
 * Default deny: an address is public only when ipaddr.js 2.x names its range
 * exactly 'unicast' (for IPv6, also inside 2000::/3, the only block IANA hands
 * out as global unicast). Every other name ipaddr.js 2.5 knows — IPv4:
 * unspecified (0.0.0.0/8), broadcast, multicast, linkLocal, loopback,
 * carrierGradeNat, private, reserved (incl. the documentation nets 192.0.2/24,
 * 198.51.100/24, 203.0.113/24, benchmarking 198.18/15 and 240/4), as112, amt;
 * IPv6: unspecified, linkLocal, multicast, loopback, uniqueLocal, ipv4Mapped,
 * deprecatedSiteLocal (fec0::/10), discard (100::/64), rfc6145, rfc6052, 6to4,
 * teredo, benchmarking, amt, as112v6, deprecatedOrchid, orchid2,
 * droneRemoteIdProtocolEntityTags, segmentRouting, reserved (incl. 2001:db8::/32)
 * — and any name a later version adds, is refused without being listed here.
 *
 * IPv6 forms that carry an IPv4 address are judged by that address, because
 * that is where the packets go:
 *   ::ffff:a.b.c.d (IPv4-mapped): a dual-stack socket connects to a.b.c.d itself;
 *   64:ff9b::a.b.c.d (NAT64 well-known prefix): a DNS64 network gives these for
 *     ordinary public hosts, so a public embedded IPv4 is allowed; a private one
 *     (64:ff9b::a00:1 = 10.0.0.1 behind the translator) is not.
 * Forms whose embedding is operator-specific or obsolete are refused outright:
 *   ::a.b.c.d (IPv4-compatible, deprecated by RFC 4291), ::ffff:0:a.b.c.d
 *   (rfc6145), 64:ff9b:1::/48 (local NAT64 prefixes of any length), 6to4, Teredo.
 */
export interface AddressVerdict {
  allowed: boolean;
  /** ipaddr.js's range name ('unicast', 'loopback', ...), or ours: 'invalid', 'ipv4Compatible', 'unallocated'. */
  range: string;
  /** The IPv4 address an IPv6 address carries, when the verdict was taken on it. */
  embeddedIPv4?: string;
}

/** Classifies one literal IP address (IPv6 with or without brackets); anything else is 'invalid'. */
export function classifyAddress(ip: string): AddressVerdict {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  // Only the canonical dotted quad: ipaddr.js would also read '0x7f.1' or
  // '0177.0.0.1', and an address we did not get from URL or DNS canonicalisation
  // is not one we should be guessing about.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return classifyIPv4(ipaddr.IPv4.parse(text));
  if (ipaddr.IPv6.isValid(text)) return classifyIPv6(ipaddr.IPv6.parse(text));
  return { allowed: false, range: 'invalid' };
}

/** 4 or 6 for an IP literal as a URL's hostname gives it (IPv6 without brackets), 0 for a name. */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return 4;
  return ipaddr.IPv6.isValid(text) ? 6 : 0;
}

function classifyIPv4(addr: ipaddr.IPv4): AddressVerdict {
  const range = addr.range();
  return { allowed: range === 'unicast', range };
}

const GLOBAL_UNICAST = ipaddr.IPv6.parse('2000::');
const NAT64_WELL_KNOWN = ipaddr.IPv6.parse('64:ff9b::');

function classifyIPv6(addr: ipaddr.IPv6): AddressVerdict {
  const range = addr.range();
  if (range === 'ipv4Mapped' || (range === 'rfc6052' && addr.match(NAT64_WELL_KNOWN, 96))) {
    return judgeEmbedded(addr);
  }
  if (range === 'unicast') {
    // ::a.b.c.d: ipaddr.js calls it unicast, but it is the deprecated
    // IPv4-compatible form (:: and ::1 have their own range names already).
    if (addr.parts.slice(0, 6).every((p) => p === 0)) {
      return { allowed: false, range: 'ipv4Compatible', embeddedIPv4: lowIPv4(addr).toString() };
    }
    if (!addr.match(GLOBAL_UNICAST, 3)) return { allowed: false, range: 'unallocated' };
    return { allowed: true, range };
  }
  return { allowed: false, range };
}

function judgeEmbedded(addr: ipaddr.IPv6): AddressVerdict {
  const v4 = lowIPv4(addr);
  const inner = classifyIPv4(v4);
  return { allowed: inner.allowed, range: inner.range, embeddedIPv4: v4.toString() };
}

/** The last 32 bits of an IPv6 address, as IPv4. */
function lowIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 {
  const hi = addr.parts[6] ?? 0;
  const lo = addr.parts[7] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/**
 * Ranges refused even with allowPrivateNetworks: no image server lives there.
 * Connecting to 0.0.0.0 or :: reaches this machine on Linux, multicast and
 * broadcast are not TCP destinations, and an unparsable address is a bug.
 */
const ALWAYS_REFUSED = new Set(['invalid', 'unspecified', 'broadcast', 'multicast']);

/** The verdict under a config: non-public addresses pass only with allowPrivateNetworks. */
export function isAllowedTarget(ip: string, config: Pick<ProxyConfig, 'allowPrivateNetworks'>): AddressVerdict {
  const verdict = classifyAddress(ip);
  if (verdict.allowed) return verdict;
  return { ...verdict, allowed: config.allowPrivateNetworks && !ALWAYS_REFUSED.has(verdict.range) };
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'loopback (this machine)',
  private: 'private (a local network, RFC 1918)',
  linkLocal: 'linkLocal (the local link, where cloud metadata services live)',
  uniqueLocal: 'uniqueLocal (a private IPv6 network)',
  carrierGradeNat: "carrierGradeNat (a provider's shared address space)",
  unspecified: 'unspecified (which reaches this machine)',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved (documentation, benchmarking or future use)',
  deprecatedSiteLocal: 'deprecatedSiteLocal (an old private IPv6 range)',
  ipv4Compatible: 'an IPv4-compatible IPv6 address (deprecated)',
  unallocated: 'outside the global unicast space',
  invalid: 'not a valid IP address',
};

/** 'loopback (this machine)': a range name in words. */
export function rangeWords(range: string): string {
  return RANGE_WORDS[range] ?? `${range} (not a public address)`;
}

/** 'the address 127.0.0.1 is loopback (this machine)': the reason a person reads in a 403. */
export function describeRefusal(ip: string, verdict: AddressVerdict): string {
  const words = rangeWords(verdict.range);
  const via = verdict.embeddedIPv4 ? `, as it carries the IPv4 address ${verdict.embeddedIPv4}` : '';
  return `the address ${ip} is ${words}${via}`;
}

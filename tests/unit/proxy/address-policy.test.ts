import { describe, expect, it } from 'vitest';
import { classifyAddress, describeRefusal, isAllowedTarget } from '../../../src/server/proxy/address-policy';

// Only classified, never contacted: no test here opens a connection.

/** [address, the range it must be refused as] */
const FORBIDDEN: Array<[string, string]> = [
  // IPv4
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'linkLocal'], // cloud metadata service
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'], // 0.0.0.0/8
  ['255.255.255.255', 'broadcast'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['192.0.2.1', 'reserved'], // TEST-NET-1
  ['198.51.100.7', 'reserved'], // TEST-NET-2
  ['203.0.113.9', 'reserved'], // TEST-NET-3
  ['198.18.0.1', 'reserved'], // benchmarking 198.18/15
  ['192.0.0.8', 'reserved'], // IETF protocol assignments
  ['240.0.0.1', 'reserved'], // 240/4
  ['192.88.99.1', 'reserved'], // 6to4 relay anycast
  ['192.175.48.1', 'as112'],
  ['192.52.193.1', 'amt'],
  // IPv6
  ['::1', 'loopback'],
  ['::', 'unspecified'],
  ['fe80::1', 'linkLocal'],
  ['fe80::1%eth0', 'linkLocal'],
  ['fd00::1', 'uniqueLocal'],
  ['fc00::1', 'uniqueLocal'],
  ['fec0::1', 'deprecatedSiteLocal'],
  ['ff02::1', 'multicast'],
  ['100::1', 'discard'],
  ['2001:db8::1', 'reserved'], // documentation
  ['2001:2::1', 'benchmarking'],
  ['2001:10::1', 'deprecatedOrchid'],
  ['2001:20::1', 'orchid2'],
  ['2001::1', 'teredo'],
  ['2002:7f00:1::1', '6to4'], // 6to4 wrapping 127.0.0.1
  ['2002:808:808::1', '6to4'], // refused outright, even wrapping a public IPv4
  ['::ffff:0:7f00:1', 'rfc6145'],
  ['64:ff9b:1::a00:1', 'rfc6052'], // local-use NAT64 prefix: refused outright
  ['5f00::1', 'segmentRouting'],
  ['4000::1', 'unallocated'], // outside 2000::/3
  ['::7f00:1', 'ipv4Compatible'], // ::127.0.0.1, deprecated form
  ['::808:808', 'ipv4Compatible'], // ::8.8.8.8, refused anyway
  // IPv6 carrying a non-public IPv4: judged by the IPv4
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.0.0.1', 'private'],
  ['::ffff:a9fe:a9fe', 'linkLocal'],
  ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
  ['64:ff9b::7f00:1', 'loopback'],
  // Not an address at all, or not in canonical form
  ['', 'invalid'],
  ['localhost', 'invalid'],
  ['0x7f.1', 'invalid'],
  ['0177.0.0.1', 'invalid'],
  ['2130706433', 'invalid'],
  ['127.1', 'invalid'],
  ['1.2.3.4.5', 'invalid'],
];

const ALLOWED = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2a00:1450:4001:80e::200e', '[2001:4860:4860::8888]', '::ffff:8.8.8.8', '64:ff9b::808:808'];

describe('classifyAddress', () => {
  it.each(FORBIDDEN)('refuses %s as %s', (ip, range) => {
    expect(classifyAddress(ip)).toMatchObject({ allowed: false, range });
  });

  it.each(ALLOWED)('allows public unicast %s', (ip) => {
    expect(classifyAddress(ip)).toMatchObject({ allowed: true, range: 'unicast' });
  });

  it('reports the IPv4 address an IPv6 address carries', () => {
    expect(classifyAddress('::ffff:7f00:1').embeddedIPv4).toBe('127.0.0.1');
    expect(classifyAddress('64:ff9b::a00:1').embeddedIPv4).toBe('10.0.0.1');
    expect(classifyAddress('64:ff9b::808:808')).toEqual({ allowed: true, range: 'unicast', embeddedIPv4: '8.8.8.8' });
  });
});

describe('isAllowedTarget', () => {
  const closed = { allowPrivateNetworks: false };
  const open = { allowPrivateNetworks: true };

  it('allows non-public addresses only with allowPrivateNetworks', () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '100.64.0.1', 'fd00::1', '::1', '::ffff:10.0.0.1', '192.0.2.1']) {
      expect(isAllowedTarget(ip, closed).allowed, ip).toBe(false);
      expect(isAllowedTarget(ip, open).allowed, ip).toBe(true);
    }
    expect(isAllowedTarget('8.8.8.8', closed).allowed).toBe(true);
  });

  it('never allows unspecified, broadcast, multicast or invalid addresses', () => {
    for (const ip of ['0.0.0.0', '::', '255.255.255.255', '224.0.0.1', 'ff02::1', '::ffff:0.0.0.0', 'nonsense']) {
      expect(isAllowedTarget(ip, open).allowed, ip).toBe(false);
    }
  });
});

describe('describeRefusal', () => {
  it('names the address and why', () => {
    expect(describeRefusal('127.0.0.1', classifyAddress('127.0.0.1'))).toMatch(/^the address 127\.0\.0\.1 is loopback/);
    expect(describeRefusal('::ffff:a00:1', classifyAddress('::ffff:a00:1'))).toMatch(/private.*10\.0\.0\.1/);
    expect(describeRefusal('2001::1', classifyAddress('2001::1'))).toMatch(/teredo/);
  });
});

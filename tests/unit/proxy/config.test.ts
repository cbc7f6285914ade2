import { describe, expect, it } from 'vitest';
import { DEFAULT_PROXY_CONFIG, parseAllowHosts, proxyConfigFromEnv } from '../../../src/server/proxy/config';

describe('proxyConfigFromEnv', () => {
  it('gives the safe defaults for an empty environment', () => {
    expect(proxyConfigFromEnv({})).toEqual({
      maxBytes: 25 * 1024 * 1024,
      timeoutMs: 10_000,
      ratePerMinute: 60,
      allowPrivateNetworks: false,
      allowHosts: new Set(),
      maxRedirects: 5,
      maxConcurrent: 16,
      maxPerClient: 4,
    });
    expect(proxyConfigFromEnv({ PROXY_MAX_BYTES: '', PROXY_ALLOW_PRIVATE_NETWORKS: '' })).toEqual(DEFAULT_PROXY_CONFIG);
  });

  it('reads every variable', () => {
    const config = proxyConfigFromEnv({
      PROXY_MAX_BYTES: '1048576',
      PROXY_TIMEOUT_MS: '2500',
      PROXY_RATE_PER_MINUTE: '10',
      PROXY_MAX_CONCURRENT: '4',
      PROXY_MAX_PER_CLIENT: '2',
      PROXY_ALLOW_PRIVATE_NETWORKS: '1',
      PROXY_ALLOW_HOSTS: 'images.lan:8080, [fd00::5]:443',
    });
    expect(config).toMatchObject({ maxBytes: 1048576, timeoutMs: 2500, ratePerMinute: 10, maxConcurrent: 4, maxPerClient: 2, allowPrivateNetworks: true });
    expect([...config.allowHosts]).toEqual(['images.lan:8080', '[fd00::5]:443']);
    expect(proxyConfigFromEnv({ PROXY_ALLOW_PRIVATE_NETWORKS: '0' }).allowPrivateNetworks).toBe(false);
  });

  it.each([
    ['PROXY_MAX_BYTES', '25MB'],
    ['PROXY_MAX_BYTES', '0'],
    ['PROXY_MAX_BYTES', '-5'],
    ['PROXY_MAX_BYTES', '1e6'],
    ['PROXY_TIMEOUT_MS', '0x10'],
    ['PROXY_TIMEOUT_MS', '9999999999'],
    ['PROXY_RATE_PER_MINUTE', '1.5'],
    ['PROXY_MAX_CONCURRENT', '0'],
    ['PROXY_MAX_PER_CLIENT', 'four'],
    ['PROXY_ALLOW_PRIVATE_NETWORKS', 'true'],
    ['PROXY_ALLOW_PRIVATE_NETWORKS', 'yes'],
  ])('refuses %s=%s at startup, naming the variable', (name, value) => {
    expect(() => proxyConfigFromEnv({ [name]: value })).toThrow(name);
  });
});

describe('parseAllowHosts', () => {
  it('canonicalises hosts the way request URLs are', () => {
    expect([...parseAllowHosts('Images.LAN:8080,[0000::1]:80,2130706433:81,0x7f.1:82,[::FFFF:127.0.0.1]:83')]).toEqual([
      'images.lan:8080',
      '[::1]:80',
      '127.0.0.1:81',
      '127.0.0.1:82',
      '[::ffff:7f00:1]:83',
    ]);
  });

  it('keeps a trailing dot: an exact match, not a family of names', () => {
    expect([...parseAllowHosts('a.example.:443')]).toEqual(['a.example.:443']);
  });

  it('ignores empty entries', () => {
    expect(parseAllowHosts(' , ,')).toEqual(new Set());
  });

  it.each(['images.lan', '[::1]', 'images.lan:', 'a:0', 'a:65536', 'http://a:80', 'user@a:80', 'a:80/path', '*.lan:80', '::1:80', 'a b:80'])(
    'refuses %s',
    (entry) => {
      expect(() => parseAllowHosts(entry)).toThrow(/PROXY_ALLOW_HOSTS/);
    },
  );

  it('asks for an explicit port', () => {
    expect(() => parseAllowHosts('images.lan')).toThrow(/explicit port/);
  });
});

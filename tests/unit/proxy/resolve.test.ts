import { describe, expect, it, vi } from 'vitest';
import { proxyConfig } from '../../../src/server/proxy/config';
import { resolveAndCheck } from '../../../src/server/proxy/resolve';
import type { LookupAll } from '../../../src/server/proxy/types';

// DNS is faked: these tests make no queries and open no connections.

const closed = proxyConfig();
const open = proxyConfig({ allowPrivateNetworks: true });

/** A resolver that knows only the names given to it. */
function fakeDns(table: Record<string, string[]>) {
  const lookup = vi.fn<LookupAll>(async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  });
  return lookup;
}

describe('resolveAndCheck', () => {
  it.each([
    ['10.0.0.1', /private/],
    ['169.254.169.254', /linkLocal/],
    ['100.64.0.1', /carrierGradeNat/],
    ['fd00::1', /uniqueLocal/],
    ['::ffff:10.0.0.1', /private/],
    ['64:ff9b::a00:1', /private/],
    ['192.0.2.1', /reserved/],
    ['127.0.0.1', /loopback/],
    ['0.0.0.0', /unspecified/],
  ])('refuses a name resolving to %s', async (address, why) => {
    const result = await resolveAndCheck('images.example', 443, closed, fakeDns({ 'images.example': [address] }));
    expect(result).toMatchObject({ ok: false, error: 'forbidden-target' });
    if (!result.ok) {
      expect(result.message).toMatch(why);
      expect(result.message).toContain('images.example resolves to an address that is not public');
      // The resolved address is the server's knowledge: never told to the client.
      expect(result.message).not.toContain(address);
      expect(result.message).not.toContain('10.0.0.1');
    }
  });

  it('refuses when ANY address is forbidden, whatever the order', async () => {
    for (const order of [['93.184.215.14', '10.0.0.1'], ['10.0.0.1', '93.184.215.14']]) {
      const result = await resolveAndCheck('mixed.example', 80, closed, fakeDns({ 'mixed.example': order }));
      expect(result).toMatchObject({ ok: false, error: 'forbidden-target' });
    }
  });

  it('returns every vetted address of a public name', async () => {
    const lookup = fakeDns({ 'images.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    expect(await resolveAndCheck('images.example', 443, closed, lookup)).toEqual({
      ok: true,
      addresses: [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ],
    });
  });

  it.each(['localhost', 'localhost.', 'LOCALHOST', 'foo.localhost', 'a.b.localhost.'])('refuses %s by name, before DNS', async (name) => {
    const lookup = fakeDns({ [name]: ['93.184.215.14'] });
    const result = await resolveAndCheck(name, 80, closed, lookup);
    expect(result).toMatchObject({ ok: false, error: 'forbidden-target' });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('checks IP literals as themselves, without DNS', async () => {
    const lookup = fakeDns({});
    expect(await resolveAndCheck('[::1]', 80, closed, lookup)).toMatchObject({ ok: false, error: 'forbidden-target' });
    expect(await resolveAndCheck('[::ffff:7f00:1]', 80, closed, lookup)).toMatchObject({ ok: false, error: 'forbidden-target' });
    expect(await resolveAndCheck('8.8.8.8', 80, closed, lookup)).toEqual({ ok: true, addresses: [{ address: '8.8.8.8', family: 4 }] });
    expect(await resolveAndCheck('[2606:4700:4700::1111]', 443, closed, lookup)).toEqual({
      ok: true,
      addresses: [{ address: '2606:4700:4700::1111', family: 6 }],
    });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('reports names that do not resolve as host-not-found', async () => {
    expect(await resolveAndCheck('nowhere.example', 80, closed, fakeDns({}))).toMatchObject({
      ok: false,
      error: 'host-not-found',
      message: expect.stringContaining('ENOTFOUND'),
    });
    expect(await resolveAndCheck('empty.example', 80, closed, fakeDns({ 'empty.example': [] }))).toMatchObject({
      ok: false,
      error: 'host-not-found',
    });
  });

  it('with allowPrivateNetworks, allows private targets but never 0.0.0.0 or multicast', async () => {
    const lookup = fakeDns({ lan: ['10.0.0.1', 'fd00::1'], zero: ['0.0.0.0'], multi: ['224.0.0.1'] });
    expect(await resolveAndCheck('lan', 80, open, lookup)).toMatchObject({ ok: true });
    expect(await resolveAndCheck('localhost', 80, open, fakeDns({ localhost: ['127.0.0.1'] }))).toMatchObject({ ok: true });
    expect(await resolveAndCheck('zero', 80, open, lookup)).toMatchObject({ ok: false, error: 'forbidden-target' });
    expect(await resolveAndCheck('multi', 80, open, lookup)).toMatchObject({ ok: false, error: 'forbidden-target' });
  });

  it('exempts an allowHosts entry for that exact host:port only', async () => {
    const config = proxyConfig({ allowHosts: new Set(['images.lan:8080', '[fd00::5]:443']) });
    const lookup = fakeDns({ 'images.lan': ['10.0.0.5'], 'other.lan': ['10.0.0.5'] });
    expect(await resolveAndCheck('images.lan', 8080, config, lookup)).toEqual({ ok: true, addresses: [{ address: '10.0.0.5', family: 4 }] });
    expect(await resolveAndCheck('images.lan', 8081, config, lookup)).toMatchObject({ ok: false });
    expect(await resolveAndCheck('other.lan', 8080, config, lookup)).toMatchObject({ ok: false });
    expect(await resolveAndCheck('[fd00::5]', 443, config, lookup)).toMatchObject({ ok: true });
    expect(await resolveAndCheck('[fd00::5]', 80, config, lookup)).toMatchObject({ ok: false });
  });

  it('never exempts 0.0.0.0, even for an allowHosts entry', async () => {
    const config = proxyConfig({ allowHosts: new Set(['zero.lan:80']) });
    expect(await resolveAndCheck('zero.lan', 80, config, fakeDns({ 'zero.lan': ['0.0.0.0'] }))).toMatchObject({ ok: false });
  });
});

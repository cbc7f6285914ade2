import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowHosts, proxyConfig, type ProxyConfig } from '../../../src/server/proxy/config';
import { createProxyHandler } from '../../../src/server/proxy/handler';
import { nodeProxyDeps } from '../../../src/server/proxy/node';
import type { FetchHop, LookupAll, ProxyDeps } from '../../../src/server/proxy/types';
import { closedPort, eventually, hasIPv6Loopback, startServer, streamBytes, type TestServer } from './servers';

// Every upstream here is a real HTTP server on 127.0.0.1 or ::1; no test sends
// a packet anywhere else. Other addresses are covered by faking DNS (resolve.test.ts).

const PNG = readFileSync(new URL('../../fixtures/alpha.png', import.meta.url));
const IPV6 = await hasIPv6Loopback();

function proxyRequest(target: string, init?: RequestInit): Request {
  return new Request(`http://proxy.test/api/proxy?url=${encodeURIComponent(target)}`, init);
}

/** Every refusal: the status, JSON {error, message}, a non-empty message. */
async function expectRefusal(res: Response, status: number, error: string): Promise<{ error: string; message: string; status?: number }> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as { error: string; message: string; status?: number };
  expect(body.error).toBe(error);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

function servePng(res: ServerResponse, type = 'image/png'): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': PNG.length });
  res.end(PNG);
}

describe('default settings: loopback in any spelling is refused and never contacted', () => {
  let v4: TestServer;
  let v6: TestServer | undefined;
  const handler = createProxyHandler(proxyConfig(), nodeProxyDeps());

  beforeAll(async () => {
    v4 = await startServer((_req, res) => servePng(res));
    if (IPV6) v6 = await startServer((_req, res) => servePng(res), '::1');
  });
  afterAll(async () => {
    await v4.close();
    await v6?.close();
  });

  // P4: the 127.0.0.1 server's port; P6: the ::1 server's (P4 when there is no IPv6 loopback).
  it.each([
    ['http://127.0.0.1:P4/x.png', /127\.0\.0\.1 is loopback/],
    ['http://2130706433:P4/', /loopback/],
    ['http://0x7f.1:P4/', /loopback/],
    ['http://0177.0.0.1:P4/', /loopback/],
    ['http://127.1:P4/', /loopback/],
    ['http://017700000001:P4/', /loopback/],
    ['http://127.0.0.2:P4/', /loopback/],
    ['http://[::1]:P6/', /::1 is loopback/],
    ['http://[0000::1]:P6/', /loopback/],
    ['http://[0:0:0:0:0:0:0:1]:P6/', /loopback/],
    ['http://[::ffff:127.0.0.1]:P4/', /loopback.*127\.0\.0\.1/],
    ['http://localhost:P4/', /localhost/],
    ['http://localhost.:P4/', /localhost/],
    ['http://LOCALHOST:P4/', /localhost/],
    ['http://foo.localhost:P4/', /localhost/],
    ['http://0.0.0.0:P4/', /unspecified/],
    ['http://0:P4/', /unspecified/],
    ['https://127.0.0.1:P4/', /loopback/],
  ])('%s -> 403', async (spelling, why) => {
    const url = spelling.replace('P4', String(v4.port)).replace('P6', String(v6?.port ?? v4.port));
    const body = await expectRefusal(await handler(proxyRequest(url), 'client'), 403, 'forbidden-target');
    expect(body.message).toMatch(why);
    expect(v4.count()).toBe(0);
    expect(v6?.count() ?? 0).toBe(0);
  });

  it('refuses a name whose DNS answer is loopback, before connecting', async () => {
    const lookup: LookupAll = async () => [{ address: '127.0.0.1', family: 4 }];
    const fakeDns = createProxyHandler(proxyConfig(), nodeProxyDeps({ lookup }));
    const body = await expectRefusal(await fakeDns(proxyRequest(`http://rebind.test:${v4.port}/`), 'client'), 403, 'forbidden-target');
    expect(body.message).toMatch(/rebind\.test resolves to an address that is not public \(loopback/);
    expect(body.message).not.toContain('127.0.0.1');
    expect(v4.count()).toBe(0);
  });

  it('reports a name that does not resolve as 502 host-not-found', async () => {
    const lookup: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const fakeDns = createProxyHandler(proxyConfig(), nodeProxyDeps({ lookup }));
    await expectRefusal(await fakeDns(proxyRequest('http://nowhere.test/x.png'), 'client'), 502, 'host-not-found');
  });
});

describe('PROXY_ALLOW_HOSTS exempts one host:port, not where it redirects', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    b = await startServer((_req, res) => servePng(res));
    a = await startServer((req, res) => {
      if (req.url === '/ok.png') return servePng(res);
      res.writeHead(302, { Location: `${b.origin}/x.png` }).end();
    });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('refuses the redirect to another loopback port; B is never contacted', async () => {
    const handler = createProxyHandler(proxyConfig({ allowHosts: parseAllowHosts(`127.0.0.1:${a.port}`) }), nodeProxyDeps());
    const body = await expectRefusal(await handler(proxyRequest(`${a.origin}/go`), 'client'), 403, 'forbidden-target');
    expect(body.message).toMatch(/loopback.*redirect/);
    expect(a.count()).toBe(1);
    expect(b.count()).toBe(0);

    // The exempt host:port itself works.
    const ok = await handler(proxyRequest(`${a.origin}/ok.png`), 'client');
    expect(ok.status).toBe(200);
    expect(b.count()).toBe(0);
  });
});

describe('with allowPrivateNetworks (local test servers)', () => {
  let server: TestServer;
  /** Per path: resolves when the server sees the connection close, telling whether it was cut short. */
  const ends = new Map<string, Promise<{ cut: boolean }>>();
  const config = proxyConfig({ allowPrivateNetworks: true, maxBytes: 1024 * 1024, timeoutMs: 5000 });
  const handler = createProxyHandler(config, nodeProxyDeps());
  const SHORT = 300;
  const impatient = createProxyHandler({ ...config, timeoutMs: SHORT }, nodeProxyDeps());

  function route(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    const redirect = /^\/r\/(\d+)$/.exec(path);
    if (redirect) {
      const left = Number(redirect[1]);
      if (left === 0) return servePng(res);
      // Alternate relative and absolute Locations: both must be followed.
      const next = left % 2 ? `/r/${left - 1}` : `${server.origin}/r/${left - 1}`;
      res.writeHead(302, { Location: next }).end();
      return;
    }
    switch (path) {
      case '/img.png':
        // The server asserts nothing of the client's reached it.
        if (req.headers.cookie || req.headers.authorization) {
          res.writeHead(400).end('client credentials leaked');
          return;
        }
        res.writeHead(200, {
          'Content-Type': 'image/png',
          'Content-Length': PNG.length,
          'Set-Cookie': 'session=upstream; Path=/',
          'Access-Control-Allow-Origin': '*',
          'X-Upstream': 'yes',
        });
        res.end(PNG);
        return;
      case '/octet':
        return servePng(res, 'application/octet-stream');
      case '/untyped':
        res.writeHead(200).end(PNG);
        return;
      case '/svg':
        res.writeHead(200, { 'Content-Type': 'image/svg+xml' }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
        return;
      case '/html':
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not an image</title>');
        return;
      case '/html-as-png':
        res.writeHead(200, { 'Content-Type': 'image/png' }).end('<!doctype html><script>alert(document.cookie)</script>');
        return;
      case '/svg-as-png':
        res.writeHead(200, { 'Content-Type': 'image/png' }).end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
        return;
      case '/bytes-as-png':
        res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)));
        return;
      case '/x-foo':
        res.writeHead(200, { 'Content-Type': 'image/x-foo;<script>' }).end('<html><script>alert(1)</script></html>');
        return;
      case '/png-as-html':
        return servePng(res, 'text/html');
      case '/empty':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': 0 }).end();
        return;
      case '/big-declared':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': 64 * 1024 * 1024 });
        ends.set(path, streamBytes(res, 64 * 1024 * 1024));
        return;
      case '/big-chunked':
        res.writeHead(200, { 'Content-Type': 'image/png' });
        ends.set(path, streamBytes(res, 64 * 1024 * 1024));
        return;
      case '/stall-body':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': 1000 });
        res.write(PNG.subarray(0, 10));
        ends.set(path, new Promise((resolve) => res.on('close', () => resolve({ cut: !res.writableFinished }))));
        return;
      case '/no-answer':
        ends.set(path, new Promise((resolve) => res.on('close', () => resolve({ cut: true }))));
        return;
      case '/cut-short':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': 1000 });
        res.write(PNG.subarray(0, 10), () => res.destroy());
        return;
      case '/to-ftp':
        res.writeHead(301, { Location: 'ftp://127.0.0.1/x.png' }).end();
        return;
      case '/to-credentials':
        res.writeHead(307, { Location: `http://user:secret@127.0.0.1:${server.port}/img.png` }).end();
        return;
      case '/no-location':
        res.writeHead(302).end();
        return;
      default:
        res.writeHead(404, { 'Content-Type': 'text/html' }).end('<h1>Not found</h1>');
    }
  }

  beforeAll(async () => {
    server = await startServer(route);
  });
  afterAll(async () => {
    await server.close();
  });

  it('passes an image through byte for byte, with our headers only', async () => {
    const res = await handler(
      proxyRequest(`${server.origin}/img.png`, {
        headers: { Cookie: 'session=client', Authorization: 'Bearer client-token', 'X-Forwarded-For': '203.0.113.5', Referer: 'https://app.example/' },
      }),
      'client',
    );
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'image/png',
      'content-length': String(PNG.length),
      'cache-control': 'private, max-age=300',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'",
      'cross-origin-resource-policy': 'same-origin',
    });
    expect(res.headers.get('set-cookie')).toBeNull();

    // What the upstream saw: our two headers, plus the Host and Connection Node adds.
    const seen = server.seen.at(-1) ?? {};
    expect(Object.keys(seen).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
    expect(seen['user-agent']).toBe('ThumbnailGenerator-Proxy/1.0');
    expect(seen.accept).toBe('image/*');
  });

  it('accepts a PNG served as application/octet-stream, or untyped, by its magic bytes', async () => {
    for (const path of ['/octet', '/untyped']) {
      const res = await handler(proxyRequest(`${server.origin}${path}`), 'client');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    }
  });

  it('refuses an HTML page with 415', async () => {
    const body = await expectRefusal(await handler(proxyRequest(`${server.origin}/html`), 'client'), 415, 'not-an-image');
    expect(body.message).toContain('text/html');
  });

  it('passes only bytes that are an image the app decodes, whatever the upstream claims (415 otherwise)', async () => {
    for (const path of ['/html-as-png', '/svg-as-png', '/bytes-as-png', '/x-foo']) {
      const body = await expectRefusal(await handler(proxyRequest(`${server.origin}${path}`), 'client'), 415, 'not-an-image');
      expect(body.message).not.toContain('<');
    }
    const claimed = await expectRefusal(await handler(proxyRequest(`${server.origin}/html-as-png`), 'client'), 415, 'not-an-image');
    expect(claimed.message).toBe('The URL claimed to be image/png, but its content is not an image this app reads.');
    // And the other way round: a real PNG mislabelled text/html goes out as image/png, the type its bytes prove.
    const png = await handler(proxyRequest(`${server.origin}/png-as-html`), 'client');
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
  });

  it('refuses SVG (active content we cannot decode) and empty bodies with 415', async () => {
    await expectRefusal(await handler(proxyRequest(`${server.origin}/svg`), 'client'), 415, 'not-an-image');
    await expectRefusal(await handler(proxyRequest(`${server.origin}/empty`), 'client'), 415, 'not-an-image');
  });

  it('refuses a declared-too-large body with 413 without reading it, and cuts the connection', async () => {
    const started = Date.now();
    await expectRefusal(await handler(proxyRequest(`${server.origin}/big-declared`), 'client'), 413, 'too-large');
    await eventually(() => ends.has('/big-declared'));
    expect(await ends.get('/big-declared')).toEqual({ cut: true });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops reading an undeclared (chunked) body past maxBytes with 413, and cuts the connection', async () => {
    await expectRefusal(await handler(proxyRequest(`${server.origin}/big-chunked`), 'client'), 413, 'too-large');
    await eventually(() => ends.has('/big-chunked'));
    expect(await ends.get('/big-chunked')).toEqual({ cut: true });
  });

  it('gives up with 504 on a server that sends headers and then stalls', async () => {
    const started = Date.now();
    await expectRefusal(await impatient(proxyRequest(`${server.origin}/stall-body`), 'client'), 504, 'timed-out');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(SHORT - 50);
    expect(elapsed).toBeLessThan(5000); // generous: a loaded 2-core machine
    await eventually(() => ends.has('/stall-body'));
    expect(await ends.get('/stall-body')).toEqual({ cut: true });
  });

  it('gives up with 504 on a server that never answers', async () => {
    const started = Date.now();
    await expectRefusal(await impatient(proxyRequest(`${server.origin}/no-answer`), 'client'), 504, 'timed-out');
    expect(Date.now() - started).toBeLessThan(5000);
    await eventually(() => ends.has('/no-answer'));
    await ends.get('/no-answer'); // the upstream request was aborted, not left open
  });

  it('follows 5 redirects, refuses the 6th with 502 too-many-redirects', async () => {
    const before = server.count();
    const ok = await handler(proxyRequest(`${server.origin}/r/5`), 'client');
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(PNG)).toBe(true);
    expect(server.count() - before).toBe(6);

    const mid = server.count();
    await expectRefusal(await handler(proxyRequest(`${server.origin}/r/6`), 'client'), 502, 'too-many-redirects');
    expect(server.count() - mid).toBe(6); // /r/6 .. /r/1; the 6th redirect's target is never fetched
  });

  it('refuses redirects to other schemes or with credentials (403)', async () => {
    const ftp = await expectRefusal(await handler(proxyRequest(`${server.origin}/to-ftp`), 'client'), 403, 'forbidden-target');
    expect(ftp.message).toBe('Refused a redirect to ftp://…: only http and https URLs can be fetched, not ftp.');
    const before = server.count();
    const credentials = await expectRefusal(await handler(proxyRequest(`${server.origin}/to-credentials`), 'client'), 403, 'forbidden-target');
    // An acronym keeps its capitals when the sentence is joined ('uRLs' before).
    expect(credentials.message).toBe('Refused a redirect to http://…: URLs with a user name or password are not fetched.');
    expect(server.count() - before).toBe(1);
  });

  it('turns an upstream 404 into 502 upstream-status with the status', async () => {
    const body = await expectRefusal(await handler(proxyRequest(`${server.origin}/missing.png`), 'client'), 502, 'upstream-status');
    expect(body.status).toBe(404);
    expect(body.message).toContain('404');
    const noLocation = await expectRefusal(await handler(proxyRequest(`${server.origin}/no-location`), 'client'), 502, 'upstream-status');
    expect(noLocation.status).toBe(302);
  });

  it('turns a refused connection into 502 upstream-failed', async () => {
    const port = await closedPort();
    const body = await expectRefusal(await handler(proxyRequest(`http://127.0.0.1:${port}/x.png`), 'client'), 502, 'upstream-failed');
    expect(body.message).toMatch(/refused/);
  });

  it('turns a body cut short into 502 upstream-failed', async () => {
    await expectRefusal(await handler(proxyRequest(`${server.origin}/cut-short`), 'client'), 502, 'upstream-failed');
  });

  it('answers only GET: 405 with Allow: GET', async () => {
    for (const method of ['POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await handler(proxyRequest(`${server.origin}/img.png`, { method }), 'client');
      expect(res.headers.get('allow')).toBe('GET');
      await expectRefusal(res, 405, 'method-not-allowed');
    }
  });

  it('refuses missing, invalid and non-http(s) URLs with 400', async () => {
    const before = server.count();
    await expectRefusal(await handler(new Request('http://proxy.test/api/proxy'), 'client'), 400, 'bad-url');
    await expectRefusal(await handler(new Request('http://proxy.test/api/proxy?url='), 'client'), 400, 'bad-url');
    for (const url of [
      'not a url',
      '/relative/x.png',
      '//127.0.0.1/x.png',
      `ftp://127.0.0.1:${server.port}/x.png`,
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:image/png;base64,iVBORw0KGgo=',
      `gopher://127.0.0.1:${server.port}/`,
      `http://${'a'.repeat(9000)}.example/`,
    ]) {
      await expectRefusal(await handler(proxyRequest(url), 'client'), 400, 'bad-url');
    }
    expect(server.count()).toBe(before);
  });

  it('refuses credentials in the URL with 400, before contacting anyone', async () => {
    const before = server.count();
    for (const creds of ['user:pass@', 'user@', ':pass@']) {
      const body = await expectRefusal(await handler(proxyRequest(`http://${creds}127.0.0.1:${server.port}/img.png`), 'client'), 400, 'bad-url');
      expect(body.message).toMatch(/password/);
    }
    expect(server.count()).toBe(before);
  });

  it('rate-limits per client key: the 4th request in a minute gets 429, another client still works', async () => {
    let now = 1_000_000;
    const limited = createProxyHandler({ ...config, ratePerMinute: 3 }, nodeProxyDeps({ now: () => now }));
    const image = () => proxyRequest(`${server.origin}/img.png`);
    for (let i = 0; i < 3; i++) expect((await limited(image(), 'a')).status).toBe(200);

    const refused = await limited(image(), 'a');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expectRefusal(refused, 429, 'rate-limited');

    expect((await limited(image(), 'b')).status).toBe(200);

    now += 60_000;
    expect((await limited(image(), 'a')).status).toBe(200);
  });
});

describe('with an injected fetching step (as an edge runtime would supply)', () => {
  const config = proxyConfig({ timeoutMs: 300 });
  // No network at all: the resolver vouches for the name, the hop is fake.
  const resolve: ProxyDeps['resolve'] = async () => ({ ok: true, addresses: [{ address: '93.184.215.14', family: 4 }] });

  it('passes the URL, the vetted addresses and only our headers to the hop', async () => {
    const calls: Parameters<FetchHop>[0][] = [];
    const fetchHop: FetchHop = async (request) => {
      calls.push(request);
      return { status: 200, headers: new Headers({ 'content-type': 'image/webp' }), body: new Blob([PNG]).stream() };
    };
    const handler = createProxyHandler(config, { resolve, fetchHop });
    const res = await handler(proxyRequest('https://images.example/a.webp#frag', { headers: { cookie: 'x=y' } }), 'client');
    expect(res.status).toBe(200);
    // The type the bytes prove (a PNG), not the one the upstream claimed.
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url.href).toBe('https://images.example/a.webp#frag');
    expect(calls[0]?.addresses).toEqual([{ address: '93.184.215.14', family: 4 }]);
    expect(calls[0]?.headers).toEqual({ 'User-Agent': 'ThumbnailGenerator-Proxy/1.0', Accept: 'image/*' });
  });

  it('refuses a declared Content-Length over maxBytes without reading a byte, and cancels the body', async () => {
    let pulls = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          pulls++;
          controller.enqueue(new Uint8Array(1024));
        },
        cancel: () => {
          cancelled = true;
        },
      },
      { highWaterMark: 0 }, // nothing is pulled until someone reads
    );
    const fetchHop: FetchHop = async () => ({ status: 200, headers: new Headers({ 'content-length': String(2048), 'content-type': 'image/png' }), body });
    const handler = createProxyHandler(proxyConfig({ maxBytes: 1024 }), { resolve, fetchHop });
    await expectRefusal(await handler(proxyRequest('https://images.example/big.png'), 'c'), 413, 'too-large');
    expect(pulls).toBe(0);
    expect(cancelled).toBe(true);
  });

  it('times out with 504 even when the hop ignores the abort signal', async () => {
    const never: FetchHop = () => new Promise(() => {});
    const started = Date.now();
    await expectRefusal(await createProxyHandler(config, { resolve, fetchHop: never })(proxyRequest('https://images.example/a.png'), 'c'), 504, 'timed-out');
    expect(Date.now() - started).toBeLessThan(5000);

    const stalledBody: FetchHop = async () => ({ status: 200, headers: new Headers(), body: new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) }) });
    await expectRefusal(await createProxyHandler(config, { resolve, fetchHop: stalledBody })(proxyRequest('https://images.example/a.png'), 'c'), 504, 'timed-out');
  });

  it('answers 503 busy past maxConcurrent fetches in progress, and serves again once one ends', async () => {
    const releases: (() => void)[] = [];
    const held: FetchHop = () =>
      new Promise((resolveHop) =>
        releases.push(() => resolveHop({ status: 200, headers: new Headers({ 'content-type': 'image/png' }), body: new Blob([PNG]).stream() })),
      );
    const handler = createProxyHandler(proxyConfig({ maxConcurrent: 2, timeoutMs: 5000 }), { resolve, fetchHop: held });
    const first = handler(proxyRequest('https://images.example/1.png'), 'a');
    const second = handler(proxyRequest('https://images.example/2.png'), 'b');
    await eventually(() => releases.length === 2);
    await expectRefusal(await handler(proxyRequest('https://images.example/3.png'), 'c'), 503, 'busy');
    releases.shift()!();
    expect((await first).status).toBe(200);
    const fourth = handler(proxyRequest('https://images.example/4.png'), 'c');
    await eventually(() => releases.length === 2);
    for (const release of releases.splice(0)) release();
    expect((await second).status).toBe(200);
    expect((await fourth).status).toBe(200);
  });

  it('times out with 504 when DNS never answers', async () => {
    const slowDns: ProxyDeps['resolve'] = () => new Promise(() => {});
    await expectRefusal(await createProxyHandler(config, nodeProxyDeps({ resolve: slowDns }))(proxyRequest('https://images.example/a.png'), 'c'), 504, 'timed-out');
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowHosts, proxyConfig } from '../../../src/server/proxy/config';
import worker from '../../../src/edge/worker';
import { resolveFromUrl } from '../../../src/server/proxy/edge';
import { createProxyHandler } from '../../../src/server/proxy/handler';
import { nodeProxyDeps } from '../../../src/server/proxy/node';
import { resolveAndCheck } from '../../../src/server/proxy/resolve';
import { closedPort, hasIPv6Loopback, startServer, type TestServer } from './servers';

/**
 * The edge build (dist-edge/worker.js, made by scripts/build-edge.mjs) under
 * Cloudflare's own runtime, workerd from npm, on 127.0.0.1.
 *
 * workerd's outbound network here allows public, private AND local addresses,
 * unlike its default ("public" only): otherwise workerd itself would refuse the
 * loopback targets and the test could not tell its refusals from ours. With it
 * open, the allowed image on 127.0.0.1 comes through (so loopback is reachable
 * from the worker), and each refused target is a real loopback server that
 * counts its requests and must count none: the refusals are the proxy's policy.
 * No request leaves this machine: every refused URL is refused before any fetch.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const PNG = readFileSync(join(root, 'tests/fixtures/alpha.png'));
const HTML = '<!doctype html><title>not an image</title><p>hello</p>';

interface BuildModule {
  buildEdge(options: { outfile: string }): Promise<{ outfile: string; bytes: number; stubbed: string[] }>;
}
/** The workerd package's main export: the binary's path, and the newest compatibility date it supports. */
const workerdPackage = createRequire(import.meta.url)('workerd') as { default: string; compatibilityDate: string };

let dir: string;
let bundleBytes = 0;
let workerd: ChildProcess | undefined;
let log = '';
let base: string;
/** The same worker without bindings: no ASSETS, every PROXY_* at its default. */
let bareBase: string;
/** The server the proxy may reach (PROXY_ALLOW_HOSTS names its port). */
let allowed: TestServer;
/** Loopback servers the proxy must never reach, whatever the URL's spelling. */
let forbidden: TestServer;
let forbidden6: TestServer | undefined;

function proxy(target: string): Promise<Response> {
  return fetch(`${base}/api/proxy?url=${encodeURIComponent(target)}`);
}

/** The Node handler with the same settings, for comparing refusals word for word (it never reaches DNS here). */
let nodeHandler: ReturnType<typeof createProxyHandler>;

beforeAll(async () => {
  allowed = await startServer((req, res) => {
    switch (req.url) {
      case '/alpha.png':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': PNG.length });
        res.end(PNG);
        return;
      case '/page.png':
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(HTML);
        return;
      case '/gzip.png': {
        const body = gzipSync(PNG);
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Encoding': 'gzip', 'Content-Length': body.length });
        res.end(body);
        return;
      }
      case '/deflate.png':
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Encoding': 'deflate' });
        res.end(deflateSync(PNG));
        return;
      case '/to-alpha':
        res.writeHead(302, { Location: '/alpha.png' });
        res.end();
        return;
      case '/to-loopback':
        res.writeHead(302, { Location: forbidden.origin + '/secret' });
        res.end();
        return;
      default:
        res.writeHead(404);
        res.end();
    }
  });
  const secret = (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'image/png' });
    res.end(PNG);
  };
  forbidden = await startServer(secret);
  if (await hasIPv6Loopback()) forbidden6 = await startServer(secret, '::1');

  const env = {
    PROXY_ALLOW_HOSTS: `127.0.0.1:${allowed.port}`,
    // Every request of this file comes from one client key; the default 60 would do, this leaves room.
    PROXY_RATE_PER_MINUTE: '1000',
  };
  nodeHandler = createProxyHandler(
    proxyConfig({ allowHosts: parseAllowHosts(env.PROXY_ALLOW_HOSTS), ratePerMinute: 1000 }),
    nodeProxyDeps({ lookup: () => Promise.reject(new Error('no DNS in this test')) }),
  );

  dir = mkdtempSync(join(tmpdir(), 'workerd-proxy-'));
  const { buildEdge } = (await import(pathToFileURL(join(root, 'scripts/build-edge.mjs')).href)) as BuildModule;
  const built = await buildEdge({ outfile: join(dir, 'worker.js') });
  bundleBytes = built.bytes;

  const port = await closedPort();
  const barePort = await closedPort();
  base = `http://127.0.0.1:${port}`;
  bareBase = `http://127.0.0.1:${barePort}`;
  const text = Object.entries(env).map(([name, value]) => `(name = ${JSON.stringify(name)}, text = ${JSON.stringify(value)})`);
  const workerConfig = (bindings: string[]) => `(
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = ${JSON.stringify(workerdPackage.compatibilityDate)},
  bindings = [${bindings.join(', ')}],
  globalOutbound = "open-network",
)`;
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .proxyWorker),
    (name = "bare", worker = .bareWorker),
    # Stands in for Workers static assets: answers every path with its name.
    (name = "assets", worker = (
      modules = [(name = "assets.js", esModule = "export default { fetch: (r) => new Response('asset ' + new URL(r.url).pathname) };")],
      compatibilityDate = ${JSON.stringify(workerdPackage.compatibilityDate)},
    )),
    # Wider than workerd's default ("public" only), so that refusals can only be the proxy's.
    (name = "open-network", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:${port}", http = (), service = "main"),
    (name = "bare", address = "127.0.0.1:${barePort}", http = (), service = "bare"),
  ],
);

const proxyWorker :Workerd.Worker = ${workerConfig([...text, '(name = "ASSETS", service = "assets")'])};
const bareWorker :Workerd.Worker = ${workerConfig([])};
`,
  );

  workerd = spawn(workerdPackage.default, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
  workerd.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  workerd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (workerd.exitCode !== null) throw new Error(`workerd exited with ${workerd.exitCode}:\n${log}`);
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok && (await res.text()) === 'ok') break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`workerd did not answer /healthz within 20 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 40_000);

afterAll(async () => {
  if (workerd && workerd.exitCode === null) {
    const exited = new Promise((r) => workerd?.once('exit', r));
    workerd.kill('SIGTERM');
    const timer = setTimeout(() => workerd?.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
  await allowed?.close();
  await forbidden?.close();
  await forbidden6?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function refusal(res: Response, status: number, error: string): Promise<{ error: string; message: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error: string; message: string };
  expect(body.error).toBe(error);
  return body;
}

describe('the proxy under workerd', () => {
  it('answers /healthz itself, hands other paths to ASSETS, and 404s them without that binding', async () => {
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok');
    expect(await (await fetch(`${base}/index.html`)).text()).toBe('asset /index.html');
    expect(await (await fetch(`${bareBase}/healthz`)).text()).toBe('ok');
    expect((await fetch(`${bareBase}/index.html`)).status).toBe(404);
  });

  it('without PROXY_ALLOW_HOSTS, the loopback upstream is refused like any other', async () => {
    const body = await refusal(await fetch(`${bareBase}/api/proxy?url=${encodeURIComponent(`${allowed.origin}/alpha.png`)}`), 403, 'forbidden-target');
    expect(body.message).toMatch(/127\.0\.0\.1 is loopback/);
    expect(allowed.count()).toBe(0);
  });

  // P: the forbidden 127.0.0.1 server's port; P6: the ::1 one's (P without IPv6 loopback).
  it.each([
    ['http://127.0.0.1:P/', 403, 'forbidden-target', /127\.0\.0\.1 is loopback/],
    ['http://2130706433:P/', 403, 'forbidden-target', /127\.0\.0\.1 is loopback/],
    ['http://0x7f.1:P/', 403, 'forbidden-target', /127\.0\.0\.1 is loopback/],
    ['http://0177.0.0.1:P/', 403, 'forbidden-target', /127\.0\.0\.1 is loopback/],
    ['http://127.1:P/', 403, 'forbidden-target', /127\.0\.0\.1 is loopback/],
    ['http://[::1]:P6/', 403, 'forbidden-target', /::1 is loopback/],
    ['http://[::ffff:127.0.0.1]:P/', 403, 'forbidden-target', /loopback.*127\.0\.0\.1/],
    ['http://10.0.0.1/', 403, 'forbidden-target', /10\.0\.0\.1 is private/],
    ['http://192.168.1.1/', 403, 'forbidden-target', /192\.168\.1\.1 is private/],
    ['http://169.254.169.254/latest/meta-data/', 403, 'forbidden-target', /169\.254\.169\.254 is linkLocal/],
    ['http://[fd00::1]/', 403, 'forbidden-target', /fd00::1 is uniqueLocal/],
    ['http://0.0.0.0:P/', 403, 'forbidden-target', /0\.0\.0\.0 is unspecified/],
    ['http://localhost:P/', 403, 'forbidden-target', /localhost/],
    ['http://x.localhost:P/', 403, 'forbidden-target', /localhost/],
    ['file:///etc/passwd', 400, 'bad-url', /Only http and https/],
    ['http://user:pw@example.com/', 400, 'bad-url', /user name or password/],
  ] as const)('%s -> %i %s, nothing contacted', async (spelling, status, error, why) => {
    const url = spelling.replace(':P6/', `:${forbidden6?.port ?? forbidden.port}/`).replace(':P/', `:${forbidden.port}/`);
    const body = await refusal(await proxy(url), status, error);
    expect(body.message).toMatch(why);
    // Word for word what Node answers: the edge judges literals with Node's own code.
    const node = (await (await nodeHandler(new Request(`http://proxy.test/api/proxy?url=${encodeURIComponent(url)}`), 'client')).json()) as unknown;
    expect(body).toEqual(node);
    expect(forbidden.count()).toBe(0);
    expect(forbidden6?.count() ?? 0).toBe(0);
    expect(allowed.count()).toBe(0);
  });

  it('passes an allowed image: 200, image/png, the same bytes', async () => {
    const before = allowed.count();
    const res = await proxy(`${allowed.origin}/alpha.png`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(allowed.count()).toBe(before + 1);
    expect(allowed.seen.at(-1)?.['user-agent']).toBe('ThumbnailGenerator-Proxy/1.0');
  });

  it('refuses HTML served as image/png with 415', async () => {
    const body = await refusal(await proxy(`${allowed.origin}/page.png`), 415, 'not-an-image');
    expect(body.message).toMatch(/claimed to be image\/png/);
  });

  it('follows a redirect itself (fetch hands back the 302) and judges its target', async () => {
    const res = await proxy(`${allowed.origin}/to-alpha`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);

    const body = await refusal(await proxy(`${allowed.origin}/to-loopback`), 403, 'forbidden-target');
    expect(body.message).toMatch(/127\.0\.0\.1 is loopback.*reached by a redirect/);
    expect(forbidden.count()).toBe(0);
  });

  it('takes a gzip body workerd decoded, and refuses a coding it passes through undecoded', async () => {
    const res = await proxy(`${allowed.origin}/gzip.png`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);

    const body = await refusal(await proxy(`${allowed.origin}/deflate.png`), 502, 'upstream-failed');
    expect(body.message).toMatch(/deflate-compressed/);
  });

  it('is one small module (the lazily loaded decoders are left out)', () => {
    // 181 KiB when written; libheif alone would add 2 MB.
    expect(bundleBytes).toBeGreaterThan(50_000);
    expect(bundleBytes).toBeLessThan(512 * 1024);
  });

  it('logged no uncaught error', () => {
    expect(log).not.toMatch(/Uncaught|uncaught exception/i);
  });
});

describe('the edge parts in Node (no workerd, no DNS)', () => {
  const noDns = () => Promise.reject(new Error('no DNS here'));

  it.each([
    ['127.0.0.1', 80, {}],
    ['[::1]', 80, {}],
    ['[::ffff:7f00:1]', 80, {}],
    ['169.254.169.254', 80, {}],
    ['0.0.0.0', 80, { allowPrivateNetworks: true }],
    ['127.0.0.1', 8081, { allowHosts: parseAllowHosts('127.0.0.1:8080') }],
    ['localhost', 80, {}],
    ['a.localhost.', 80, {}],
    ['', 80, {}],
  ] as const)('refuses %s:%i with the same words as Node', async (host, port, overrides) => {
    const config = proxyConfig(overrides);
    const edge = await resolveFromUrl(host, port, config);
    expect(edge.ok).toBe(false);
    expect(edge).toEqual(await resolveAndCheck(host, port, config, noDns));
  });

  it.each([
    ['10.0.0.1', 80, { allowPrivateNetworks: true }, [{ address: '10.0.0.1', family: 4 }]],
    ['127.0.0.1', 8080, { allowHosts: parseAllowHosts('127.0.0.1:8080') }, [{ address: '127.0.0.1', family: 4 }]],
    ['93.184.215.14', 80, {}, [{ address: '93.184.215.14', family: 4 }]],
    ['[2606:4700::1]', 443, {}, [{ address: '2606:4700::1', family: 6 }]],
  ] as const)('allows the literal %s:%i as Node does', async (host, port, overrides, addresses) => {
    expect(await resolveFromUrl(host, port, proxyConfig(overrides))).toEqual({ ok: true, addresses });
  });

  it('lets a name through unresolved (no addresses to pin), an exempt localhost included', async () => {
    expect(await resolveFromUrl('images.example', 443, proxyConfig())).toEqual({ ok: true, addresses: [] });
    const exempt = proxyConfig({ allowHosts: parseAllowHosts('localhost:8080') });
    expect(await resolveFromUrl('localhost', 8080, exempt)).toEqual({ ok: true, addresses: [] });
  });

  const ctx = { waitUntil: () => {} };
  const get = (target: string, ip?: string) =>
    new Request(`http://edge.test/api/proxy?url=${encodeURIComponent(target)}`, { headers: ip ? { 'CF-Connecting-IP': ip } : {} });

  it('answers 500 naming an invalid PROXY_* binding', async () => {
    const res = await worker.fetch(get('http://images.example/a.png'), { PROXY_MAX_BYTES: 'lots' }, ctx);
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('misconfigured');
    expect(body.message).toMatch(/PROXY_MAX_BYTES/);
  });

  it('rate-limits by CF-Connecting-IP', async () => {
    const env = { PROXY_RATE_PER_MINUTE: '1' };
    expect((await worker.fetch(get('file:///a', '198.51.100.7'), env, ctx)).status).toBe(400);
    expect((await worker.fetch(get('file:///a', '198.51.100.7'), env, ctx)).status).toBe(429);
    expect((await worker.fetch(get('file:///a', '198.51.100.8'), env, ctx)).status).toBe(400);
  });
});

import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyConfig } from '../../../src/server/proxy/config';
import { mountProxy } from '../../../src/server/proxy/index';
import { proxyMiddleware } from '../../../src/server/proxy/vite-plugin';
import { createProxyHandler } from '../../../src/server/proxy/handler';
import { nodeProxyDeps } from '../../../src/server/proxy/node';
import { startServer, type TestServer } from './servers';

// End to end through the two ways the proxy is served, all on 127.0.0.1.

const PNG = readFileSync(new URL('../../fixtures/alpha.png', import.meta.url));

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

let upstream: TestServer;
beforeAll(async () => {
  upstream = await startServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Set-Cookie': 'a=b' }).end(PNG);
  });
});
afterAll(async () => {
  await upstream.close();
});

const proxied = (origin: string) => `${origin}/api/proxy?url=${encodeURIComponent(`${upstream.origin}/a.png`)}`;

describe('mountProxy on a Hono app served by @hono/node-server', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const app = new Hono();
    mountProxy(app, proxyConfig({ allowPrivateNetworks: true, ratePerMinute: 1 }), { trustProxy: false });
    app.notFound((c) => c.text('Not found', 404));
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
    await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it('serves an image end to end, and keys the rate limit on the socket, not X-Forwarded-For', async () => {
    const res = await fetch(proxied(origin), { headers: { Cookie: 'c=d' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);
    expect(upstream.seen.at(-1)?.cookie).toBeUndefined();

    // Method check: 405, not the app's 404 (and not counted: the method is checked first).
    const post = await fetch(proxied(origin), { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ error: 'method-not-allowed' });

    // Limit 1 per minute, used: a forged X-Forwarded-For does not buy a fresh budget.
    const forged = await fetch(proxied(origin), { headers: { 'X-Forwarded-For': '198.51.100.77' } });
    expect(forged.status).toBe(429);
  });
});

describe('the Vite plugin middleware', () => {
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const middleware = proxyMiddleware(createProxyHandler(proxyConfig({ allowPrivateNetworks: true }), nodeProxyDeps()));
    server = createServer((req, res) => middleware(req, res, () => res.writeHead(404).end('next')));
    origin = await listen(server);
  });
  afterAll(async () => {
    await closeServer(server);
  });

  it('answers /api/proxy and passes every other path on', async () => {
    const res = await fetch(proxied(origin));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, max-age=300');
    expect(Buffer.from(await res.arrayBuffer()).equals(PNG)).toBe(true);

    expect(await (await fetch(`${origin}/api/proxyx?url=x`)).text()).toBe('next');
    expect(await (await fetch(`${origin}/index.html`)).text()).toBe('next');

    const bad = await fetch(`${origin}/api/proxy?url=${encodeURIComponent('file:///etc/passwd')}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'bad-url' });
  });
});

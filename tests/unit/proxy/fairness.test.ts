import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyConfig } from '../../../src/server/proxy/config';
import { mountProxy } from '../../../src/server/proxy/index';
import { eventually, startServer, type TestServer } from './servers';

// Clients from different addresses, all on this machine: Linux answers the whole
// of 127.0.0.0/8 on loopback, so 127.0.0.2, .3 and .4 are three clients to the
// proxy's per-client accounting (keyed by the TCP peer address).

const PNG = readFileSync(new URL('../../fixtures/alpha.png', import.meta.url));

interface Held {
  /** Open upstream requests the proxy made to /slow, by the path's tag. */
  open: Map<string, number>;
  closed: string[];
}

let upstream: TestServer;
let proxy: Server;
let origin: string;
const held: Held = { open: new Map(), closed: [] };

beforeAll(async () => {
  // /slow/<tag>: answers nothing until the proxy gives up or goes away.
  upstream = await startServer((req, res) => {
    const slow = /^\/slow\/(.+)$/.exec(req.url ?? '');
    if (slow) {
      const tag = slow[1]!;
      held.open.set(tag, (held.open.get(tag) ?? 0) + 1);
      res.on('close', () => {
        held.open.set(tag, (held.open.get(tag) ?? 1) - 1);
        held.closed.push(tag);
      });
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/png' }).end(PNG);
  });
  const app = new Hono();
  // The defaults (16 at once overall, 4 per client), as the probe had them; no rate limit in the way.
  mountProxy(app, proxyConfig({ allowPrivateNetworks: true, ratePerMinute: 10_000 }), { trustProxy: false });
  proxy = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }) as Server;
  await new Promise<void>((resolve) => (proxy.listening ? resolve() : proxy.once('listening', () => resolve())));
  origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await upstream.close();
});

/** One proxy request from a given local address; resolves with the status and body, or stays pending. */
function ask(from: string, path: string): { request: ClientRequest; answer: Promise<{ status: number; body: Buffer }> } {
  const target = `${upstream.origin}${path}`;
  const request = httpRequest(`${origin}/api/proxy?url=${encodeURIComponent(target)}`, { localAddress: from, agent: false });
  const answer = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    request.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    request.on('error', reject);
  });
  answer.catch(() => {});
  request.end();
  return { request, answer };
}

describe('the proxy shares itself fairly between clients', () => {
  it('two clients holding slow upstreams (8 requests each) cannot keep a third from being served', async () => {
    const greedy = ['127.0.0.2', '127.0.0.3'].flatMap((from) => Array.from({ length: 8 }, (_, i) => ({ from, ...ask(from, `/slow/${from}-${i}`) })));
    // Each greedy client gets its 4 slots; its other 4 are told to wait (429), at once.
    for (const from of ['127.0.0.2', '127.0.0.3']) {
      const turnedAway = await Promise.all(greedy.filter((g) => g.from === from).slice(4).map((g) => g.answer));
      for (const answer of turnedAway) {
        expect(answer.status).toBe(429);
        expect(JSON.parse(answer.body.toString())).toMatchObject({ error: 'too-many-at-once' });
      }
    }
    await eventually(() => [...held.open.values()].reduce((a, b) => a + b, 0) === 8);

    // The third client is served while the first two still hold theirs.
    for (let i = 0; i < 5; i++) {
      const { answer } = ask('127.0.0.4', `/img-${i}.png`);
      const { status, body } = await answer;
      expect(status).toBe(200);
      expect(body.equals(PNG)).toBe(true);
    }
    for (const g of greedy) g.request.destroy();
    await eventually(() => [...held.open.values()].every((n) => n === 0));
  });

  it("a client's closed socket aborts its upstream fetch and frees its slot within a second", async () => {
    const from = '127.0.0.5';
    const first = Array.from({ length: 4 }, (_, i) => ask(from, `/slow/gone-${i}`));
    await eventually(() => [0, 1, 2, 3].every((i) => held.open.get(`gone-${i}`) === 1));
    // Its share is used: a fifth is turned away.
    expect((await ask(from, '/img.png').answer).status).toBe(429);

    const closedAt = Date.now();
    for (const { request } of first) request.destroy();
    // The proxy cut all four upstream connections (not after its 10 s time limit)...
    await eventually(() => [0, 1, 2, 3].every((i) => held.open.get(`gone-${i}`) === 0), 1000);
    expect(Date.now() - closedAt).toBeLessThan(1000);
    // ...and the client's slots are free again.
    const again = await ask(from, '/img.png').answer;
    expect(again.status).toBe(200);
    expect(again.body.equals(PNG)).toBe(true);
  });
});

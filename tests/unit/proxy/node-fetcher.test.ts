import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_HEADERS } from '../../../src/server/proxy/handler';
import { nodeFetchHop } from '../../../src/server/proxy/node-fetcher';
import { hasIPv6Loopback, startServer, type TestServer } from './servers';

const PNG = readFileSync(new URL('../../fixtures/alpha.png', import.meta.url));
const IPV6 = await hasIPv6Loopback();

async function bodyBytes(stream: ReadableStream<Uint8Array> | null): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

describe('nodeFetchHop', () => {
  let v4: TestServer;
  let v6: TestServer | undefined;
  const route = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(302, { Location: '/elsewhere', 'Content-Type': 'image/png', 'Set-Cookie': 'a=b' }).end(PNG);
  };

  beforeAll(async () => {
    v4 = await startServer(route);
    if (IPV6) v6 = await startServer(route, '::1');
  });
  afterAll(async () => {
    await v4.close();
    await v6?.close();
  });

  it('connects to the vetted address, never resolving the name (.test names do not exist)', async () => {
    const hop = await nodeFetchHop({
      url: new URL(`http://images.pinned.test:${v4.port}/a.png?x=1#frag`),
      addresses: [{ address: '127.0.0.1', family: 4 }],
      headers: UPSTREAM_HEADERS,
      signal: new AbortController().signal,
    });
    // One hop, redirect not followed; status, headers and body as the server sent them.
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe('/elsewhere');
    expect((await bodyBytes(hop.body)).equals(PNG)).toBe(true);
    const seen = v4.seen.at(-1) ?? {};
    expect(seen.host).toBe(`images.pinned.test:${v4.port}`);
    expect(Object.keys(seen).sort()).toEqual(['accept', 'connection', 'host', 'user-agent']);
  });

  it.skipIf(!IPV6)('pins IPv6 addresses too', async () => {
    const hop = await nodeFetchHop({
      url: new URL(`http://v6.pinned.test:${v6?.port}/`),
      addresses: [{ address: '::1', family: 6 }],
      headers: UPSTREAM_HEADERS,
      signal: new AbortController().signal,
    });
    expect(hop.status).toBe(302);
    await bodyBytes(hop.body);
    expect(v6?.count()).toBe(1);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const before = v4.count();
    await expect(
      nodeFetchHop({ url: new URL(`${v4.origin}/`), addresses: [{ address: '127.0.0.1', family: 4 }], headers: {}, signal: controller.signal }),
    ).rejects.toThrow('stop');
    expect(v4.count()).toBe(before);
  });
});

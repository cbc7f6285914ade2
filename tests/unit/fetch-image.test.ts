import { describe, expect, it } from 'vitest';
import { fetchImageBytes } from '../../src/client/fetch-image';
import { ThumbnailError } from '../../src/core/errors';

/**
 * The browser's URL fetching, with the network replaced by a scripted fetch:
 * which errors a person sees for which failure, and when the proxy is asked.
 */
type Script = (url: string, init?: RequestInit) => Promise<Response>;

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const corsRefusal = () => Promise.reject(new TypeError('Failed to fetch'));
const proxyJson = (status: number, error: string, message = `proxy says ${error}`) =>
  new Response(JSON.stringify({ error, message }), { status, headers: { 'content-type': 'application/json' } });

function recorder(script: Script) {
  const calls: string[] = [];
  const fetchImpl = ((url: string, init?: RequestInit) => {
    calls.push(String(url));
    return script(String(url), init);
  }) as typeof fetch;
  return { calls, fetchImpl };
}

async function failure(promise: Promise<unknown>): Promise<ThumbnailError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ThumbnailError);
    return e as ThumbnailError;
  }
  throw new Error('expected a failure');
}

describe('fetchImageBytes', () => {
  it('fetches directly when the server allows it, without the proxy', async () => {
    const { calls, fetchImpl } = recorder(async () => new Response(PNG, { headers: { 'content-type': 'image/png' } }));
    expect(new Uint8Array(await fetchImageBytes('https://img.example/a.png', { fetchImpl }))).toEqual(PNG);
    expect(calls).toEqual(['https://img.example/a.png']);
  });

  it('reports an HTTP error from a direct answer with its status, without asking the proxy', async () => {
    const { calls, fetchImpl } = recorder(async () => new Response('gone', { status: 410, statusText: 'Gone' }));
    const e = await failure(fetchImageBytes('https://img.example/a.png', { fetchImpl }));
    expect(e.code).toBe('http-error');
    expect(e.message).toContain('410 Gone');
    expect(calls).toHaveLength(1);
  });

  it('falls back to the proxy when the direct fetch is refused (CORS or network)', async () => {
    const { calls, fetchImpl } = recorder((url) => (url.startsWith('/api/proxy') ? Promise.resolve(new Response(PNG)) : corsRefusal()));
    expect(new Uint8Array(await fetchImageBytes('https://img.example/a b.png', { fetchImpl }))).toEqual(PNG);
    expect(calls).toEqual(['https://img.example/a b.png', `/api/proxy?url=${encodeURIComponent('https://img.example/a b.png')}`]);
  });

  it.each([
    [502, 'host-not-found', 'host-not-found'],
    [502, 'upstream-status', 'http-error'],
    [415, 'not-an-image', 'not-an-image'],
    [413, 'too-large', 'too-large'],
    [504, 'timed-out', 'timed-out'],
    [429, 'rate-limited', 'rate-limited'],
    [503, 'busy', 'rate-limited'],
    [429, 'too-many-at-once', 'rate-limited'],
    [502, 'upstream-failed', 'network'],
  ])('maps the proxy refusal %i %s to the error code %s, keeping its message', async (status, proxyCode, code) => {
    const { fetchImpl } = recorder((url) => (url.startsWith('/api/proxy') ? Promise.resolve(proxyJson(status, proxyCode)) : corsRefusal()));
    const e = await failure(fetchImageBytes('https://img.example/a.png', { fetchImpl, busyRetries: 0 }));
    expect(e.code).toBe(code);
    expect(e.message).toBe(`proxy says ${proxyCode}`);
  });

  it('asks a busy proxy again after its Retry-After, and gives up with its message after the retries', async () => {
    let asked = 0;
    const busyOnce = recorder((url) => {
      if (!url.startsWith('/api/proxy')) return corsRefusal();
      asked++;
      if (asked === 1) {
        const busy = proxyJson(429, 'too-many-at-once');
        busy.headers.set('retry-after', '1');
        return Promise.resolve(busy);
      }
      return Promise.resolve(new Response(PNG));
    });
    const started = Date.now();
    expect(new Uint8Array(await fetchImageBytes('https://img.example/a.png', { fetchImpl: busyOnce.fetchImpl }))).toEqual(PNG);
    expect(asked).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    const alwaysBusy = recorder((url) => (url.startsWith('/api/proxy') ? Promise.resolve(proxyJson(503, 'busy')) : corsRefusal()));
    const e = await failure(fetchImageBytes('https://img.example/b.png', { fetchImpl: alwaysBusy.fetchImpl, busyRetries: 1 }));
    expect(e.message).toBe('proxy says busy');
    expect(alwaysBusy.calls.filter((c) => c.startsWith('/api/proxy'))).toHaveLength(2);
  });

  it('keeps at most 4 proxy requests of the page in flight, the rest waiting their turn', async () => {
    let inFlight = 0;
    let most = 0;
    const { fetchImpl } = recorder(async (url) => {
      if (!url.startsWith('/api/proxy')) return corsRefusal();
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return new Response(PNG);
    });
    const all = await Promise.all(Array.from({ length: 10 }, (_, i) => fetchImageBytes(`https://img.example/${i}.png`, { fetchImpl })));
    expect(all).toHaveLength(10);
    expect(most).toBe(4);
  });

  it('says both why the direct fetch and the proxy failed for a private address, and how self-hosters allow it', async () => {
    const { fetchImpl } = recorder((url) => (url.startsWith('/api/proxy') ? Promise.resolve(proxyJson(403, 'forbidden-target')) : corsRefusal()));
    const e = await failure(fetchImageBytes('http://127.0.0.1:8080/a.png', { fetchImpl }));
    expect(e.code).toBe('refused');
    expect(e.message).toBe("127.0.0.1:8080 does not allow direct access from other pages (CORS), and this app's server does not fetch private or loopback addresses.");
    expect(e.detail).toContain('proxy says forbidden-target');
    expect(e.detail).toContain('PROXY_ALLOW_PRIVATE_NETWORKS=1');
    expect(e.detail).toContain('PROXY_ALLOW_HOSTS');
  });

  it('stops at once when cancelled', async () => {
    const controller = new AbortController();
    const { calls, fetchImpl } = recorder(
      (_url, init) => new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error))),
    );
    const pending = fetchImageBytes('https://img.example/slow.png', { fetchImpl, signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).code).toBe('cancelled');
    expect(calls).toHaveLength(1); // a cancelled download does not go on to the proxy
  });

  it('explains a static host without the proxy route', async () => {
    const { fetchImpl } = recorder((url) => (url.startsWith('/api/proxy') ? Promise.resolve(new Response('<h1>404</h1>', { status: 404 })) : corsRefusal()));
    const e = await failure(fetchImageBytes('https://img.example/a.png', { fetchImpl }));
    expect(e.code).toBe('network');
    expect(e.message).toContain('no proxy');
  });

  it("says the person is offline when neither the site nor this app's own server can be reached", async () => {
    const { fetchImpl } = recorder(() => corsRefusal());
    const e = await failure(fetchImageBytes('https://img.example/a.png', { fetchImpl }));
    expect(e.code).toBe('offline');
    expect(e.message).toMatch(/^You are offline: neither img\.example nor this app's server can be reached/);
  });

  it('times out a direct fetch that never answers', async () => {
    const { fetchImpl } = recorder(
      (_url, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error))),
    );
    const e = await failure(fetchImageBytes('https://img.example/slow.png', { fetchImpl, timeoutMs: 50 }));
    expect(e.code).toBe('timed-out');
  });

  it('stops reading a body past the size limit, declared or not', async () => {
    const big = new Uint8Array(2048);
    const declared = recorder(async () => new Response(big, { headers: { 'content-length': '2048' } }));
    expect((await failure(fetchImageBytes('https://img.example/big.png', { fetchImpl: declared.fetchImpl, maxBytes: 1024 }))).code).toBe('too-large');
    const streamed = recorder(async () => new Response(new Blob([big, big]).stream()));
    expect((await failure(fetchImageBytes('https://img.example/big.png', { fetchImpl: streamed.fetchImpl, maxBytes: 1024 }))).code).toBe('too-large');
  });
});

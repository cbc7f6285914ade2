import type { Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecFor, sniffFormat } from '../../../src/core/codecs/registry';
import { createUrlFetcher } from '../../../src/node/fetch-url';
import { NodeThumbnailPool } from '../../../src/node/pool';
import { createApp } from '../../../src/server/app';
import { legacyConfig, legacyConfigFromEnv, type LegacyApiConfig } from '../../../src/server/legacy/config';
import { AnswerCache } from '../../../src/server/legacy/answer-cache';
import { parseAllowHosts, proxyConfig } from '../../../src/server/proxy/config';
import { DEFAULT_SERVER_LIMITS, listenWithLimits } from '../../../src/server/server-limits';
import { startServer, type TestServer } from '../proxy/servers';

// The old API's POST /generate_thumbnail on the real production server, on 127.0.0.1,
// with the real worker pool and codecs. Requests are made as the old clients made them.

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/${name}`, import.meta.url));
/** Python's base64.encodebytes: 76 characters per line, each line ending in \n. */
const encodebytes = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/.{76}/g, '$&\n') + '\n';

/** A JPEG of noise (it compresses badly and decodes slowly), as base64: a job that keeps a thread busy. */
async function noiseJpegBase64(width: number, height: number): Promise<string> {
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
  return (await sharp(noise, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer()).toString('base64');
}

function distFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tg-dist-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
  return dir;
}

interface Running {
  origin: string;
  pool: NodeThumbnailPool;
  stop(): Promise<void>;
}

async function start(config: Partial<LegacyApiConfig> = {}, allowHosts = ''): Promise<Running> {
  const legacy = legacyConfig({ enabled: true, ...config });
  const proxy = proxyConfig({ allowHosts: parseAllowHosts(allowHosts) });
  const pool = new NodeThumbnailPool({ size: legacy.maxJobs, maxQueue: legacy.maxQueue, jobTimeoutMs: legacy.jobTimeoutMs });
  const app = createApp({ distDir: distFolder(), proxy, legacy: { config: legacy, pool, fetchUrl: createUrlFetcher(proxy) } });
  const server: Server = listenWithLimits(app.fetch, { host: '127.0.0.1', port: 0, limits: DEFAULT_SERVER_LIMITS });
  await new Promise<void>((resolve) => (server.listening ? resolve() : server.once('listening', () => resolve())));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    pool,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.close();
    },
  };
}

/** What the old clients sent: a JSON body, Content-type: application/json, Accept: text/plain. */
async function post(origin: string, body: unknown, headers: Record<string, string> = { 'Content-type': 'application/json', Accept: 'text/plain' }) {
  const res = await fetch(`${origin}/generate_thumbnail`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof FormData || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { code: number; message: string; image_data: string | null } };
}

/** The answer's image: its format and size, read by our own probe (BMP included). */
function imageOf(base64: string | null) {
  const bytes = new Uint8Array(Buffer.from(base64 ?? '', 'base64'));
  const codec = sniffFormat(bytes);
  const { width, height } = codecFor(codec.format).probe(bytes);
  return { format: codec.format, width, height };
}

describe('POST /generate_thumbnail (LEGACY_API=1)', () => {
  let app: Running;
  let images: TestServer;
  beforeAll(async () => {
    images = await startServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(fixture('alpha.png'));
    });
    app = await start({ maxJobs: 2, maxPixels: 2_500_000 }, `127.0.0.1:${images.port}`);
  });
  afterAll(async () => {
    await app.stop();
    await images.close();
  });

  it('answers image_data in base64 with line breaks as the old API: 100×100 in the input\'s own format, BMP included', async () => {
    for (const [name, format] of [['rgb24.bmp', 'bmp'], ['landscape.jpg', 'jpeg'], ['alpha.png', 'png']] as const) {
      const { status, json } = await post(app.origin, { image_data: encodebytes(fixture(name)) });
      expect(status, name).toBe(200);
      expect(json).toMatchObject({ code: 1, message: 'SUCCESS' });
      expect(imageOf(json.image_data), name).toEqual({ format, width: 100, height: 100 });
    }
  }, 60_000);

  it('takes a multipart image_file, and the optional width, height, fit, format and quality fields', async () => {
    const form = new FormData();
    form.append('image_file', new Blob([fixture('landscape.jpg')]), 'landscape.jpg');
    const plain = await post(app.origin, form, {});
    expect(plain.status).toBe(200);
    expect(imageOf(plain.json.image_data)).toEqual({ format: 'jpeg', width: 100, height: 100 });

    const chosen = new FormData();
    chosen.append('image_file', new Blob([fixture('landscape.jpg')]), 'landscape.jpg');
    for (const [k, v] of Object.entries({ width: '120', height: '120', fit: 'inside', format: 'webp', quality: '60' })) chosen.append(k, v);
    const answer = await post(app.origin, chosen, {});
    expect(answer.status).toBe(200);
    const { width: w, height: h } = (await sharp(fixture('landscape.jpg')).metadata()) as { width: number; height: number };
    expect(imageOf(answer.json.image_data)).toEqual({ format: 'webp', width: 120, height: Math.round((120 * h) / w) });

    const json = await post(app.origin, { image_data: fixture('alpha.png').toString('base64'), width: 16, height: 8, fit: 'cover', format: 'png' });
    expect(imageOf(json.json.image_data)).toEqual({ format: 'png', width: 16, height: 8 });
  }, 60_000);

  it('fetches image_url through the proxy: loopback refused by default, allowed when PROXY_ALLOW_HOSTS lists it', async () => {
    const allowed = await post(app.origin, { image_url: `${images.origin}/a.png` });
    expect(allowed.status).toBe(200);
    expect(imageOf(allowed.json.image_data)).toEqual({ format: 'png', width: 100, height: 100 });

    const strict = await start();
    try {
      const seen = images.count();
      const refused = await post(strict.origin, { image_url: `${images.origin}/a.png` });
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ code: 0, message: expect.stringMatching(/private or loopback/), image_data: null });
      expect(images.count()).toBe(seen); // never contacted
    } finally {
      await strict.stop();
    }
  }, 60_000);

  it('gives code 0, a plain message and a fitting status for every failure', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ image_data: 'this is not base64!' }, 400, /not valid base64/],
      [{ image_data: Buffer.from('Just some plain text, not a picture at all.\n').toString('base64') }, 415, /text/i],
      [{ image_data: fixture('landscape.jpg').subarray(0, 400).toString('base64') }, 422, /damaged/],
      [{ image_data: fixture('alpha.png').toString('base64'), width: 0 }, 400, /Width must be between 1 and 8192/],
      [{ image_url: 'ftp://example.com/a.png' }, 400, /http/],
      [{ nothing: 1 }, 400, /neither an "image_data" nor an "image_url"/],
      ['{"image_data": ', 400, /not JSON/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await post(app.origin, body);
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(answer.json.code).toBe(0);
      expect(answer.json.image_data).toBeNull();
      expect(answer.json.message).toMatch(message);
      expect(answer.json.message).not.toMatch(/\bat \w+ \(|node:internal|\.ts:\d+/); // never a stack trace
    }
  }, 60_000);

  it('refuses an image over the pixel limit from its header, and a body over the size limit', async () => {
    const big = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#808080' } }).png().toBuffer();
    const overPixels = await post(app.origin, { image_data: big.toString('base64') });
    expect(overPixels.status).toBe(413);
    expect(overPixels.json).toMatchObject({ code: 0, image_data: null, message: expect.stringMatching(/3,000,000|3000000|pixel/i) });

    const small = await start({ maxBodyBytes: 10_000 });
    try {
      const answer = await post(small.origin, { image_data: fixture('landscape.jpg').toString('base64') });
      expect(answer.status).toBe(413);
      expect(answer.json).toEqual({ code: 0, message: expect.stringMatching(/larger than/), image_data: null });
    } finally {
      await small.stop();
    }
  }, 60_000);

  it('answers a repeated request from its cache, even while every thread and the queue are full', async () => {
    const busy = await start({ maxJobs: 1, maxQueue: 1 });
    try {
      const small = { image_data: fixture('alpha.png').toString('base64') };
      const first = await post(busy.origin, small);
      expect(first.status).toBe(200);
      // Fill the one thread and the one queue place with slow jobs.
      const big = await noiseJpegBase64(2400, 1600);
      const slow = [post(busy.origin, { image_data: big }), post(busy.origin, { image_data: big, width: 90 })];
      await new Promise((resolve) => setTimeout(resolve, 300));
      const fresh = await post(busy.origin, { ...small, width: 50 }); // new options: needs a thread
      expect(fresh.status).toBe(503);
      const again = await post(busy.origin, small); // the same bytes and options as the first
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
      expect((await Promise.all(slow)).map((a) => a.status)).toEqual([200, 200]);
    } finally {
      await busy.stop();
    }
  }, 60_000);

  it('limits requests per client per minute', async () => {
    const limited = await start({ ratePerMinute: 2 });
    try {
      const body = { image_data: fixture('alpha.png').toString('base64') };
      expect((await post(limited.origin, body)).status).toBe(200);
      expect((await post(limited.origin, body)).status).toBe(200);
      const third = await post(limited.origin, body);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(third.json.code).toBe(0);
    } finally {
      await limited.stop();
    }
  }, 60_000);
});

describe('the old API under load', () => {
  it('answers 20 large jobs at once with results or 503, and keeps serving the page meanwhile', async () => {
    const app = await start({ maxJobs: 2, maxQueue: 2 });
    try {
      // 6 MP of noise: seconds of work each in WASM.
      const big = await noiseJpegBase64(3000, 2000);
      let finished = 0;
      const jobs = Array.from({ length: 20 }, (_, i) =>
        post(app.origin, { image_data: big, width: 100 + i }).then((answer) => {
          finished++;
          return answer;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const page = await fetch(`${app.origin}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>app</title>');
      expect(finished).toBeLessThan(20); // the page answered while images were still being made
      const answers = await Promise.all(jobs);
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 200 || s === 503), statuses.join(',')).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
      expect(statuses).toContain(503);
      for (const a of answers) {
        if (a.status === 503) expect(a.json).toEqual({ code: 0, message: expect.stringMatching(/busy/), image_data: null });
        else expect(a.json.code).toBe(1);
      }
      expect((await fetch(`${app.origin}/`)).status).toBe(200);
    } finally {
      await app.stop();
    }
  }, 120_000);
});

describe('with LEGACY_API off (the default)', () => {
  it('has no such route', async () => {
    expect(legacyConfigFromEnv({}).enabled).toBe(false);
    const proxy = proxyConfig();
    const app = createApp({ distDir: distFolder(), proxy });
    const res = await app.request('/generate_thumbnail', { method: 'POST', body: JSON.stringify({ image_data: 'aGVsbG8=' }) });
    expect(res.status).toBe(404);
    expect(() => legacyConfigFromEnv({ LEGACY_API: 'yes' })).toThrow(/LEGACY_API/);
    expect(() => legacyConfigFromEnv({ LEGACY_API: '1', LEGACY_MAX_JOBS: '0' })).toThrow(/LEGACY_MAX_JOBS/);
  });
});

describe('the answer cache', () => {
  it('keeps the most recently used answers within its size', () => {
    const cache = new AnswerCache(10);
    cache.set('a', 'xxxx');
    cache.set('b', 'yyyy');
    expect(cache.get('a')).toBe('xxxx'); // a is now the most recent
    cache.set('c', 'zzzz'); // 12 > 10: b, the least recent, goes
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('xxxx');
    expect(cache.get('c')).toBe('zzzz');
    cache.set('huge', 'x'.repeat(11));
    expect(cache.get('huge')).toBeUndefined();
  });
});

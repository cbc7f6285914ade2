import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { normaliseOptions } from '../../../src/core/options';
import { NodeThumbnailPool, PoolBusy } from '../../../src/node/pool';
import { damagedPng } from '../../support/damaged-png';

// The Node pool on real worker threads and real WASM codecs.

const options = [normaliseOptions({ width: 64, height: 64 })];
const validPng = readFileSync(new URL('../../fixtures/alpha.png', import.meta.url));

describe('the Node worker pool', () => {
  const pool = new NodeThumbnailPool({ size: 2 });
  afterAll(() => pool.close());

  it('replaces a thread after every failed decode, so leaking decoders cannot wear the process out', async () => {
    const bad = damagedPng();
    const failures = 60;
    await pool.run(new Uint8Array(validPng), options); // threads started, codecs loaded
    const rssBefore = process.memoryUsage().rss;
    const recycledBefore = pool.recycled;
    let next = 0;
    const codes = new Set<string>();
    await Promise.all(
      [0, 1].map(async () => {
        while (next++ < failures) {
          const result = await pool.run(new Uint8Array(bad), options);
          codes.add(result.ok ? 'ok' : result.error.code);
        }
      }),
    );
    expect([...codes]).toEqual(['corrupt']);
    expect(pool.recycled - recycledBefore).toBe(failures);
    // Each failure leaves ~3.9 MB in its decoder's memory: 60 of them in kept threads
    // would add ~230 MB. Replaced threads give it back.
    const grewMB = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(grewMB).toBeLessThan(120);
    const after = await pool.run(new Uint8Array(validPng), options);
    expect(after.ok && after.thumbnails[0]!.width).toBe(32);

    // Refused from the header alone, no decoder ran: the thread is kept.
    const recycled = pool.recycled;
    const text = await pool.run(new TextEncoder().encode('Just some text, not a picture.'), options);
    const tooBig = await pool.run(new Uint8Array(bad), [normaliseOptions({ maxPixels: 1000 })]);
    expect([text.ok || text.error.code, tooBig.ok || tooBig.error.code]).toEqual(['unsupported-format', 'too-large']);
    expect(pool.recycled).toBe(recycled);
  }, 120_000);

  it('replaces a thread after a large image too, and not after a small one', async () => {
    const small = new NodeThumbnailPool({ size: 1, recycleAfterPixels: 1025 });
    try {
      await small.run(new Uint8Array(validPng), options); // 32×32 = 1024 pixels: kept
      expect(small.recycled).toBe(0);
      const landscape = readFileSync(new URL('../../fixtures/landscape.jpg', import.meta.url));
      const result = await small.run(new Uint8Array(landscape), options);
      expect(result.ok).toBe(true);
      expect(small.recycled).toBe(1);
      expect((await small.run(new Uint8Array(validPng), options)).ok).toBe(true);
    } finally {
      await small.close();
    }
  }, 60_000);

  it('refuses at once when every thread is busy and the queue is full', async () => {
    const tight = new NodeThumbnailPool({ size: 1, maxQueue: 1 });
    try {
      const landscape = readFileSync(new URL('../../fixtures/landscape.jpg', import.meta.url));
      const first = tight.run(new Uint8Array(landscape), options);
      const second = tight.run(new Uint8Array(landscape), options);
      await expect(tight.run(new Uint8Array(landscape), options)).rejects.toBeInstanceOf(PoolBusy);
      expect((await first).ok && (await second).ok).toBe(true);
    } finally {
      await tight.close();
    }
  }, 60_000);

  it('stops a job over its time limit and carries on with a fresh thread', async () => {
    const slow = new NodeThumbnailPool({ size: 1, jobTimeoutMs: 1 });
    try {
      const landscape = readFileSync(new URL('../../fixtures/landscape.jpg', import.meta.url));
      await slow.warm();
      const result = await slow.run(new Uint8Array(landscape), options);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ code: 'worker-failed', message: expect.stringContaining('not done within') });
    } finally {
      await slow.close();
    }
  }, 60_000);
});

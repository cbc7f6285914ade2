import { describe, expect, it } from 'vitest';
import { sha256Hex, thumbnailCacheKey } from '../../src/core/cache-key';
import { planEviction } from '../../src/core/eviction';
import { DEFAULT_OPTIONS } from '../../src/core/options';

describe('thumbnailCacheKey', () => {
  it('hashes content with SHA-256', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex(new Uint8Array([0x61, 0x62, 0x63]))).toBe(await sha256Hex('abc'));
  });

  it('gives one key for equal options in a different order, spelling or with defaults spelled out', async () => {
    const h = await sha256Hex('image bytes');
    const a = await thumbnailCacheKey(h, { width: 100, height: 80, fit: 'cover', format: 'jpeg', quality: 70 });
    const b = await thumbnailCacheKey(h, { quality: 70, format: 'jpg' as never, fit: 'COVER' as never, height: 80, width: 100 });
    const c = await thumbnailCacheKey(h, { ...DEFAULT_OPTIONS, width: 100, height: 80, fit: 'cover', format: 'jpeg', quality: 70 });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('gives another key for any real difference of options or content', async () => {
    const h = await sha256Hex('image bytes');
    const base = await thumbnailCacheKey(h, {});
    const changes = [{ width: 255 }, { height: 255 }, { fit: 'fill' as const }, { format: 'webp' as const }, { quality: 79 }, { background: '#000000' }, { allowEnlarge: true }, { maxPixels: 10 }];
    const keys = await Promise.all(changes.map((c) => thumbnailCacheKey(h, c)));
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await thumbnailCacheKey(await sha256Hex('other bytes'), {})).not.toBe(base);
    // The decode route (ours, or the browser's JPEG decoder) is part of the key too.
    expect(await thumbnailCacheKey(h, {}, 'browser')).not.toBe(await thumbnailCacheKey(h, {}, 'core'));
  });
});

describe('planEviction', () => {
  const entries = [
    { key: 'a', size: 40, lastUsed: 3 },
    { key: 'b', size: 30, lastUsed: 1 },
    { key: 'c', size: 30, lastUsed: 2 },
  ];
  it('evicts nothing within the budget', () => {
    expect(planEviction(entries, 100)).toEqual([]);
  });
  it('evicts least recently used first until the incoming entry fits', () => {
    expect(planEviction(entries, 100, 20)).toEqual(['b']);
    expect(planEviction(entries, 100, 50)).toEqual(['b', 'c']);
    expect(planEviction(entries, 50)).toEqual(['b', 'c']);
  });
  it('evicts everything when even the incoming entry alone is too big', () => {
    expect(planEviction(entries, 10, 20)).toEqual(['b', 'c', 'a']);
  });
});

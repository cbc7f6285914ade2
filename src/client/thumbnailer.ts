import { sha256Hex, thumbnailCacheKey } from '../core/cache-key';
import { isThumbnailError, type ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult } from '../worker/protocol';
import { ContentHashMemo } from './hash-memo';
import { ThumbnailCache, type CachedThumbnail } from './thumbnail-cache';
import { DEFAULT_POOL_SIZE, WorkerPool } from './worker-pool';

/** One pool for the page, created on first use so the page loads without spawning workers. */
let pool: WorkerPool | undefined;

/**
 * `?decoder=core` forces our own WASM decoders everywhere: for comparing the two
 * routes (tests/e2e, bench) and for ruling the browser's decoder out when in doubt.
 */
const useBrowserDecoder = new URLSearchParams(globalThis.location?.search).get('decoder') !== 'core';
const decodeRoute = useBrowserDecoder ? 'browser' : 'core';

export function thumbnailPool(): WorkerPool {
  pool ??= new WorkerPool({
    size: DEFAULT_POOL_SIZE,
    jobTimeoutMs: 120_000,
    // 16 MP and up leaves hundreds of MB in the worker's WASM heap; start afresh.
    recycleAfterPixels: 16_000_000,
    useBrowserDecoder,
    createWorker: () =>
      new Worker(new URL('../worker/thumbnail.worker.ts', import.meta.url), { type: 'module', name: 'thumbnailer' }),
  });
  return pool;
}

/** The page's result cache (IndexedDB), and the memo of files' content hashes. */
export const thumbnailCache = new ThumbnailCache();
export const hashMemo = new ContentHashMemo();

/** Empties the result cache and the hash memo (the "Clear cache" button). */
export async function clearCaches(): Promise<void> {
  await Promise.all([thumbnailCache.clear(), hashMemo.clear()]);
}

/** The input of one item: how to read its bytes, and for files, an identity to remember its hash by. */
export interface ThumbnailInput {
  read: () => Promise<ArrayBuffer>;
  identity?: string;
}

export type ThumbnailOutcome =
  | (CachedThumbnail & {
      ok: true;
      /** Size of the input, when it was read (not on a hit by a remembered hash). */
      inputBytes?: number;
      /** From starting the item to having the thumbnail's bytes. */
      elapsedMs: number;
      cache: 'hit' | 'miss';
    })
  | { ok: false; error: ThumbnailErrorData };

/** Jobs with the same key already running: a duplicate inside a batch waits for the first. */
const inFlight = new Map<string, Promise<WorkerResult>>();

/**
 * What happens to one item, from its bytes to its thumbnail:
 * hash the bytes with the options into a cache key and answer from the cache when
 * it can (no worker at all; for an unchanged file not even a read, see hash-memo.ts),
 * else read the bytes (only now, so a batch of 100 files is not all in memory at
 * once) and make one worker call, whose result is stored for next time.
 */
export async function makeThumbnail(input: ThumbnailInput, options: ThumbnailOptions): Promise<ThumbnailOutcome> {
  const started = performance.now();
  await thumbnailCache.open();
  const cacheUsable = thumbnailCache.enabled && hasWebCrypto();
  if (input.identity && cacheUsable) {
    const knownHash = await hashMemo.get(input.identity);
    const cached = knownHash && (await thumbnailCache.get(await thumbnailCacheKey(knownHash, options, decodeRoute)));
    if (cached) return { ok: true, ...cached, elapsedMs: performance.now() - started, cache: 'hit' };
  }

  let bytes: ArrayBuffer;
  try {
    bytes = await input.read();
  } catch (e) {
    if (isThumbnailError(e)) return { ok: false, error: e.toData() };
    return { ok: false, error: { code: 'unreadable', message: `The file could not be read (${e instanceof Error ? e.message : String(e)}).` } };
  }

  const inputBytes = bytes.byteLength;
  if (!cacheUsable) {
    // No cache (IndexedDB refused, or no Web Crypto outside a secure context): just compute.
    const result = await thumbnailPool().run(bytes, options);
    return result.ok ? { ok: true, ...cachedForm(result), inputBytes, elapsedMs: performance.now() - started, cache: 'miss' } : { ok: false, error: result.error };
  }

  const contentHash = await sha256Hex(bytes);
  if (input.identity) void hashMemo.remember(input.identity, contentHash);
  const key = await thumbnailCacheKey(contentHash, options, decodeRoute);
  const cached = await thumbnailCache.get(key);
  if (cached) return { ok: true, ...cached, inputBytes, elapsedMs: performance.now() - started, cache: 'hit' };

  let work = inFlight.get(key);
  const first = !work;
  if (!work) {
    work = thumbnailPool().run(bytes, options);
    inFlight.set(key, work);
    // Stored in the background (the person sees the thumbnail without waiting for the
    // disk), and the key stays in flight until stored, so a duplicate arriving
    // meanwhile shares this result instead of computing it again.
    void work
      .then(async (r) => {
        if (r.ok) await thumbnailCache.put(key, cachedForm(r));
      })
      .finally(() => inFlight.delete(key));
  }
  const result = await work;
  if (!result.ok) return { ok: false, error: result.error };
  const thumbnail = cachedForm(result);
  // A duplicate that waited for the first's result was not computed again: a hit.
  return { ok: true, ...thumbnail, inputBytes, elapsedMs: performance.now() - started, cache: first ? 'miss' : 'hit' };
}

function cachedForm(r: Extract<WorkerResult, { ok: true }>): CachedThumbnail {
  return {
    bytes: r.bytes,
    mimeType: r.mimeType,
    extension: r.extension,
    width: r.width,
    height: r.height,
    sourceWidth: r.source.width,
    sourceHeight: r.source.height,
  };
}

/** crypto.subtle exists only in secure contexts (https, localhost); plain http on a LAN has none. */
function hasWebCrypto(): boolean {
  return Boolean(globalThis.crypto?.subtle);
}

import { sha256Hex, thumbnailCacheKey } from '../core/cache-key';
import { isThumbnailError, type ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult } from '../worker/protocol';
import { ThumbnailCache, type CachedThumbnail } from './thumbnail-cache';
import { DEFAULT_POOL_SIZE, WorkerPool } from './worker-pool';

/** One pool for the page, created on first use so the page loads without spawning workers. */
let pool: WorkerPool | undefined;

export function thumbnailPool(): WorkerPool {
  pool ??= new WorkerPool({
    size: DEFAULT_POOL_SIZE,
    jobTimeoutMs: 120_000,
    // 16 MP and up leaves hundreds of MB in the worker's WASM heap; start afresh.
    recycleAfterPixels: 16_000_000,
    createWorker: () =>
      new Worker(new URL('../worker/thumbnail.worker.ts', import.meta.url), { type: 'module', name: 'thumbnailer' }),
  });
  return pool;
}

/** The page's result cache (IndexedDB). */
export const thumbnailCache = new ThumbnailCache();

export type ThumbnailOutcome =
  | {
      ok: true;
      bytes: ArrayBuffer;
      mimeType: string;
      extension: string;
      width: number;
      height: number;
      sourceWidth: number;
      sourceHeight: number;
      /** From reading the input to having the thumbnail's bytes. */
      elapsedMs: number;
      cache: 'hit' | 'miss';
    }
  | { ok: false; error: ThumbnailErrorData };

/** Jobs with the same key already running: a duplicate inside a batch waits for the first. */
const inFlight = new Map<string, Promise<WorkerResult>>();

/**
 * What happens to one item, from its bytes to its thumbnail:
 * read the bytes (only now, so a batch of 100 files is not all in memory at once),
 * hash them with the options into a cache key, answer from the cache when it can
 * (no worker at all), else one worker call whose result is stored for next time.
 */
export async function makeThumbnail(readBytes: () => Promise<ArrayBuffer>, options: ThumbnailOptions): Promise<ThumbnailOutcome> {
  const started = performance.now();
  let bytes: ArrayBuffer;
  try {
    bytes = await readBytes();
  } catch (e) {
    if (isThumbnailError(e)) return { ok: false, error: e.toData() };
    return { ok: false, error: { code: 'unreadable', message: `The file could not be read (${e instanceof Error ? e.message : String(e)}).` } };
  }

  const key = await thumbnailCacheKey(await sha256Hex(bytes), options);
  const cached = await thumbnailCache.get(key);
  if (cached) return { ok: true, ...cached, elapsedMs: performance.now() - started, cache: 'hit' };

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
  return { ok: true, ...thumbnail, elapsedMs: performance.now() - started, cache: first ? 'miss' : 'hit' };
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

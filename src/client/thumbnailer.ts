import { sha256Hex, thumbnailCacheKey } from '../core/cache-key';
import { decodeRouteKey, parseDecodeRoute } from '../core/decode-route';
import { isThumbnailError, type ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult, WorkerThumbnail } from '../worker/protocol';
import { ContentHashMemo } from './hash-memo';
import { ThumbnailCache, type CachedThumbnail } from './thumbnail-cache';
import { CANCELLED, DEFAULT_POOL_SIZE, WorkerPool } from './worker-pool';

/** One pool for the page, created on first use so the page loads without spawning workers. */
let pool: WorkerPool | undefined;

const pageParams = new URLSearchParams(globalThis.location?.search);
/**
 * `?decoder=core` forces our own WASM decoders everywhere, `?decoder=webcodecs` or
 * `bitmap` puts that browser decoder first: for comparing routes (tests/e2e, bench)
 * and for ruling the browser's decoders out when in doubt. Otherwise 'auto'.
 */
const decodeRoute = parseDecodeRoute(pageParams.get('decoder'));
const routeKey = decodeRouteKey(decodeRoute);
/** `?workers=N` sizes the pool (the benchmark's 1-worker throughput); otherwise one per core. */
const poolSize = Math.max(1, Math.min(16, Number(pageParams.get('workers')) || DEFAULT_POOL_SIZE));

export function thumbnailPool(): WorkerPool {
  pool ??= new WorkerPool({
    size: poolSize,
    jobTimeoutMs: 120_000,
    // 16 MP and up leaves hundreds of MB in the worker's WASM heap; start afresh.
    recycleAfterPixels: 16_000_000,
    decodeRoute,
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

/**
 * The input of one item: how to read its bytes (honouring the signal: Cancel stops
 * a download), for files an identity to remember its hash by, and for an item
 * restored after a reload, the content hash it had (its bytes are gone, but the
 * cache may still answer for them).
 */
export interface ThumbnailInput {
  read: (signal?: AbortSignal) => Promise<ArrayBuffer>;
  identity?: string;
  contentHash?: string;
}

/** One thumbnail of an item, with the cache key it is stored under (kept across reloads). */
export type MadeThumbnail = CachedThumbnail & { cacheKey?: string };

export type ThumbnailOutcome =
  | {
      ok: true;
      /** One per options asked for, in the same order. */
      thumbnails: MadeThumbnail[];
      /** SHA-256 of the input, when it could be computed. */
      contentHash?: string;
      /** Size of the input, when it was read (not on a hit by a remembered hash). */
      inputBytes?: number;
      /** From starting the item to having the thumbnails' bytes. */
      elapsedMs: number;
      /** 'hit' when no worker was needed: every thumbnail came from the cache. */
      cache: 'hit' | 'miss';
      /** The worker's time per stage for the first thumbnail made (not on a hit); the benchmark reads it. */
      stagesMs?: WorkerThumbnail['stagesMs'];
      /**
       * Settles once the thumbnails are in the cache (at once when they came from it or
       * there is none): a saved list must not point at thumbnails a reload cannot find.
       */
      stored: Promise<void>;
    }
  | { ok: false; error: ThumbnailErrorData };

/** Jobs with the same keys already running, and their storing: a duplicate inside a batch waits for the first. */
const inFlight = new Map<string, { work: Promise<WorkerResult>; stored: Promise<void> }>();
const NOTHING_TO_STORE = Promise.resolve();

/**
 * What happens to one item, from its bytes to its thumbnails (one per options: a
 * size set gives several): hash the bytes with each options into a cache key and
 * answer from the cache when it can (no worker at all; for an unchanged file not
 * even a read, see hash-memo.ts), else read the bytes (only now, so a batch of 100
 * files is not all in memory at once) and make one worker call for the thumbnails
 * the cache lacks, which are stored for next time.
 */
export async function makeThumbnails(input: ThumbnailInput, options: ThumbnailOptions[], signal?: AbortSignal): Promise<ThumbnailOutcome> {
  const started = performance.now();
  const done = (
    thumbnails: MadeThumbnail[],
    cache: 'hit' | 'miss',
    extra: { contentHash?: string; inputBytes?: number; stagesMs?: WorkerThumbnail['stagesMs']; stored?: Promise<void> },
  ): ThumbnailOutcome => ({
    ok: true,
    thumbnails,
    cache,
    elapsedMs: performance.now() - started,
    stored: NOTHING_TO_STORE,
    ...extra,
  });
  await thumbnailCache.open();
  const cacheUsable = thumbnailCache.enabled && hasWebCrypto();
  const knownHash = input.contentHash ?? (input.identity && cacheUsable ? await hashMemo.get(input.identity) : undefined);
  if (knownHash && cacheUsable) {
    const cached = await fromCache(knownHash, options);
    if (cached.every(Boolean)) return done(cached as MadeThumbnail[], 'hit', { contentHash: knownHash });
  }
  if (signal?.aborted) return { ok: false, error: { ...CANCELLED } };

  let bytes: ArrayBuffer;
  try {
    bytes = await input.read(signal);
  } catch (e) {
    if (signal?.aborted) return { ok: false, error: { ...CANCELLED } };
    if (isThumbnailError(e)) return { ok: false, error: e.toData() };
    return { ok: false, error: { code: 'unreadable', message: 'This file could not be read: it may have been moved, deleted or changed.', detail: e instanceof Error ? e.message : String(e) } };
  }

  const inputBytes = bytes.byteLength;
  if (!cacheUsable) {
    // No cache (IndexedDB refused, or no Web Crypto outside a secure context): just compute.
    const result = await thumbnailPool().run(bytes, options, signal);
    return result.ok ? done(result.thumbnails.map(cachedForm), 'miss', { inputBytes, stagesMs: result.thumbnails[0]?.stagesMs }) : { ok: false, error: result.error };
  }

  const contentHash = await sha256Hex(bytes);
  if (input.identity) void hashMemo.remember(input.identity, contentHash);
  const keys = await Promise.all(options.map((o) => thumbnailCacheKey(contentHash, o, routeKey)));
  const found = await fromCache(contentHash, options, keys);
  const missing = options.flatMap((o, i) => (found[i] ? [] : [i]));
  if (missing.length === 0) return done(found as MadeThumbnail[], 'hit', { contentHash, inputBytes });

  const missingKeys = missing.map((i) => keys[i]!);
  const result = await computeShared(bytes, missing.map((i) => options[i]!), missingKeys, signal);
  if (!result.ok) return { ok: false, error: result.error };
  const thumbnails = found.slice();
  missing.forEach((i, n) => (thumbnails[i] = { ...cachedForm(result.thumbnails[n]!), cacheKey: keys[i] }));
  return done(thumbnails as MadeThumbnail[], result.shared ? 'hit' : 'miss', { contentHash, inputBytes, stagesMs: result.thumbnails[0]?.stagesMs, stored: result.stored });
}

/** The cached thumbnail for each options, or undefined where the cache has none. */
async function fromCache(contentHash: string, options: ThumbnailOptions[], keys?: string[]): Promise<(MadeThumbnail | undefined)[]> {
  return Promise.all(
    options.map(async (o, i) => {
      const cacheKey = keys?.[i] ?? (await thumbnailCacheKey(contentHash, o, routeKey));
      const hit = await thumbnailCache.get(cacheKey);
      return hit && { ...hit, cacheKey };
    }),
  );
}

/**
 * One worker call for these keys, shared with any duplicate that asks while it
 * runs (and until it is stored). `shared` tells a duplicate that waited for the
 * first's result: it was not computed again, so it counts as a hit. A duplicate
 * whose first was cancelled computes for itself.
 */
async function computeShared(
  bytes: ArrayBuffer,
  options: ThumbnailOptions[],
  keys: string[],
  signal: AbortSignal | undefined,
): Promise<WorkerResult & { shared?: boolean; stored: Promise<void> }> {
  const flightKey = keys.join('|');
  const running = inFlight.get(flightKey);
  if (running) {
    const shared = await untilAborted(running.work, signal);
    if (!shared) return { ok: false, error: { ...CANCELLED }, stored: NOTHING_TO_STORE };
    if (shared.ok || shared.error.code !== 'cancelled') return { ...shared, shared: true, stored: running.stored };
  }
  const work = thumbnailPool().run(bytes, options, signal);
  // Stored in the background (the person sees the thumbnail without waiting for the
  // disk); the key stays in flight until stored, so a duplicate arriving meanwhile
  // shares this result instead of computing it again.
  const stored = work
    .then(async (r) => {
      if (r.ok) await Promise.all(r.thumbnails.map((t, i) => thumbnailCache.put(keys[i]!, cachedForm(t))));
    })
    .catch(() => {}) // an entry that could not be stored is simply not in the cache
    .finally(() => {
      if (inFlight.get(flightKey)?.work === work) inFlight.delete(flightKey);
    });
  inFlight.set(flightKey, { work, stored });
  return { ...(await work), stored };
}

/** The promise's value, or undefined as soon as the signal aborts (a cancelled duplicate stops waiting). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function cachedForm({ peakPixels: _peak, stagesMs: _stages, ...thumbnail }: WorkerThumbnail): CachedThumbnail {
  return thumbnail;
}

/** crypto.subtle exists only in secure contexts (https, localhost); plain http on a LAN has none. */
function hasWebCrypto(): boolean {
  return Boolean(globalThis.crypto?.subtle);
}

import { isThumbnailError } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { WorkerResult } from '../worker/protocol';
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

/**
 * What happens to one item, from its bytes to its thumbnail:
 * read the bytes (only now, so a batch of 100 files is not all in memory at once),
 * then one worker call.
 */
export async function makeThumbnail(readBytes: () => Promise<ArrayBuffer>, options: ThumbnailOptions): Promise<WorkerResult> {
  let bytes: ArrayBuffer;
  try {
    bytes = await readBytes();
  } catch (e) {
    if (isThumbnailError(e)) return { ok: false, error: e.toData() };
    return { ok: false, error: { code: 'unreadable', message: `The file could not be read (${e instanceof Error ? e.message : String(e)}).` } };
  }
  return thumbnailPool().run(bytes, options);
}

import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { Thumbnail } from '../core/pipeline';

/**
 * What one worker call returns: the pipeline's Thumbnail with its bytes as a
 * transferable ArrayBuffer. Errors come back as data: structured clone drops
 * Error subclasses.
 */
export type WorkerResult =
  | (Omit<Thumbnail, 'bytes' | 'format'> & {
      ok: true;
      /** Transferred, not copied. */
      bytes: ArrayBuffer;
      /** Milliseconds spent inside the worker. */
      elapsedMs: number;
    })
  | { ok: false; error: ThumbnailErrorData };

export interface ThumbnailWorkerApi {
  /** useBrowserDecoder: let the browser decode and shrink JPEGs (worker/browser-decoder.ts). */
  process(bytes: ArrayBuffer, options: ThumbnailOptions, useBrowserDecoder: boolean): Promise<WorkerResult>;
}

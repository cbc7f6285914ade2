import type { DecodeRoute } from '../core/decode-route';
import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { Thumbnail } from '../core/pipeline';

/** One thumbnail as it leaves the worker: the pipeline's Thumbnail with its bytes as a transferable ArrayBuffer. */
export type WorkerThumbnail = Omit<Thumbnail, 'bytes' | 'format'> & {
  /** Transferred, not copied. */
  bytes: ArrayBuffer;
};

/**
 * What one worker call returns: one thumbnail per options asked for (a size set
 * gives several), or the error that stopped them all. Errors come back as data:
 * structured clone drops Error subclasses.
 */
export type WorkerResult =
  | {
      ok: true;
      thumbnails: WorkerThumbnail[];
      /** Milliseconds spent inside the worker. */
      elapsedMs: number;
    }
  | { ok: false; error: ThumbnailErrorData };

export interface ThumbnailWorkerApi {
  /** Answers once the worker's script has run: the pool starts the next worker after it. */
  ready(): boolean;
  /** route: which decoders may be used, in which order (core/decode-route.ts). */
  process(bytes: ArrayBuffer, options: ThumbnailOptions[], route: DecodeRoute): Promise<WorkerResult>;
}

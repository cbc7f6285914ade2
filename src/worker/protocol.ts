import type { ThumbnailErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import type { SourceInfo } from '../core/pipeline';

/** What one worker call returns. Errors come back as data: structured clone drops Error subclasses. */
export type WorkerResult =
  | {
      ok: true;
      /** Transferred, not copied. */
      bytes: ArrayBuffer;
      mimeType: string;
      extension: string;
      width: number;
      height: number;
      source: SourceInfo;
      /** The most pixels this worker's memory held for the image (recycling decisions). */
      peakPixels: number;
      /** Milliseconds spent inside the worker. */
      elapsedMs: number;
    }
  | { ok: false; error: ThumbnailErrorData; source?: SourceInfo };

export interface ThumbnailWorkerApi {
  /** useBrowserDecoder: let the browser decode and shrink JPEGs (worker/browser-decoder.ts). */
  process(bytes: ArrayBuffer, options: ThumbnailOptions, useBrowserDecoder: boolean): Promise<WorkerResult>;
}

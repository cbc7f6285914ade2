/// <reference lib="webworker" />
/**
 * The worker entry: the core pipeline behind Comlink, nothing more.
 * Input bytes arrive transferred; output bytes leave transferred.
 */
import * as Comlink from 'comlink';
import { toArrayBuffer } from '../core/codecs/codec';
import { toErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import { generateThumbnails } from '../core/pipeline';
import { browserScaledDecoder } from './browser-decoder';
import type { ThumbnailWorkerApi, WorkerResult, WorkerThumbnail } from './protocol';

const api: ThumbnailWorkerApi = {
  async process(bytes: ArrayBuffer, options: ThumbnailOptions[], useBrowserDecoder: boolean): Promise<WorkerResult> {
    const started = performance.now();
    try {
      const hooks = useBrowserDecoder ? { scaledDecoder: browserScaledDecoder } : {};
      const made = await generateThumbnails(new Uint8Array(bytes), options, hooks);
      // The encoders may return a view into a larger buffer; transfer only the thumbnail's bytes.
      const thumbnails: WorkerThumbnail[] = made.map(({ bytes: encoded, format: _format, ...rest }) => ({ ...rest, bytes: toArrayBuffer(encoded) }));
      const result: WorkerResult = { ok: true, thumbnails, elapsedMs: performance.now() - started };
      return Comlink.transfer(result, thumbnails.map((t) => t.bytes));
    } catch (e) {
      return { ok: false, error: toErrorData(e) };
    }
  },
};

Comlink.expose(api);

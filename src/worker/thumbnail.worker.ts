/// <reference lib="webworker" />
/**
 * The worker entry: the core pipeline behind Comlink, nothing more.
 * Input bytes arrive transferred; output bytes leave transferred.
 */
import * as Comlink from 'comlink';
import { toArrayBuffer } from '../core/codecs/codec';
import { toErrorData } from '../core/errors';
import type { ThumbnailOptions } from '../core/options';
import { generateThumbnail } from '../core/pipeline';
import { browserScaledDecoder } from './browser-decoder';
import type { ThumbnailWorkerApi, WorkerResult } from './protocol';

const api: ThumbnailWorkerApi = {
  async process(bytes: ArrayBuffer, options: ThumbnailOptions, useBrowserDecoder: boolean): Promise<WorkerResult> {
    const started = performance.now();
    try {
      const hooks = useBrowserDecoder ? { scaledDecoder: browserScaledDecoder } : {};
      const thumb = await generateThumbnail(new Uint8Array(bytes), options, hooks);
      // The encoders may return a view into a larger buffer; transfer only the thumbnail's bytes.
      const out = toArrayBuffer(thumb.bytes);
      const result: WorkerResult = {
        ok: true,
        bytes: out,
        mimeType: thumb.mimeType,
        extension: thumb.extension,
        width: thumb.width,
        height: thumb.height,
        source: thumb.source,
        peakPixels: thumb.peakPixels,
        elapsedMs: performance.now() - started,
      };
      return Comlink.transfer(result, [out]);
    } catch (e) {
      return { ok: false, error: toErrorData(e) };
    }
  },
};

Comlink.expose(api);

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
import type { ImageFormat } from '../core/codecs/registry';
import { decodersFor, type DecodeRoute } from '../core/decode-route';
import type { HostDecoder } from '../core/pipeline';
import { bitmapDecoder } from './decoders/bitmap';
import { webCodecsDecoder } from './decoders/webcodecs';
import type { ThumbnailWorkerApi, WorkerResult, WorkerThumbnail } from './protocol';

const hostDecoders: Record<HostDecoder['name'], HostDecoder> = { webcodecs: webCodecsDecoder, bitmap: bitmapDecoder };

const api: ThumbnailWorkerApi = {
  ready: () => true,
  async process(bytes: ArrayBuffer, options: ThumbnailOptions[], route: DecodeRoute): Promise<WorkerResult> {
    const started = performance.now();
    try {
      const decoderChain = (format: ImageFormat) => decodersFor(route, format).map((name) => (name === 'core' ? name : hostDecoders[name]));
      const made = await generateThumbnails(new Uint8Array(bytes), options, { decoderChain });
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

import { CODECS, type ImageFormat } from './codecs/registry';

/**
 * Which decoders may make a thumbnail, as one value chosen when the worker pool is
 * made, passed to every worker job and folded into the cache key (decoders differ
 * a little in shrink filter and colour management, so one route's results never
 * answer for another's).
 *
 * - 'auto': per format, the decoders in the order `npm run bench` measured fastest
 *   for equal output (DECODER_ORDER below), each later one taking over when an
 *   earlier one declines or fails.
 * - 'core': our WASM decoders only (what Node runs; the baseline in the benchmark).
 * - 'webcodecs' / 'bitmap': that browser decoder first for every format it takes
 *   (webcodecs takes JPEG only), then ours: for tests and the benchmark, which must
 *   prove each route on its own.
 */
export const DECODE_ROUTES = ['auto', 'core', 'webcodecs', 'bitmap'] as const;
export type DecodeRoute = (typeof DECODE_ROUTES)[number];

/**
 * The decoders themselves.
 * - 'webcodecs': WebCodecs ImageDecoder asked for a reduced size, JPEG only; Chromium's
 *   JPEG decoder then scales in the DCT (1/8, 2/8, … of full size), so the full frame
 *   is never made (worker/decoders/webcodecs.ts).
 * - 'bitmap': createImageBitmap with resizeWidth/Height: a full native decode, then
 *   a native shrink; the full-size pixels never reach JavaScript (worker/decoders/bitmap.ts).
 * - 'core': our own WASM and TypeScript decoders (core/codecs/), the only ones in Node.
 */
export type DecoderName = 'webcodecs' | 'bitmap' | 'core';

/**
 * Per format, the decoders in the order `npm run bench` measured fastest for
 * equal output: each codec declares its own (Codec.decoders, with the figures
 * beside it). Bump DECODER_ORDER_VERSION whenever an order changes: it is part
 * of the cache key.
 */
export const DECODER_ORDER = Object.fromEntries(CODECS.map((c) => [c.format, c.decoders])) as Record<ImageFormat, readonly DecoderName[]>;
export const DECODER_ORDER_VERSION = 1;

/** The decoders to try for one file, in order; ours is always among them. */
export function decodersFor(route: DecodeRoute, format: ImageFormat): readonly DecoderName[] {
  switch (route) {
    case 'auto':
      return DECODER_ORDER[format];
    case 'core':
      return ['core'];
    default:
      return [route, 'core'];
  }
}

/** The route's part of the cache key. */
export function decodeRouteKey(route: DecodeRoute): string {
  return route === 'auto' ? `auto-${DECODER_ORDER_VERSION}` : route;
}

/** The route a page address asks for (`?decoder=core`), else 'auto'. */
export function parseDecodeRoute(value: string | null | undefined): DecodeRoute {
  return (DECODE_ROUTES as readonly string[]).includes(value ?? '') ? (value as DecodeRoute) : 'auto';
}

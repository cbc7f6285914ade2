import type { ImageFormat } from './codecs/formats';

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
 * Measured here (`npm run bench`, 2026-12-02, Chromium 150, 2 cores; the table is in README.md), as
 * added-to-shown time over the browser's canvas path:
 * - JPEG 12 MP: WebCodecs at a DCT scale 0.96x, createImageBitmap 1.91x, ours 3.98x (24 MP: 0.48, 1.60, 2.70).
 * - PNG with alpha: createImageBitmap 1.79x, ours 3.38x. WebP: 1.50x against 2.44x.
 *   The browser decodes these at full size whatever is asked (only JPEG has DCT scaling).
 * - BMP: ours and createImageBitmap alike (2.2x and 2.1x, within the noise); ours goes
 *   first because it passes bmpsuite. GIF: ours first for the same reason.
 * The browser's decoders refuse incomplete files in a worker (cut short, no IEND), so
 * ours, which shows what there is, still answers those.
 * Bump DECODER_ORDER_VERSION whenever this table changes: it is part of the cache key.
 */
export const DECODER_ORDER: Record<ImageFormat, readonly DecoderName[]> = {
  jpeg: ['webcodecs', 'bitmap', 'core'],
  png: ['bitmap', 'core'],
  webp: ['bitmap', 'core'],
  bmp: ['core', 'bitmap'],
  gif: ['core', 'bitmap'],
};
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

/// <reference lib="webworker" />
import { stripJpegExif } from '../core/exif';
import type { ScaledDecoder } from '../core/pipeline';

/**
 * The browser's own JPEG decoder as the pipeline's ScaledDecoder: createImageBitmap
 * decodes and shrinks in one native step to about twice the target, so the
 * full-size pixels never reach JavaScript or the worker's WASM memory (the
 * browser still decodes the full frame natively, as our decoder would).
 * `npm run bench` measured this route at 0.38-0.45x the time of WASM decode +
 * TypeScript pre-shrink here, as DESIGN.md §4 predicted.
 *
 * JPEG only: for PNG no route beat the others, and our own codecs handle GIF,
 * BMP and WebP consistently.
 *
 * Orientation: Chromium applies EXIF orientation in createImageBitmap even when
 * asked not to, and reads the tag a little differently from our probe (a
 * LONG-typed tag, a tag in the Exif sub-IFD). So the EXIF segments are cut out
 * first: the browser returns the stored orientation, and the pipeline rotates by
 * its own probe, exactly as on the core path.
 *
 * Colour: the browser applies an embedded ICC profile (colorSpaceConversion
 * 'default'), which our WASM decoder cannot; for Adobe RGB, P3 or CMYK-profiled
 * photos this route gives the truer colours. The decode route is part of the
 * cache key, so the two routes never answer for each other.
 *
 * Any failure (a corrupt file, say) returns null, and the core path runs and
 * reports a typed error. A browser that ignores the resize options would return
 * a full-size bitmap; after one such answer this worker stops asking.
 */
let ignoresResize = false;

export const browserScaledDecoder: ScaledDecoder = async (bytes, format, size) => {
  if (ignoresResize || format !== 'jpeg' || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  let bitmap: ImageBitmap | undefined;
  try {
    bitmap = await createImageBitmap(new Blob([stripJpegExif(bytes) as BlobPart], { type: 'image/jpeg' }), {
      imageOrientation: 'from-image', // nothing left to apply: the tag was cut out above
      resizeWidth: size.width,
      resizeHeight: size.height,
      // 'medium' and 'high' gave identical bytes; 'low' aliases badly (DESIGN.md §4).
      resizeQuality: 'medium',
    });
    if (bitmap.width !== size.width || bitmap.height !== size.height) {
      ignoresResize = true;
      return null;
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) return null;
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width: bitmap.width, height: bitmap.height, data };
  } catch {
    return null;
  } finally {
    bitmap?.close();
  }
};

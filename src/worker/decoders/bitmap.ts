/// <reference lib="webworker" />
import { codecFor } from '../../core/codecs/registry';
import { stripJpegExif } from '../../core/exif';
import type { HostDecoder } from '../../core/pipeline';

/**
 * The browser's createImageBitmap as a host decoder: it decodes and shrinks in one
 * native step to the ideal working size (about twice the target), so the full-size
 * pixels never reach JavaScript or the worker's WASM memory. The browser still
 * decodes the full frame (Chromium passes no desired size to its decoder here);
 * only worker/decoders/webcodecs.ts decodes at reduced scale.
 *
 * Orientation: Chromium applies EXIF orientation in createImageBitmap even when
 * asked not to, and reads the tag a little differently from our probe (a
 * LONG-typed tag, a tag in the Exif sub-IFD). So for JPEG the EXIF segments are
 * cut out first: the browser returns the stored orientation, and the pipeline
 * rotates by its own probe, exactly as on the core path. A PNG or WebP whose probe
 * found an orientation is declined rather than trusted to the browser's reading.
 *
 * Colour: the browser applies an embedded ICC profile (colorSpaceConversion
 * 'default'), which our WASM decoders cannot; for Adobe RGB, P3 or CMYK-profiled
 * photos this route gives the truer colours.
 *
 * Alpha: premultiplied, which is also the right space to shrink in (no colour
 * bleeding out of transparent pixels). Firefox 153 gets alpha wrong when asked to
 * shrink an unpremultiplied bitmap ('none': uniform alpha 128 came back as 200, and
 * fully transparent pixels turned opaque), while all three engines agree once it is
 * premultiplied. The canvas the pixels are read back through keeps them
 * premultiplied anyway, so colour under nearly transparent pixels loses the same
 * precision as on the browser's own canvas path; opaque pixels come back exact.
 *
 * Any failure (a corrupt file, say) returns null and the next decoder runs. A
 * browser that ignores the resize options would return a full-size bitmap; after
 * one such answer this worker stops asking.
 */
let ignoresResize = false;

export const bitmapDecoder: HostDecoder = {
  name: 'bitmap',
  async decode(bytes, format, request) {
    if (ignoresResize || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
    if (format !== 'jpeg' && request.orientation !== 1) return null;
    const { ideal, full } = request;
    const shrinking = ideal.width !== full.width || ideal.height !== full.height;
    let bitmap: ImageBitmap | undefined;
    try {
      const blob = new Blob([(format === 'jpeg' ? stripJpegExif(bytes) : bytes) as BlobPart], { type: codecFor(format).mimeType });
      bitmap = await createImageBitmap(blob, {
        imageOrientation: 'from-image', // nothing left to apply: the tag was cut out above
        premultiplyAlpha: 'premultiply',
        // 'medium' and 'high' gave identical bytes; 'low' aliases badly (DESIGN.md §4).
        ...(shrinking ? { resizeWidth: ideal.width, resizeHeight: ideal.height, resizeQuality: 'medium' as const } : {}),
      });
      if (bitmap.width !== ideal.width || bitmap.height !== ideal.height) {
        if (shrinking && bitmap.width === full.width) ignoresResize = true;
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
  },
};

/// <reference lib="webworker" />
import type { ScaledDecoder } from '../core/pipeline';

/**
 * The browser's own JPEG decoder as the pipeline's ScaledDecoder: createImageBitmap
 * decodes and shrinks in one native step to about twice the target, so neither the
 * full-size pixels nor their read-back ever reach JavaScript. DESIGN.md §4 measured
 * this route at ~1.1-1.3x the plain canvas path, against ~2.3x for decoding in WASM
 * and shrinking in TypeScript; `npm run bench` compares the two here.
 *
 * JPEG only: for PNG no route beat the others, and our own codecs handle GIF, BMP
 * and WebP consistently. Chromium applies EXIF orientation in createImageBitmap
 * (even when asked not to), so the result comes back upright; the pipeline checks
 * that its size is the displayed size it asked for, else it declines this answer.
 * Any failure (a corrupt file, say) returns null, and the core path runs and
 * reports a typed error.
 */
export const browserScaledDecoder: ScaledDecoder = async (bytes, format, size) => {
  if (format !== 'jpeg' || typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return null;
  let bitmap: ImageBitmap | undefined;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as BlobPart], { type: 'image/jpeg' }), {
      imageOrientation: 'from-image',
      resizeWidth: size.width,
      resizeHeight: size.height,
      // 'medium' and 'high' gave identical bytes; 'low' aliases badly (DESIGN.md §4).
      resizeQuality: 'medium',
    });
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

/// <reference lib="webworker" />
import { codecFor } from '../../core/codecs/registry';
import { stripJpegExif } from '../../core/exif';
import type { DecodeRequest, HostDecoder } from '../../core/pipeline';

/**
 * WebCodecs' ImageDecoder as a host decoder. Its point is JPEG: asked for a
 * smaller `desiredWidth`/`desiredHeight`, Chromium's libjpeg-turbo decodes at a
 * DCT scale (1/8, 2/8, … 7/8 of full size), so the full frame is never made: a 12 MP
 * photo comes out at 504×378 in ~30 ms, where the full decode alone takes ~80
 * (`npm run bench`). Other formats it declines: it would decode them at full size
 * (nothing to gain over createImageBitmap, which shrinks natively), and Firefox 153
 * hands their alpha back premultiplied whatever is asked (200,100,50 at alpha 128
 * came back as 101,51,26), which no check of the answer can tell from a dark pixel.
 *
 * How Chromium picks the scale (measured, Chromium 156): the largest m/8 whose area
 * fits in the area asked for, never below 1/8 (asking for less fails outright). So
 * we ask for exactly the area of the smallest step that still gives the size we
 * want, and the pipeline checks what came back (size and aspect) anyway: the size
 * is only a hint (Firefox resamples to exactly the size given, aspect or not, and
 * the engines may change).
 *
 * Orientation: the engines disagree. Chromium's frame keeps the stored pixel order
 * and reports EXIF orientation only as metadata; Firefox 153 applies it to the
 * pixels (an orientation-2 photo came back mirrored twice), and then squeezes the
 * turned image into the stored-axes size asked for (an orientation-6 1800×1200
 * photo asked at 600×400 came back 600×400, rotated and squashed: no size check
 * can tell). So for JPEG the Exif segments are cut out first, as for
 * createImageBitmap: every engine then returns stored pixels and the pipeline
 * rotates by its own probe.
 *
 * Colour: colorSpaceConversion 'default' applies an embedded ICC profile, and
 * copyTo converts to sRGB RGBA.
 */

/**
 * The smallest DCT step we accept is the one giving at least SCALE_MARGIN times the
 * least size the resize step needs. libvips leaves lanczos3 "at least a factor of
 * two" after its shrink-on-load; 1 here (504×378 -> 256×192 for a 12 MP photo) gave
 * SSIM 0.970 against an exact lanczos3 reference in `npm run bench`, equal to
 * sharp's own 0.970, because the DCT step already averages like a box filter.
 */
const SCALE_MARGIN = 1;

const supported = new Map<string, Promise<boolean>>();
function isSupported(type: string): Promise<boolean> {
  if (typeof ImageDecoder !== 'function' || typeof VideoFrame !== 'function') return Promise.resolve(false);
  let known = supported.get(type);
  if (!known) supported.set(type, (known = ImageDecoder.isTypeSupported(type).catch(() => false)));
  return known;
}

/** The size to ask for: that of the smallest m/8 step at least SCALE_MARGIN × least on both axes; null when only full size will do. */
export function dctStepFor(request: DecodeRequest): { width: number; height: number } | null {
  const { full, least } = request;
  for (let m = 1; m < 8; m++) {
    const width = Math.ceil((full.width * m) / 8);
    const height = Math.ceil((full.height * m) / 8);
    if (width >= Math.min(full.width, least.width * SCALE_MARGIN) && height >= Math.min(full.height, least.height * SCALE_MARGIN)) return { width, height };
  }
  return null;
}

export const webCodecsDecoder: HostDecoder = {
  name: 'webcodecs',
  async decode(bytes, format, request) {
    if (format !== 'jpeg') return null;
    const type = codecFor('jpeg').mimeType;
    if (!(await isSupported(type))) return null;
    // A full-size decode through here is no faster than the others: leave it to them.
    const step = dctStepFor(request);
    if (!step) return null;
    let decoder: ImageDecoder | undefined;
    let frame: VideoFrame | undefined;
    try {
      decoder = new ImageDecoder({
        data: stripJpegExif(bytes),
        type,
        colorSpaceConversion: 'default',
        desiredWidth: step.width,
        desiredHeight: step.height,
      });
      const result = await decoder.decode({ frameIndex: 0, completeFramesOnly: true });
      frame = result.image;
      const rect = frame.visibleRect;
      const width = rect?.width ?? frame.codedWidth;
      const height = rect?.height ?? frame.codedHeight;
      const data = new Uint8ClampedArray(width * height * 4);
      const options: VideoFrameCopyToOptions = { format: 'RGBA', colorSpace: 'srgb' };
      if (frame.allocationSize(options) !== data.byteLength) return null; // padded rows: not the layout we read
      await frame.copyTo(data, options);
      return { width, height, data };
    } catch {
      return null;
    } finally {
      frame?.close();
      decoder?.close();
    }
  },
};

import type { Codec, ImageFormat, ImageInfo } from './codecs/codec';
import type { DecoderName } from './decode-route';
import { codecFor, sniffFormat } from './codecs/registry';
import { crop, flatten, placeOnCanvas } from './compose';
import { ThumbnailError } from './errors';
import { displayedSize, planGeometry, type GeometryPlan } from './geometry';
import { hasTransparency, type RawImage } from './image';
import { applyOrientation } from './orient';
import { normaliseOptions, parseHexColour, type ThumbnailOptions } from './options';
import { kernelResize, preshrink, preshrinkSize } from './resize';
import { smartCropRegion } from './smart-crop';
import { thumbHashOf } from './thumbhash';

export interface SourceInfo {
  format: ImageFormat;
  /** Displayed size (after EXIF orientation). */
  width: number;
  height: number;
  orientation: number;
}

export interface Thumbnail {
  bytes: Uint8Array;
  format: ImageFormat;
  mimeType: string;
  extension: string;
  width: number;
  height: number;
  /** Whether any output pixel is not fully opaque (the page shows a checkerboard only then). */
  hasAlpha: boolean;
  /**
   * The input itself, metadata removed, was handed back: it already fit, was in
   * the format asked for, and no re-encode came out smaller (keepOriginalWhenSmaller).
   */
  keptOriginal: boolean;
  /**
   * The input embeds a colour profile other than sRGB and the decoder that made
   * the pixels did not apply it (ours never do; the browser's do): colours may differ.
   */
  colourProfileIgnored: boolean;
  /** The thumbnail's ThumbHash (base64): a blurred placeholder for web pages. */
  thumbHash: string;
  source: SourceInfo;
  /**
   * Pixels held in this runtime's memory at once, at most: the full image when our
   * codecs decoded it, the shrunk one when a scaled decoder did. WASM memory never
   * shrinks, so a worker host recycles after large values.
   */
  peakPixels: number;
  /** Which decoder made the pixels (core/decode-route.ts). */
  decoder: DecoderName;
  /** Milliseconds per stage, for the benchmark: decode (to working scale, upright), resize (and compose), encode. */
  stagesMs: { decode: number; resize: number; encode: number };
}

/**
 * What a host decoder is asked for, in STORED axes (before EXIF orientation).
 * - `full`: the stored size from the header.
 * - `least`: the smallest image the resize step can work from (the target, or the
 *   crop's share of it, rounded up). Anything smaller is refused.
 * - `ideal`: about twice that (the pre-shrink size): what lanczos3 wants to start from.
 */
export interface DecodeRequest {
  full: { width: number; height: number };
  least: { width: number; height: number };
  ideal: { width: number; height: number };
  orientation: number;
}

/**
 * A faster decoder a host may offer (the browser's own, in a worker): it decodes,
 * and shrinks if it can, to somewhere between `least` and `full`, in STORED
 * orientation (the pipeline applies EXIF orientation itself, from its own probe, as
 * on the core path). It returns null to decline (a format it does not handle, or any
 * failure); then the next decoder in the chain runs. The pipeline checks what comes
 * back (size and aspect) and declines for the decoder if it is not what was asked.
 */
export interface HostDecoder {
  name: Exclude<DecoderName, 'core'>;
  decode(bytes: Uint8Array, format: ImageFormat, request: DecodeRequest): Promise<RawImage | null>;
}

export interface PipelineHooks {
  /**
   * The decoders to try for a format, in order; 'core' is ours. Without it, ours
   * alone. Ours is always tried, last if the chain leaves it out, so a file is only
   * called broken once every decoder has had its turn.
   */
  decoderChain?: (format: ImageFormat) => readonly (HostDecoder | 'core')[];
}

/**
 * Everything that happens to one image: bytes + options -> thumbnail bytes.
 * sniff -> probe (refuse over the pixel limit BEFORE decoding) -> decode ->
 * pre-shrink -> orient -> crop -> resize -> letterbox/flatten -> encode.
 * Throws ThumbnailError for anything the input or options make impossible.
 */
export async function generateThumbnail(
  bytes: Uint8Array,
  options: Partial<ThumbnailOptions> = {},
  hooks: PipelineHooks = {},
): Promise<Thumbnail> {
  return (await generateThumbnails(bytes, [options], hooks))[0]!;
}

/**
 * Several thumbnails of one image (a size set: 64, 128 and 256 for srcset), each
 * exactly what generateThumbnail gives for its options. The file is sniffed and
 * probed once, and decoded at most once for all of them: the decode is most of the
 * work, and no stage after it changes the decoded pixels.
 */
export async function generateThumbnails(
  bytes: Uint8Array,
  optionsList: readonly Partial<ThumbnailOptions>[],
  hooks: PipelineHooks = {},
): Promise<Thumbnail[]> {
  const all = optionsList.map((o) => normaliseOptions(o));
  // A Node Buffer is a Uint8Array whose slice() shares memory; everything after this assumes a plain view.
  if (bytes.constructor !== Uint8Array) bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codec = sniffFormat(bytes);
  const info = probeWithinLimit(codec, bytes, Math.min(...all.map((o) => o.maxPixels)));
  let decoded: Promise<RawImage> | undefined;
  const source: SourceImage = { bytes, codec, info, decodeOnce: () => (decoded ??= codec.decode(bytes)) };
  const thumbnails: Thumbnail[] = [];
  for (const opts of all) thumbnails.push(await oneThumbnail(source, opts, hooks));
  return thumbnails;
}

/** One input as every thumbnail of it shares it: sniffed and probed once, decoded by ours at most once. */
interface SourceImage {
  bytes: Uint8Array;
  codec: Codec<ImageFormat>;
  info: ImageInfo;
  decodeOnce: () => Promise<RawImage>;
}

async function oneThumbnail(source: SourceImage, opts: ThumbnailOptions, hooks: PipelineHooks): Promise<Thumbnail> {
  const { codec, info } = source;
  const started = performance.now();
  const { image: oriented, shown, plan, peakPixels, decoder } = await decodeForThumbnail(source, opts, hooks);
  const decoded = performance.now();

  // The crop was planned at full size; carry it to the working scale.
  const kx = oriented.width / shown.width;
  const ky = oriented.height / shown.height;
  let region = clampRegion(oriented, plan.source.x * kx, plan.source.y * ky, plan.source.width * kx, plan.source.height * ky);
  if (opts.fit === 'cover' && opts.focus === 'smart' && (region.width < oriented.width || region.height < oriented.height)) {
    // On the working image (about twice the thumbnail), so it costs a few ms, not a full-size analysis.
    const found = await smartCropRegion(oriented, region.width, region.height);
    region = clampRegion(oriented, found.x, found.y, region.width, region.height);
  }
  const resized = await kernelResize(crop(oriented, region.x, region.y, region.width, region.height), plan.resized.width, plan.resized.height, opts.method);

  const output = outputCodec(codec, opts, hasTransparency(resized));
  const background = parseHexColour(opts.background);
  let final: RawImage = resized;
  if (plan.canvas.width !== resized.width || plan.canvas.height !== resized.height) {
    final = placeOnCanvas(resized, plan.canvas.width, plan.canvas.height, plan.offset.x, plan.offset.y, background, output.keepsAlpha);
  } else if (!output.keepsAlpha && hasTransparency(resized)) {
    final = flatten(resized, background);
  }

  const resizedAt = performance.now();
  const encoded = await output.encode!(final, { quality: opts.quality, ...opts.encoderSettings });
  const original = canKeepOriginal(source, output, plan, shown) ? output.withoutMetadata!(source.bytes) : undefined;
  const keptOriginal = original !== undefined && original.length <= encoded.length;
  const stagesMs = { decode: decoded - started, resize: resizedAt - decoded, encode: performance.now() - resizedAt };
  return {
    bytes: keptOriginal ? original : encoded,
    format: output.format,
    mimeType: output.mimeType,
    extension: output.extension,
    width: final.width,
    height: final.height,
    hasAlpha: output.keepsAlpha && hasTransparency(final),
    keptOriginal,
    colourProfileIgnored: !keptOriginal && info.foreignColourProfile === true && decoder === 'core',
    thumbHash: thumbHashOf(final),
    source: { format: codec.format, width: shown.width, height: shown.height, orientation: info.orientation },
    peakPixels,
    decoder,
    stagesMs,
  };
}

/**
 * Whether the input itself could be the thumbnail: nothing to resize, crop, pad
 * or turn, the same format out as in, a whole file (not cut short), and a codec
 * that can hand it back without its metadata. Animated files are not kept: a
 * thumbnail is their first frame. The caller still compares sizes: the input is
 * kept only when a re-encode is no smaller.
 */
function canKeepOriginal(source: SourceImage, output: Codec<ImageFormat>, plan: GeometryPlan, shown: { width: number; height: number }): boolean {
  const { codec, info } = source;
  const untouched =
    plan.source.x === 0 &&
    plan.source.y === 0 &&
    plan.source.width === shown.width &&
    plan.source.height === shown.height &&
    plan.resized.width === shown.width &&
    plan.resized.height === shown.height &&
    plan.canvas.width === shown.width &&
    plan.canvas.height === shown.height;
  return untouched && output === codec && info.orientation === 1 && !info.cutShort && !info.animated && codec.withoutMetadata !== undefined;
}

/** Each decoder of the chain in turn until one gives a usable image; ours reports the error if none does. */
async function decodeForThumbnail(source: SourceImage, opts: ThumbnailOptions, hooks: PipelineHooks): Promise<WorkingSource> {
  // A cut-short file is ours alone: the browsers disagree on it (ImageInfo.cutShort).
  const chain: (HostDecoder | 'core')[] = source.info.cutShort ? ['core'] : [...(hooks.decoderChain?.(source.codec.format) ?? ['core'])];
  if (!chain.includes('core')) chain.push('core');
  let coreError: unknown;
  for (const step of chain) {
    if (step === 'core') {
      // The file's own smaller picture (a HEIC's thumbnail item), when it is large enough, spares the full decode.
      const reduced = source.codec.decodeAtLeast ? await viaHostDecoder(ownSmallerPicture(source.codec), source, opts, false) : null;
      if (reduced) return reduced;
      try {
        return await viaCodec(source, opts);
      } catch (e) {
        // A host decoder later in the chain may still read it (a damaged PNG browsers display).
        coreError = e;
        continue;
      }
    }
    // After ours has failed, a host decoder is worth running even with nothing to shrink.
    const made = await viaHostDecoder(step, source, opts, coreError !== undefined);
    if (made) return made;
  }
  throw coreError;
}

/** The image upright and at working scale (about twice the target), with its full-size plan. */
interface WorkingSource {
  image: RawImage;
  /** Full-size displayed dimensions. */
  shown: { width: number; height: number };
  plan: GeometryPlan;
  /** The most pixels decoded at once on the way (see Thumbnail.peakPixels). */
  peakPixels: number;
  decoder: DecoderName;
}

/**
 * The full-size plan for an image stored width×height, and the scale each STORED
 * axis must reach (for orientations 5-8 the stored axes are the displayed ones swapped).
 */
function planInStoredAxes(width: number, height: number, orientation: number, opts: ThumbnailOptions) {
  const shown = displayedSize(width, height, orientation);
  const plan = planGeometry(shown.width, shown.height, opts);
  const x = plan.resized.width / plan.source.width;
  const y = plan.resized.height / plan.source.height;
  return { shown, plan, scale: orientation >= 5 ? { x: y, y: x } : { x, y } };
}

/** The core path: full decode with our codecs, area pre-shrink in stored orientation, then orient. */
async function viaCodec({ decodeOnce, info }: SourceImage, opts: ThumbnailOptions): Promise<WorkingSource> {
  const decoded = await decodeOnce();
  const { shown, plan, scale } = planInStoredAxes(decoded.width, decoded.height, info.orientation, opts);
  const small = preshrink(decoded, scale.x, scale.y);
  return { image: applyOrientation(small, info.orientation), shown, plan, peakPixels: decoded.width * decoded.height, decoder: 'core' };
}

/**
 * A host decoder, asked for the image at working scale when there is shrinking to
 * do; null (declined, failed, or not what was asked) sends the caller down the chain.
 * What it returns may be anywhere from `least` to full size: a DCT-scaled JPEG
 * lands on 1/8 steps, so it is pre-shrunk here only when still well above the
 * target, and goes straight to lanczos3 when it is already close.
 */
async function viaHostDecoder(decoder: Pick<HostDecoder, 'decode'> & { name: DecoderName }, { bytes, codec, info }: SourceImage, opts: ThumbnailOptions, evenAtFullSize: boolean): Promise<WorkingSource | null> {
  const { shown, plan, scale: storedScale } = planInStoredAxes(info.width, info.height, info.orientation, opts);
  const ideal = preshrinkSize(info.width, info.height, storedScale.x, storedScale.y);
  if (!evenAtFullSize && ideal.width === info.width && ideal.height === info.height) return null; // nothing to gain
  const least = {
    width: Math.min(info.width, Math.ceil(info.width * storedScale.x)),
    height: Math.min(info.height, Math.ceil(info.height * storedScale.y)),
  };
  const request: DecodeRequest = { full: { width: info.width, height: info.height }, least, ideal, orientation: info.orientation };
  const stored = await decoder.decode(bytes, codec.format, request).catch(() => null);
  if (!stored || !fitsRequest(stored, request) || !plausiblePixels(stored, codec.format)) return null;
  // Still well above the target (a 1/8-step decode can be up to ~4x it): average down
  // to about twice the target first, as the core path does; close to it, lanczos3 alone.
  const small = preshrink(stored, (storedScale.x * info.width) / stored.width, (storedScale.y * info.height) / stored.height);
  return { image: applyOrientation(small, info.orientation), shown, plan, peakPixels: stored.width * stored.height, decoder: decoder.name };
}

/** A codec's decodeAtLeast, checked and planned as a host decoder's answer is: it is ours, so it counts as 'core'. */
function ownSmallerPicture(codec: Codec<ImageFormat>): Pick<HostDecoder, 'decode'> & { name: DecoderName } {
  return { name: 'core', decode: async (bytes, _format, request) => (await codec.decodeAtLeast?.(bytes, request.least)) ?? null };
}

/**
 * Whether a host decoder's image can stand for the full one: between `least` and
 * full size on both axes, and the same shape (each axis scaled alike, to within the
 * rounding of one pixel), so a decoder that stretched to a size it was not asked
 * for (Firefox resamples to exactly the size given) can never distort a thumbnail.
 */
export function fitsRequest(image: { width: number; height: number }, request: DecodeRequest): boolean {
  const { full, least } = request;
  if (image.width < least.width || image.height < least.height || image.width > full.width || image.height > full.height) return false;
  // w/W = h/H with each side rounded by up to a pixel: |w*H - h*W| <= W + H.
  return Math.abs(image.width * full.height - image.height * full.width) <= full.width + full.height;
}

/**
 * Whether a host decoder's pixels can be the image: not all transparent (WebKitGTK
 * 2.50's createImageBitmap answers a file it cannot decode with a blank image of the
 * full size, where Chromium and Firefox throw), and opaque for a format that has no
 * alpha (JPEG). A whole image costs one pass over its alpha; the usual answer, a
 * visible pixel early on, stops the first test at once.
 */
export function plausiblePixels(image: RawImage, format: ImageFormat): boolean {
  const { data } = image;
  if (format === 'jpeg') {
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 255) return false;
    return true;
  }
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
}

/** Reads the header and refuses images whose declared size would exhaust memory. */
export function probeWithinLimit(codec: Codec<ImageFormat>, bytes: Uint8Array, maxPixels: number): ImageInfo {
  const info = codec.probe(bytes);
  const pixels = info.width * info.height;
  if (pixels > maxPixels) {
    throw new ThumbnailError(
      'too-large',
      `This image is too large: ${info.width} × ${info.height} pixels (${megapixels(pixels)} megapixels); the limit is ${megapixels(maxPixels)} megapixels.`,
      'The limit protects the browser from running out of memory; it can be raised under "More settings" if this device has memory to spare.',
    );
  }
  return info;
}

function megapixels(pixels: number): string {
  const mp = pixels / 1e6;
  return mp >= 10 ? mp.toFixed(0) : mp.toPrecision(2);
}

/**
 * The format a thumbnail is written in. 'same' keeps a web-ready format (JPEG,
 * PNG, WebP, AVIF), makes graphics PNG (BMP is uncompressed, GIF we do not write)
 * and photos the browsers cannot show (HEIC, TIFF, JPEG XL) JPEG, or PNG when they
 * have transparency ('Codec.sameAsInput'); 'legacy' keeps any format we can write,
 * BMP included, as the old API did, and follows 'same' for the rest.
 */
export function outputCodec(input: Codec<ImageFormat>, opts: ThumbnailOptions, transparent: boolean): Codec<ImageFormat> {
  if (opts.format === 'legacy' && input.encode) return input;
  if (opts.format === 'same' || opts.format === 'legacy') {
    if (input.sameAsInput === 'itself' && input.encode) return input;
    return codecFor(input.sameAsInput === 'jpeg' && !transparent ? 'jpeg' : 'png');
  }
  return codecFor(opts.format);
}

/** Rounds a scaled crop rectangle to whole pixels that stay inside the image and are at least 1x1. */
function clampRegion(image: RawImage, x: number, y: number, w: number, h: number) {
  const width = Math.max(1, Math.min(image.width, Math.round(w)));
  const height = Math.max(1, Math.min(image.height, Math.round(h)));
  return {
    x: Math.max(0, Math.min(image.width - width, Math.round(x))),
    y: Math.max(0, Math.min(image.height - height, Math.round(y))),
    width,
    height,
  };
}

/** A thumbnail's size and file extension, known before it is made. */
export interface PlannedOutput {
  width: number;
  height: number;
  extension: string;
}

/**
 * What generateThumbnails will write for these bytes, from the header alone (no
 * decode): one entry per options. Null when it cannot be told in advance: the file
 * does not probe (generateThumbnails gives the error), or the output format hangs on
 * whether the pixels turn out transparent. The command-line tool skips an input
 * whose outputs already exist without decoding it.
 */
export function plannedOutputs(bytes: Uint8Array, optionsList: readonly Partial<ThumbnailOptions>[]): PlannedOutput[] | null {
  try {
    const all = optionsList.map((o) => normaliseOptions(o));
    const codec = sniffFormat(bytes);
    const info = probeWithinLimit(codec, bytes, Math.min(...all.map((o) => o.maxPixels)));
    const planned: PlannedOutput[] = [];
    for (const opts of all) {
      const opaque = outputCodec(codec, opts, false);
      if (outputCodec(codec, opts, true) !== opaque) return null;
      const shown = displayedSize(info.width, info.height, info.orientation);
      const { canvas } = planGeometry(shown.width, shown.height, opts);
      planned.push({ width: canvas.width, height: canvas.height, extension: opaque.extension });
    }
    return planned;
  } catch {
    return null;
  }
}

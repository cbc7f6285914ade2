import { ENCODER_SETTINGS, isImageFormat, WRITABLE_CODECS, type ImageFormat } from './codecs/registry';
import { ThumbnailError } from './errors';

export type FitMode = 'inside' | 'cover' | 'contain' | 'fill';
/**
 * - 'same': the input's format when browsers show it and we write it (JPEG, PNG,
 *   WebP, AVIF); PNG for BMP and GIF.
 * - 'legacy': the input's format wherever we can write it, BMP included, as the
 *   old API did (the "Classic 100×100" preset); PNG for GIF.
 * - a format id: that format (any codec that can encode).
 */
export type OutputFormat = 'same' | 'legacy' | ImageFormat;
/** Where a cover crop sits: the centre, or where the content is (smartcrop: skin, edges, saturation). */
export type CropFocus = 'centre' | 'smart';
/** The kernels @jsquash/resize's main module offers (its hqx and magic kernels need wasm of their own). */
export type ResizeMethod = 'lanczos3' | 'mitchell' | 'catrom' | 'triangle';

export const FIT_MODES: readonly FitMode[] = ['inside', 'cover', 'contain', 'fill'];
/** The format menu: 'same', then every format we write, in the registry's order ('legacy' is the Classic preset's). */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['same', ...WRITABLE_CODECS.map((c) => c.format)];
export const CROP_FOCI: readonly CropFocus[] = ['centre', 'smart'];
export const RESIZE_METHODS: readonly ResizeMethod[] = ['lanczos3', 'mitchell', 'catrom', 'triangle'];

export interface ThumbnailOptions {
  /** Box width in pixels, 1..MAX_SIDE. */
  width: number;
  /** Box height in pixels, 1..MAX_SIDE. */
  height: number;
  fit: FitMode;
  format: OutputFormat;
  /** 1..100, used by the lossy formats (Codec.takesQuality). */
  quality: number;
  /** Each codec's own settings beyond quality (Codec.settings), by key, defaults filled in. */
  encoderSettings: Readonly<Record<string, number>>;
  /** Cover only: centre the crop, or follow the content. */
  focus: CropFocus;
  /** '#rrggbb': letterbox colour for 'contain' and what alpha is flattened onto for JPEG. */
  background: string;
  /** Off by default: a thumbnail is never bigger than its source unless asked. */
  allowEnlarge: boolean;
  /** Images with more pixels than this (read from the header) are refused before decoding. */
  maxPixels: number;
  /** The resize kernel: lanczos3 is the sharpest; triangle the softest (and fastest). */
  method: ResizeMethod;
  /**
   * 0: fit into the width x height box. 1..MAX_SCALE_PERCENT: a percentage of the
   * original's displayed size instead (the box and fit are then unused; aspect kept).
   */
  scalePercent: number;
}

/** A thumbnail side beyond this is not a thumbnail, and the encoders slow to a crawl. */
export const MAX_SIDE = 8192;
/** 400%: enough to enlarge an icon; beyond that it is not a thumbnail. Above 100 needs allowEnlarge. */
export const MAX_SCALE_PERCENT = 400;

export const DEFAULT_OPTIONS: Readonly<ThumbnailOptions> = Object.freeze({
  width: 256,
  height: 256,
  fit: 'inside',
  format: 'same',
  quality: 80,
  encoderSettings: Object.freeze(Object.fromEntries(ENCODER_SETTINGS.map((s) => [s.key, s.default]))),
  focus: 'centre',
  background: '#ffffff',
  allowEnlarge: false,
  // 100 MP: a 24 MP phone photo passes with room; a decompression bomb does not.
  maxPixels: 100_000_000,
  method: 'lanczos3',
  scalePercent: 0,
});

/**
 * Bumped whenever the pipeline's output for the same input and options changes
 * (a new resize kernel, a codec upgrade), so cached thumbnails are recomputed.
 */
// 2: contain keeps alpha for PNG/WebP output; 3: results say whether they have alpha;
// 4: browser decoders get no EXIF and shrink premultiplied (Firefox turned photos twice and lost alpha)
// 5: PNG through oxipng; an input that cannot be bettered is kept (metadata removed); 'same' makes BMP PNG
export const PIPELINE_VERSION = 5;

const HEX_COLOUR = /^#[0-9a-f]{6}$/;

function integerIn(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new ThumbnailError('invalid-options', `${name} must be a number.`);
  }
  const rounded = Math.round(n);
  if (rounded < min || rounded > max) {
    throw new ThumbnailError('invalid-options', `${name} must be between ${min} and ${max}; got ${n}.`);
  }
  return rounded;
}

/**
 * Fills defaults, checks ranges and canonicalises spelling, so that equal
 * settings always give equal objects (and equal cache keys).
 * Throws ThumbnailError('invalid-options') with a message naming the field.
 */
export function normaliseOptions(input: Partial<ThumbnailOptions> = {}): ThumbnailOptions {
  const o = { ...DEFAULT_OPTIONS, ...stripUndefined(input) };
  const fit = String(o.fit).toLowerCase() as FitMode;
  if (!FIT_MODES.includes(fit)) {
    throw new ThumbnailError('invalid-options', `Fit must be one of ${FIT_MODES.join(', ')}; got "${o.fit}".`);
  }
  let format = String(o.format).toLowerCase();
  if (format === 'jpg') format = 'jpeg';
  const writable = format === 'same' || format === 'legacy' || (isImageFormat(format) && WRITABLE_CODECS.some((c) => c.format === format));
  if (!writable) {
    throw new ThumbnailError('invalid-options', `Format must be one of ${OUTPUT_FORMATS.join(', ')}; got "${o.format}".`);
  }
  const focus = String(o.focus).toLowerCase() as CropFocus;
  if (!CROP_FOCI.includes(focus)) {
    throw new ThumbnailError('invalid-options', `Crop focus must be one of ${CROP_FOCI.join(', ')}; got "${o.focus}".`);
  }
  const method = String(o.method).toLowerCase() as ResizeMethod;
  if (!RESIZE_METHODS.includes(method)) {
    throw new ThumbnailError('invalid-options', `Resize method must be one of ${RESIZE_METHODS.join(', ')}; got "${o.method}".`);
  }
  const background = String(o.background).trim().toLowerCase();
  if (!HEX_COLOUR.test(background)) {
    throw new ThumbnailError('invalid-options', `Background must be a colour like #ffffff; got "${o.background}".`);
  }
  return {
    width: integerIn('Width', o.width, 1, MAX_SIDE),
    height: integerIn('Height', o.height, 1, MAX_SIDE),
    fit,
    format: format as OutputFormat,
    quality: integerIn('Quality', o.quality, 1, 100),
    encoderSettings: normaliseEncoderSettings(o.encoderSettings),
    focus,
    background,
    allowEnlarge: Boolean(o.allowEnlarge),
    maxPixels: integerIn('Pixel limit', o.maxPixels, 1, Number.MAX_SAFE_INTEGER),
    method,
    scalePercent: integerIn('Percentage', o.scalePercent, 0, MAX_SCALE_PERCENT),
  };
}

/**
 * Every codec setting with its default or a checked value. Keys no codec declares
 * are dropped, not refused: settings saved by a version that had another codec
 * must not make the page unusable.
 */
function normaliseEncoderSettings(input: unknown): Record<string, number> {
  const given = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  return Object.fromEntries(
    ENCODER_SETTINGS.map((s) => [s.key, given[s.key] === undefined || given[s.key] === '' ? s.default : integerIn(s.label, given[s.key], s.min, s.max)]),
  );
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The options part of a cache key: canonical JSON (sorted keys) of the normalised
 * options plus the pipeline version. Key order in the caller's object never matters.
 */
export function optionsKey(options: Partial<ThumbnailOptions>): string {
  const n = normaliseOptions(options);
  const sorted = Object.fromEntries(Object.entries(n).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ v: PIPELINE_VERSION, ...sorted });
}

/** '#rrggbb' -> [r, g, b]. */
export function parseHexColour(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

import { corrupt, ThumbnailError, truncated } from '../errors';
import { avifCodec } from './avif';
import { bmpCodec } from './bmp';
import type { Codec, EncoderSetting } from './codec';
import { gifCodec } from './gif';
import { heicCodec } from './heic';
import { jpegCodec } from './jpeg';
import { jxlCodec } from './jxl';
import { pngCodec } from './png';
import { tiffCodec } from './tiff';
import { webpCodec } from './webp';

/**
 * Every format we read, in the order the page lists them. Adding a format is one
 * codec file and one line here: the lists below, the app manifest, the file
 * picker, the format menu, option checks, Node's WASM loading and which built
 * files the service worker leaves for first use follow.
 */
export const CODECS = [jpegCodec, pngCodec, webpCodec, avifCodec, heicCodec, jxlCodec, tiffCodec, gifCodec, bmpCodec] as const;

export type ImageFormat = (typeof CODECS)[number]['format'];

/** 'JPEG, PNG, WebP, AVIF, GIF and BMP'. */
export const SUPPORTED_FORMATS_TEXT = ((labels) => `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`)(
  CODECS.map((c) => c.label),
);

/** The formats we can write, in menu order. */
export const WRITABLE_CODECS: readonly Codec<ImageFormat>[] = CODECS.filter((c) => c.encode);

/** Every encoder setting beyond quality, each once (two codecs may share one, e.g. a speed). */
export const ENCODER_SETTINGS: readonly EncoderSetting[] = CODECS.flatMap((c) => c.settings ?? []).filter(
  (setting, i, all) => all.findIndex((s) => s.key === setting.key) === i,
);

/** MIME type -> file extensions, the shape of the manifest's `file_handlers` and `share_target` accept lists. */
export function acceptedFileTypes(): Record<string, string[]> {
  return Object.fromEntries(CODECS.map((c) => [c.mimeType, [...c.fileExtensions]]));
}

/**
 * For `<input type="file" accept>`: every MIME type and extension, because some
 * systems label BMP files oddly (image/x-ms-bmp) or not at all, and a picker that
 * greys out a file we could read is worse than one that lets a wrong file through
 * (which then gets a clear error of its own).
 */
export const FILE_PICKER_ACCEPT = ['image/*', ...CODECS.flatMap((c) => c.fileExtensions)].join(',');

export function isImageFormat(id: string): id is ImageFormat {
  return CODECS.some((c) => c.format === id);
}

export function codecFor(format: ImageFormat): Codec<ImageFormat> {
  const codec = CODECS.find((c) => c.format === format);
  if (!codec) throw new Error(`No codec registered for ${format}`);
  return codec;
}

/** The label of the format with this MIME type ('image/webp' -> 'WebP'), for the page's summaries. */
export function formatLabelOf(mimeType: string): string {
  return CODECS.find((c) => c.mimeType === mimeType)?.label ?? mimeType.replace(/^image\//, '').toUpperCase();
}

/** The MIME type of bytes that are a format we read (by their magic alone), else null: the proxy's "is this an image". */
export function sniffMimeType(bytes: Uint8Array): string | null {
  return CODECS.find((c) => c.sniff(bytes))?.mimeType ?? null;
}

/** Every codec's WebAssembly, key -> path inside node_modules, for runtimes that must compile it themselves (Node). */
export function wasmPaths(): Record<string, string> {
  return Object.assign({}, ...CODECS.map((c) => c.wasm ?? {})) as Record<string, string>;
}

/**
 * Name prefixes of the built files fetched only when a format needs them
 * (Codec.fetchedOnFirstUse): kept out of the precache, cached on first use.
 */
export function filesFetchedOnFirstUse(): string[] {
  return CODECS.flatMap((c) => c.fetchedOnFirstUse ?? []);
}

/**
 * Fewer bytes than this cannot hold any of our formats' headers: a file that begins
 * like one of them but is this short was cut off, not merely damaged.
 */
const SHORTEST_HEADER = 26;

/**
 * Identifies the format from the bytes alone; the file name is never trusted.
 * A file that begins like a known format but fails its full signature is a damaged
 * file of that format; anything else is described as what it seems to be (a text
 * file, a PDF, an iPhone photo...), with its first bytes behind "Details".
 */
export function sniffFormat(bytes: Uint8Array): Codec<ImageFormat> {
  if (bytes.length === 0) throw new ThumbnailError('empty', 'This file is empty (0 bytes): there is no image in it.');
  const codec = CODECS.find((c) => c.sniff(bytes));
  if (codec) return codec;
  const lookalike = CODECS.find((c) => c.looksLike(bytes));
  if (lookalike && bytes.length < SHORTEST_HEADER) throw truncated(lookalike.label);
  const text = looksLikeText(bytes);
  // ASCII signatures ('BM', 'GIF', 'RIFF') also begin ordinary text: text wins for those.
  if (lookalike && !text) throw corrupt(lookalike.label, `its header is not valid (${firstBytes(bytes)})`);
  throw new ThumbnailError('unsupported-format', notAnImage(bytes, text), `${capitalise(firstBytes(bytes))}. We read ${SUPPORTED_FORMATS_TEXT}.`);
}

/** A plain headline for bytes that are not any format we read. */
function notAnImage(bytes: Uint8Array, text: boolean): string {
  const ascii = String.fromCharCode(...bytes.subarray(0, 16));
  const brand = ascii.slice(4, 8) === 'ftyp' ? ascii.slice(8, 12) : '';
  // Phones save a Live Photo's motion beside the HEIC as a MOV; it shares HEIF's box format.
  if (/^(isom|iso2|mp41|mp42|avc1|qt  |M4V )$/.test(brand)) return 'This is a video (MP4 or MOV), not an image.';
  if (ascii.startsWith('%PDF')) return 'This is a PDF document, not an image.';
  if (ascii.startsWith('PK\x03\x04')) return 'This is a ZIP archive (or an Office document), not an image.';
  const head = new TextDecoder().decode(bytes.subarray(0, 512));
  if (/<svg[\s>]/i.test(head)) return 'This is an SVG drawing (vector art, not pixels), which this app cannot read. Export it as PNG first.';
  if (text && /^\s*<(!doctype html|html|head|body)/i.test(head)) return 'This is a web page (HTML), not an image.';
  if (text && /^\s*[{[]/.test(head)) return 'This is JSON text, not an image. To use the old API\'s JSON, paste it into the text box.';
  if (text) return 'This is a text file, not an image.';
  return 'This is not an image format we can read.';
}

/**
 * Text, in any common encoding: the first KB has no NUL byte and decodes as UTF-8
 * with almost no control characters. (Binary image data always has NULs or
 * invalid UTF-8 within its first bytes.)
 */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 1024);
  if (head.includes(0)) return false;
  // The last character may be cut in half by the 1 KB window; ignore one trailing error.
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/\uFFFD$/, '');
  let odd = 0;
  for (const ch of decoded) {
    const c = ch.codePointAt(0)!;
    if (ch === '\uFFFD' || (c < 32 && ch !== '\n' && ch !== '\r' && ch !== '\t' && ch !== '\f')) odd++;
  }
  return odd <= decoded.length * 0.02;
}

function firstBytes(bytes: Uint8Array): string {
  return `it starts with bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

import { ThumbnailError } from '../errors';
import { bmpCodec } from './bmp';
import type { Codec, ImageFormat } from './codec';
import { gifCodec } from './gif';
import { jpegCodec } from './jpeg';
import { pngCodec } from './png';
import { webpCodec } from './webp';

/** Every format we read. Adding a format is one codec file and one line here. */
export const CODECS: readonly Codec[] = [jpegCodec, pngCodec, webpCodec, gifCodec, bmpCodec];

export function codecFor(format: ImageFormat): Codec {
  const codec = CODECS.find((c) => c.format === format);
  if (!codec) throw new Error(`No codec registered for ${format}`);
  return codec;
}

/** Identifies the format from the bytes alone; the file name is never trusted. */
export function sniffFormat(bytes: Uint8Array): Codec {
  if (bytes.length === 0) throw new ThumbnailError('empty', 'The file is empty (0 bytes).');
  const codec = CODECS.find((c) => c.sniff(bytes));
  if (!codec) {
    throw new ThumbnailError(
      'unsupported-format',
      `This is not an image format we can read (${describeStart(bytes)}). Supported: JPEG, PNG, WebP, GIF and BMP.`,
    );
  }
  return codec;
}

/** A hint of what the bytes are, for the error message: common non-image types, else the first bytes. */
function describeStart(bytes: Uint8Array): string {
  const ascii = String.fromCharCode(...bytes.subarray(0, 8));
  if (ascii.startsWith('%PDF')) return 'it looks like a PDF';
  if (ascii.startsWith('PK')) return 'it looks like a ZIP archive';
  const head = new TextDecoder().decode(bytes.subarray(0, 512));
  if (/<svg[\s>]/i.test(head)) return 'it looks like an SVG drawing, which is vector art, not pixels';
  if (/^\s*</.test(ascii)) return 'it looks like HTML or XML text';
  if (/^\s*[{[]/.test(ascii)) return 'it looks like JSON text';
  const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `it starts with bytes ${hex}`;
}

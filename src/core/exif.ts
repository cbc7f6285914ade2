/**
 * EXIF orientation, the one EXIF tag a thumbnailer must honour.
 *
 * A camera held upright stores its pixels sideways and writes tag 0x0112
 * (Orientation) into IFD0 of a TIFF-structured block; JPEG keeps that block in an
 * APP1 'Exif' segment, PNG in an eXIf chunk, WebP in an EXIF chunk. Metadata is
 * often damaged (the corpus has truncated blocks, offsets past the end, IFDs that
 * point at themselves), and a broken tag must never cost the picture: every
 * problem reads as orientation 1 ("as stored").
 *
 * The JPEG marker walk lives here too, because finding the APP1 segment needs it;
 * the JPEG codec reuses it for the frame header so the header is walked one way.
 */
import type { Orientation } from './image';

const ORIENTATION_TAG = 0x0112;
const TIFF_SHORT = 3;
const TIFF_LONG = 4;
/** 'Exif\0\0', which JPEG APP1 puts before the TIFF block and some PNG/WebP writers copy. */
const EXIF_PREFIX = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00];

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (at + prefix.length > bytes.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

function isOrientation(value: number): value is Orientation {
  return Number.isInteger(value) && value >= 1 && value <= 8;
}

/**
 * The Orientation tag of IFD0 in a TIFF/EXIF block (both byte orders), or 1 when
 * the block is absent, truncated, malformed, or holds a value outside 1..8.
 * Only IFD0 is read, so looping or endless IFD chains cannot trap us.
 */
export function readExifOrientation(tiff: Uint8Array): Orientation {
  const block = startsWith(tiff, EXIF_PREFIX) ? tiff.subarray(EXIF_PREFIX.length) : tiff;
  if (block.length < 8) return 1;
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);

  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1; // 'II' little-endian, 'MM' big-endian
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return 1; // TIFF magic number

  const ifd = view.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > block.length) return 1;
  const count = view.getUint16(ifd, little);

  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > block.length) return 1; // the IFD is cut short
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    const type = view.getUint16(entry + 2, little);
    // The spec says SHORT; a few writers use LONG. The value sits inline either way.
    const value =
      type === TIFF_SHORT ? view.getUint16(entry + 8, little) : type === TIFF_LONG ? view.getUint32(entry + 8, little) : 0;
    return isOrientation(value) ? value : 1;
  }
  return 1;
}

/** One marker segment of a JPEG header: its marker byte and where its payload lies. */
export interface JpegSegment {
  /** The byte after 0xFF, e.g. 0xE1 for APP1, 0xC0 for SOF0. */
  marker: number;
  /** Payload start (after the two length bytes) and end (exclusive), as offsets into the file. */
  start: number;
  end: number;
}

/** Why the walk stopped: start of scan (normal), end of image, or the bytes ran out. */
export type JpegHeaderEnd = 'sos' | 'eoi' | 'truncated';

export interface JpegHeader {
  segments: JpegSegment[];
  end: JpegHeaderEnd;
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP1 = 0xe1;

/** Markers that stand alone, without a length: TEM and RST0..RST7. */
function isStandalone(marker: number): boolean {
  return marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);
}

/**
 * Position of the next marker at or after `pos`: skips fill bytes (0xFF 0xFF...)
 * and, like libjpeg, any garbage before a marker, so a stray byte does not make
 * an otherwise readable file unreadable. Returns -1 when the bytes run out.
 */
function nextMarker(bytes: Uint8Array, pos: number): number {
  for (let i = pos; i + 1 < bytes.length; i++) {
    const next = bytes[i + 1];
    if (bytes[i] === 0xff && next !== 0xff && next !== 0x00) return i;
  }
  return -1;
}

/**
 * The segments of a JPEG header, from SOI up to and including the first SOS
 * (whose payload is the scan header; entropy-coded data follows it). Bytes that
 * do not start with SOI give no segments (the caller has sniffed them first).
 */
export function readJpegSegments(bytes: Uint8Array): JpegHeader {
  const segments: JpegSegment[] = [];
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== SOI) return { segments, end: 'truncated' };

  let pos = 2;
  for (;;) {
    const at = nextMarker(bytes, pos);
    if (at < 0) return { segments, end: 'truncated' };
    const marker = bytes[at + 1] ?? 0; // nextMarker() guarantees the byte exists
    if (marker === EOI) return { segments, end: 'eoi' };
    if (isStandalone(marker) || marker === SOI) {
      pos = at + 2;
      continue;
    }
    if (at + 4 > bytes.length) return { segments, end: 'truncated' };
    const length = ((bytes[at + 2] ?? 0) << 8) | (bytes[at + 3] ?? 0); // counts its own two bytes
    const end = at + 2 + length;
    if (length < 2 || end > bytes.length) return { segments, end: 'truncated' };
    segments.push({ marker, start: at + 4, end });
    if (marker === SOS) return { segments, end: 'sos' };
    pos = end;
  }
}

/** The orientation from the first APP1 'Exif' segment before the image data, else 1. */
export function jpegOrientationFromSegments(bytes: Uint8Array, segments: readonly JpegSegment[]): Orientation {
  for (const segment of segments) {
    // Other APP1 segments (XMP) are skipped; only the first Exif one counts, as in libexif and browsers.
    if (segment.marker === APP1 && startsWith(bytes, EXIF_PREFIX, segment.start)) {
      return readExifOrientation(bytes.subarray(segment.start, segment.end));
    }
  }
  return 1;
}

/** EXIF orientation of a JPEG file (1 when absent or unreadable). */
export function jpegOrientation(bytes: Uint8Array): Orientation {
  return jpegOrientationFromSegments(bytes, readJpegSegments(bytes).segments);
}

/**
 * The JPEG without its APP1 'Exif' segments; every other byte is kept (ICC
 * profiles, scans). For decoders that would apply EXIF orientation on their own,
 * such as the browser's: Chromium rotates by the tag even when asked not to, and
 * reads a subtly different set of tags than we do (a LONG-typed tag, say), so
 * the only way to make its output agree with our probe is to give it no tag at
 * all and apply the probe's orientation ourselves.
 */
export function stripJpegExif(bytes: Uint8Array): Uint8Array {
  const exif = readJpegSegments(bytes).segments.filter((s) => s.marker === APP1 && startsWith(bytes, EXIF_PREFIX, s.start));
  if (exif.length === 0) return bytes;
  const out = new Uint8Array(bytes.length - exif.reduce((n, s) => n + (s.end - (s.start - 4)), 0));
  let from = 0;
  let to = 0;
  for (const segment of exif) {
    const cutStart = segment.start - 4; // the 0xFF, marker and two length bytes before the payload
    out.set(bytes.subarray(from, cutStart), to);
    to += cutStart - from;
    from = segment.end;
  }
  out.set(bytes.subarray(from), to);
  return out;
}

/**
 * BMP: sniff, probe, decode and encode, with no dependency.
 *
 * Written by hand because no npm decoder we tried passes bmpsuite
 * (https://entropymine.com/jason/bmpsuite/); the tests compare every "good"
 * file of that suite pixel by pixel with its reference PNG.
 *
 * A BMP file is:
 *   14-byte file header   "BM", file size, 2 reserved words, offset of the pixels (bfOffBits)
 *   info header           its first u32 is its own size, which is how the version is told apart
 *   [bit masks]           12 or 16 bytes after a 40-byte header with BITFIELDS / ALPHABITFIELDS
 *   [palette]             3-byte (OS/2 1.x) or 4-byte (everything else) BGR entries
 *   pixel data            at bfOffBits; rows bottom-up unless the height is negative,
 *                         each row padded to 4 bytes; or an RLE4/RLE8 stream.
 *
 * Everything is little-endian. Fields we have no use for (file size, image size,
 * density, colour space, ICC profiles) are ignored on purpose: writers get them
 * wrong often (bmpsuite has files lying about each of them) and they do not change
 * which pixels the file holds.
 */
import { defineCodec, type ImageInfo } from './codec';
import { createRawImage, hasTransparency, type RawImage } from '../image';
import { ThumbnailError, corrupt, truncated, unsupportedFeature } from '../errors';

const FORMAT = 'BMP';

const FILE_HEADER_SIZE = 14;

// Info header sizes we know. Anything else (bmpsuite's b/badheadersize has 66) is corrupt.
const CORE_HEADER = 12; // OS/2 1.x BITMAPCOREHEADER: 16-bit width/height, 3-byte palette entries
const OS2_SHORT_HEADER = 16; // OS/2 2.x header cut after the bit count (the rest is implied zero)
const INFO_HEADER = 40; // BITMAPINFOHEADER (Windows 3)
const V2_HEADER = 52; // + RGB masks (Adobe)
const V3_HEADER = 56; // + alpha mask (Adobe)
const OS2_V2_HEADER = 64; // OS/2 2.x full header: compression 3 and 4 mean other things there
const V4_HEADER = 108; // + colour space and endpoints
const V5_HEADER = 124; // + rendering intent and ICC profile
const KNOWN_HEADERS = new Set([
  CORE_HEADER,
  OS2_SHORT_HEADER,
  INFO_HEADER,
  V2_HEADER,
  V3_HEADER,
  OS2_V2_HEADER,
  V4_HEADER,
  V5_HEADER,
]);

// biCompression values.
const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3; // in an OS/2 2.x 64-byte header: Huffman 1D
const BI_JPEG = 4; // in an OS/2 2.x 64-byte header: RLE24
const BI_PNG = 5;
const BI_ALPHABITFIELDS = 6; // Windows CE
const BI_CMYK_FIRST = 11; // 11..13: CMYK, CMYKRLE8, CMYKRLE4 (printer-only formats)
const BI_CMYK_LAST = 13;

/**
 * Hard ceiling on the output buffer, whatever the caller's pixel limit is: a
 * Uint8ClampedArray this large is about the most an engine will hand out, and
 * RLE data (unlike plain rows) can legitimately claim a huge image in a few bytes.
 */
const MAX_OUTPUT_BYTES = 2 ** 31 - 1;

/** RLE images up to this many pixels (64 MB of RGBA) are decoded however short their data. */
const RLE_UNCHECKED_PIXELS = 1 << 24;

/** Everything the header says that decoding needs. */
interface BmpHeader {
  headerSize: number;
  width: number;
  /** Always positive; see topDown. */
  height: number;
  /** Negative height in the file: first row stored is the top one. */
  topDown: boolean;
  bitCount: number;
  compression: number;
  /** biClrUsed; 0 means "the default", 2^bitCount for palette images. */
  colorsUsed: number;
  /** bfOffBits: where the pixel data starts. */
  dataOffset: number;
  /** Where the masks/palette start: just after the info header. */
  infoEnd: number;
  /** Masks found in the header (V2+) or after it (BITFIELDS/ALPHABITFIELDS), else null. */
  masks: Masks | null;
}

interface Masks {
  red: number;
  green: number;
  blue: number;
  alpha: number;
}

// ---------------------------------------------------------------------------
// Little helpers over the byte view (which may not start at byteOffset 0).

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function hasSignature(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d; // "BM"
}

// ---------------------------------------------------------------------------
// Sniff and header parsing

/**
 * "BM" followed, at offset 14, by a header size a BMP could have. Deliberately
 * looser than KNOWN_HEADERS: a BMP with an odd header size should reach probe()
 * and be reported as a damaged BMP, not as "not an image".
 */
function sniffBmp(bytes: Uint8Array): boolean {
  if (bytes.length < FILE_HEADER_SIZE + 4 || !hasSignature(bytes)) return false;
  const headerSize = view(bytes).getUint32(FILE_HEADER_SIZE, true);
  return headerSize >= CORE_HEADER && headerSize <= 1024;
}

/**
 * The file and info headers, validated as far as the header alone allows.
 * Reads nothing past the headers and the (at most 16 bytes of) masks.
 */
function parseHeader(bytes: Uint8Array): BmpHeader {
  if (bytes.length < FILE_HEADER_SIZE + 4) throw corrupt(FORMAT, 'the file is too short to hold a header');
  if (!hasSignature(bytes)) throw corrupt(FORMAT, 'the "BM" signature is missing');
  const dv = view(bytes);
  const headerSize = dv.getUint32(FILE_HEADER_SIZE, true);
  if (!KNOWN_HEADERS.has(headerSize)) throw corrupt(FORMAT, `unknown info header size ${headerSize}`);
  const infoEnd = FILE_HEADER_SIZE + headerSize;
  if (bytes.length < infoEnd) throw corrupt(FORMAT, 'the file ends inside the header');

  const dataOffset = dv.getUint32(10, true);
  const at = FILE_HEADER_SIZE; // start of the info header

  let width: number;
  let rawHeight: number;
  let planes: number;
  let bitCount: number;
  let compression = BI_RGB;
  let colorsUsed = 0;
  if (headerSize === CORE_HEADER) {
    // OS/2 1.x: unsigned 16-bit dimensions, so never top-down.
    width = dv.getUint16(at + 4, true);
    rawHeight = dv.getUint16(at + 6, true);
    planes = dv.getUint16(at + 8, true);
    bitCount = dv.getUint16(at + 10, true);
  } else {
    width = dv.getInt32(at + 4, true);
    rawHeight = dv.getInt32(at + 8, true);
    planes = dv.getUint16(at + 12, true);
    bitCount = dv.getUint16(at + 14, true);
    if (headerSize >= INFO_HEADER) {
      compression = dv.getUint32(at + 16, true);
      colorsUsed = dv.getUint32(at + 32, true);
    }
  }

  if (width <= 0) throw corrupt(FORMAT, `invalid width ${width}`);
  // -2^31 has no positive counterpart in an int32; treat it like 0.
  if (rawHeight === 0 || rawHeight === -0x80000000) throw corrupt(FORMAT, `invalid height ${rawHeight}`);
  if (planes !== 1) throw corrupt(FORMAT, `planes is ${planes}, must be 1`);

  return {
    headerSize,
    width,
    height: Math.abs(rawHeight),
    topDown: rawHeight < 0,
    bitCount,
    compression,
    colorsUsed,
    dataOffset,
    infoEnd,
    masks: readMasks(bytes, headerSize, compression, infoEnd),
  };
}

/**
 * Colour masks, wherever this header version keeps them:
 * - V2/V3/V4/V5 headers carry them at offset 40 of the info header (alpha from V3 on);
 * - a 40-byte header with BITFIELDS (ALPHABITFIELDS) is followed by 3 (4) of them.
 * Returns null when the file has none (then the bit depth's defaults apply).
 */
function readMasks(bytes: Uint8Array, headerSize: number, compression: number, infoEnd: number): Masks | null {
  const dv = view(bytes);
  const inHeader = headerSize >= V2_HEADER && headerSize !== OS2_V2_HEADER;
  if (inHeader) {
    const at = FILE_HEADER_SIZE + 40;
    return {
      red: dv.getUint32(at, true),
      green: dv.getUint32(at + 4, true),
      blue: dv.getUint32(at + 8, true),
      alpha: headerSize >= V3_HEADER ? dv.getUint32(at + 12, true) : 0,
    };
  }
  if (headerSize === INFO_HEADER && (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS)) {
    const count = compression === BI_ALPHABITFIELDS ? 4 : 3;
    if (bytes.length < infoEnd + count * 4) throw corrupt(FORMAT, 'the file ends inside the bit masks');
    return {
      red: dv.getUint32(infoEnd, true),
      green: dv.getUint32(infoEnd + 4, true),
      blue: dv.getUint32(infoEnd + 8, true),
      alpha: count === 4 ? dv.getUint32(infoEnd + 12, true) : 0,
    };
  }
  return null;
}

function probeBmp(bytes: Uint8Array): ImageInfo {
  const header = parseHeader(bytes);
  return { format: 'bmp', width: header.width, height: header.height, orientation: 1 };
}

// ---------------------------------------------------------------------------
// Deciding how to read the pixels

/** How the pixel data is laid out, decided once from the header. */
type PixelLayout =
  | { kind: 'indexed'; bitCount: 1 | 2 | 4 | 8 }
  | { kind: 'rle'; bitCount: 4 | 8 }
  | { kind: 'rgb24' }
  | { kind: 'fields'; bitCount: 16 | 32; masks: Masks };

// What a BI_RGB file means at 16 and 32 bits: X1R5G5B5 and X8R8G8B8.
const DEFAULT_MASKS_16: Masks = { red: 0x7c00, green: 0x03e0, blue: 0x001f, alpha: 0 };
const DEFAULT_MASKS_32: Masks = { red: 0x00ff0000, green: 0x0000ff00, blue: 0x000000ff, alpha: 0 };

function pixelLayout(h: BmpHeader): PixelLayout {
  const { bitCount, compression } = h;

  // OS/2 2.x reuses two compression numbers for its own schemes.
  if (h.headerSize === OS2_V2_HEADER && compression === BI_BITFIELDS) {
    throw unsupportedFeature(FORMAT, 'OS/2 Huffman 1D compression');
  }
  if (h.headerSize === OS2_V2_HEADER && compression === BI_JPEG) {
    throw unsupportedFeature(FORMAT, 'OS/2 RLE24 compression');
  }
  if (compression === BI_JPEG) throw unsupportedFeature(FORMAT, 'an embedded JPEG image');
  if (compression === BI_PNG) throw unsupportedFeature(FORMAT, 'an embedded PNG image');
  if (compression >= BI_CMYK_FIRST && compression <= BI_CMYK_LAST) {
    throw unsupportedFeature(FORMAT, 'CMYK pixel data');
  }
  if (bitCount === 64) throw unsupportedFeature(FORMAT, '64 bits per pixel');
  if (![1, 2, 4, 8, 16, 24, 32].includes(bitCount)) throw corrupt(FORMAT, `invalid bit count ${bitCount}`);

  if (compression === BI_RLE8 || compression === BI_RLE4) {
    const wanted = compression === BI_RLE8 ? 8 : 4;
    if (bitCount !== wanted) throw corrupt(FORMAT, `RLE${wanted} compression with ${bitCount} bits per pixel`);
    // RLE rows are always stored bottom-up; the format has no way to say otherwise.
    if (h.topDown) throw corrupt(FORMAT, 'an RLE image cannot be stored top-down');
    return { kind: 'rle', bitCount: wanted };
  }

  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bitCount !== 16 && bitCount !== 32) throw corrupt(FORMAT, `bit masks with ${bitCount} bits per pixel`);
    if (!h.masks) throw corrupt(FORMAT, 'BITFIELDS compression without bit masks');
    return { kind: 'fields', bitCount, masks: h.masks };
  }

  if (compression !== BI_RGB) throw corrupt(FORMAT, `unknown compression ${compression}`);

  if (bitCount === 1 || bitCount === 2 || bitCount === 4 || bitCount === 8) return { kind: 'indexed', bitCount };
  if (bitCount === 24) return { kind: 'rgb24' };
  if (bitCount === 16) return { kind: 'fields', bitCount, masks: DEFAULT_MASKS_16 };
  if (bitCount === 32) {
    // 32-bit BI_RGB: the spare byte is alpha only when a V3+ header names it with an
    // alpha mask (as Windows writes alpha BMPs). In a 40-byte header it is "unused"
    // and may hold junk (q/rgb32fakealpha), so it is ignored.
    const alpha = h.masks?.alpha === 0xff000000 ? 0xff000000 : 0;
    return { kind: 'fields', bitCount, masks: { ...DEFAULT_MASKS_32, alpha } };
  }
  throw corrupt(FORMAT, `invalid bit count ${bitCount}`); // unreachable: checked above
}

// ---------------------------------------------------------------------------
// Palette

/**
 * The colour table: packed RGBA bytes (4 per entry, opaque), sized to 2^bitCount so
 * a lookup never leaves the array, plus how many entries the file really defines.
 * A pixel naming an undefined entry (b/pal8badindex) makes the file corrupt: the
 * suite calls it invalid, and guessing a colour would hide the damage.
 */
interface Palette {
  rgba: Uint8Array;
  defined: number;
}

function badIndex(index: number, palette: Palette): never {
  throw corrupt(FORMAT, `a pixel uses colour ${index}, but the palette has only ${palette.defined} colours`);
}

function readPalette(bytes: Uint8Array, h: BmpHeader, bitCount: number): Palette {
  const maxEntries = 1 << bitCount;
  const entrySize = h.headerSize === CORE_HEADER ? 3 : 4;
  const start = h.infoEnd + (h.masks && h.headerSize === INFO_HEADER ? maskBytes(h.compression) : 0);

  // A colour count that runs past the end of the file is a lie we refuse
  // (b/badpalettesize claims 305 million colours).
  if (h.colorsUsed > 0 && start + h.colorsUsed * entrySize > bytes.length) {
    throw corrupt(FORMAT, `the palette of ${h.colorsUsed} colours runs past the end of the file`);
  }
  // A palette larger than the bit depth can address (q/pal8oversizepal: 300 colours for
  // 8 bits) is harmless: the extra entries are unreachable.
  let count = Math.min(h.colorsUsed === 0 ? maxEntries : h.colorsUsed, maxEntries);
  // The palette ends where the pixels start. OS/2 1.x has no colour count, and some
  // files carry fewer than 2^n entries (q/pal8os2sp): the pixel data offset is the
  // only sign, and reading on would take pixels for colours.
  count = Math.min(count, Math.floor((h.dataOffset - start) / entrySize), Math.floor((bytes.length - start) / entrySize));
  count = Math.max(0, count);

  const palette = new Uint8Array(maxEntries * 4);
  for (let i = 3; i < palette.length; i += 4) palette[i] = 255; // opaque black by default
  for (let i = 0; i < count; i++) {
    const from = start + i * entrySize;
    palette[i * 4] = bytes[from + 2]!; // stored as B, G, R
    palette[i * 4 + 1] = bytes[from + 1]!;
    palette[i * 4 + 2] = bytes[from]!;
  }
  return { rgba: palette, defined: count };
}

function maskBytes(compression: number): number {
  if (compression === BI_BITFIELDS) return 12;
  if (compression === BI_ALPHABITFIELDS) return 16;
  return 0;
}

// ---------------------------------------------------------------------------
// Bit fields

/** From a pixel word to one 8-bit channel value. */
type Channel = (word: number) => number;

/**
 * Turns one mask into a Channel. Scaling is v * 255 / max, rounded: bmpsuite asks
 * for proper scaling so that 5-bit 31 is 255 (not 248, as plain shifting gives)
 * and odd widths (2, 3, 10, 17 bits) come out right. A mask of 0 (an absent
 * channel, as blue in b/rgb16-880) gives `absent`.
 */
function channelFor(mask: number, absent: number): Channel {
  const m = mask >>> 0;
  if (m === 0) return () => absent;
  let shift = 0;
  while (((m >>> shift) & 1) === 0) shift++;
  const max = m >>> shift;
  // A mask with holes in it (0b1011) has no sensible meaning.
  if (max !== 0xffffffff && (max & (max + 1)) !== 0) throw corrupt(FORMAT, `bit mask 0x${m.toString(16)} is not contiguous`);
  if (max <= 0xffff) {
    // Narrow fields (all real-world ones): a lookup table.
    const table = new Uint8Array(max + 1);
    for (let v = 0; v <= max; v++) table[v] = Math.round((v * 255) / max);
    return (word) => table[(word >>> shift) & max]!;
  }
  // Wide fields (17+ bits, as in q/rgb32-7187): compute. `>>> 0` keeps a
  // 32-bit field unsigned.
  return (word) => Math.round((((word >>> shift) & max) >>> 0) * (255 / max));
}

function checkMasks(masks: Masks, bitCount: number): void {
  const all = [masks.red, masks.green, masks.blue, masks.alpha];
  const limit = bitCount === 32 ? 0xffffffff : (1 << bitCount) - 1;
  for (let i = 0; i < all.length; i++) {
    const mask = all[i]! >>> 0;
    if (mask > limit) throw corrupt(FORMAT, `bit mask 0x${mask.toString(16)} is wider than a ${bitCount}-bit pixel`);
    for (let j = i + 1; j < all.length; j++) {
      if ((mask & all[j]!) !== 0) throw corrupt(FORMAT, 'bit masks overlap');
    }
  }
}

// ---------------------------------------------------------------------------
// Row readers for uncompressed data: one source row -> one RGBA output row.

type RowReader = (src: Uint8Array, srcAt: number, out: Uint8ClampedArray, outAt: number, width: number) => void;

function indexedRowReader(bitCount: 1 | 2 | 4 | 8, table: Palette): RowReader {
  const palette = table.rgba;
  const indexMask = (1 << bitCount) - 1;
  const perByteLog2 = 3 - Math.log2(bitCount); // 1 bit: 8 pixels a byte, so x >> 3
  const slotMask = (1 << perByteLog2) - 1;
  return (src, srcAt, out, outAt, width) => {
    for (let x = 0; x < width; x++) {
      const byte = src[srcAt + (x >> perByteLog2)]!;
      // The leftmost pixel sits in the most significant bits.
      const shift = 8 - bitCount * ((x & slotMask) + 1);
      const index = (byte >> shift) & indexMask;
      if (index >= table.defined) badIndex(index, table);
      const p = index * 4;
      const o = outAt + x * 4;
      out[o] = palette[p]!;
      out[o + 1] = palette[p + 1]!;
      out[o + 2] = palette[p + 2]!;
      out[o + 3] = 255;
    }
  };
}

const rgb24RowReader: RowReader = (src, srcAt, out, outAt, width) => {
  for (let x = 0; x < width; x++) {
    const s = srcAt + x * 3;
    const o = outAt + x * 4;
    out[o] = src[s + 2]!;
    out[o + 1] = src[s + 1]!;
    out[o + 2] = src[s]!;
    out[o + 3] = 255;
  }
};

function fieldsRowReader(bitCount: 16 | 32, masks: Masks): RowReader {
  checkMasks(masks, bitCount);
  if (bitCount === 32) {
    const fast = byteAligned32RowReader(masks);
    if (fast) return fast;
  }
  // An absent colour channel reads as 0; no alpha mask means opaque.
  const r = channelFor(masks.red, 0);
  const g = channelFor(masks.green, 0);
  const b = channelFor(masks.blue, 0);
  const a = channelFor(masks.alpha, 255);
  const bytesPerPixel = bitCount / 8;
  return (src, srcAt, out, outAt, width) => {
    for (let x = 0; x < width; x++) {
      const s = srcAt + x * bytesPerPixel;
      const word =
        bitCount === 16
          ? src[s]! | (src[s + 1]! << 8)
          : (src[s]! | (src[s + 1]! << 8) | (src[s + 2]! << 16) | (src[s + 3]! << 24)) >>> 0;
      const o = outAt + x * 4;
      out[o] = r(word);
      out[o + 1] = g(word);
      out[o + 2] = b(word);
      out[o + 3] = a(word);
    }
  };
}

/**
 * The common 32-bit layouts (BGRX, BGRA, and any order of whole bytes) need no
 * scaling: copy bytes. About twice as fast as the general path on large images.
 * Returns null when some mask is not exactly one whole byte.
 */
function byteAligned32RowReader(masks: Masks): RowReader | null {
  const byteOf = (mask: number): number => {
    for (let i = 0; i < 4; i++) if (mask >>> 0 === (0xff << (i * 8)) >>> 0) return i;
    return -1;
  };
  const [r, g, b] = [byteOf(masks.red), byteOf(masks.green), byteOf(masks.blue)];
  const a = masks.alpha === 0 ? -1 : byteOf(masks.alpha);
  if (r < 0 || g < 0 || b < 0 || (masks.alpha !== 0 && a < 0)) return null;
  return (src, srcAt, out, outAt, width) => {
    for (let x = 0; x < width; x++) {
      const s = srcAt + x * 4;
      const o = outAt + x * 4;
      out[o] = src[s + r]!;
      out[o + 1] = src[s + g]!;
      out[o + 2] = src[s + b]!;
      out[o + 3] = a < 0 ? 255 : src[s + a]!;
    }
  };
}

/** Rows of 4-byte-aligned, uncompressed pixels, bottom-up or top-down. */
function decodeRows(bytes: Uint8Array, h: BmpHeader, bitCount: number, readRow: RowReader): RawImage {
  const stride = Math.ceil((h.width * bitCount) / 32) * 4;
  // Checked before allocating anything: the data must really be there, which also
  // bounds the output by the file size (at worst 32 output bytes per input byte).
  if (h.dataOffset + stride * h.height > bytes.length) throw truncated(FORMAT);
  const image = allocate(h.width, h.height);
  const outStride = h.width * 4;
  for (let row = 0; row < h.height; row++) {
    const y = h.topDown ? row : h.height - 1 - row;
    readRow(bytes, h.dataOffset + row * stride, image.data, y * outStride, h.width);
  }
  return image;
}

function allocate(width: number, height: number): RawImage {
  if (width * height * 4 > MAX_OUTPUT_BYTES) {
    throw new ThumbnailError('too-large', `This BMP image is too large to decode (${width}×${height}).`);
  }
  return createRawImage(width, height);
}

// ---------------------------------------------------------------------------
// RLE4 / RLE8

/**
 * Expands an RLE stream. Pixels the stream never sets (skipped by a delta,
 * or left by an early end-of-line / end-of-bitmap) stay transparent black: that
 * is bmpsuite's first-choice rendering of q/pal8rletrns and q/pal8rlecut.
 *
 * The stream is hostile input (b/badrle*): a run or delta that would paint
 * outside the image makes the file corrupt (the suite calls these invalid),
 * and nothing is ever written out of bounds.
 */
function decodeRle(bytes: Uint8Array, h: BmpHeader, bitCount: 4 | 8, table: Palette): RawImage {
  const palette = table.rgba;
  const { width, height } = h;
  if (h.dataOffset > bytes.length) throw truncated(FORMAT);
  // Unlike plain rows, RLE can claim a vast image in a few bytes (everything not
  // painted is left blank). A 2-byte run paints at most 255 pixels, so n bytes paint
  // at most ~128n: an image far beyond that, and beyond a size any pixel limit
  // allows anyway, is a crafted file, refused before allocating its buffer.
  const streamBytes = bytes.length - h.dataOffset;
  if (width * height > RLE_UNCHECKED_PIXELS && width * height > streamBytes * 128) {
    throw corrupt(FORMAT, 'the RLE data is far too short for the image size');
  }
  const image = allocate(width, height);
  const out = image.data;
  let pos = h.dataOffset;
  let x = 0;
  let y = 0; // rows counted from the bottom, as stored

  const outside = () => corrupt(FORMAT, 'its RLE data paints outside the image');
  const put = (index: number) => {
    if (x >= width || y >= height) throw outside();
    if (index >= table.defined) badIndex(index, table);
    const o = ((height - 1 - y) * width + x) * 4;
    const p = index * 4;
    out[o] = palette[p]!;
    out[o + 1] = palette[p + 1]!;
    out[o + 2] = palette[p + 2]!;
    out[o + 3] = 255;
    x++;
  };

  while (y < height) {
    // A stream may stop after the last row's end-of-line without an end-of-bitmap;
    // stopping any earlier means the file was cut.
    if (pos + 2 > bytes.length) throw truncated(FORMAT);
    const count = bytes[pos]!;
    const value = bytes[pos + 1]!;
    pos += 2;

    if (count > 0) {
      // Encoded run. RLE4 alternates the two nibbles of the value. Real encoders
      // (Pillow's hopper_rle8_row_overflow) let a run spill past the row's end;
      // the spill is clipped, as Pillow and ImageMagick do.
      const n = Math.min(count, Math.max(0, width - x));
      for (let i = 0; i < n; i++) put(bitCount === 8 ? value : i % 2 === 0 ? value >> 4 : value & 0x0f);
      x += count - n;
      continue;
    }

    if (value === 0) {
      // End of line.
      x = 0;
      y++;
    } else if (value === 1) {
      // End of bitmap.
      break;
    } else if (value === 2) {
      // Delta: move right and up (down the stored order) without painting.
      if (pos + 2 > bytes.length) throw truncated(FORMAT);
      x += bytes[pos]!;
      y += bytes[pos + 1]!;
      pos += 2;
      if (x > width || y > height) throw outside();
    } else {
      // Absolute mode: `value` literal pixels, padded to a 16-bit boundary.
      const n = value;
      const dataBytes = bitCount === 8 ? n : Math.ceil(n / 2);
      if (pos + dataBytes > bytes.length) throw truncated(FORMAT);
      if (n > width - x) throw outside();
      for (let i = 0; i < n; i++) {
        if (bitCount === 8) put(bytes[pos + i]!);
        else {
          const byte = bytes[pos + (i >> 1)]!;
          put(i % 2 === 0 ? byte >> 4 : byte & 0x0f);
        }
      }
      pos += dataBytes + (dataBytes & 1);
    }
  }
  return image;
}

// ---------------------------------------------------------------------------
// Decode

/**
 * Where alpha comes from bit fields, an image whose every alpha value is 0 is
 * almost surely one whose writer left the spare byte empty, not an invisible
 * image: show it opaque, as browsers do.
 */
function opaqueIfAllTransparent(image: RawImage): void {
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return;
  for (let i = 3; i < d.length; i += 4) d[i] = 255;
}

function decodeBmp(bytes: Uint8Array): RawImage {
  const h = parseHeader(bytes);
  const layout = pixelLayout(h);
  if (h.dataOffset < h.infoEnd) throw corrupt(FORMAT, 'the pixel data offset points inside the header');

  switch (layout.kind) {
    case 'indexed':
      return decodeRows(bytes, h, layout.bitCount, indexedRowReader(layout.bitCount, readPalette(bytes, h, layout.bitCount)));
    case 'rle':
      return decodeRle(bytes, h, layout.bitCount, readPalette(bytes, h, layout.bitCount));
    case 'rgb24':
      return decodeRows(bytes, h, 24, rgb24RowReader);
    case 'fields': {
      const image = decodeRows(bytes, h, layout.bitCount, fieldsRowReader(layout.bitCount, layout.masks));
      if (layout.masks.alpha !== 0) opaqueIfAllTransparent(image);
      return image;
    }
  }
}

// ---------------------------------------------------------------------------
// Encode

/**
 * Opaque images: 24-bit BITMAPINFOHEADER, bottom-up, the most widely read form.
 * Images with any transparency: 32-bit BITMAPV4HEADER with BITFIELDS masks
 * including alpha, which is how Windows itself writes alpha BMPs.
 * Either way decodeBmp gives back exactly the same pixels, except that an image
 * whose every pixel has alpha 0 comes back opaque (see opaqueIfAllTransparent).
 */
function encodeBmp(image: RawImage): Uint8Array {
  const { width, height, data } = image;
  const alpha = hasTransparency(image);
  const bitCount = alpha ? 32 : 24;
  const headerSize = alpha ? V4_HEADER : INFO_HEADER;
  const stride = Math.ceil((width * bitCount) / 32) * 4;
  const dataOffset = FILE_HEADER_SIZE + headerSize;
  const imageSize = stride * height;
  const fileSize = dataOffset + imageSize;
  if (fileSize > 0xffffffff) {
    throw new ThumbnailError('too-large', `A ${width}×${height} image is too large for a BMP file.`);
  }

  const out = new Uint8Array(fileSize);
  const dv = view(out);
  // File header.
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, fileSize, true);
  dv.setUint32(10, dataOffset, true);
  // Info header (the first 40 bytes are common to both).
  const at = FILE_HEADER_SIZE;
  dv.setUint32(at, headerSize, true);
  dv.setInt32(at + 4, width, true);
  dv.setInt32(at + 8, height, true); // positive: bottom-up, the form every reader knows
  dv.setUint16(at + 12, 1, true); // planes
  dv.setUint16(at + 14, bitCount, true);
  dv.setUint32(at + 16, alpha ? BI_BITFIELDS : BI_RGB, true);
  dv.setUint32(at + 20, imageSize, true);
  dv.setInt32(at + 24, 2835, true); // 72 dpi, in pixels per metre
  dv.setInt32(at + 28, 2835, true);
  if (alpha) {
    dv.setUint32(at + 40, 0x00ff0000, true); // red
    dv.setUint32(at + 44, 0x0000ff00, true); // green
    dv.setUint32(at + 48, 0x000000ff, true); // blue
    dv.setUint32(at + 52, 0xff000000, true); // alpha
    dv.setUint32(at + 56, 0x73524742, true); // colour space 'sRGB'
  }

  for (let y = 0; y < height; y++) {
    let o = dataOffset + (height - 1 - y) * stride;
    let s = y * width * 4;
    for (let x = 0; x < width; x++, s += 4) {
      out[o++] = data[s + 2]!;
      out[o++] = data[s + 1]!;
      out[o++] = data[s]!;
      if (alpha) out[o++] = data[s + 3]!;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------

export const bmpCodec = defineCodec({
  format: 'bmp',
  label: 'BMP',
  mimeType: 'image/bmp',
  extension: 'bmp',
  fileExtensions: ['.bmp', '.dib'],
  // Uncompressed: "Same as input" gives PNG, except for the old API's format ('legacy').
  sameAsInput: 'png',
  // Ours and createImageBitmap alike (2.2x and 2.1x the canvas path); ours first because it passes bmpsuite.
  decoders: ['core', 'bitmap'],
  takesQuality: false,
  keepsAlpha: true,
  sniff: sniffBmp,
  looksLike: hasSignature,
  probe: probeBmp,
  decode: (bytes) => new Promise((resolve) => resolve(decodeBmp(bytes))),
  encode: (image) => new Promise((resolve) => resolve(encodeBmp(image))),
});

export { probeBmp, decodeBmp, encodeBmp };

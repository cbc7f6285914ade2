/**
 * GIF: the first frame only (a thumbnail is one picture), decoded with omggif.
 * We read GIF but do not write it: the pipeline turns GIF input into PNG output.
 *
 * omggif's reader parses every frame up front and throws on anything it does not
 * know (a plain-text extension, a damaged later frame, a cut-off tail), losing a
 * first frame that was fine. So we walk the blocks ourselves up to the end of the
 * first image, copy just that image into a minimal one-frame GIF whose screen is
 * the frame itself, let omggif decode it, and place the result on a transparent
 * canvas of the logical screen size. That also clips frames that stick out of
 * the screen, which omggif would wrap into the next row.
 */
// @ts-expect-error -- omggif ships no type declarations; GifReaderClass below types what we use.
import omggif from 'omggif';
import { corrupt, isThumbnailError, ThumbnailError, truncated } from '../errors';
import { createRawImage, type RawImage } from '../image';
import { defineCodec, type ImageInfo } from './codec';

interface GifReaderInstance {
  decodeAndBlitFrameRGBA(frame: number, pixels: Uint8Array): void;
}
type GifReaderClass = new (bytes: Uint8Array) => GifReaderInstance;
const { GifReader } = omggif as { GifReader: GifReaderClass };

const FORMAT = 'GIF';
const HEADER_SIZE = 13; // 'GIF89a' + logical screen descriptor (7 bytes)
/**
 * A first frame may be larger than the screen (it is clipped), but not absurdly:
 * the decoder must hold every one of its pixels, and a 44-byte file can declare
 * 4 billion. Up to four screens' worth, or 1 MP for tiny screens, is allowed.
 */
const FRAME_OVERSIZE_FACTOR = 4;
const FRAME_OVERSIZE_FLOOR = 1 << 20;

// ---------------------------------------------------------------------------
// Blocks

/** A colour table's place in the file: 3 bytes per entry. */
interface ColorTable {
  offset: number;
  entries: number;
}

interface FirstFrame {
  x: number;
  y: number;
  width: number;
  height: number;
  interlaced: boolean;
  palette: ColorTable | undefined;
  transparentIndex: number | undefined;
  /** The LZW minimum code size byte through the terminating empty sub-block. */
  dataStart: number;
  dataEnd: number;
}

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8);
}

/** Entries in a colour table whose presence/size are in a packed byte (flag 0x80, size in the low 3 bits). */
function tableEntries(packed: number): number {
  return packed & 0x80 ? 2 << (packed & 0x07) : 0;
}

/** Offset just after a run of data sub-blocks (ended by a zero-length one), or -1 when the bytes run out. */
function skipSubBlocks(bytes: Uint8Array, pos: number): number {
  let at = pos;
  while (at < bytes.length) {
    const size = bytes[at] ?? 0;
    at += 1 + size;
    if (size === 0) return at;
  }
  return -1;
}

function readScreen(bytes: Uint8Array): { width: number; height: number; globalTable: ColorTable | undefined } {
  if (bytes.length < HEADER_SIZE) throw truncated(FORMAT);
  const width = uint16(bytes, 6);
  const height = uint16(bytes, 8);
  const entries = tableEntries(bytes[10] ?? 0);
  return { width, height, globalTable: entries ? { offset: HEADER_SIZE, entries } : undefined };
}

/** Walks extensions up to the first image descriptor and returns where that image's parts are. */
function findFirstFrame(bytes: Uint8Array, globalTable: ColorTable | undefined): FirstFrame {
  let pos = HEADER_SIZE + (globalTable ? globalTable.entries * 3 : 0);
  let transparentIndex: number | undefined;
  while (pos < bytes.length) {
    const introducer = bytes[pos];
    if (introducer === 0x3b) throw corrupt(FORMAT, 'it ends before its first image'); // trailer
    if (introducer === 0x21) {
      // Extension: label, then sub-blocks. Only the graphic control extension (F9) matters: transparency.
      const label = bytes[pos + 1];
      if (label === 0xf9 && bytes[pos + 2] === 4 && (bytes[pos + 3] ?? 0) & 0x01) transparentIndex = bytes[pos + 6];
      const next = skipSubBlocks(bytes, pos + 2);
      if (next < 0) throw truncated(FORMAT);
      pos = next;
      continue;
    }
    if (introducer !== 0x2c) throw corrupt(FORMAT, `it has an unknown block (0x${(introducer ?? 0).toString(16)})`);
    return readImageDescriptor(bytes, pos, globalTable, transparentIndex);
  }
  throw truncated(FORMAT);
}

function readImageDescriptor(
  bytes: Uint8Array,
  pos: number,
  globalTable: ColorTable | undefined,
  transparentIndex: number | undefined,
): FirstFrame {
  if (pos + 10 > bytes.length) throw truncated(FORMAT);
  const packed = bytes[pos + 9] ?? 0;
  const localEntries = tableEntries(packed);
  const dataStart = pos + 10 + localEntries * 3;
  const minCodeSize = bytes[dataStart];
  if (minCodeSize === undefined) throw truncated(FORMAT);
  // LZW codes are at most 12 bits, so the starting size must leave room to grow.
  if (minCodeSize > 11) throw corrupt(FORMAT, `its LZW code size (${minCodeSize}) is invalid`);
  const dataEnd = skipSubBlocks(bytes, dataStart + 1);
  if (dataEnd < 0) throw truncated(FORMAT);
  return {
    x: uint16(bytes, pos + 1),
    y: uint16(bytes, pos + 3),
    width: uint16(bytes, pos + 5),
    height: uint16(bytes, pos + 7),
    interlaced: (packed & 0x40) !== 0,
    palette: localEntries ? { offset: pos + 10, entries: localEntries } : globalTable,
    transparentIndex,
    dataStart,
    dataEnd,
  };
}

// ---------------------------------------------------------------------------
// Decode

/** LZW codes never exceed 12 bits, so the table holds at most 4096 entries. */
const LZW_TABLE_SIZE = 4096;

/**
 * omggif follows LZW codes without checking them, and a code beyond the end of
 * the table can become its own prefix: decoding then loops forever (found by
 * fuzzing: three flipped bytes in a valid GIF hung the worker). This pass reads
 * the codes exactly as omggif does and refuses such a stream, so every code it
 * lets through points at an entry that exists and chasing prefixes terminates.
 */
function checkLzwCodes(bytes: Uint8Array, frame: FirstFrame): void {
  const minCodeSize = bytes[frame.dataStart] ?? 0;
  const clear = 1 << minCodeSize;
  const endOfInformation = clear + 1;
  let codeSize = minCodeSize + 1;
  let next = endOfInformation + 1;
  let previous = -1; // none yet, as after a clear code
  let bits = 0;
  let bitCount = 0;
  let pos = frame.dataStart + 1;
  let blockLeft = 0;
  for (;;) {
    while (bitCount < codeSize) {
      if (blockLeft === 0) {
        blockLeft = bytes[pos++] ?? 0;
        if (blockLeft === 0) return; // the data ends; omggif stops here too
      }
      bits |= (bytes[pos++] ?? 0) << bitCount;
      bitCount += 8;
      blockLeft--;
    }
    const code = bits & ((1 << codeSize) - 1);
    bits >>>= codeSize;
    bitCount -= codeSize;
    if (code === clear) {
      codeSize = minCodeSize + 1;
      next = endOfInformation + 1;
      previous = -1;
      continue;
    }
    if (code === endOfInformation) return;
    // A code may name the entry about to be made (next) only when there is a previous code to build it from.
    if (code > next || (code === next && previous < 0)) throw corrupt(FORMAT, 'its compressed image data is damaged');
    if (previous >= 0 && next < LZW_TABLE_SIZE) {
      next++;
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
    }
    previous = code;
  }
}

/** Log2 of a table size minus one, as the packed fields store it (2 entries -> 0, 256 -> 7). */
function sizeBits(entries: number): number {
  return Math.log2(entries) - 1;
}

/** 256 greys: what Pillow uses for a GIF that has no colour table at all. */
function greyRamp(): Uint8Array {
  return Uint8Array.from({ length: 768 }, (_, i) => Math.floor(i / 3));
}

/** A valid one-frame GIF holding only `frame`, with a screen exactly the frame's size. */
function oneFrameGif(bytes: Uint8Array, frame: FirstFrame): Uint8Array {
  const palette = frame.palette ? bytes.subarray(frame.palette.offset, frame.palette.offset + frame.palette.entries * 3) : greyRamp();
  const data = bytes.subarray(frame.dataStart, frame.dataEnd);
  const size = (w: number) => [w & 0xff, w >> 8];
  const transparent = frame.transparentIndex !== undefined;
  const parts = [
    Uint8Array.of(0x47, 0x49, 0x46, 0x38, 0x39, 0x61, ...size(frame.width), ...size(frame.height), 0x80 | sizeBits(palette.length / 3), 0, 0),
    palette,
    Uint8Array.of(0x21, 0xf9, 4, transparent ? 1 : 0, 0, 0, frame.transparentIndex ?? 0, 0),
    Uint8Array.of(0x2c, 0, 0, 0, 0, ...size(frame.width), ...size(frame.height), frame.interlaced ? 0x40 : 0),
    data,
    Uint8Array.of(0x3b),
  ];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let pos = 0;
  for (const part of parts) {
    out.set(part, pos);
    pos += part.length;
  }
  return out;
}

/** Copies RGBA `pixels` (w×h) onto `canvas` at (x, y), clipping what falls outside. */
function blit(canvas: RawImage, pixels: Uint8Array, w: number, h: number, x: number, y: number): void {
  const rows = Math.max(0, Math.min(h, canvas.height - y));
  const cols = Math.max(0, Math.min(w, canvas.width - x));
  if (rows === 0 || cols === 0) return; // wholly off the screen
  for (let row = 0; row < rows; row++) {
    canvas.data.set(pixels.subarray(row * w * 4, (row * w + cols) * 4), ((y + row) * canvas.width + x) * 4);
  }
}

function decodeFirstFrame(bytes: Uint8Array): RawImage {
  const { width, height } = probe(bytes);
  const { globalTable } = readScreen(bytes);
  const frame = findFirstFrame(bytes, globalTable);
  const canvas = createRawImage(width, height); // transparent: what shows where the frame does not paint
  if (frame.width === 0 || frame.height === 0) return canvas;
  if (frame.width * frame.height > Math.max(width * height * FRAME_OVERSIZE_FACTOR, FRAME_OVERSIZE_FLOOR)) {
    throw new ThumbnailError(
      'too-large',
      `This GIF's first frame declares ${frame.width}×${frame.height} pixels on a ${width}×${height} screen; it is too large to decode.`,
    );
  }
  checkLzwCodes(bytes, frame);
  const pixels = new Uint8Array(frame.width * frame.height * 4);
  try {
    new GifReader(oneFrameGif(bytes, frame)).decodeAndBlitFrameRGBA(0, pixels);
  } catch (e) {
    throw corrupt(FORMAT, `its image data could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
  blit(canvas, pixels, frame.width, frame.height, frame.x, frame.y);
  return canvas;
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  try {
    return decodeFirstFrame(bytes);
  } catch (e) {
    if (isThumbnailError(e)) throw e;
    // A RangeError here is an allocation the header asked for and memory refused.
    if (e instanceof RangeError) throw new ThumbnailError('too-large', `This GIF is too large to decode (${e.message}).`);
    throw corrupt(FORMAT, e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------

function probe(bytes: Uint8Array): ImageInfo {
  const { width, height } = readScreen(bytes);
  if (width === 0 || height === 0) throw corrupt(FORMAT, `the image ${width === 0 ? 'width' : 'height'} is 0`);
  // GIF has no EXIF orientation.
  return { format: 'gif', width, height, orientation: 1 };
}

function sniff(bytes: Uint8Array): boolean {
  if (bytes.length < 6) return false;
  const signature = String.fromCharCode(...bytes.subarray(0, 6));
  return signature === 'GIF87a' || signature === 'GIF89a';
}

export const gifCodec = defineCodec({
  format: 'gif',
  label: 'GIF',
  mimeType: 'image/gif',
  extension: 'gif',
  fileExtensions: ['.gif'],
  // We write no GIF: "Same as input" gives PNG (first frame, alpha kept).
  sameAsInput: 'png',
  // Ours first: it passes the corpus's GIFs, and a first frame is small work.
  decoders: ['core', 'bitmap'],
  takesQuality: false,
  keepsAlpha: true,
  sniff,
  looksLike: (bytes) => bytes.length >= 3 && String.fromCharCode(...bytes.subarray(0, 3)) === 'GIF',
  probe,
  decode,
});

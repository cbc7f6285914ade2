/**
 * WebP: RIFF chunks read in TypeScript, pixels by libwebp (via @jsquash/webp).
 *
 * jSquash's decoder calls WebPDecodeRGBA, which refuses animated files
 * ("Decoding error"). A thumbnail needs one picture, so for an animation we cut
 * the first frame out into a standalone WebP, decode that, and place it on a
 * transparent canvas of the animation's size: what a browser shows before it
 * starts playing.
 */
import decodeWebp, { init as initDecoderUntyped } from '@jsquash/webp/decode.js';
import encodeWebp, { init as initEncoderUntyped } from '@jsquash/webp/encode.js';
import { codecCrashed, codecLoaded, corrupt, isThumbnailError, ThumbnailError, truncated } from '../errors';
import { readExifOrientation } from '../exif';
import { isSrgbProfile } from '../icc';
import { createRawImage, type Orientation, type RawImage } from '../image';
import { concatBytes, defineCodec, toArrayBuffer, type EncodeSettings, type ImageInfo } from './codec';
import { providedWasm } from './wasm';

const FORMAT = 'WebP';
/** 'RIFF' <size> 'WEBP': the file header before the first chunk. */
const RIFF_HEADER_SIZE = 12;

/** jSquash's .d.ts declares init(overrides) only, but its JS takes (module, overrides). */
type EmscriptenInit = (module: WebAssembly.Module | undefined) => Promise<unknown>;
const initDecoder = initDecoderUntyped as unknown as EmscriptenInit;
const initEncoder = initEncoderUntyped as unknown as EmscriptenInit;

// ---------------------------------------------------------------------------
// RIFF chunks

interface RiffChunk {
  fourcc: string;
  /** Offset of the chunk header (fourcc) and of its data. */
  offset: number;
  start: number;
  size: number;
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function uint24(data: DataView, at: number): number {
  return data.getUint16(at, true) | (data.getUint8(at + 2) << 16);
}

/**
 * The chunks from `from` to `to`, each padded to an even size as RIFF wants.
 * When the bytes end inside a chunk, that chunk comes last with its size cut to
 * what is there, and `complete` is false: a cut file still tells its size.
 */
function readChunks(bytes: Uint8Array, from: number, to: number): { chunks: RiffChunk[]; complete: boolean } {
  const data = view(bytes);
  const chunks: RiffChunk[] = [];
  let pos = from;
  while (pos + 8 <= to) {
    const size = data.getUint32(pos + 4, true);
    const available = to - pos - 8;
    chunks.push({ fourcc: fourcc(bytes, pos), offset: pos, start: pos + 8, size: Math.min(size, available) });
    if (size > available) return { chunks, complete: false };
    pos += 8 + size + (size & 1);
  }
  return { chunks, complete: pos >= to };
}

/** The whole chunk (header, data and padding byte) as it sits in the file. */
function rawChunk(bytes: Uint8Array, chunk: RiffChunk): Uint8Array {
  return bytes.subarray(chunk.offset, Math.min(bytes.length, chunk.start + chunk.size + (chunk.size & 1)));
}

// ---------------------------------------------------------------------------
// Probe

interface WebpHeader {
  width: number;
  height: number;
  animated: boolean;
  chunks: RiffChunk[];
  cutShort: boolean;
}

const VP8X_ANIMATION = 0x02;

/** The smallest first-chunk data that holds the image size, per chunk type. */
const SIZE_FIELDS_END: Readonly<Record<string, number>> = { VP8X: 10, 'VP8 ': 10, VP8L: 5 };

/** Width/height from the first chunk: VP8X canvas, VP8 key frame, or VP8L header. */
function imageSize(bytes: Uint8Array, first: RiffChunk): { width: number; height: number } {
  const data = view(bytes);
  const at = first.start;
  switch (first.fourcc) {
    case 'VP8X': // flags(1) reserved(3) canvas width-1 (24 bits) canvas height-1 (24 bits)
      return { width: uint24(data, at + 4) + 1, height: uint24(data, at + 7) + 1 };
    case 'VP8 ': // frame tag(3) start code 9D 01 2A, then 14-bit width and height (2 scale bits above)
      if (bytes[at + 3] !== 0x9d || bytes[at + 4] !== 0x01 || bytes[at + 5] !== 0x2a) {
        throw corrupt(FORMAT, 'its lossy image header (VP8) has no start code');
      }
      return { width: data.getUint16(at + 6, true) & 0x3fff, height: data.getUint16(at + 8, true) & 0x3fff };
    default: {
      // VP8L: signature 0x2F, then width-1 and height-1 in 14 bits each, little-endian bit order
      if (bytes[at] !== 0x2f) throw corrupt(FORMAT, 'its lossless image header (VP8L) is damaged');
      const bits = data.getUint32(at + 1, true);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
  }
}

function readHeader(bytes: Uint8Array): WebpHeader {
  if (bytes.length < RIFF_HEADER_SIZE + 8) throw truncated(FORMAT);
  // The RIFF size counts from byte 8; a file shorter than that is cut; longer is trailing junk (ignored).
  const declaredEnd = 8 + view(bytes).getUint32(4, true);
  const riffEnd = Math.min(bytes.length, declaredEnd);
  const { chunks, complete } = readChunks(bytes, RIFF_HEADER_SIZE, riffEnd);
  const first = chunks[0];
  if (!first) throw corrupt(FORMAT, 'it has no image chunk');
  const needed = SIZE_FIELDS_END[first.fourcc];
  if (needed === undefined) throw corrupt(FORMAT, `it starts with an unknown chunk '${first.fourcc.replace(/[^ -~]/g, '?')}'`);
  if (first.size < needed) throw complete ? corrupt(FORMAT, `its ${first.fourcc.trim()} header is too short`) : truncated(FORMAT);
  const { width, height } = imageSize(bytes, first);
  if (width === 0 || height === 0) throw corrupt(FORMAT, `the image ${width === 0 ? 'width' : 'height'} is 0`);
  const animated = first.fourcc === 'VP8X' && ((bytes[first.start] ?? 0) & VP8X_ANIMATION) !== 0;
  return { width, height, animated, chunks, cutShort: declaredEnd > bytes.length };
}

/** Orientation from the EXIF chunk (only extended-format files have one). */
function orientationOf(bytes: Uint8Array, chunks: readonly RiffChunk[]): Orientation {
  const exif = chunks.find((c) => c.fourcc === 'EXIF');
  return exif ? readExifOrientation(bytes.subarray(exif.start, exif.start + exif.size)) : 1;
}

function probe(bytes: Uint8Array): ImageInfo {
  const { width, height, chunks, cutShort, animated } = readHeader(bytes);
  const info: ImageInfo = { format: 'webp', width, height, orientation: orientationOf(bytes, chunks) };
  if (animated) info.animated = true;
  const iccp = chunks.find((c) => c.fourcc === 'ICCP');
  if (iccp && !isSrgbProfile(bytes.subarray(iccp.start, iccp.start + iccp.size))) info.foreignColourProfile = true;
  return cutShort ? { ...info, cutShort } : info;
}

// ---------------------------------------------------------------------------
// Decode

let decoderReady: Promise<unknown> | undefined;

/** Decodes a still WebP; null when libwebp refuses it (it says only "Decoding error"; the caller knows more). */
async function decodeStill(file: Uint8Array): Promise<RawImage | null> {
  decoderReady ??= initDecoder(providedWasm('webpDecode'));
  await codecLoaded('WebP decoder', decoderReady);
  try {
    const image = await decodeWebp(toArrayBuffer(file));
    return createRawImage(image.width, image.height, image.data);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      decoderReady = undefined; // a trapped instance is not trusted again
      throw codecCrashed('WebP decoder', e.message);
    }
    return null;
  }
}

/** A RIFF/WEBP file holding the given chunks. */
function riffFile(chunks: readonly Uint8Array[]): Uint8Array {
  const size = chunks.reduce((sum, c) => sum + c.length, 0);
  const out = new Uint8Array(RIFF_HEADER_SIZE + size);
  const data = view(out);
  out.set([0x52, 0x49, 0x46, 0x46]); // 'RIFF'
  data.setUint32(4, 4 + size, true);
  out.set([0x57, 0x45, 0x42, 0x50], 8); // 'WEBP'
  let pos = RIFF_HEADER_SIZE;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/** A VP8X chunk declaring an alpha channel, needed when a lossy frame carries an ALPH chunk. */
function vp8xWithAlpha(width: number, height: number): Uint8Array {
  const chunk = new Uint8Array(18);
  const data = view(chunk);
  chunk.set([0x56, 0x50, 0x38, 0x58]); // 'VP8X'
  data.setUint32(4, 10, true);
  chunk[8] = 0x10; // alpha flag
  for (const [at, value] of [[12, width - 1], [15, height - 1]] as const) {
    data.setUint16(at, value & 0xffff, true);
    chunk[at + 2] = value >>> 16;
  }
  return chunk;
}

interface Frame {
  x: number;
  y: number;
  width: number;
  height: number;
  file: Uint8Array;
}

/** The first ANMF chunk as a standalone WebP, with its place on the canvas. */
function firstFrame(bytes: Uint8Array, chunks: readonly RiffChunk[]): Frame | null {
  const anmf = chunks.find((c) => c.fourcc === 'ANMF');
  if (!anmf || anmf.size < 16) return null;
  const data = view(bytes);
  // X and Y are stored halved; width and height minus one (all 24-bit).
  const x = uint24(data, anmf.start) * 2;
  const y = uint24(data, anmf.start + 3) * 2;
  const width = uint24(data, anmf.start + 6) + 1;
  const height = uint24(data, anmf.start + 9) + 1;
  const inner = readChunks(bytes, anmf.start + 16, anmf.start + anmf.size).chunks;
  const image = inner.find((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L');
  if (!image) return null;
  const alpha = inner.find((c) => c.fourcc === 'ALPH');
  const parts =
    alpha && image.fourcc === 'VP8 '
      ? [vp8xWithAlpha(width, height), rawChunk(bytes, alpha), rawChunk(bytes, image)]
      : [rawChunk(bytes, image)];
  return { x, y, width, height, file: riffFile(parts) };
}

/** Copies `frame` onto a transparent canvas at (x, y), clipping what falls outside. */
function onCanvas(frame: RawImage, x: number, y: number, width: number, height: number): RawImage {
  const canvas = createRawImage(width, height);
  const rows = Math.max(0, Math.min(frame.height, height - y));
  const cols = Math.max(0, Math.min(frame.width, width - x));
  if (rows === 0 || cols === 0) return canvas; // wholly off the canvas
  for (let row = 0; row < rows; row++) {
    const from = row * frame.width * 4;
    canvas.data.set(frame.data.subarray(from, from + cols * 4), ((y + row) * width + x) * 4);
  }
  return canvas;
}

/** True when the RIFF header promises more bytes than the file has. */
function isCutShort(bytes: Uint8Array): boolean {
  return 8 + view(bytes).getUint32(4, true) > bytes.length;
}

async function decodeAnimation(bytes: Uint8Array, header: WebpHeader): Promise<RawImage> {
  const frame = firstFrame(bytes, header.chunks);
  const pixels = frame && (await decodeStill(frame.file));
  if (!frame || !pixels) {
    throw isCutShort(bytes) ? truncated(FORMAT) : corrupt(FORMAT, 'the first frame of its animation could not be decoded');
  }
  return onCanvas(pixels, frame.x, frame.y, header.width, header.height);
}

async function decodeAny(bytes: Uint8Array): Promise<RawImage> {
  const header = readHeader(bytes);
  if (header.animated) return decodeAnimation(bytes, header);
  const image = await decodeStill(bytes);
  if (image) return image;
  throw isCutShort(bytes) ? truncated(FORMAT) : corrupt(FORMAT, 'its image data could not be decoded');
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  try {
    return await decodeAny(bytes);
  } catch (e) {
    if (isThumbnailError(e)) throw e;
    // A RangeError here is an allocation (an animation canvas) that memory refused.
    if (e instanceof RangeError) throw new ThumbnailError('too-large', `This WebP is too large to decode (${e.message}).`);
    throw corrupt(FORMAT, e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------
// Encode

let encoderReady: Promise<unknown> | undefined;

async function encode(image: RawImage, settings: EncodeSettings): Promise<Uint8Array> {
  // In Node the provided module is the SIMD build, which jSquash picks there too.
  encoderReady ??= initEncoder(providedWasm('webpEncode'));
  await codecLoaded('WebP encoder', encoderReady);
  try {
    // jSquash types its input as the DOM ImageData; it reads only width, height and data.
    const output = await encodeWebp(image as unknown as ImageData, { quality: settings.quality });
    return new Uint8Array(output);
  } catch (e) {
    encoderReady = undefined; // start a fresh instance next time
    throw new ThumbnailError('codec-crashed', 'The WebP encoder failed on this image.', e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------
// Metadata

/** VP8X flag bits that announce an EXIF or XMP chunk: cleared along with the chunk. */
const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;

/** The chunks that draw the picture: the image, its alpha, its colour profile, and animation frames. */
const PICTURE_CHUNKS = new Set(['VP8X', 'VP8 ', 'VP8L', 'ALPH', 'ICCP', 'ANIM', 'ANMF']);

/**
 * The file with only its picture chunks: EXIF and XMP (and any unknown chunk an
 * app added) go, their VP8X flags are cleared and the RIFF size is fixed; the
 * rest is kept byte for byte.
 */
function withoutMetadata(bytes: Uint8Array): Uint8Array | undefined {
  const { chunks, cutShort } = readHeader(bytes);
  if (cutShort) return undefined;
  const kept = chunks.filter((c) => PICTURE_CHUNKS.has(c.fourcc));
  if (kept.length === chunks.length) return bytes;
  const out = concatBytes([bytes.subarray(0, RIFF_HEADER_SIZE), ...kept.map((c) => rawChunk(bytes, c))]);
  view(out).setUint32(4, out.length - 8, true);
  if (kept[0]?.fourcc === 'VP8X') out[RIFF_HEADER_SIZE + 8] = (out[RIFF_HEADER_SIZE + 8] ?? 0) & ~(VP8X_EXIF | VP8X_XMP);
  return out;
}

// ---------------------------------------------------------------------------

export const webpCodec = defineCodec({
  format: 'webp',
  label: 'WebP',
  mimeType: 'image/webp',
  extension: 'webp',
  fileExtensions: ['.webp'],
  sameAsInput: 'itself',
  // Chromium 150: createImageBitmap 1.50x the canvas path, ours 2.44x.
  decoders: ['bitmap', 'core'],
  takesQuality: true,
  // Node 20 has WASM SIMD, and @jsquash/webp's encoder picks its SIMD glue code
  // there (wasm-feature-detect), so the SIMD binary is the one whose imports match.
  wasm: { webpDecode: '@jsquash/webp/codec/dec/webp_dec.wasm', webpEncode: '@jsquash/webp/codec/enc/webp_enc_simd.wasm' },
  keepsAlpha: true,
  sniff: (bytes) => bytes.length >= RIFF_HEADER_SIZE && fourcc(bytes, 0) === 'RIFF' && fourcc(bytes, 8) === 'WEBP',
  // 'RIFF' alone is also WAV and AVI; only a RIFF too short to say which, or 'WEBP' where it belongs, counts.
  looksLike: (bytes) => (bytes.length >= 12 && fourcc(bytes, 8) === 'WEBP') || (bytes.length < RIFF_HEADER_SIZE && bytes.length >= 4 && fourcc(bytes, 0) === 'RIFF'),
  probe,
  decode,
  encode,
  withoutMetadata,
});

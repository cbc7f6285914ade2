/**
 * PNG: chunk structure checked in TypeScript, pixels decoded by the Rust `png`
 * crate (via @jsquash/png, 8-bit RGBA out), written by the same module.
 *
 * Why check the structure here rather than let the decoder find the damage:
 * - the WASM decoder says only "`unwrap_throw` failed", never why;
 * - each failed decode leaks WASM memory (about the decoded image's size: a cut
 *   3 MP PNG leaked 13 MB per attempt, and after a few hundred small failures a
 *   good file crashed with "memory access out of bounds"), and jSquash offers no
 *   way to start a fresh instance.
 * So truncation, missing chunks, bad headers and checksum errors are caught
 * before any WASM runs, with a message that names the problem. What is left for
 * the decoder to find is damage inside the compressed data.
 */
import decodePng, { init as initPngDecoder } from '@jsquash/png/decode.js';
import encodePng, { init as initPngEncoder } from '@jsquash/png/encode.js';
import { codecCrashed, codecLoaded, corrupt, ThumbnailError, truncated } from '../errors';
import { unzlibSync } from 'fflate';
import { readExifOrientation } from '../exif';
import { isSrgbProfile } from '../icc';
import { createRawImage, withOwnBuffer, type Orientation, type RawImage } from '../image';
import { concatBytes, defineCodec, toArrayBuffer, type ImageInfo } from './codec';
import { providedWasm } from './wasm';

const FORMAT = 'PNG';
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Largest width/height the PNG spec allows (2^31 - 1). */
const MAX_DIMENSION = 0x7fffffff;

// ---------------------------------------------------------------------------
// Chunks

interface PngChunk {
  type: string;
  /** Offset of the chunk's data (after length and type). */
  start: number;
  length: number;
}

/** How a walk over the chunks ended. */
type ChunkWalkEnd =
  | 'iend' // reached IEND: complete file
  | 'no-iend' // the bytes ran out exactly between chunks, before IEND
  | 'truncated' // the bytes ran out inside a chunk
  | 'bad-chunk'; // a chunk type that is not four ASCII letters: garbage, not PNG

interface ChunkWalk {
  chunks: PngChunk[];
  end: ChunkWalkEnd;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0);
}

function isChunkType(bytes: Uint8Array, at: number): boolean {
  for (let i = at; i < at + 4; i++) {
    const c = bytes[i] ?? 0;
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return true;
}

/** Walks the chunks after the signature, up to IEND. It jumps from chunk header to chunk header: a few hundred reads at most. */
function walkChunks(bytes: Uint8Array): ChunkWalk {
  const chunks: PngChunk[] = [];
  let pos = SIGNATURE.length;
  while (pos < bytes.length) {
    if (pos + 8 > bytes.length) return { chunks, end: 'truncated' };
    if (!isChunkType(bytes, pos + 4)) return { chunks, end: 'bad-chunk' };
    const length = readUint32(bytes, pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + length > bytes.length) return { chunks, end: 'truncated' };
    chunks.push({ type, start: pos + 8, length });
    if (type === 'IEND') return { chunks, end: 'iend' };
    pos += 12 + length;
  }
  return { chunks, end: 'no-iend' };
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (ISO 3309) over a chunk's type and data, as PNG stores after each chunk. */
function chunkCrc(bytes: Uint8Array, chunk: PngChunk): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (let i = chunk.start - 4; i < chunk.start + chunk.length; i++) {
    crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function crcMatches(bytes: Uint8Array, chunk: PngChunk): boolean {
  return chunkCrc(bytes, chunk) === readUint32(bytes, chunk.start + chunk.length);
}

/**
 * Critical chunks must have a correct checksum (libpng's rule too); damage in
 * ancillary chunks (text, metadata) is ignored, as it does not touch the pixels.
 */
function checkCriticalChecksums(bytes: Uint8Array, chunks: readonly PngChunk[]): void {
  for (const chunk of chunks) {
    const critical = chunk.type === 'IHDR' || chunk.type === 'PLTE' || chunk.type === 'IDAT' || chunk.type === 'IEND';
    if (critical && !crcMatches(bytes, chunk)) throw corrupt(FORMAT, `the checksum of its ${chunk.type} chunk is wrong`);
  }
}

// ---------------------------------------------------------------------------
// Header

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
}

/** Bit depths the spec allows for each colour type. */
const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16], // greyscale
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // greyscale + alpha
  6: [8, 16], // RGBA
};

function readHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < SIGNATURE.length) throw truncated(FORMAT);
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) {
    // sniff() matched '\x89PNG'; the rest differs, typically after a text-mode transfer rewrote line ends.
    throw corrupt(FORMAT, 'its signature is damaged (was it sent as text, changing the line ends?)');
  }
  if (bytes.length < SIGNATURE.length + 8 + 13 + 4) throw truncated(FORMAT);
  const ihdr: PngChunk = { type: 'IHDR', start: 16, length: readUint32(bytes, 8) };
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw corrupt(FORMAT, 'it does not start with a header (IHDR) chunk');
  if (ihdr.length !== 13) throw corrupt(FORMAT, 'its header (IHDR) chunk has the wrong size');
  if (!crcMatches(bytes, ihdr)) throw corrupt(FORMAT, 'the checksum of its header (IHDR) chunk is wrong');

  const width = readUint32(bytes, 16);
  const height = readUint32(bytes, 20);
  const [bitDepth = 0, colorType = 0, compression, filter, interlace] = bytes.subarray(24, 29);
  if (width === 0 || height === 0) throw corrupt(FORMAT, `the image ${width === 0 ? 'width' : 'height'} is 0`);
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) throw corrupt(FORMAT, 'its width or height is beyond what PNG allows');
  const depths = BIT_DEPTHS[colorType];
  if (!depths) throw corrupt(FORMAT, `colour type ${colorType} does not exist`);
  if (!depths.includes(bitDepth)) throw corrupt(FORMAT, `bit depth ${bitDepth} is not allowed for colour type ${colorType}`);
  if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    throw corrupt(FORMAT, 'its header names an unknown compression, filter or interlace method');
  }
  return { width, height, bitDepth, colorType };
}

// ---------------------------------------------------------------------------
// Orientation

/** tEXt keyword under which ImageMagick stores EXIF, followed by the keyword's NUL separator. */
const RAW_EXIF_KEYWORD = 'Raw profile type exif\0';

function latin1(bytes: Uint8Array): string {
  return new TextDecoder('latin1').decode(bytes);
}

/**
 * ImageMagick (before eXIf existed) stores EXIF as a tEXt chunk
 * "Raw profile type exif" whose text is "\nexif\n<length>\n<hex digits>"; the
 * bytes are a JPEG APP1 payload ('Exif\0\0' + TIFF). Pillow reads it; so do we.
 */
function rawProfileExif(bytes: Uint8Array, chunk: PngChunk): Uint8Array | undefined {
  const keyword = latin1(bytes.subarray(chunk.start, chunk.start + RAW_EXIF_KEYWORD.length));
  if (keyword !== RAW_EXIF_KEYWORD) return undefined;
  const text = latin1(bytes.subarray(chunk.start + RAW_EXIF_KEYWORD.length, chunk.start + chunk.length));
  const hex = text.split('\n').slice(3).join('').replace(/\s+/g, '');
  const exif = new Uint8Array(Math.floor(hex.length / 2));
  for (let i = 0; i < exif.length; i++) exif[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16) || 0;
  return exif;
}

/**
 * The eXIf chunk's orientation (the standard place, before IDAT), else that of
 * ImageMagick's raw-profile text chunk, else 1. Browsers read only eXIf; the
 * text form is old but ImageMagick 6 still writes it.
 */
function orientationOf(bytes: Uint8Array, chunks: readonly PngChunk[]): Orientation {
  const exif = chunks.find((c) => c.type === 'eXIf');
  if (exif) return readExifOrientation(bytes.subarray(exif.start, exif.start + exif.length));
  for (const chunk of chunks) {
    const raw = chunk.type === 'tEXt' ? rawProfileExif(bytes, chunk) : undefined;
    if (raw) return readExifOrientation(raw);
  }
  return 1;
}

function probe(bytes: Uint8Array): ImageInfo {
  const { width, height } = readHeader(bytes);
  const { chunks, end } = walkChunks(bytes);
  // Metadata that matters for orientation sits before the image data.
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  const header = idat < 0 ? chunks : chunks.slice(0, idat);
  const info: ImageInfo = { format: 'png', width, height, orientation: orientationOf(bytes, header) };
  if (hasForeignProfile(bytes, header)) info.foreignColourProfile = true;
  if (header.some((c) => c.type === 'acTL')) info.animated = true;
  return end === 'truncated' || end === 'no-iend' ? { ...info, cutShort: true } : info;
}

// ---------------------------------------------------------------------------
// Colour

/** Enough of an inflated profile for its header, tag table and colorants; a bigger one is cut, not refused. */
const PROFILE_READ_LIMIT = 256 * 1024;

/**
 * An iCCP profile (name, NUL, compression method, zlib data) that is not sRGB.
 * An sRGB chunk says sRGB outright; a profile that will not inflate counts as
 * foreign, since we cannot tell.
 */
function hasForeignProfile(bytes: Uint8Array, header: readonly PngChunk[]): boolean {
  if (header.some((c) => c.type === 'sRGB')) return false;
  const iccp = header.find((c) => c.type === 'iCCP');
  if (!iccp) return false;
  const data = bytes.subarray(iccp.start, iccp.start + iccp.length);
  const nul = data.indexOf(0);
  if (nul < 1 || nul + 2 > data.length) return true;
  try {
    return !isSrgbProfile(unzlibSync(data.subarray(nul + 2), { out: new Uint8Array(PROFILE_READ_LIMIT) }));
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------
// Decode

let pngReady: Promise<unknown> | undefined;

/**
 * One WASM module serves decode and encode. Each jSquash entry keeps its own
 * "initialised" flag but they share the wasm-bindgen glue, which instantiates
 * once: initialising decode first and encode after it reuses that instance.
 */
function ensurePng(): Promise<void> {
  pngReady ??= (async () => {
    const module = providedWasm('png');
    await initPngDecoder(module);
    await initPngEncoder(module);
  })();
  return codecLoaded('PNG codec', pngReady);
}

const ANIMATION_CHUNKS = new Set(['acTL', 'fcTL', 'fdAT']);

/**
 * The file without its APNG animation chunks. We show the default image (IDAT),
 * which every non-APNG decoder shows; the animation chunks can then only make
 * the decode fail (sequence gaps, frame counts), never improve it.
 */
function withoutAnimation(bytes: Uint8Array, chunks: readonly PngChunk[]): Uint8Array {
  if (!chunks.some((c) => ANIMATION_CHUNKS.has(c.type))) return bytes;
  return withChunks(bytes, chunks.filter((c) => !ANIMATION_CHUNKS.has(c.type)));
}

/** A PNG of the signature and these chunks, each copied whole (length, type, data, checksum). */
function withChunks(bytes: Uint8Array, kept: readonly PngChunk[]): Uint8Array {
  return concatBytes([bytes.subarray(0, SIGNATURE.length), ...kept.map((c) => bytes.subarray(c.start - 8, c.start + c.length + 4))]);
}

/** Everything that can be wrong with the chunk structure, found before the WASM decoder runs. */
function checkStructure(bytes: Uint8Array, header: PngHeader, walk: ChunkWalk): void {
  if (walk.end === 'truncated') throw truncated(FORMAT);
  if (walk.end === 'bad-chunk') throw corrupt(FORMAT, 'it contains a damaged chunk (not a valid chunk name)');
  const types = new Set(walk.chunks.map((c) => c.type));
  if (!types.has('IDAT')) {
    throw walk.end === 'no-iend' ? truncated(FORMAT) : corrupt(FORMAT, 'it has no image data (IDAT chunk)');
  }
  if (header.colorType === 3 && !types.has('PLTE')) throw corrupt(FORMAT, 'it is a palette image without a palette');
  checkCriticalChecksums(bytes, walk.chunks);
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const header = readHeader(bytes);
  const walk = walkChunks(bytes);
  checkStructure(bytes, header, walk);
  await ensurePng();
  let image: ImageData;
  try {
    image = await decodePng(toArrayBuffer(withoutAnimation(bytes, walk.chunks)));
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) {
      throw codecCrashed('PNG decoder', e.message);
    }
    // The decoder gives no reason; the structure was sound, so the compressed data is at fault.
    if (walk.end === 'no-iend') throw truncated(FORMAT);
    throw corrupt(FORMAT, 'its compressed image data is damaged');
  }
  if (image.width !== header.width || image.height !== header.height) {
    throw corrupt(FORMAT, `it decoded to ${image.width}×${image.height}, not the ${header.width}×${header.height} its header says`);
  }
  return createRawImage(image.width, image.height, image.data);
}

// ---------------------------------------------------------------------------
// Encode

/**
 * oxipng's effort, chosen by measurement on the corpus's PNGs at thumbnail size
 * (bench/oxipng-levels.bench.ts; the figures are in README.md).
 */
const OXIPNG_LEVEL = 2;

interface Oxipng {
  optimise_raw(data: Uint8ClampedArray, width: number, height: number, level: number, interlace: boolean, optimiseAlpha: boolean): Uint8Array;
}
let oxipngReady: Promise<Oxipng> | undefined;

/** Loaded on the first PNG written, so a page that never writes one never fetches it. */
function loadOxipng(): Promise<Oxipng> {
  oxipngReady ??= import('@jsquash/oxipng/optimise.js').then(({ init }) => init(providedWasm('oxipng')) as unknown as Promise<Oxipng>);
  return oxipngReady;
}

/**
 * Lossless and as small as oxipng makes it: it picks the colour type and bit
 * depth the pixels need (a two-colour icon becomes a 1-bit palette, a grey one
 * greyscale) and the best filters, where the plain encoder always writes 8-bit
 * RGBA. Should oxipng not load (offline before it was cached), the plain encoder
 * still gives a correct, if larger, PNG.
 */
async function encode(image: RawImage): Promise<Uint8Array> {
  const own = withOwnBuffer(image);
  try {
    const oxipng = await loadOxipng();
    return oxipng.optimise_raw(own.data, own.width, own.height, OXIPNG_LEVEL, false, false);
  } catch {
    oxipngReady = undefined;
    return encodePlain(own);
  }
}

/** The png crate's encoder: 8-bit RGBA, fast, not small. */
export async function encodePlain(image: RawImage): Promise<Uint8Array> {
  await ensurePng();
  try {
    // It types its input as the DOM ImageData; it reads only width, height and data.
    const output = await encodePng(withOwnBuffer(image) as unknown as ImageData);
    return new Uint8Array(output);
  } catch (e) {
    throw new ThumbnailError('codec-crashed', 'The PNG encoder failed on this image.', e instanceof Error ? e.message : String(e));
  }
}

// ---------------------------------------------------------------------------
// Metadata

/**
 * The chunks that say how the pixels look: the image, palette and transparency,
 * colour (gamma, primaries, sRGB, ICC, cICP and HDR levels), significant bits,
 * background and pixel size. Everything else goes: text (tEXt, zTXt, iTXt), EXIF
 * (eXIf, with GPS), the time (tIME), and any private chunk an app added, whose
 * content we cannot vouch for.
 */
const PICTURE_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND', 'gAMA', 'cHRM', 'sRGB', 'iCCP', 'cICP', 'mDCV', 'cLLI', 'sBIT', 'bKGD', 'pHYs']);

/** The file with only its picture chunks (PICTURE_CHUNKS), each kept byte for byte. */
function withoutMetadata(bytes: Uint8Array): Uint8Array | undefined {
  const { chunks, end } = walkChunks(bytes);
  if (end !== 'iend') return undefined;
  return withChunks(bytes, chunks.filter((c) => PICTURE_CHUNKS.has(c.type)));
}

// ---------------------------------------------------------------------------

export const pngCodec = defineCodec({
  format: 'png',
  label: 'PNG',
  mimeType: 'image/png',
  extension: 'png',
  fileExtensions: ['.png'],
  sameAsInput: 'itself',
  // Chromium 150, alpha PNG: createImageBitmap 1.79x the canvas path, ours 3.38x.
  decoders: ['bitmap', 'core'],
  takesQuality: false,
  wasm: { png: '@jsquash/png/codec/pkg/squoosh_png_bg.wasm', oxipng: '@jsquash/oxipng/codec/pkg/squoosh_oxipng_bg.wasm' },
  keepsAlpha: true,
  // The first four bytes ('\x89PNG') are enough to know it is meant as PNG; readHeader() checks the rest.
  sniff: (bytes) => bytes.length >= 4 && SIGNATURE.slice(0, 4).every((b, i) => bytes[i] === b),
  looksLike: (bytes) => bytes.length >= 2 && SIGNATURE.slice(0, Math.min(3, bytes.length)).every((b, i) => bytes[i] === b), // "\x89PN"
  probe,
  decode,
  encode,
  withoutMetadata,
});

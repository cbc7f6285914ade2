/**
 * JPEG XL (ISO/IEC 18181), input only: the headers read in TypeScript for the
 * probe, pixels decoded by libjxl (via @jsquash/jxl, Apache-2.0). The decoder
 * (about 850 KB of WebAssembly) is imported only when a JPEG XL file arrives.
 *
 * A file is either a bare codestream (FF 0A ...) or an ISO BMFF container
 * (18181-2) whose `jxlc` box holds the codestream, or whose `jxlp` boxes hold it
 * in parts (cjxl splits it after the first few bytes when it writes EXIF).
 *
 * Orientation: the codestream's own orientation field (cjxl copies a JPEG's EXIF
 * orientation into it) is applied by libjxl while decoding, so the pixels come
 * back upright. The probe reports the size as displayed, with orientation 1, and
 * the pipeline turns nothing. An EXIF box in the container is never read: its
 * orientation is to be ignored, the codestream's takes precedence (libjxl's
 * decode.h on the 18181-2 boxes).
 *
 * Colour: the decoder converts whatever the file holds (an ICC profile, P3,
 * 16-bit or float samples) to 8-bit sRGB itself (skcms), so no profile is ever
 * "ignored" and foreignColourProfile stays unset.
 *
 * Cut files: the wrapped decoder says "Decoding error" alike for a file cut short
 * and for a damaged one. To tell a person which, the probe follows the frames'
 * tables of contents to where the codestream must end (see framesAreCut).
 */
import { codecCrashed, corrupt, truncated } from '../errors';
import { createRawImage, type Orientation, type RawImage } from '../image';
import { concatBytes, defineCodec, toArrayBuffer, type ImageInfo } from './codec';
import { readBoxes } from './isobmff';
import { LazyLibrary } from './lazy';
import { providedWasm } from './wasm';

const FORMAT = 'JPEG XL';

const CODESTREAM_SIGNATURE = [0xff, 0x0a];
const CONTAINER_SIGNATURE = [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a]; // box 'JXL ', 12 bytes

function startsWith(bytes: Uint8Array, signature: readonly number[], length = signature.length): boolean {
  return bytes.length >= length && signature.slice(0, length).every((b, i) => bytes[i] === b);
}

// ---------------------------------------------------------------------------
// Container

interface Codestream {
  bytes: Uint8Array;
  /** The container says there should be more: a box runs past the end, or the last `jxlp` part never came. */
  cut: boolean;
}

/** The codestream: the file itself, or gathered from the container's `jxlc` box or `jxlp` parts. */
function codestreamOf(bytes: Uint8Array): Codestream {
  if (!startsWith(bytes, CONTAINER_SIGNATURE)) return { bytes, cut: false };
  const boxes = readBoxes(bytes, 0, bytes.length, FORMAT);
  const whole = boxes.find((b) => b.type === 'jxlc');
  if (whole) return { bytes: bytes.subarray(whole.start, whole.end), cut: whole.cut };
  // Each part starts with a 4-byte counter whose top bit marks the last part.
  const parts = boxes.filter((b) => b.type === 'jxlp' && b.start + 4 <= b.end);
  const lastPartSeen = parts.length > 0 && (bytes[parts.at(-1)!.start]! & 0x80) !== 0;
  // The file ends inside a box, or inside a box header too short to list.
  const endsInBox = boxes.some((b) => b.cut) || (boxes.at(-1)?.end ?? 0) < bytes.length;
  return gathered(
    parts.map((b) => bytes.subarray(b.start + 4, b.end)),
    endsInBox || !lastPartSeen,
  );
}

function gathered(parts: readonly Uint8Array[], cut: boolean): Codestream {
  // The codestream box comes after the signature, ftyp and metadata boxes: a file that ends without one was cut.
  if (parts.length === 0) throw truncated(FORMAT);
  return { bytes: parts.length === 1 ? parts[0]! : concatBytes(parts), cut };
}

// ---------------------------------------------------------------------------
// Bits

/** A header read ran past the bytes there are. */
class OutOfBits extends Error {}

/** A U32 distribution: `bits` more bits read, plus `offset` (a constant when bits is 0). */
type Dist = readonly [bits: number, offset: number];
const val = (v: number): Dist => [0, v];
const bits = (n: number, offset = 0): Dist => [n, offset];

/** JPEG XL's header fields, least significant bit first (the field codings of libjxl's fields.cc). */
class BitReader {
  private readonly bytes: Uint8Array;
  private at: number;
  constructor(bytes: Uint8Array, startByte = 0) {
    this.bytes = bytes;
    this.at = startByte * 8;
  }

  get bytePosition(): number {
    return Math.ceil(this.at / 8);
  }

  bits(n: number): number {
    if (this.at + n > this.bytes.length * 8) throw new OutOfBits();
    let value = 0;
    for (let i = 0; i < n; i++, this.at++) value += ((this.bytes[this.at >> 3]! >> (this.at & 7)) & 1) * 2 ** i;
    return value;
  }

  bool(): boolean {
    return this.bits(1) === 1;
  }

  skip(n: number): void {
    if (this.at + n > this.bytes.length * 8) throw new OutOfBits();
    this.at += n;
  }

  /** F16 fields are only ever skipped here. */
  skipF16(count = 1): void {
    this.skip(16 * count);
  }

  u32(d0: Dist, d1: Dist, d2: Dist, d3: Dist): number {
    const [n, offset] = [d0, d1, d2, d3][this.bits(2)]!;
    return offset + this.bits(n);
  }

  /** Exact below 2^53, which is all a valid header needs. */
  u64(): number {
    const selector = this.bits(2);
    if (selector === 0) return 0;
    if (selector === 1) return 1 + this.bits(4);
    if (selector === 2) return 17 + this.bits(8);
    let value = this.bits(12);
    for (let shift = 12; this.bool(); shift += 8) {
      if (shift === 60) return value + this.bits(4) * 2 ** 60;
      value += this.bits(8) * 2 ** shift;
    }
    return value;
  }

  enum(): number {
    return this.u32(val(0), val(1), bits(4, 2), bits(6, 18));
  }

  alignToByte(): void {
    this.at = Math.ceil(this.at / 8) * 8;
  }
}

// ---------------------------------------------------------------------------
// Image header: SizeHeader and ImageMetadata (as libjxl's headers.cc, image_metadata.cc and color_encoding_internal.cc read them)

interface ImageHeader {
  /** As stored: before the orientation. */
  width: number;
  height: number;
  orientation: Orientation;
  preview?: { width: number; height: number };
  animation?: { timecodes: boolean };
  extraChannels: number;
  xyb: boolean;
  wantIcc: boolean;
}

// Width = height × these, for the 3-bit `ratio` field (1..7).
const RATIOS: readonly (readonly [number, number])[] = [[1, 1], [12, 10], [4, 3], [3, 2], [16, 9], [5, 4], [2, 1]];

function widthFromRatio(ratio: number, height: number): number {
  const [num, den] = RATIOS[ratio - 1]!;
  return Math.floor((height * num) / den);
}

const SIZE: readonly [Dist, Dist, Dist, Dist] = [bits(9, 1), bits(13, 1), bits(18, 1), bits(30, 1)];

function readSizeHeader(r: BitReader): { width: number; height: number } {
  const small = r.bool();
  const height = small ? (r.bits(5) + 1) * 8 : r.u32(...SIZE);
  const ratio = r.bits(3);
  if (ratio !== 0) return { width: widthFromRatio(ratio, height), height };
  return { width: small ? (r.bits(5) + 1) * 8 : r.u32(...SIZE), height };
}

const PREVIEW_DIV8: readonly [Dist, Dist, Dist, Dist] = [val(16), val(32), bits(5, 1), bits(9, 33)];
const PREVIEW: readonly [Dist, Dist, Dist, Dist] = [bits(6, 1), bits(8, 65), bits(10, 321), bits(12, 1345)];

function readPreviewHeader(r: BitReader): { width: number; height: number } {
  const div8 = r.bool();
  const side = () => (div8 ? r.u32(...PREVIEW_DIV8) * 8 : r.u32(...PREVIEW));
  const height = side();
  const ratio = r.bits(3);
  return { width: ratio !== 0 ? widthFromRatio(ratio, height) : side(), height };
}

function readAnimationHeader(r: BitReader): { timecodes: boolean } {
  r.u32(val(100), val(1000), bits(10, 1), bits(30, 1)); // ticks per second: numerator
  r.u32(val(1), val(1001), bits(8, 1), bits(10, 1)); // and denominator
  r.u32(val(0), bits(3), bits(16), bits(32)); // loops
  return { timecodes: r.bool() };
}

function skipBitDepth(r: BitReader): void {
  if (!r.bool()) r.u32(val(8), val(10), val(12), bits(6, 1));
  else {
    r.u32(val(32), val(16), val(24), bits(6, 1));
    r.bits(4); // exponent bits
  }
}

function skipName(r: BitReader): void {
  r.skip(8 * r.u32(val(0), bits(4), bits(5, 16), bits(10, 48)));
}

const EXTRA_ALPHA = 0;
const EXTRA_SPOT_COLOUR = 2;
const EXTRA_CFA = 5;

function skipExtraChannelInfo(r: BitReader): void {
  if (r.bool()) return; // all default: 8-bit alpha
  const type = r.enum();
  skipBitDepth(r);
  r.u32(val(0), val(3), val(4), bits(3, 1)); // dim_shift
  skipName(r);
  if (type === EXTRA_ALPHA) r.bool(); // alpha_associated
  if (type === EXTRA_SPOT_COLOUR) r.skipF16(4);
  if (type === EXTRA_CFA) r.u32(val(1), bits(2), bits(4, 3), bits(8, 19));
}

const SPACE_GREY = 1;
const SPACE_XYB = 2;
const CUSTOM_WHITE_OR_PRIMARIES = 2;

function skipCustomXy(r: BitReader, count: number): void {
  for (let i = 0; i < 2 * count; i++) r.u32(bits(19), bits(19, 524288), bits(20, 1048576), bits(21, 2097152));
}

/** Reads the colour encoding; true when the colour is an (entropy-coded) ICC profile rather than enums. */
function readColourEncoding(r: BitReader): boolean {
  if (r.bool()) return false; // all default: sRGB
  const wantIcc = r.bool();
  const space = r.enum();
  if (wantIcc) return true;
  if (space !== SPACE_XYB && r.enum() === CUSTOM_WHITE_OR_PRIMARIES) skipCustomXy(r, 1);
  if (space !== SPACE_XYB && space !== SPACE_GREY && r.enum() === CUSTOM_WHITE_OR_PRIMARIES) skipCustomXy(r, 3);
  if (space !== SPACE_XYB) {
    // Transfer function: a gamma, or one of the named curves. (XYB implies its own.)
    if (r.bool()) r.bits(24);
    else r.enum();
  }
  r.enum(); // rendering intent
  return false;
}

function skipToneMapping(r: BitReader): void {
  if (r.bool()) return;
  r.skipF16(2); // intensity target, min nits
  r.bool(); // relative to max display
  r.skipF16(); // linear below
}

/** Extensions: a bit mask, then a size in bits for each set bit, then those bits. */
function skipExtensions(r: BitReader): void {
  const mask = r.u64();
  if (mask === 0) return;
  let total = 0;
  for (const bit of mask.toString(2)) if (bit === '1') total += r.u64();
  r.skip(total);
}

function readImageHeader(r: BitReader): ImageHeader {
  const { width, height } = readSizeHeader(r);
  if (r.bool()) return { width, height, orientation: 1, extraChannels: 0, xyb: true, wantIcc: false }; // all default
  const header: ImageHeader = { width, height, orientation: 1, extraChannels: 0, xyb: true, wantIcc: false };
  const extraFields = r.bool();
  if (extraFields) {
    header.orientation = (1 + r.bits(3)) as Orientation;
    if (r.bool()) readSizeHeader(r); // intrinsic size: a display hint libjxl does not apply
    if (r.bool()) header.preview = readPreviewHeader(r);
    if (r.bool()) header.animation = readAnimationHeader(r);
  }
  skipBitDepth(r);
  r.bool(); // modular_16_bit_buffer_sufficient
  header.extraChannels = r.u32(val(0), val(1), bits(4, 2), bits(12, 1));
  for (let i = 0; i < header.extraChannels; i++) skipExtraChannelInfo(r);
  header.xyb = r.bool();
  header.wantIcc = readColourEncoding(r);
  if (extraFields) skipToneMapping(r);
  skipExtensions(r);
  return header;
}

// ---------------------------------------------------------------------------
// Where the codestream ends: the frames (as libjxl's frame_header.cc, loop_filter.cc and toc.cc read them)

/**
 * Whether the codestream stops before its last frame does: true for a file cut
 * short, false for a whole one, undefined when that cannot be told without
 * entropy decoding (an ICC profile, a permuted table of contents: both are
 * entropy-coded, and both come before the sizes that matter).
 *
 * `r` stands just after the image header. What follows is a frame after frame
 * (a preview first, when there is one), each a header, a table of contents (the
 * byte size of each of its sections) and the sections; the frame marked last
 * ends the codestream. No pixel is decoded: a valid file of any size takes
 * microseconds to walk, and every frame moves the walk on by at least 2 bytes,
 * so a hostile one ends it at the end of the bytes.
 */
function framesAreCut(bytes: Uint8Array, r: BitReader, header: ImageHeader): boolean | undefined {
  try {
    skipTransformData(r, header.xyb);
    if (header.wantIcc) return undefined;
    r.alignToByte();
    let at = r.bytePosition;
    if (header.preview) {
      const preview = skipFrame(bytes, at, header, true);
      if (!preview) return undefined;
      at = preview.end;
    }
    for (;;) {
      const frame = skipFrame(bytes, at, header, false);
      if (!frame) return undefined;
      if (frame.last) return frame.end > bytes.length;
      at = frame.end;
    }
  } catch (e) {
    if (e instanceof OutOfBits) return true;
    throw e;
  }
}

/** The upsampling weights and XYB matrix after ImageMetadata (libjxl's CustomTransformData). */
function skipTransformData(r: BitReader, xyb: boolean): void {
  if (r.bool()) return;
  if (xyb && !r.bool()) r.skipF16(16); // opsin inverse matrix: 9 + 3 + 4 values
  const mask = r.bits(3);
  if (mask & 1) r.skipF16(15);
  if (mask & 2) r.skipF16(55);
  if (mask & 4) r.skipF16(210);
}

const FRAME_REGULAR = 0;
const FRAME_DC = 1;
const FRAME_REFERENCE_ONLY = 2;
const FRAME_SKIP_PROGRESSIVE = 3;
const BLEND_REPLACE = 0;
const BLEND_BLEND = 2;
const BLEND_ALPHA_WEIGHTED_ADD = 3;
const BLEND_MUL = 4;
/** Frame flag: the DC comes from an earlier DC frame (then no upsampling fields). */
const USE_DC_FRAME = 32;
// Chroma subsampling modes (0..3) as horizontal and vertical shifts.
const H_SHIFT = [0, 1, 1, 0];
const V_SHIFT = [0, 1, 0, 1];
/** libjxl refuses more table-of-contents entries than this. */
const MAX_TOC_ENTRIES = 65536;

/** What a frame header says about the frame's layout. */
interface FrameLayout {
  type: number;
  modular: boolean;
  maxHShift: number;
  maxVShift: number;
  upsampling: number;
  groupShift: number;
  passes: number;
  dcLevel: number;
  width?: number;
  height?: number;
  last: boolean;
}

/** The frame starting at byte `at`: where it ends, and whether it is the last; undefined when that cannot be told. */
function skipFrame(bytes: Uint8Array, at: number, header: ImageHeader, preview: boolean): { end: number; last: boolean } | undefined {
  const r = new BitReader(bytes, at);
  const size = preview ? header.preview! : header;
  const frame = readFrameHeader(r, header, size);
  const entries = tocEntries(frame, size);
  if (entries > MAX_TOC_ENTRIES) return undefined;
  if (r.bool()) return undefined; // a permuted table of contents is entropy-coded
  r.alignToByte();
  let sections = 0;
  for (let i = 0; i < entries; i++) sections += r.u32(bits(10), bits(14, 1024), bits(22, 17408), bits(30, 4211712));
  r.alignToByte();
  return { end: r.bytePosition + sections, last: frame.last };
}

function readFrameHeader(r: BitReader, header: ImageHeader, size: { width: number; height: number }): FrameLayout {
  const frame: FrameLayout = { type: FRAME_REGULAR, modular: false, maxHShift: 0, maxVShift: 0, upsampling: 1, groupShift: 1, passes: 1, dcLevel: 0, last: true };
  if (r.bool()) return frame; // all default
  frame.type = r.bits(2);
  frame.modular = r.bool();
  readSampling(r, header, frame);
  if (frame.modular) frame.groupShift = r.bits(2);
  else if (header.xyb) r.skip(6); // x and b quantisation matrix scales
  if (frame.type !== FRAME_REFERENCE_ONLY) frame.passes = readPasses(r);
  if (frame.type === FRAME_DC) frame.dcLevel = 1 + r.bits(2);
  const shown = frame.type === FRAME_REGULAR || frame.type === FRAME_SKIP_PROGRESSIVE;
  const partial = frame.type !== FRAME_DC && r.bool() && readCrop(r, frame, shown, size);
  let blend = BLEND_REPLACE;
  let duration = 0;
  if (shown) {
    blend = skipBlendingInfo(r, header.extraChannels, partial);
    for (let i = 0; i < header.extraChannels; i++) skipBlendingInfo(r, header.extraChannels, partial);
    if (header.animation) {
      duration = r.u32(val(0), val(1), bits(8), bits(32));
      if (header.animation.timecodes) r.skip(32);
    }
    frame.last = r.bool();
  } else {
    frame.last = false;
  }
  const saveAsReference = frame.type !== FRAME_DC && !frame.last ? r.bits(2) : 0;
  if (frame.type !== FRAME_DC) {
    const canBeReferenced = !frame.last && (duration === 0 || saveAsReference !== 0);
    if ((canBeReferenced && blend === BLEND_REPLACE && !partial && shown) || frame.type === FRAME_REFERENCE_ONLY) r.bool(); // save before colour transform
  }
  skipName(r);
  skipLoopFilter(r, frame.modular);
  skipExtensions(r);
  return frame;
}

/** The frame's flags, then its chroma subsampling (YCbCr frames) and upsampling, unless its DC comes from a DC frame. */
function readSampling(r: BitReader, header: ImageHeader, frame: FrameLayout): void {
  const flags = r.u64();
  const ycbcr = !header.xyb && r.bool();
  if (Math.floor(flags / USE_DC_FRAME) % 2 === 1) return;
  if (ycbcr) {
    for (let c = 0; c < 3; c++) {
      const mode = r.bits(2);
      frame.maxHShift = Math.max(frame.maxHShift, H_SHIFT[mode]!);
      frame.maxVShift = Math.max(frame.maxVShift, V_SHIFT[mode]!);
    }
  }
  frame.upsampling = 2 ** r.bits(2);
  r.skip(2 * header.extraChannels); // the extra channels' upsampling
}

function readPasses(r: BitReader): number {
  const passes = r.u32(val(1), val(2), val(3), bits(3, 4));
  if (passes === 1) return 1;
  const downsamples = r.u32(val(0), val(1), val(2), bits(1, 3));
  r.skip(2 * (passes - 1)); // shifts
  r.skip(2 * downsamples); // downsampling factors
  for (let i = 0; i < downsamples; i++) r.u32(val(0), val(1), val(2), bits(3)); // their last passes
  return passes;
}

const CROP: readonly [Dist, Dist, Dist, Dist] = [bits(8), bits(11, 256), bits(14, 2304), bits(30, 18688)];

/** A frame's own size and origin; true when it covers less than the whole image (a "partial" frame). */
function readCrop(r: BitReader, frame: FrameLayout, shown: boolean, size: { width: number; height: number }): boolean {
  const unpack = (u: number) => (u % 2 === 0 ? u / 2 : -(u + 1) / 2);
  const x0 = shown ? unpack(r.u32(...CROP)) : 0;
  const y0 = shown ? unpack(r.u32(...CROP)) : 0;
  frame.width = r.u32(...CROP);
  frame.height = r.u32(...CROP);
  return shown && (x0 > 0 || y0 > 0 || frame.width + x0 < size.width || frame.height + y0 < size.height);
}

/** Returns the blend mode. */
function skipBlendingInfo(r: BitReader, extraChannels: number, partial: boolean): number {
  const mode = r.u32(val(0), val(1), val(2), bits(2, 3));
  const alphaBlend = extraChannels > 0 && (mode === BLEND_BLEND || mode === BLEND_ALPHA_WEIGHTED_ADD);
  if (alphaBlend) r.u32(val(0), val(1), val(2), bits(3, 3)); // alpha channel
  if (alphaBlend || mode === BLEND_MUL) r.bool(); // clamp
  if (mode !== BLEND_REPLACE || partial) r.bits(2); // source
  return mode;
}

function skipLoopFilter(r: BitReader, modular: boolean): void {
  if (r.bool()) return;
  if (r.bool() && r.bool()) r.skipF16(6); // Gaborish, with custom weights
  if (r.bits(2) > 0) {
    // Edge-preserving filter iterations, and its custom parameters.
    if (!modular && r.bool()) r.skipF16(8);
    if (r.bool()) r.skipF16(5);
    if (r.bool()) r.skipF16(modular ? 3 : 4);
    if (modular) r.skipF16();
  }
  skipExtensions(r);
}

/** How many sections the frame has (libjxl's FrameDimensions and NumTocEntries). */
function tocEntries(frame: FrameLayout, size: { width: number; height: number }): number {
  const scale = 8 ** frame.dcLevel; // a DC frame is the image at 1:8 (or 1:64...)
  const width = Math.ceil(Math.ceil((frame.width ?? size.width) / scale) / frame.upsampling);
  const height = Math.ceil(Math.ceil((frame.height ?? size.height) / scale) / frame.upsampling);
  const groupDim = 128 << frame.groupShift;
  const xBlocks = Math.ceil(width / (8 << frame.maxHShift)) << frame.maxHShift;
  const yBlocks = Math.ceil(height / (8 << frame.maxVShift)) << frame.maxVShift;
  const groups = Math.ceil(width / groupDim) * Math.ceil(height / groupDim);
  const dcGroups = Math.ceil(xBlocks / groupDim) * Math.ceil(yBlocks / groupDim);
  return groups === 1 && frame.passes === 1 ? 1 : 2 + dcGroups + groups * frame.passes;
}

// ---------------------------------------------------------------------------
// Probe

function probe(bytes: Uint8Array): ImageInfo {
  if (!startsWith(bytes, CODESTREAM_SIGNATURE) && !startsWith(bytes, CONTAINER_SIGNATURE)) {
    throw bytes.length < CONTAINER_SIGNATURE.length ? truncated(FORMAT) : corrupt(FORMAT, 'its signature is missing');
  }
  const stream = codestreamOf(bytes);
  if (!startsWith(stream.bytes, CODESTREAM_SIGNATURE)) {
    throw stream.bytes.length < CODESTREAM_SIGNATURE.length && stream.cut ? truncated(FORMAT) : corrupt(FORMAT, 'its codestream does not begin with FF 0A');
  }
  const r = new BitReader(stream.bytes, CODESTREAM_SIGNATURE.length);
  const header = readHeaderOf(r);
  // libjxl hands the picture back upright: report it as displayed (see the top of this file).
  const turned = header.orientation >= 5;
  const info: ImageInfo = { format: 'jxl', width: turned ? header.height : header.width, height: turned ? header.width : header.height, orientation: 1 };
  if (header.animation) info.animated = true;
  if (stream.cut || framesAreCut(stream.bytes, r, header) === true) info.cutShort = true;
  return info;
}

/** The image header, or a typed error: a header that runs past the end of the file is a cut file. */
function readHeaderOf(r: BitReader): ImageHeader {
  try {
    return readImageHeader(r);
  } catch (e) {
    if (e instanceof OutOfBits) throw truncated(FORMAT);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Decode

type Init = (module?: WebAssembly.Module) => Promise<unknown>;
type Decode = (buffer: ArrayBuffer) => Promise<ImageData>;

/** What @jsquash/jxl throws when libjxl returned no image (damaged or cut data): the instance is still sound. */
const NO_IMAGE = 'Decoding error';

const decoder = new LazyLibrary('JPEG XL decoder', () =>
  import('@jsquash/jxl/decode.js').then(async (m) => {
    await (m.init as unknown as Init)(providedWasm('jxlDecode'));
    return m.default as Decode;
  }),
);

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const info = probe(bytes);
  const decodeJxl = await decoder.get();
  let image: ImageData;
  try {
    image = await decodeJxl(toArrayBuffer(bytes));
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // libjxl said no image: the file's fault, told apart by the probe (cut or damaged).
    if (why === NO_IMAGE) throw info.cutShort ? truncated(FORMAT) : corrupt(FORMAT, 'libjxl could not decode its image data');
    decoder.forget(); // anything else (an abort, out of memory) leaves an instance not safe to reuse
    if (e instanceof WebAssembly.RuntimeError) throw codecCrashed('JPEG XL decoder', why);
    throw corrupt(FORMAT, why);
  }
  if (image.width !== info.width || image.height !== info.height) {
    throw corrupt(FORMAT, `it decoded to ${image.width}×${image.height}, not the ${info.width}×${info.height} its header says`);
  }
  return createRawImage(image.width, image.height, new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength));
}

// ---------------------------------------------------------------------------

export const jxlCodec = defineCodec({
  format: 'jxl',
  label: 'JPEG XL',
  mimeType: 'image/jxl',
  extension: 'jxl',
  fileExtensions: ['.jxl'],
  sameAsInput: 'jpeg',
  // Of the engines we test, none shows JPEG XL (Safari 17+ on Apple systems does).
  decoders: ['core'],
  takesQuality: false,
  keepsAlpha: false,
  // Vite names the WebAssembly after jxl_dec.wasm (assets/jxl_dec-<hash>.wasm): 97 % of the bytes.
  // The glue is bundled with decode.js into a chunk named 'decode-<hash>.js', a name other
  // packages' decoders share, so it cannot be singled out by prefix.
  fetchedOnFirstUse: ['jsquash-jxl', 'jxl_dec'],
  wasm: { jxlDecode: '@jsquash/jxl/codec/dec/jxl_dec.wasm' },
  sniff: (bytes) => startsWith(bytes, CODESTREAM_SIGNATURE) || startsWith(bytes, CONTAINER_SIGNATURE),
  // A container whose signature box is cut or damaged after its type ('JXL ').
  looksLike: (bytes) => startsWith(bytes, CONTAINER_SIGNATURE, 8),
  probe,
  decode,
});

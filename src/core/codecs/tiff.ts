/**
 * TIFF: the first page only. The header is read here (probe, a walk of the first
 * directory); the pixels are unpacked by utif2 (photopea's UTIF.js, MIT), loaded
 * only when a TIFF is first decoded, and turned into RGBA here.
 *
 * What utif2 does for us: parsing the directory, strips and tiles, PackBits,
 * CCITT fax, JPEG (new and old style), the horizontal predictor, 16-bit byte order.
 * What we do instead, and why (each found on this machine, utif2 4.1.0):
 * - LZW: utif2's decoder follows table entries without checking them, and a code
 *   that names a stale entry makes a cycle: about one random byte flip in twenty in
 *   an LZW strip hung it for good. Ours (decodeLzw) checks every code and stops at
 *   the strip's size.
 * - Deflate: utif2 finds pako when its script loads, through `require("pako")` if
 *   `typeof require` says there is one, else a global `self.pako`. A browser has
 *   neither; Vite 8's build happens to work (rolldown turns that `require` into its
 *   bundled copy of pako), but that rests on how one bundler rewrites `typeof
 *   require`. So we import pako ourselves and inflate into the strip's size, which
 *   also stops a small stream that would inflate to gigabytes (a "zip bomb") there;
 *   utif2's own pako is never called and no global is read or set.
 * - RGBA: utif2's toRGBA8 reads `window.UDOC` for CMYK, which throws in a worker
 *   and in Node, reads 8 bits of 16-bit CMYK, ignores a grey image's alpha and
 *   leaves associated (premultiplied) alpha premultiplied. toRgba() below covers
 *   grey (min-is-black and min-is-white), RGB, palette and CMYK at 1-16 bits, with
 *   an extra sample as alpha, un-premultiplied when associated.
 * - Separate planes (PlanarConfiguration 2), which utif2 mixes up: each plane is
 *   decoded by utif2 as a one-sample image and interleaved here.
 * - Only the first directory reaches utif2, with its next-directory link cut and
 *   its links to sub-directories (EXIF, GPS, SubIFDs) renamed: utif2 follows every
 *   link without a bound, so a directory chain that loops never ends, and an entry
 *   of a linked directory claiming billions of values loops billions of times. The
 *   entries of the first directory are checked against the file's length first.
 * - utif2 writes "==== x y" to the console for every tiled image; the console is
 *   quiet while it runs.
 *
 * - JPEG inside a TIFF: utif2's decoder always hands back RGB, into a buffer sized
 *   for the file's own sample count, so a greyscale JPEG TIFF came out scrambled;
 *   utif2 is asked for three samples a pixel instead.
 *
 * Not read (each a typed unsupported-feature error): BigTIFF, floating-point and
 * signed samples, depths other than 1, 2, 4, 8 and 16 bits, CIELab, LogLuv, YCbCr
 * stored without JPEG, CMYK JPEG (utif2 takes it for Adobe's inverted CMYK: every
 * colour came out wrong), old-style JPEG of anything but colour, separate planes
 * below 8 bits or with JPEG, old-style (pre-1992) LZW, inks other than CMYK.
 */
import { corrupt, isThumbnailError, ThumbnailError, truncated, unsupportedFeature } from '../errors';
import { readJpegSegments } from '../exif';
import { isSrgbProfile } from '../icc';
import { createRawImage, type Orientation, type RawImage } from '../image';
import { defineCodec, type ImageInfo } from './codec';
import { LazyLibrary } from './lazy';

const FORMAT = 'TIFF';

// ---------------------------------------------------------------------------
// The first directory (IFD0), read by hand: enough for the probe and for checking
// what utif2 will be given.

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  photometric: 262,
  stripOffsets: 273,
  orientation: 274,
  samplesPerPixel: 277,
  stripByteCounts: 279,
  planar: 284,
  colorMap: 320,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
  extraSamples: 338,
  sampleFormat: 339,
  iccProfile: 34675,
} as const;

/** Bytes per value of each TIFF field type (1 BYTE ... 13 IFD); 0 for unknown types. */
const TYPE_SIZE = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/** Links utif2 follows into other directories: SubIFDs, EXIF, GPS, DNG private data, Fuji's, a MakerNote. */
const LINK_TAGS = new Set([330, 34665, 34853, 50740, 61440, 37500]);

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Where the entry sits (its 12 bytes start here). */
  at: number;
  /** Where its values are: inline (at + 8) when they fit in 4 bytes, else the offset it names. */
  valueAt: number;
  /** The values lie (partly) beyond the end of the file, or the type is unknown. */
  unreadable: boolean;
}

interface Directory {
  little: boolean;
  entries: Entry[];
  /** Where the link to the next directory (4 bytes) sits. */
  nextAt: number;
}

function readFirstDirectory(bytes: Uint8Array): Directory {
  if (bytes.length < 8) throw truncated(FORMAT);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) throw corrupt(FORMAT, 'its byte-order mark is neither "II" nor "MM"');
  const little = order === 0x4949;
  const magic = view.getUint16(2, little);
  if (magic === 43) throw unsupportedFeature(FORMAT, 'the BigTIFF layout (for files over 4 GB)');
  if (magic !== 42) throw corrupt(FORMAT, `its version number is ${magic}, not 42`);
  const ifd = view.getUint32(4, little);
  if (ifd < 8) throw corrupt(FORMAT, `its first directory is at offset ${ifd}, inside the header`);
  // Writers put the directory after the pixels, so a file cut short loses it first.
  if (ifd + 2 > bytes.length) throw truncated(FORMAT);
  const count = view.getUint16(ifd, little);
  if (count === 0) throw corrupt(FORMAT, 'its first directory is empty');
  const nextAt = ifd + 2 + count * 12;
  if (nextAt + 4 > bytes.length) throw truncated(FORMAT);
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12;
    const type = view.getUint16(at + 2, little);
    const entryCount = view.getUint32(at + 4, little);
    const size = (TYPE_SIZE[type] ?? 0) * entryCount;
    const valueAt = size <= 4 ? at + 8 : view.getUint32(at + 8, little);
    entries.push({ tag: view.getUint16(at, little), type, count: entryCount, at, valueAt, unreadable: size === 0 || valueAt + size > bytes.length });
  }
  return { little, entries, nextAt };
}

/** The first value of a SHORT or LONG entry (the types the spec allows for sizes), else undefined. */
function uintValue(bytes: Uint8Array, dir: Directory, tag: number): number | undefined {
  const entry = dir.entries.find((e) => e.tag === tag);
  if (!entry || entry.count < 1 || entry.unreadable) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (entry.type === 3) return view.getUint16(entry.valueAt, dir.little);
  if (entry.type === 4) return view.getUint32(entry.valueAt, dir.little);
  return undefined;
}

function probe(bytes: Uint8Array): ImageInfo {
  const dir = readFirstDirectory(bytes);
  const width = uintValue(bytes, dir, TAG.width);
  const height = uintValue(bytes, dir, TAG.height);
  if (width === undefined || height === undefined) throw corrupt(FORMAT, `its first directory has no image ${width === undefined ? 'width' : 'height'}`);
  if (width === 0 || height === 0) throw corrupt(FORMAT, `the image ${width === 0 ? 'width' : 'height'} is 0`);
  const turn = uintValue(bytes, dir, TAG.orientation) ?? 1;
  const info: ImageInfo = { format: 'tiff', width, height, orientation: turn >= 1 && turn <= 8 ? (turn as Orientation) : 1 };
  const icc = dir.entries.find((e) => e.tag === TAG.iccProfile && !e.unreadable);
  if (icc && !isSrgbProfile(bytes.subarray(icc.valueAt, icc.valueAt + icc.count))) info.foreignColourProfile = true;
  return info;
}

/**
 * A copy of the file as utif2 may safely see it (its own ArrayBuffer, which utif2
 * indexes from 0): no directory after the first, no links out of it, and no entry
 * whose values lie beyond the end (utif2 would read that many values regardless).
 */
function safeCopy(bytes: Uint8Array, dir: Directory): ArrayBuffer {
  const copy = new Uint8Array(bytes);
  const view = new DataView(copy.buffer);
  view.setUint32(dir.nextAt, 0, dir.little);
  for (const entry of dir.entries) {
    if (LINK_TAGS.has(entry.tag)) view.setUint16(entry.at, 0xfffe, dir.little); // a private tag nobody reads
    if (entry.unreadable) view.setUint32(entry.at + 4, 0, dir.little); // no values
  }
  return copy.buffer;
}

// ---------------------------------------------------------------------------
// utif2, loaded on first use and fitted with our LZW and Deflate.

/** A directory as utif2 parses it: "t" + tag number -> values. */
interface UtifIfd {
  [tag: string]: unknown;
  width?: number;
  height?: number;
  data?: Uint8Array;
}
type Decompress = (img: UtifIfd, ifds: UtifIfd[], data: Uint8Array, off: number, len: number, cmpr: number, tgt: Uint8Array, toff: number, fo: number, w: number, h: number) => void;
interface Utif {
  decode: { _decompress: Decompress } & ((buffer: ArrayBuffer, options: { parseMN: boolean; debug: boolean }) => UtifIfd[]);
  decodeImage(buffer: ArrayBuffer, ifd: UtifIfd, ifds?: UtifIfd[]): void;
}
/** The part of pako 1 we use (it ships no types). */
interface Pako {
  Inflate: new (options: { raw: boolean; chunkSize: number }) => { push(data: Uint8Array, end: boolean): boolean; onData: (chunk: Uint8Array) => void; onEnd: (status: number) => void };
}

const library = new LazyLibrary('TIFF decoder', () =>
  Promise.all([import('utif2'), importPako()]).then(([u, p]) => {
    const utif = ((u as { default?: unknown }).default ?? u) as Utif;
    const pako = ((p as { default?: unknown }).default ?? p) as Pako;
    const original = utif.decode._decompress;
    // Strips in our formats are decompressed here, straight into utif2's buffer; then
    // utif2 is told it has an uncompressed strip of no bytes (compression 1, length 0),
    // which copies nothing and runs its predictor and byte-order steps on what is there.
    utif.decode._decompress = function (img, ifds, data, off, len, cmpr, tgt, toff, fo, w, h) {
      if (cmpr !== 5 && cmpr !== 8 && cmpr !== 32946) return original.call(this, img, ifds, data, off, len, cmpr, tgt, toff, fo, w, h);
      const size = Math.ceil((w * samplesOf(img) * bitsOf(img)) / 8) * h;
      const src = data.subarray(off, off + len);
      const raw = cmpr === 5 ? decodeLzw(src, size) : inflate(pako, src, size);
      if (toff < tgt.length) tgt.set(raw.subarray(0, tgt.length - toff), toff); // a strip listed beyond the image lands nowhere
      original.call(this, img, ifds, raw, 0, 0, 1, tgt, toff, fo, w, h);
    };
    return utif;
  }),
);

function importPako(): Promise<unknown> {
  // @ts-expect-error -- pako 1 ships no type declarations; Pako above types what we use.
  return import('pako');
}

function samplesOf(img: UtifIfd): number {
  return (img.t277 as number[] | undefined)?.[0] ?? 1;
}

function bitsOf(img: UtifIfd): number {
  return (img.t258 as number[] | undefined)?.[0] ?? 1;
}

/**
 * TIFF's LZW (MSB-first codes of 9 to 12 bits, the width growing one code early,
 * 256 = clear, 257 = end), into at most `size` bytes. Every code is checked before
 * use, and each table entry points only to an older one, so nothing can loop.
 */
function decodeLzw(src: Uint8Array, size: number): Uint8Array {
  if (src[0] === 0 && ((src[1] ?? 0) & 1) === 1) throw unsupportedFeature(FORMAT, 'old-style (pre-1992) LZW compression');
  const out = new Uint8Array(size);
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = first[i] = i;
    length[i] = 1;
  }
  let written = 0;
  let bits = 0;
  let bitCount = 0;
  let pos = 0;
  let width = 9;
  let next = 258;
  let previous = -1;
  // A code's string is written back to front, following its prefixes; the part past `size` is dropped.
  const put = (code: number) => {
    const n = length[code]!;
    let i = n - 1;
    let c = code;
    for (; written + i >= size && i >= 0; i--) c = prefix[c]!;
    for (; i >= 0; i--, c = prefix[c]!) out[written + i] = suffix[c]!;
    written += n;
  };
  while (written < size) {
    while (bitCount < width) {
      if (pos >= src.length) return out.subarray(0, Math.min(written, size));
      bits = ((bits << 8) | src[pos++]!) & 0xffffff;
      bitCount += 8;
    }
    const code = (bits >>> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    if (code === 256) {
      width = 9;
      next = 258;
      previous = -1;
      continue;
    }
    if (code === 257) break;
    if (previous < 0) {
      if (code > 255) throw corrupt(FORMAT, 'its LZW data is damaged');
      put(code);
      previous = code;
      continue;
    }
    if (code > next) throw corrupt(FORMAT, 'its LZW data is damaged');
    if (next < 4096) {
      prefix[next] = previous;
      first[next] = first[previous]!;
      suffix[next] = code === next ? first[previous]! : first[code]!;
      length[next] = length[previous]! + 1;
      next++;
      if (next >= (1 << width) - 1 && width < 12) width++;
    }
    put(code);
    previous = code;
  }
  return out.subarray(0, Math.min(written, size));
}

const ENOUGH = new Error('enough');

/** A zlib stream (Deflate, either code) into at most `size` bytes; its checksum is not checked, as libtiff's callers rarely need. */
function inflate(pako: Pako, src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let written = 0;
  const inflater = new pako.Inflate({ raw: true, chunkSize: 1 << 16 });
  inflater.onData = (chunk) => {
    const n = Math.min(chunk.length, size - written);
    out.set(chunk.subarray(0, n), written);
    written += n;
    if (written >= size) throw ENOUGH; // the rest would be more than the strip holds
  };
  let status = 0;
  inflater.onEnd = (s) => (status = s);
  try {
    inflater.push(src.subarray(2), true); // after the two-byte zlib header
  } catch (e) {
    if (e !== ENOUGH) throw e;
  }
  // A stream that merely stops early gives what it has, as libtiff does; a damaged one is an error.
  if (status !== 0 && written < size) throw corrupt(FORMAT, `its Deflate data is damaged (zlib status ${status})`);
  return out.subarray(0, written);
}

// ---------------------------------------------------------------------------
// Decode

/** What the samples are, once checked. */
interface Layout {
  width: number;
  height: number;
  bits: number;
  samples: number;
  photometric: number;
  /** Index of the alpha sample within a pixel, or -1. */
  alpha: number;
  premultiplied: boolean;
  colorMap?: readonly number[];
  /** Each sample in a plane of its own (PlanarConfiguration 2). */
  planar: boolean;
  /** New-style JPEG: utif2 is asked for RGB, whatever the file holds. */
  jpegAsRgb: boolean;
}

const COMPRESSION_NAMES: Record<number, string> = {
  34712: 'JPEG 2000 compression',
  34887: 'LERC compression',
  34925: 'LZMA compression',
  50000: 'Zstandard compression',
  50001: 'WebP compression',
  52546: 'JPEG XL compression',
};
const SUPPORTED_COMPRESSION = new Set([1, 2, 3, 4, 5, 6, 7, 8, 32773, 32946]);
/** Colour samples per photometric interpretation: 0 min-is-white, 1 min-is-black, 2 RGB, 3 palette, 5 separated (CMYK). */
const COLOUR_SAMPLES: Record<number, number> = { 0: 1, 1: 1, 2: 3, 3: 1, 5: 4 };

function numbers(ifd: UtifIfd, tag: number): number[] | undefined {
  const v = ifd[`t${tag}`];
  return Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'number') ? (v as number[]) : undefined;
}

/** Refuses what we do not read, with a typed error, before utif2 spends any time on it. */
function checkLayout(ifd: UtifIfd, bytes: Uint8Array): Layout {
  const width = numbers(ifd, TAG.width)?.[0] ?? 0;
  const height = numbers(ifd, TAG.height)?.[0] ?? 0;
  const compression = numbers(ifd, TAG.compression)?.[0] ?? 1;
  if (!SUPPORTED_COMPRESSION.has(compression)) throw unsupportedFeature(FORMAT, COMPRESSION_NAMES[compression] ?? `compression scheme ${compression}`);
  const format = numbers(ifd, TAG.sampleFormat)?.[0] ?? 1;
  if (format === 3) throw unsupportedFeature(FORMAT, 'floating-point samples');
  if (format !== 1) throw unsupportedFeature(FORMAT, 'signed or complex samples');
  const bitsList = numbers(ifd, TAG.bitsPerSample) ?? [1];
  const bits = bitsList[0]!;
  if (![1, 2, 4, 8, 16].includes(bits) || bitsList.some((b) => b !== bits)) throw unsupportedFeature(FORMAT, `${bitsList.join('/')}-bit samples`);
  const samples = numbers(ifd, TAG.samplesPerPixel)?.[0] ?? 1;
  const photometric = numbers(ifd, TAG.photometric)?.[0] ?? (samples >= 3 ? 2 : 1);
  const planar = (numbers(ifd, TAG.planar)?.[0] ?? 1) === 2 && samples > 1;
  const layout: Layout = { width, height, bits, samples, photometric, alpha: -1, premultiplied: false, planar, jpegAsRgb: false };
  const block = checkBlocks(ifd, layout, bytes.length);

  if (compression === 6 || compression === 7) {
    if (bits !== 8) throw unsupportedFeature(FORMAT, `${bits}-bit JPEG compression`);
    if (planar) throw unsupportedFeature(FORMAT, 'separate colour planes with JPEG compression');
    // utif2's JPEG decoder hands back RGB whether the file holds grey, RGB or YCbCr,
    // so decodeSamples asks for three samples a pixel. CMYK it takes for Adobe's
    // inverted kind, which TIFF's is not (every colour came out wrong). Old-style
    // JPEG builds its frame header from the sample count: there only colour is read.
    const readable = compression === 7 ? [1, 2, 6] : [2, 6];
    if (!readable.includes(photometric)) throw unsupportedFeature(FORMAT, `${compression === 6 ? 'old-style ' : ''}JPEG compression of ${photometricName(photometric)} pixels`);
    if (compression === 7) checkJpegFrames(ifd, bytes, block);
    return { ...layout, samples: 3, photometric: 2, jpegAsRgb: compression === 7 };
  }

  const colourSamples = COLOUR_SAMPLES[photometric];
  if (colourSamples === undefined) throw unsupportedFeature(FORMAT, photometricName(photometric));
  if (samples < colourSamples || samples > colourSamples + 8) throw corrupt(FORMAT, `it has ${samples} samples a pixel for ${photometricName(photometric)}`);
  if (photometric === 5 && (numbers(ifd, 332)?.[0] ?? 1) !== 1) throw unsupportedFeature(FORMAT, 'inks other than CMYK');
  if (planar && bits < 8) throw unsupportedFeature(FORMAT, `separate colour planes of ${bits}-bit samples`);
  if (samples > colourSamples) {
    // Any extra sample is taken as alpha, as ImageMagick does; associated alpha (1) is premultiplied.
    layout.alpha = colourSamples;
    layout.premultiplied = numbers(ifd, TAG.extraSamples)?.[0] === 1 && photometric !== 3;
  }
  if (photometric === 3) {
    const map = numbers(ifd, TAG.colorMap);
    if (bits > 8 || !map || map.length < 3 << bits) throw corrupt(FORMAT, 'its palette is missing or too short');
    layout.colorMap = map;
  }
  return layout;
}

/** The strips or tiles: as many as the image needs, of a sane size, and all inside the file. Returns one's size in pixels. */
function checkBlocks(ifd: UtifIfd, { width, height, samples, planar }: Layout, fileLength: number): { width: number; height: number } {
  const tiled = ifd[`t${TAG.tileWidth}`] !== undefined;
  let blocks: number;
  let block = { width, height };
  if (tiled) {
    const tileWidth = numbers(ifd, TAG.tileWidth)?.[0] ?? 0;
    const tileLength = numbers(ifd, TAG.tileLength)?.[0] ?? 0;
    // Tiles may be larger than the image (a 256×256 tile for a small picture), not absurdly.
    if (!tileWidth || !tileLength || tileWidth * tileLength > Math.max(4 * width * height, 1 << 20)) {
      throw corrupt(FORMAT, `its tile size ${tileWidth}×${tileLength} is impossible for a ${width}×${height} image`);
    }
    blocks = Math.ceil(width / tileWidth) * Math.ceil(height / tileLength);
    block = { width: tileWidth, height: tileLength };
  } else {
    const rowsPerStrip = Math.min(numbers(ifd, 278)?.[0] ?? height, height);
    if (rowsPerStrip < 1) throw corrupt(FORMAT, 'its rows per strip is 0');
    blocks = Math.ceil(height / rowsPerStrip);
    block = { width, height: rowsPerStrip };
  }
  blocks *= planar ? samples : 1;
  const offsets = numbers(ifd, tiled ? TAG.tileOffsets : TAG.stripOffsets) ?? [];
  const counts = numbers(ifd, tiled ? TAG.tileByteCounts : TAG.stripByteCounts);
  const kind = tiled ? 'tiles' : 'strips';
  if (offsets.length < blocks) throw corrupt(FORMAT, `it lists ${offsets.length} ${kind} where the image needs ${blocks}`);
  if (counts && counts.length < offsets.length) throw corrupt(FORMAT, `it gives the sizes of ${counts.length} of its ${offsets.length} ${kind}`);
  if (offsets.some((o, i) => o + (counts?.[i] ?? 0) > fileLength)) throw truncated(FORMAT);
  return block;
}

/**
 * Each JPEG strip or tile is a JPEG of its own, whose frame header says its size:
 * no larger than the block it fills (rounded up to whole 16-pixel blocks). utif2's
 * decoder allocates what the frame header asks, so a 1 KB file claiming a
 * 30000×30000 strip would take gigabytes.
 */
function checkJpegFrames(ifd: UtifIfd, bytes: Uint8Array, block: { width: number; height: number }): void {
  const tiled = ifd[`t${TAG.tileWidth}`] !== undefined;
  const offsets = numbers(ifd, tiled ? TAG.tileOffsets : TAG.stripOffsets) ?? [];
  const counts = numbers(ifd, tiled ? TAG.tileByteCounts : TAG.stripByteCounts) ?? [];
  const most = (n: number) => Math.ceil(n / 16) * 16;
  offsets.forEach((offset, i) => {
    const data = bytes.subarray(offset, offset + (counts[i] ?? 0));
    const frame = readJpegSegments(data).segments.find((s) => s.marker >= 0xc0 && s.marker <= 0xcf && s.marker !== 0xc4 && s.marker !== 0xc8 && s.marker !== 0xcc);
    if (!frame || frame.end - frame.start < 5) return; // utif2's decoder reports a missing frame header itself
    const height = ((data[frame.start + 1] ?? 0) << 8) | (data[frame.start + 2] ?? 0);
    const width = ((data[frame.start + 3] ?? 0) << 8) | (data[frame.start + 4] ?? 0);
    if (width > most(block.width) || height > most(block.height)) {
      throw corrupt(FORMAT, `a JPEG ${tiled ? 'tile' : 'strip'} claims ${width}×${height} pixels in a ${block.width}×${block.height} ${tiled ? 'tile' : 'strip'}`);
    }
  });
}

function photometricName(photometric: number): string {
  const names: Record<number, string> = {
    0: 'greyscale',
    1: 'greyscale',
    2: 'RGB',
    3: 'palette colour',
    4: 'a transparency mask',
    5: 'CMYK',
    6: 'YCbCr colour without JPEG compression',
    8: 'CIELab colour',
    9: 'ICCLab colour',
    10: 'ITULab colour',
    32844: 'LogL colour',
    32845: 'LogLuv colour',
  };
  return names[photometric] ?? `photometric interpretation ${photometric}`;
}

/** The samples of the first page, row after row (16-bit ones little-endian, as utif2 leaves them). */
function decodeSamples(utif: Utif, buffer: ArrayBuffer, ifd: UtifIfd, layout: Layout): Uint8Array {
  if (layout.jpegAsRgb) return decodeOne(utif, buffer, { ...ifd, t277: [3], t258: [8, 8, 8], t284: [1] });
  if (!layout.planar) return decodeOne(utif, buffer, { ...ifd, t284: [1] });
  // One plane at a time, as a one-sample image over its share of the strips or tiles.
  const tiled = ifd[`t${TAG.tileWidth}`] !== undefined;
  const offsetsTag = `t${tiled ? TAG.tileOffsets : TAG.stripOffsets}`;
  const countsTag = `t${tiled ? TAG.tileByteCounts : TAG.stripByteCounts}`;
  const offsets = ifd[offsetsTag] as number[];
  const counts = ifd[countsTag] as number[] | undefined;
  const perPlane = Math.floor(offsets.length / layout.samples);
  const bytesPerSample = layout.bits / 8;
  const rowBytes = layout.width * layout.samples * bytesPerSample;
  const out = new Uint8Array(rowBytes * layout.height);
  for (let p = 0; p < layout.samples; p++) {
    const part = { ...ifd, t277: [1], t258: [layout.bits], t284: [1], [offsetsTag]: offsets.slice(p * perPlane, (p + 1) * perPlane) } as UtifIfd;
    if (counts) part[countsTag] = counts.slice(p * perPlane, (p + 1) * perPlane);
    const plane = decodeOne(utif, buffer, part);
    const planeRow = layout.width * bytesPerSample;
    for (let y = 0; y < layout.height; y++) {
      for (let x = 0; x < layout.width; x++) {
        for (let b = 0; b < bytesPerSample; b++) {
          out[y * rowBytes + (x * layout.samples + p) * bytesPerSample + b] = plane[y * planeRow + x * bytesPerSample + b] ?? 0;
        }
      }
    }
  }
  return out;
}

function decodeOne(utif: Utif, buffer: ArrayBuffer, ifd: UtifIfd): Uint8Array {
  delete ifd.data;
  const log = console.log;
  console.log = () => {};
  try {
    utif.decodeImage(buffer, ifd, [ifd]);
  } finally {
    console.log = log;
  }
  if (!ifd.data) throw corrupt(FORMAT, 'it has no image data');
  return ifd.data;
}

/**
 * Samples to 8-bit RGBA, one row at a time: each row's samples are first read at
 * their own depth (1 to 16 bits), then turned into colour. Scaling to 8 bits rounds
 * (v × 255 / max), as ImageMagick does.
 */
function toRgba(samples: Uint8Array, layout: Layout): RawImage {
  const { width, height, bits, photometric, alpha, premultiplied, colorMap } = layout;
  const spp = layout.samples;
  const image = createRawImage(width, height);
  const out = image.data;
  if (bits === 8 && !premultiplied && (photometric === 2 || photometric === 1)) {
    // The usual photo and scan: 8-bit RGB or grey, rows unpadded. A third of the general path's time.
    const grey = photometric === 1;
    for (let o = 0, s = 0; o < out.length; o += 4, s += spp) {
      out[o] = samples[s]!;
      out[o + 1] = samples[grey ? s : s + 1]!;
      out[o + 2] = samples[grey ? s : s + 2]!;
      out[o + 3] = alpha < 0 ? 255 : samples[s + alpha]!;
    }
    return image;
  }
  const max = (1 << bits) - 1;
  const to8 = new Uint8Array(max + 1);
  for (let v = 0; v <= max; v++) to8[v] = Math.round((v * 255) / max);
  const rowBytes = Math.ceil((width * spp * bits) / 8);
  const row = new Uint16Array(width * spp);
  const entries = 1 << bits;
  for (let y = 0; y < height; y++) {
    const start = y * rowBytes;
    if (bits === 8) for (let i = 0; i < row.length; i++) row[i] = samples[start + i] ?? 0;
    else if (bits === 16) for (let i = 0; i < row.length; i++) row[i] = (samples[start + 2 * i] ?? 0) | ((samples[start + 2 * i + 1] ?? 0) << 8);
    else for (let i = 0; i < row.length; i++) row[i] = ((samples[start + ((i * bits) >> 3)] ?? 0) >> (8 - bits - ((i * bits) & 7))) & max;
    let o = y * width * 4;
    for (let x = 0, s = 0; x < width; x++, s += spp, o += 4) {
      const a = alpha < 0 ? max : row[s + alpha]!;
      if (premultiplied && a !== max) {
        for (let c = 0; c < alpha; c++) row[s + c] = a === 0 ? 0 : Math.min(max, Math.round((row[s + c]! * max) / a));
      }
      if (photometric === 2) {
        out[o] = to8[row[s]!]!;
        out[o + 1] = to8[row[s + 1]!]!;
        out[o + 2] = to8[row[s + 2]!]!;
      } else if (photometric === 1 || photometric === 0) {
        out[o] = out[o + 1] = out[o + 2] = to8[photometric === 0 ? max - row[s]! : row[s]!]!;
      } else if (photometric === 3) {
        const i = row[s]!;
        out[o] = Math.round(colorMap![i]! / 257);
        out[o + 1] = Math.round(colorMap![entries + i]! / 257);
        out[o + 2] = Math.round(colorMap![2 * entries + i]! / 257);
      } else {
        // CMYK without a profile, as ImageMagick converts it: R = (1 - C)(1 - K).
        const k = max - row[s + 3]!;
        out[o] = Math.round(((max - row[s]!) * k * 255) / (max * max));
        out[o + 1] = Math.round(((max - row[s + 1]!) * k * 255) / (max * max));
        out[o + 2] = Math.round(((max - row[s + 2]!) * k * 255) / (max * max));
      }
      out[o + 3] = to8[a]!;
    }
  }
  return image;
}

async function decode(bytes: Uint8Array): Promise<RawImage> {
  const dir = readFirstDirectory(bytes);
  const utif = await library.get();
  try {
    const buffer = safeCopy(bytes, dir);
    const ifd = utif.decode(buffer, { parseMN: false, debug: false })[0];
    if (!ifd) throw corrupt(FORMAT, 'its first directory could not be read');
    const layout = checkLayout(ifd, bytes);
    const samples = decodeSamples(utif, buffer, ifd, layout);
    return toRgba(samples, layout);
  } catch (e) {
    if (isThumbnailError(e)) throw e;
    // A RangeError here is an allocation the header asked for and memory refused.
    if (e instanceof RangeError && /allocat|memory|length/i.test(e.message)) throw new ThumbnailError('too-large', `This TIFF is too large to decode (${e.message}).`);
    throw corrupt(FORMAT, `its image data could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
}

// ---------------------------------------------------------------------------

/** 'II*\0' (little-endian) or 'MM\0*' (big-endian), and BigTIFF's 'II+\0' / 'MM\0+' so that it gets its own error. */
function sniff(bytes: Uint8Array): boolean {
  if (bytes.length < 4) return false;
  const [a, b, c, d] = bytes;
  return (a === 0x49 && b === 0x49 && (c === 0x2a || c === 0x2b) && d === 0) || (a === 0x4d && b === 0x4d && c === 0 && (d === 0x2a || d === 0x2b));
}

export const tiffCodec = defineCodec({
  format: 'tiff',
  label: 'TIFF',
  mimeType: 'image/tiff',
  extension: 'tiff',
  fileExtensions: ['.tif', '.tiff'],
  // Browsers other than Safari do not show TIFF: "Same as input" gives JPEG, or PNG with transparency.
  sameAsInput: 'jpeg',
  // Ours alone: Chromium and Firefox cannot decode TIFF, and Safari's would be a second opinion on a format we read whole.
  decoders: ['core'],
  // utif2 and its inflate (pako), about 100 KB: only for pages that meet a TIFF.
  fetchedOnFirstUse: ['utif2', 'pako'],
  takesQuality: false,
  keepsAlpha: true,
  sniff,
  looksLike: (bytes) => bytes.length >= 2 && ((bytes[0] === 0x49 && bytes[1] === 0x49) || (bytes[0] === 0x4d && bytes[1] === 0x4d)),
  probe,
  decode,
});

export { decodeLzw as decodeTiffLzw };

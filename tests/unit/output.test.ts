/**
 * What comes out: the registry's derived lists, originals handed back, the output
 * format under 'same', oxipng against the plain encoder, AVIF, metadata removal,
 * colour-profile reporting, ThumbHash and smart cover crops through the pipeline.
 * Fixtures are made here with sharp (only ever as the fixture maker) or read from
 * tests/fixtures and ../shared/corpus.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio } from 'thumbhash';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CORPUS, corpusPresent, readManifest } from '../support/corpus';
import { meanDifference } from '../support/pixels';
import { faceImage, type Face } from '../support/face-image';
import { avifCodec } from '../../src/core/codecs/avif';
import type { Codec, ImageInfo } from '../../src/core/codecs/codec';
import { jpegCodec } from '../../src/core/codecs/jpeg';
import { encodePlain, pngCodec } from '../../src/core/codecs/png';
import {
  acceptedFileTypes,
  CODECS,
  codecFor,
  FILE_PICKER_ACCEPT,
  sniffFormat,
  sniffMimeType,
  SUPPORTED_FORMATS_TEXT,
  wasmPaths,
  type ImageFormat,
} from '../../src/core/codecs/registry';
import { DECODER_ORDER } from '../../src/core/decode-route';
import { ThumbnailError } from '../../src/core/errors';
import { createRawImage, type RawImage } from '../../src/core/image';
import { OUTPUT_FORMATS, type ThumbnailOptions } from '../../src/core/options';
import { generateThumbnail } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';

beforeAll(provideNodeWasm);

const require = createRequire(import.meta.url);
const FIXTURES = resolve(__dirname, '../fixtures');
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(FIXTURES, name)));

// ---------------------------------------------------------------------------
// Helpers

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Whether `needle` (a latin-1 string or bytes) occurs anywhere in `bytes`. */
function contains(bytes: Uint8Array, needle: string | Uint8Array): boolean {
  const n = typeof needle === 'string' ? ascii(needle) : needle;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(Buffer.from(n)) >= 0;
}

/** A sharp pipeline reading an RGBA RawImage. */
function fromRaw(img: RawImage) {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength), { raw: { width: img.width, height: img.height, channels: 4 } });
}

/** A smooth photo-like picture: gradients in all three channels and a soft blob. */
function gradient(width: number, height: number): RawImage {
  const img = createRawImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const blob = 80 * Math.exp(-(((x - width * 0.6) / (width * 0.25)) ** 2 + ((y - height * 0.4) / (height * 0.3)) ** 2));
      img.data.set([(x * 255) / (width - 1), (y * 255) / (height - 1), 90 + blob, 255], (y * width + x) * 4);
    }
  return img;
}

/** A busier W x W picture (waves over gradients): a low-quality JPEG of it is far smaller than a q80 re-encode. */
function wavy(w: number): RawImage {
  const img = createRawImage(w, w);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) img.data.set([x * 2, y * 2, 128 + 100 * Math.sin(x / 5) * Math.cos(y / 7), 255], (y * w + x) * 4);
  return img;
}

/** Index of the first differing byte of two RGBA images, -1 when identical (same size required). */
function firstPixelDifference(a: RawImage, b: RawImage): number {
  if (a.width !== b.width || a.height !== b.height) return 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return i;
  return -1;
}

interface PngChunkInfo {
  type: string;
  data: Uint8Array;
}

function pngChunks(bytes: Uint8Array): PngChunkInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunkInfo[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    chunks.push({ type, data: bytes.subarray(at + 8, at + 8 + length) });
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return chunks;
}

/** IHDR colour type: 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
const pngColourType = (bytes: Uint8Array) => bytes[25];

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** The PNG with the given chunks inserted right after IHDR (which ends at byte 33). */
function withPngChunks(png: Uint8Array, chunks: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]));
}

interface JpegMarker {
  marker: number;
  payload: Uint8Array;
}

/** Every marker segment of a JPEG, scans stepped over byte by byte (FF00 stuffing and RSTn skipped). */
function jpegMarkers(bytes: Uint8Array): JpegMarker[] {
  const out: JpegMarker[] = [];
  let i = 2;
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) {
      i++;
      continue;
    }
    const m = bytes[i + 1]!;
    if (m === 0x00 || m === 0xff || (m >= 0xd0 && m <= 0xd7)) {
      i++;
      continue;
    }
    if (m === 0xd9) {
      out.push({ marker: m, payload: new Uint8Array() });
      break;
    }
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
    out.push({ marker: m, payload: bytes.subarray(i + 4, i + 2 + length) });
    i += 2 + length;
  }
  return out;
}

const startsWith = (bytes: Uint8Array, prefix: string) => String.fromCharCode(...bytes.subarray(0, prefix.length)) === prefix;
const APP1 = 0xe1;
const COM = 0xfe;

/** A COM segment with the text, spliced in right after SOI. */
function withJpegComment(jpeg: Uint8Array, text: string): Uint8Array {
  const body = ascii(text);
  const segment = new Uint8Array([0xff, COM, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body]);
  return new Uint8Array(Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]));
}

/** Top-level RIFF chunk ids of a WebP. */
function webpChunks(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ids: string[] = [];
  for (let at = 12; at + 8 <= bytes.length; ) {
    ids.push(String.fromCharCode(...bytes.subarray(at, at + 4)));
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return ids;
}

/** Little-endian TIFF with IFD0 holding only Orientation = 1 (keeps "original kept" possible). */
const TIFF_ORIENTATION_1 = new Uint8Array([0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);

const SECRET_COMMENT = 'Shot at 12 Secret Lane by Jane Doe';
const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:exif="http://ns.adobe.com/exif/1.0/" dc:creator="XmpCreatorJane" exif:GPSLatitude="51,30.0N" exif:GPSLongitude="0,7.0W"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
/** EXIF with an artist in IFD0 and a GPS IFD (libvips' IFD3 is GPS; sharp writes its pointer tag 0x8825 into IFD0). */
const EXIF = {
  IFD0: { Artist: 'ExifArtistJane', Copyright: 'Jane Doe' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
};

async function thumb(bytes: Uint8Array, options: Partial<ThumbnailOptions> = {}) {
  const t = await generateThumbnail(bytes, options);
  return { ...t, pixels: await codecFor(t.format).decode(t.bytes) };
}

// ---------------------------------------------------------------------------
// Shared fixtures

/** One small file of every format we read, made with sharp (BMP, HEIC, JPEG XL and TIFF from the fixtures). */
let samples: Record<ImageFormat, Uint8Array>;

beforeAll(async () => {
  const img = fromRaw(gradient(40, 30));
  samples = {
    jpeg: u8(await img.clone().jpeg({ quality: 85 }).toBuffer()),
    png: u8(await img.clone().png().toBuffer()),
    webp: u8(await img.clone().webp({ quality: 80 }).toBuffer()),
    avif: u8(await img.clone().avif({ quality: 60, effort: 2 }).toBuffer()),
    gif: u8(await img.clone().gif().toBuffer()),
    bmp: fixture('rgb24.bmp'),
    heic: fixture('heif/plain.heic'),
    jxl: fixture('jxl/lossy.jxl'),
    tiff: fixture('tiff/rgb8-lzw-strips.tif'),
  };
});

// ---------------------------------------------------------------------------
// 1. The registry

describe('the registry drives every derived list', () => {
  it('every codec in CODECS appears in every list, and nothing else does', () => {
    for (const c of CODECS) {
      expect(SUPPORTED_FORMATS_TEXT, c.format).toContain(c.label);
      for (const ext of c.fileExtensions) expect(FILE_PICKER_ACCEPT.split(','), `${c.format} ${ext}`).toContain(ext);
      expect(acceptedFileTypes()[c.mimeType], c.format).toEqual([...c.fileExtensions]);
      expect(OUTPUT_FORMATS.includes(c.format), `${c.format} writable`).toBe(c.encode !== undefined);
      expect(DECODER_ORDER[c.format], c.format).toContain('core');
      for (const key of Object.keys(c.wasm ?? {})) expect(wasmPaths(), `${c.format} ${key}`).toHaveProperty(key, c.wasm![key]);
    }
    expect(SUPPORTED_FORMATS_TEXT).toBe('JPEG, PNG, WebP, AVIF, HEIC, JPEG XL, TIFF, GIF and BMP');
    expect(Object.keys(acceptedFileTypes()).sort()).toEqual(CODECS.map((c) => c.mimeType).sort());
    expect(OUTPUT_FORMATS).toEqual(['same', 'jpeg', 'png', 'webp', 'avif', 'bmp']);
    expect(FILE_PICKER_ACCEPT.split(',')).toEqual(['image/*', ...CODECS.flatMap((c) => c.fileExtensions)]);
    expect(Object.keys(DECODER_ORDER).sort()).toEqual(CODECS.map((c) => c.format).sort());
  });

  it('sniffMimeType recognises a real file of every format', () => {
    for (const c of CODECS) {
      expect(sniffMimeType(samples[c.format]), c.format).toBe(c.mimeType);
      expect(sniffFormat(samples[c.format]).format, c.format).toBe(c.format);
    }
    expect(sniffMimeType(ascii('FAKE0000000000000000000000000000'))).toBeNull();
  });

  it('every WebAssembly path resolves inside node_modules', () => {
    const paths = wasmPaths();
    expect(Object.keys(paths).length).toBeGreaterThanOrEqual(8);
    for (const [key, specifier] of Object.entries(paths)) {
      const file = require.resolve(specifier);
      expect(existsSync(file), `${key}: ${specifier}`).toBe(true);
      expect(file.endsWith('.wasm'), key).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------
// 2. Original kept

describe('the original is handed back when nothing beats it', () => {
  const twoColours = createRawImage(16, 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) twoColours.data.set(((x >> 2) + (y >> 2)) % 2 ? [200, 30, 30, 255] : [20, 40, 200, 255], (y * 16 + x) * 4);
  let sharpPng: Uint8Array;
  let tinyPng: Uint8Array;
  let tinyJpeg: Uint8Array;

  beforeAll(async () => {
    // 16x16, two colours in 4x4 blocks, quantised to a 2-entry palette by sharp.
    sharpPng = u8(await fromRaw(twoColours).png({ palette: true, colours: 2, compressionLevel: 9, effort: 10 }).toBuffer());
    // The same pixels as our own PNG writer makes them (a thumbnail uploaded again), with text, time and EXIF chunks added.
    const ours = await pngCodec.encode!(twoColours, { quality: 80 });
    tinyPng = withPngChunks(ours, [
      pngChunk('tEXt', ascii(`Comment\0${SECRET_COMMENT}`)),
      pngChunk('tIME', new Uint8Array([0x07, 0xe8, 6, 1, 12, 0, 0])),
      pngChunk('eXIf', TIFF_ORIENTATION_1),
    ]);
    const jpeg = u8(await fromRaw(gradient(32, 32)).jpeg({ quality: 60 }).withExif(EXIF).withXmp(XMP).toBuffer());
    tinyJpeg = withJpegComment(jpeg, SECRET_COMMENT);
  });

  it('a tiny palette PNG comes back as itself without its text, time and EXIF chunks', async () => {
    expect(pngColourType(tinyPng)).toBe(3);
    expect(pngChunks(tinyPng).map((c) => c.type)).toEqual(expect.arrayContaining(['tEXt', 'tIME', 'eXIf']));
    const t = await thumb(tinyPng);
    expect(t.keptOriginal).toBe(true);
    expect([t.format, t.width, t.height]).toEqual(['png', 16, 16]);
    expect(t.bytes.length).toBeLessThanOrEqual(tinyPng.length);
    const types = pngChunks(t.bytes).map((c) => c.type);
    for (const private_ of ['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME']) expect(types).not.toContain(private_);
    expect(types).toEqual(['IHDR', 'PLTE', 'IDAT', 'IEND'].filter((x) => types.includes(x)));
    expect(contains(t.bytes, SECRET_COMMENT)).toBe(false);
    expect(firstPixelDifference(t.pixels, await pngCodec.decode(tinyPng))).toBe(-1);
  });

  it("a tiny palette PNG from sharp is re-encoded: oxipng's is smaller (sharp adds pHYs and a longer IDAT)", async () => {
    expect(pngColourType(sharpPng)).toBe(3);
    const t = await thumb(sharpPng);
    expect(t.keptOriginal).toBe(false);
    expect(t.bytes.length).toBeLessThan(sharpPng.length);
    expect(pngColourType(t.bytes)).toBe(3);
    expect(firstPixelDifference(t.pixels, await pngCodec.decode(sharpPng))).toBe(-1);
    expect(firstPixelDifference(t.pixels, twoColours)).toBe(-1);
  });

  it('a tiny JPEG comes back as itself without EXIF, XMP or comments', async () => {
    const markers = jpegMarkers(tinyJpeg);
    expect(markers.some((m) => m.marker === APP1 && startsWith(m.payload, 'Exif\0\0'))).toBe(true);
    expect(markers.some((m) => m.marker === APP1 && startsWith(m.payload, 'http://ns.adobe.com/xap'))).toBe(true);
    expect(markers.some((m) => m.marker === COM)).toBe(true);

    const t = await thumb(tinyJpeg);
    expect(t.keptOriginal).toBe(true);
    expect([t.format, t.width, t.height]).toEqual(['jpeg', 32, 32]);
    expect(t.bytes.length).toBeLessThanOrEqual(tinyJpeg.length);
    const out = jpegMarkers(t.bytes);
    expect(out.filter((m) => m.marker === APP1 && (startsWith(m.payload, 'Exif\0\0') || startsWith(m.payload, 'http://ns.adobe.com/xap')))).toEqual([]);
    expect(out.filter((m) => m.marker === COM)).toEqual([]);
    expect(out.at(-1)?.marker).toBe(0xd9);
    expect(firstPixelDifference(t.pixels, await jpegCodec.decode(tinyJpeg))).toBe(-1);
  });

  it('is not kept when it is enlarged, shrunk or converted', async () => {
    const enlarged = await generateThumbnail(tinyJpeg, { width: 64, height: 64, allowEnlarge: true });
    expect([enlarged.keptOriginal, enlarged.width, enlarged.height]).toEqual([false, 64, 64]);
    const shrunk = await generateThumbnail(tinyJpeg, { width: 16, height: 16 });
    expect([shrunk.keptOriginal, shrunk.width, shrunk.height]).toEqual([false, 16, 16]);
    const converted = await generateThumbnail(tinyJpeg, { format: 'webp' });
    expect([converted.keptOriginal, converted.format]).toEqual([false, 'webp']);
    const pngShrunk = await generateThumbnail(tinyPng, { width: 8, height: 8 });
    expect([pngShrunk.keptOriginal, pngShrunk.width]).toEqual([false, 8]);
    const pngConverted = await generateThumbnail(tinyPng, { format: 'jpeg' });
    expect([pngConverted.keptOriginal, pngConverted.format]).toEqual([false, 'jpeg']);
    // A bigger box without allowEnlarge leaves the size alone: still kept.
    expect((await generateThumbnail(tinyJpeg, { width: 1000, height: 1000 })).keptOriginal).toBe(true);
  });

  it('an input bigger than its re-encode is not kept', async () => {
    const stored = u8(await fromRaw(gradient(64, 64)).png({ compressionLevel: 0 }).toBuffer());
    const t = await thumb(stored);
    expect(t.keptOriginal).toBe(false);
    expect([t.width, t.height]).toEqual([64, 64]);
    expect(t.bytes.length).toBeLessThan(stored.length);
    expect(firstPixelDifference(t.pixels, await pngCodec.decode(stored))).toBe(-1);
  });
});

// ---------------------------------------------------------------------------
// 3. Format under 'same'

describe("the output format under 'same' and 'legacy'", () => {
  it.each([
    ['jpeg', 'jpeg', 'jpeg'],
    ['png', 'png', 'png'],
    ['webp', 'webp', 'webp'],
    ['avif', 'avif', 'avif'],
    ['gif', 'png', 'png'],
    ['bmp', 'png', 'bmp'],
    ['heic', 'jpeg', 'jpeg'],
    ['jxl', 'jpeg', 'jpeg'],
    ['tiff', 'jpeg', 'jpeg'],
  ] as const)('%s input gives %s under same, %s under legacy', async (input, same, legacy) => {
    const bytes = samples[input];
    const a = await generateThumbnail(bytes, { width: 20, height: 20 });
    expect(a.format).toBe(same);
    expect(sniffFormat(a.bytes).format).toBe(same);
    expect(a.mimeType).toBe(codecFor(same).mimeType);
    const b = await generateThumbnail(bytes, { width: 20, height: 20, format: 'legacy' });
    expect(b.format).toBe(legacy);
    expect(sniffFormat(b.bytes).format).toBe(legacy);
  });
});

// ---------------------------------------------------------------------------
// 4. oxipng against the plain encoder


if (!corpusPresent) console.warn(`[output.test] ${CORPUS} is absent: the oxipng comparison over the corpus PNGs is skipped on this machine (CI has it).`);

/** Runs the pipeline and returns what it handed the PNG encoder along with the result. */
async function thumbnailAndEncoderInput(bytes: Uint8Array, options: Partial<ThumbnailOptions>) {
  const encode = pngCodec.encode!;
  let given: RawImage | undefined;
  pngCodec.encode = (image, settings) => {
    given = { width: image.width, height: image.height, data: image.data.slice() };
    return encode(image, settings);
  };
  try {
    const t = await generateThumbnail(bytes, options);
    return { t, given: given! };
  } finally {
    pngCodec.encode = encode;
  }
}

describe('PNG output is oxipng: never bigger than the plain encoder, and lossless', () => {
  describe.skipIf(!corpusPresent)('every valid PNG of ../shared/corpus (all of them, not sampled)', () => {
    it('at 128 px: bytes <= encodePlain, identical pixels', { timeout: 180_000 }, async () => {
      // `expected` is valid | invalid | questionable; only the valid ones are taken.
      const entries = readManifest().filter((e) => e.expected === 'valid' && /\.png$/i.test(e.path));
      expect(entries.length).toBeGreaterThan(150);
      const problems: string[] = [];
      let kept = 0;
      for (const e of entries) {
        const { t, given } = await thumbnailAndEncoderInput(new Uint8Array(readFileSync(resolve(CORPUS, e.path))), { width: 128, height: 128, format: 'png' });
        if (t.keptOriginal) kept++;
        const plain = await encodePlain(given);
        if (t.bytes.length > plain.length) problems.push(`${e.path}: ${t.bytes.length} bytes > plain ${plain.length}`);
        const ours = await pngCodec.decode(t.bytes);
        const theirs = await pngCodec.decode(plain);
        const d1 = firstPixelDifference(ours, given);
        const d2 = firstPixelDifference(theirs, given);
        if (d1 >= 0) problems.push(`${e.path}: pipeline output differs from the encoder's input at byte ${d1}${t.keptOriginal ? ' (original kept)' : ''}`);
        if (d2 >= 0) problems.push(`${e.path}: plain encoder output differs at byte ${d2}`);
      }
      expect(problems).toEqual([]);
      expect(kept).toBeGreaterThan(0); // the small PngSuite files are within 128 px: some must come back as themselves
    });
  });

  it('a two-colour image comes out as a palette PNG, a grey one as greyscale', async () => {
    const two = createRawImage(64, 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) two.data.set((x + y) % 16 < 8 ? [230, 20, 20, 255] : [20, 20, 230, 255], (y * 64 + x) * 4);
    const grey = createRawImage(64, 64);
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) grey.data.set([x * 4, x * 4, x * 4, 255], (y * 64 + x) * 4);
    for (const [name, img, types] of [
      ['two-colour', two, [3]],
      ['grey', grey, [0]],
    ] as const) {
      const input = await encodePlain(img);
      expect(pngColourType(input), name).toBe(6);
      const { t, given } = await thumbnailAndEncoderInput(input, { format: 'png' });
      expect(t.keptOriginal, name).toBe(false);
      expect(types, `${name}: colour type ${pngColourType(t.bytes)}`).toContain(pngColourType(t.bytes));
      const plain = await encodePlain(given);
      expect(t.bytes.length, name).toBeLessThan(plain.length / 2);
      expect(firstPixelDifference(await pngCodec.decode(t.bytes), img), name).toBe(-1);
    }
  });
});

// ---------------------------------------------------------------------------
// 5. AVIF

describe('AVIF output', () => {
  it('a 64x48 gradient becomes a valid AVIF close to the input', async () => {
    const img = gradient(64, 48);
    const input = await encodePlain(img);
    const t = await generateThumbnail(input, { format: 'avif', quality: 80 });
    expect([t.format, t.mimeType, t.extension]).toEqual(['avif', 'image/avif', 'avif']);
    expect(sniffFormat(t.bytes).format).toBe('avif');
    expect(sniffMimeType(t.bytes)).toBe('image/avif');
    const info = avifCodec.probe(t.bytes);
    expect([info.width, info.height]).toEqual([64, 48]);
    const decoded = await avifCodec.decode(t.bytes);
    expect(meanDifference(decoded, img)).toBeLessThan(12);
  });

  it("AVIF input stays AVIF under 'same'", async () => {
    const avif = (await generateThumbnail(await encodePlain(gradient(64, 48)), { format: 'avif' })).bytes;
    const t = await generateThumbnail(avif, { width: 32, height: 32 });
    expect([t.format, t.width, t.height, t.keptOriginal]).toEqual(['avif', 32, 24, false]);
    expect(sniffFormat(t.bytes).format).toBe('avif');
    // Within the box too: AVIF has no metadata remover, so it is re-encoded, still AVIF.
    const same = await generateThumbnail(avif);
    expect([same.format, same.width, same.height]).toEqual(['avif', 64, 48]);
  });

  it('encodes valid files at speed 10 and at speed 0', async () => {
    const input = await encodePlain(gradient(64, 48));
    for (const speed of [10, 0]) {
      const t = await generateThumbnail(input, { format: 'avif', encoderSettings: { speed } });
      expect(sniffFormat(t.bytes).format, `speed ${speed}`).toBe('avif');
      const decoded = await avifCodec.decode(t.bytes);
      expect([decoded.width, decoded.height], `speed ${speed}`).toEqual([64, 48]);
      expect(meanDifference(decoded, gradient(64, 48)), `speed ${speed}`).toBeLessThan(12);
    }
  });
});

// ---------------------------------------------------------------------------
// 6. No metadata in any output

/** Everything private that may not appear in an output, whatever its format. */
function privateTraces(bytes: Uint8Array, format: ImageFormat): string[] {
  const found: string[] = [];
  for (const needle of ['Exif\0\0', 'GPS', 'http://ns.adobe.com/xap', 'xmpmeta', SECRET_COMMENT, 'ExifArtistJane', 'XmpCreatorJane', 'ItxtAuthorJane']) {
    if (contains(bytes, needle)) found.push(JSON.stringify(needle));
  }
  // A TIFF header (EXIF's body) anywhere: WebP's EXIF chunk and PNG's eXIf carry it without 'Exif\0\0'.
  for (const tiff of ['II*\0\x08\0\0\0', 'MM\0*\0\0\0\x08']) if (contains(bytes, tiff)) found.push('TIFF header');
  if (format === 'png') {
    for (const c of pngChunks(bytes)) if (['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME'].includes(c.type)) found.push(`PNG ${c.type}`);
  }
  if (format === 'webp') {
    for (const id of webpChunks(bytes)) if (id === 'EXIF' || id === 'XMP ') found.push(`WebP ${id}`);
    // VP8X flags announcing EXIF (0x08) or XMP (0x04) that are no longer there.
    if (webpChunks(bytes)[0] === 'VP8X' && ((bytes[20] ?? 0) & 0x0c) !== 0) found.push('WebP VP8X metadata flags');
  }
  if (format === 'jpeg') {
    for (const m of jpegMarkers(bytes)) {
      if (m.marker === COM) found.push('JPEG COM');
      if (m.marker === APP1) found.push(`JPEG APP1 ${JSON.stringify(String.fromCharCode(...m.payload.subarray(0, 8)))}`);
      if (m.marker === 0xed) found.push('JPEG APP13 (IPTC)');
    }
  }
  return found;
}

describe('no metadata in any output', () => {
  let jpeg: Uint8Array;
  const inputs: Partial<Record<ImageFormat, Uint8Array>> = {};

  beforeAll(async () => {
    const made = u8(await fromRaw(gradient(32, 32)).jpeg({ quality: 60 }).withExif(EXIF).withXmp(XMP).toBuffer());
    jpeg = withJpegComment(made, SECRET_COMMENT);
    inputs.png = u8(await fromRaw(gradient(32, 32)).png({ palette: true, colours: 8 }).withExif(EXIF).withXmp(XMP).toBuffer());
    inputs.png = withPngChunks(inputs.png, [
      pngChunk('tEXt', ascii(`Comment\0${SECRET_COMMENT}`)),
      pngChunk('iTXt', ascii(`Author\0\0\0en\0Author\0ItxtAuthorJane`)),
      pngChunk('tIME', new Uint8Array([0x07, 0xe8, 6, 1, 12, 0, 0])),
    ]);
    inputs.webp = u8(await fromRaw(gradient(32, 32)).webp({ quality: 30 }).withExif(EXIF).withXmp(XMP).toBuffer());
  });

  it('the fixtures carry EXIF with a GPS IFD, XMP and a comment', () => {
    const markers = jpegMarkers(jpeg);
    const exif = markers.find((m) => m.marker === APP1 && startsWith(m.payload, 'Exif\0\0'));
    expect(exif).toBeDefined();
    // IFD0 entry 0x8825 (GPS IFD pointer) in little-endian TIFF: 25 88 04 00 (LONG).
    expect(contains(exif!.payload, new Uint8Array([0x25, 0x88, 0x04, 0x00]))).toBe(true);
    expect(markers.some((m) => m.marker === APP1 && startsWith(m.payload, 'http://ns.adobe.com/xap'))).toBe(true);
    expect(markers.some((m) => m.marker === COM)).toBe(true);
    expect(privateTraces(jpeg, 'jpeg').length).toBeGreaterThanOrEqual(5);
    // libvips writes XMP into a PNG as a compressed zTXt chunk.
    expect(pngChunks(inputs.png!).map((c) => c.type)).toEqual(expect.arrayContaining(['tEXt', 'iTXt', 'zTXt', 'eXIf', 'tIME']));
    expect(webpChunks(inputs.webp!)).toEqual(expect.arrayContaining(['EXIF', 'XMP ']));
  });

  for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
    it(`a JPEG with EXIF/GPS, XMP and a comment, made ${format}: re-encoded and at its own size`, async () => {
      const reencoded = await generateThumbnail(jpeg, { format, width: 16, height: 16 });
      expect([reencoded.format, reencoded.keptOriginal, reencoded.width]).toEqual([format, false, 16]);
      expect(privateTraces(reencoded.bytes, format)).toEqual([]);
      const ownSize = await generateThumbnail(jpeg, { format });
      expect([ownSize.format, ownSize.width]).toEqual([format, 32]);
      // Only JPEG -> JPEG can hand the original back; it must have been (q60 beats a q80 re-encode).
      expect(ownSize.keptOriginal).toBe(format === 'jpeg');
      expect(privateTraces(ownSize.bytes, format)).toEqual([]);
    });
  }

  it.each(['png', 'webp'] as const)('a %s with EXIF, XMP and text under "same", at its own size and shrunk', async (format) => {
    const input = inputs[format]!;
    expect(privateTraces(input, format).length).toBeGreaterThan(0);
    for (const opts of [{}, { width: 16, height: 16 }]) {
      const t = await generateThumbnail(input, opts);
      expect(t.format).toBe(format);
      expect(privateTraces(t.bytes, format), JSON.stringify({ opts, kept: t.keptOriginal })).toEqual([]);
      // The lossy q30 WebP beats a q80 re-encode, so at its own size it is handed back (cleaned).
      if (format === 'webp') expect(t.keptOriginal).toBe(Object.keys(opts).length === 0);
    }
  });
});

describe('no metadata in a kept progressive JPEG (segments between its scans)', () => {
  // ITU T.81 allows tables and misc. segments (APPn, COM) before every scan, not only the first.
  let progressive: Uint8Array;
  let exifPayload: Uint8Array;

  beforeAll(async () => {
    // Quality 10: far smaller than the q80 re-encode, so the original is what goes out.
    progressive = u8(await fromRaw(wavy(128)).jpeg({ quality: 10, progressive: true }).toBuffer());
    const withExif = u8(await fromRaw(gradient(8, 8)).jpeg().withExif(EXIF).toBuffer());
    exifPayload = jpegMarkers(withExif).find((m) => m.marker === APP1 && startsWith(m.payload, 'Exif\0\0'))!.payload;
  });

  /** The progressive JPEG with the given segments spliced in right before its second scan. */
  function beforeSecondScan(segments: readonly Uint8Array[]): Uint8Array {
    const sos: number[] = [];
    for (let i = 2; i + 1 < progressive.length; i++) if (progressive[i] === 0xff && progressive[i + 1] === 0xda) sos.push(i);
    expect(sos.length).toBeGreaterThan(2);
    return new Uint8Array(Buffer.concat([progressive.subarray(0, sos[1]), ...segments, progressive.subarray(sos[1])]));
  }

  const segment = (marker: number, payload: Uint8Array) =>
    new Uint8Array([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload]);

  it('a comment and EXIF with GPS between the scans are removed', async () => {
    const input = beforeSecondScan([segment(COM, ascii(SECRET_COMMENT)), segment(APP1, exifPayload)]);
    expect(privateTraces(input, 'jpeg').length).toBeGreaterThanOrEqual(3);
    const t = await generateThumbnail(input);
    expect(t.keptOriginal).toBe(true);
    expect(privateTraces(t.bytes, 'jpeg')).toEqual([]);
  });

  it('an EXIF block with an embedded thumbnail (its own FF D9) between the scans does not cut the kept file short', async () => {
    const thumbnail = u8(await fromRaw(gradient(8, 8)).jpeg().toBuffer());
    const input = beforeSecondScan([segment(APP1, new Uint8Array([...exifPayload, ...thumbnail]))]);
    const t = await generateThumbnail(input);
    expect(t.keptOriginal).toBe(true);
    const scans = (b: Uint8Array) => jpegMarkers(b).filter((m) => m.marker === 0xda).length;
    expect(scans(t.bytes)).toBe(scans(input));
    expect(firstPixelDifference(await jpegCodec.decode(t.bytes), await jpegCodec.decode(input))).toBe(-1);
  });
});

// ---------------------------------------------------------------------------
// 7. Colour profiles

describe('colour profiles our decoders ignore are reported', () => {
  // 64x64 into a 32 box: re-encoded, so the original (whose profile a browser would apply) is not what goes out.
  const box = { width: 32, height: 32 };

  it('JPEG: Display P3 -> true; sRGB -> false; no profile -> false', async () => {
    const base = () => fromRaw(gradient(64, 64)).jpeg({ quality: 90 });
    const p3 = await generateThumbnail(u8(await base().withIccProfile('p3').toBuffer()), box);
    const srgb = await generateThumbnail(u8(await base().withIccProfile('srgb').toBuffer()), box);
    const plain = await generateThumbnail(u8(await base().toBuffer()), box);
    expect([p3.colourProfileIgnored, srgb.colourProfileIgnored, plain.colourProfileIgnored]).toEqual([true, false, false]);
    expect(p3.decoder).toBe('core');
  });

  it('PNG with a Display P3 iCCP chunk -> true (the profile is inflated and read); sRGB -> false', async () => {
    const p3 = u8(await fromRaw(gradient(64, 64)).png().withIccProfile('p3').toBuffer());
    expect(pngChunks(p3).map((c) => c.type)).toContain('iCCP');
    expect((await generateThumbnail(p3, box)).colourProfileIgnored).toBe(true);
    const srgb = u8(await fromRaw(gradient(64, 64)).png().withIccProfile('srgb').toBuffer());
    expect((await generateThumbnail(srgb, box)).colourProfileIgnored).toBe(false);
  });

  it('WebP (ICCP chunk) and AVIF (colr box) with Display P3 -> true; without a profile -> false', async () => {
    const webp = u8(await fromRaw(gradient(64, 64)).webp().withIccProfile('p3').toBuffer());
    expect(webpChunks(webp)).toContain('ICCP');
    const avif = u8(await fromRaw(gradient(64, 64)).avif({ effort: 2 }).withIccProfile('p3').toBuffer());
    expect(contains(avif, 'colr')).toBe(true);
    expect((await generateThumbnail(webp, box)).colourProfileIgnored).toBe(true);
    expect((await generateThumbnail(avif, box)).colourProfileIgnored).toBe(true);
    expect((await generateThumbnail(samples.webp, { width: 16, height: 16 })).colourProfileIgnored).toBe(false);
    expect((await generateThumbnail(samples.avif, { width: 16, height: 16 })).colourProfileIgnored).toBe(false);
  });

  it('a kept original keeps its profile, so nothing is reported ignored', async () => {
    // The profile adds ~500 bytes a re-encode does not carry: a q10 128x128 original still wins.
    const p3 = u8(await fromRaw(wavy(128)).jpeg({ quality: 10 }).withIccProfile('p3').toBuffer());
    expect(jpegCodec.probe(p3).foreignColourProfile).toBe(true);
    const t = await generateThumbnail(p3);
    expect(t.keptOriginal).toBe(true);
    expect(t.colourProfileIgnored).toBe(false);
    expect(jpegMarkers(t.bytes).some((m) => m.marker === 0xe2 && startsWith(m.payload, 'ICC_PROFILE\0'))).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// 8. ThumbHash

describe('ThumbHash', () => {
  it.each([
    [512, 256, { width: 256, height: 256 }, 256, 128],
    [200, 400, { width: 100, height: 200 }, 100, 200],
  ])('%ix%i to %o: the hash has the output aspect ratio', async (w, h, box, outW, outH) => {
    const t = await generateThumbnail(await encodePlain(gradient(w, h)), box);
    expect([t.width, t.height]).toEqual([outW, outH]);
    const hash = Buffer.from(t.thumbHash, 'base64');
    expect(hash.length).toBeGreaterThan(0);
    expect(hash.length).toBeLessThan(40);
    const ratio = thumbHashToApproximateAspectRatio(hash);
    expect(Math.abs(ratio - outW / outH) / (outW / outH)).toBeLessThan(0.15);
  });
});

// ---------------------------------------------------------------------------
// 9. Smart cover crop through the pipeline


const isSkin = (d: Uint8ClampedArray, o: number) => d[o]! > 160 && d[o + 1]! > 120 && d[o]! - d[o + 2]! > 50;

function skinStats(img: RawImage) {
  let total = 0;
  let leftHalf = 0;
  let edgeColumn = 0;
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width; x++) {
      if (!isSkin(img.data, (y * img.width + x) * 4)) continue;
      total++;
      if (x < img.width / 2) leftHalf++;
      if (x === 0) edgeColumn++;
    }
  return { total, leftHalf, edgeColumn };
}

describe('smart cover crop through the pipeline', () => {
  it('keeps a face a centred crop cuts', async () => {
    const face: Face = { cx: 110, cy: 200, rx: 70, ry: 90 };
    const png = await encodePlain(faceImage(600, 400, face));
    const opts = { width: 200, height: 200, fit: 'cover', format: 'png' } as const;
    const smart = await thumb(png, { ...opts, focus: 'smart' });
    const centre = await thumb(png, { ...opts, focus: 'centre' });
    expect([smart.width, smart.height, centre.width, centre.height]).toEqual([200, 200, 200, 200]);
    const s = skinStats(smart.pixels);
    const c = skinStats(centre.pixels);
    // The whole face at half scale: an ellipse of radii 35 x 45 (minus eyes, brows, mouth) ~ 4,500 px.
    expect(s.total).toBeGreaterThan(3500);
    expect(s.leftHalf / s.total).toBeGreaterThan(0.9); // it sits in the left part of the thumbnail
    expect(s.edgeColumn).toBe(0); // and whole: not cut by the frame
    // Centred (x 100..500 of 600): the left 60 px of the face are gone, the frame cuts through it.
    expect(c.edgeColumn).toBeGreaterThan(40);
    expect(c.total).toBeLessThan(s.total * 0.75);
  });
});

// ---------------------------------------------------------------------------
// 1 (again). A made-up codec flows through every derived list
//
// The registry's lists are module constants computed from CODECS, not functions of a
// list; the only way to show a new codec reaching them is to load the registry afresh
// with one of its codec modules replaced. Kept last: it resets the module registry.

describe('damaged AVIF files', () => {
  it('every cut-short or byte-flipped copy gives a typed error or a thumbnail, never a crash', async () => {
    await provideNodeWasm();
    const { data } = gradient(48, 32);
    const avif = (await generateThumbnail(await sharp(Buffer.from(data.buffer), { raw: { width: 48, height: 32, channels: 4 } }).png().toBuffer(), { format: 'avif' })).bytes;
    const typed = new Set(['truncated', 'corrupt', 'unsupported-format', 'too-large']); // a flipped size byte can declare a huge image
    const outcomes = new Map<string, number>();
    const damaged: Uint8Array[] = [];
    for (let cut = 1; cut < avif.length; cut += Math.max(1, Math.floor(avif.length / 60))) damaged.push(avif.subarray(0, cut));
    for (let at = 0; at < Math.min(avif.length, 400); at += 3) {
      const flipped = avif.slice();
      flipped[at] = flipped[at]! ^ 0xff;
      damaged.push(flipped);
    }
    for (const bytes of damaged) {
      try {
        await generateThumbnail(bytes, { width: 16, height: 16 });
        outcomes.set('thumbnail', (outcomes.get('thumbnail') ?? 0) + 1);
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(ThumbnailError);
        expect(typed.has((e as ThumbnailError).code), (e as ThumbnailError).code).toBe(true);
        outcomes.set((e as ThumbnailError).code, (outcomes.get((e as ThumbnailError).code) ?? 0) + 1);
      }
    }
    expect(outcomes.get('truncated') ?? 0).toBeGreaterThan(0);
  }, 120_000);
});

describe('a made-up codec in the registry reaches every derived list', () => {
  const fakeCodec = {
    format: 'fake',
    label: 'Fake',
    mimeType: 'image/x-fake',
    extension: 'fake',
    fileExtensions: ['.fake'],
    keepsAlpha: true,
    sameAsInput: 'itself',
    decoders: ['core'],
    takesQuality: false,
    wasm: { fakeWasm: '@jsquash/png/codec/pkg/squoosh_png_bg.wasm' },
    sniff: (bytes: Uint8Array) => bytes.length >= 4 && String.fromCharCode(...bytes.subarray(0, 4)) === 'FAKE',
    looksLike: (bytes: Uint8Array) => bytes[0] === 0x46 && bytes[1] === 0x41,
    probe: (): ImageInfo => ({ format: 'fake' as unknown as ImageFormat, width: 1, height: 1, orientation: 1 }),
    decode: async () => createRawImage(1, 1),
    encode: async () => ascii('FAKE'),
  } satisfies Codec<'fake'>;

  afterAll(() => {
    vi.doUnmock('../../src/core/codecs/gif');
    vi.resetModules();
  });

  it('with GIF replaced by a fake codec, every list has the fake and no GIF', async () => {
    vi.doMock('../../src/core/codecs/gif', () => ({ gifCodec: fakeCodec }));
    vi.resetModules();
    const registry = await import('../../src/core/codecs/registry');
    const options = await import('../../src/core/options');
    const route = await import('../../src/core/decode-route');

    expect(registry.CODECS.map((c) => c.format)).toEqual(['jpeg', 'png', 'webp', 'avif', 'heic', 'jxl', 'tiff', 'fake', 'bmp']);
    expect(registry.SUPPORTED_FORMATS_TEXT).toBe('JPEG, PNG, WebP, AVIF, HEIC, JPEG XL, TIFF, Fake and BMP');
    expect(registry.FILE_PICKER_ACCEPT.split(',')).toContain('.fake');
    expect(registry.FILE_PICKER_ACCEPT.split(',')).not.toContain('.gif');
    expect(registry.acceptedFileTypes()['image/x-fake']).toEqual(['.fake']);
    expect(registry.acceptedFileTypes()['image/gif']).toBeUndefined();
    expect(options.OUTPUT_FORMATS).toContain('fake');
    expect(registry.sniffMimeType(ascii('FAKE and then some bytes'))).toBe('image/x-fake');
    expect(registry.sniffMimeType(samples.gif)).toBeNull();
    expect(registry.sniffFormat(ascii('FAKE and then some bytes')).format).toBe('fake');
    expect(registry.wasmPaths()).toHaveProperty('fakeWasm', fakeCodec.wasm.fakeWasm);
    expect(registry.isImageFormat('fake')).toBe(true);
    expect((route.DECODER_ORDER as Record<string, readonly string[]>)['fake']).toContain('core');
    expect(options.normaliseOptions({ format: 'fake' as ImageFormat }).format).toBe('fake');
  });
});

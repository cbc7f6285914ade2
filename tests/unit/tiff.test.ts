/**
 * The TIFF codec, tested three ways:
 * - the fixtures of tests/fixtures/tiff (scripts/fixtures/make-tiff.sh), each
 *   against ImageMagick's own decode of the same file (the PNG beside it);
 * - files built here byte by byte, for what a writer would never make on purpose
 *   (loops, bombs, lies about sizes);
 * - through the pipeline: orientation, the pixel limit, multi-page, the output format.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanDifference } from '../support/pixels';
import { tiffCodec, decodeTiffLzw } from '../../src/core/codecs/tiff';
import { codecFor, sniffFormat } from '../../src/core/codecs/registry';
import { ThumbnailError, type ThumbnailErrorCode } from '../../src/core/errors';
import { createRawImage, hasTransparency, type RawImage } from '../../src/core/image';
import { generateThumbnail } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';

beforeAll(provideNodeWasm);

const DIR = resolve(__dirname, '../fixtures/tiff');
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(DIR, name)));

async function reference(name: string): Promise<RawImage> {
  const { data, info } = await sharp(resolve(DIR, name.replace(/\.tif$/, '.ref.png')))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return createRawImage(info.width, info.height, new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength));
}

const px = (img: RawImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

async function codeOf(work: () => unknown): Promise<ThumbnailErrorCode | 'ok'> {
  try {
    await work();
    return 'ok';
  } catch (e) {
    if (e instanceof ThumbnailError) return e.code;
    throw e;
  }
}

async function errorOf(work: () => unknown): Promise<ThumbnailError> {
  try {
    await work();
  } catch (e) {
    expect(e).toBeInstanceOf(ThumbnailError);
    return e as ThumbnailError;
  }
  throw new Error('expected a ThumbnailError');
}

// ---------------------------------------------------------------------------
// A TIFF writer for hostile files: little-endian, pixel data at offset 8, then
// the first directory, then the values too long to sit in their entries.

type Field = number[] | { type: number; values: number[] | Uint8Array; count?: number };

function buildTiff(fields: Record<number, Field>, data: Uint8Array, options: { next?: 'self'; stripOffset?: number } = {}): Uint8Array {
  const all: Record<number, Field> = { 273: { type: 4, values: [options.stripOffset ?? 8] }, 279: { type: 4, values: [data.length] }, ...fields };
  const tags = Object.keys(all).map(Number).sort((a, b) => a - b);
  const ifd = 8 + data.length + (data.length & 1);
  let extra = ifd + 2 + tags.length * 12 + 4;
  const out = new Uint8Array(extra + 4096 + tags.length * 64);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifd, true);
  out.set(data, 8);
  view.setUint16(ifd, tags.length, true);
  tags.forEach((tag, i) => {
    const field = all[tag]!;
    const { type, values, count } = Array.isArray(field) ? { type: 3, values: field, count: undefined } : field;
    const size = [0, 1, 1, 2, 4, 8, 1, 1][type] ?? 4;
    const at = ifd + 2 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count ?? values.length, true);
    let valueAt = at + 8;
    if (size * values.length > 4) {
      valueAt = extra;
      view.setUint32(at + 8, extra, true);
      extra += size * values.length + ((size * values.length) & 1);
    }
    Array.from(values).forEach((v, j) => {
      if (size === 1) out[valueAt + j] = v;
      else if (size === 2) view.setUint16(valueAt + 2 * j, v, true);
      else view.setUint32(valueAt + 4 * j, v, true);
    });
  });
  view.setUint32(ifd + 2 + tags.length * 12, options.next === 'self' ? ifd : 0, true);
  return out.subarray(0, extra);
}

/** A width×height 8-bit RGB (or with `samples` 4, RGBA) uncompressed TIFF. */
function rgbTiff(width: number, height: number, pixels: number[], more: Record<number, Field> = {}, samples = 3): Uint8Array {
  const bits = Array<number>(samples).fill(8);
  return buildTiff({ 256: [width], 257: [height], 258: bits, 259: [1], 262: [2], 277: [samples], 278: [height], ...more }, Uint8Array.from(pixels));
}

// ---------------------------------------------------------------------------

describe('TIFF codec: what it is', () => {
  it('describes itself; "Same as input" makes it JPEG (browsers do not show TIFF)', () => {
    expect(tiffCodec).toMatchObject({ format: 'tiff', label: 'TIFF', mimeType: 'image/tiff', fileExtensions: ['.tif', '.tiff'], sameAsInput: 'jpeg', decoders: ['core'] });
  });

  it("sniffs both byte orders, and BigTIFF so that it gets its own error; 'II' text is not a TIFF", () => {
    expect(tiffCodec.sniff(Uint8Array.of(0x49, 0x49, 0x2a, 0))).toBe(true);
    expect(tiffCodec.sniff(Uint8Array.of(0x4d, 0x4d, 0, 0x2a))).toBe(true);
    expect(tiffCodec.sniff(Uint8Array.of(0x49, 0x49, 0x2b, 0))).toBe(true);
    expect(tiffCodec.sniff(Uint8Array.of(0x4d, 0x4d, 0x2a, 0))).toBe(false); // byte order and magic disagree
    expect(tiffCodec.sniff(new TextEncoder().encode('II is a Roman two'))).toBe(false);
    expect(sniffFormat(fixture('rgb8-zip-msb.tif')).format).toBe('tiff');
  });

  it('probes without decoding: stored size and the Orientation tag of the first directory', () => {
    expect(tiffCodec.probe(fixture('rgb8-none.tif'))).toEqual({ format: 'tiff', width: 120, height: 80, orientation: 1 });
    expect(tiffCodec.probe(fixture('orient6-rgb8-lzw.tif'))).toMatchObject({ width: 120, height: 80, orientation: 6 });
    expect(tiffCodec.probe(fixture('orient8-gray8-none.tif'))).toMatchObject({ width: 120, height: 80, orientation: 8 });
    // Sizes as LONG, an orientation outside 1..8 read as 1.
    expect(tiffCodec.probe(rgbTiff(1, 1, [0, 0, 0], { 256: { type: 4, values: [1] }, 274: [9] }))).toMatchObject({ width: 1, height: 1, orientation: 1 });
  });

  it('an embedded colour profile other than sRGB or grey is flagged (our decoder does not apply it)', () => {
    const profile = (space: string) => ({ type: 7, values: Uint8Array.from({ length: 132 }, (_, i) => (i >= 16 && i < 20 ? space.charCodeAt(i - 16) : 0)) });
    expect(tiffCodec.probe(rgbTiff(1, 1, [0, 0, 0], { 34675: profile('CMYK') })).foreignColourProfile).toBe(true);
    expect(tiffCodec.probe(rgbTiff(1, 1, [0, 0, 0], { 34675: profile('GRAY') })).foreignColourProfile).toBeUndefined();
  });

  it('works on a view that does not start at byte 0 of its buffer', async () => {
    const file = fixture('rgb8-lzw-strips.tif');
    const padded = new Uint8Array(file.length + 5);
    padded.set(file, 5);
    const view = padded.subarray(5);
    expect(tiffCodec.probe(view)).toMatchObject({ width: 120, height: 80 });
    expect(meanDifference(await tiffCodec.decode(view), await reference('rgb8-lzw-strips.tif'))).toBe(0);
  });
});

/**
 * Every fixture, against ImageMagick's decode of the same file. Lossless files must
 * come within 2/255 on average (16-bit samples and palettes round to 8 bits by one
 * level here and there); the JPEG ones within 4/255 (another JPEG decoder).
 */
const FIXTURES: { file: string; covers: string; lossy?: boolean; alpha?: boolean }[] = [
  { file: 'rgb8-none.tif', covers: 'RGB, uncompressed' },
  { file: 'rgb8-lzw-strips.tif', covers: 'LZW with the horizontal predictor, 10 strips' },
  { file: 'rgb8-zip-msb.tif', covers: 'Deflate (Adobe, 8), big-endian' },
  { file: 'rgb8-olddeflate.tif', covers: 'Deflate (old code 32946)' },
  { file: 'rgb8-packbits.tif', covers: 'PackBits' },
  { file: 'rgb8-lzw-tiled.tif', covers: '32×32 tiles, cut at the right and bottom edges' },
  { file: 'rgb8-lzw-planar.tif', covers: 'separate colour planes' },
  { file: 'rgb16-lzw-msb.tif', covers: '16-bit RGB, big-endian, LZW with the predictor; its table fills and is cleared mid-strip' },
  { file: 'rgb16-zip.tif', covers: '16-bit RGB, little-endian, Deflate' },
  { file: 'gray8-packbits.tif', covers: 'grey, min-is-black' },
  { file: 'gray16-zip-tiled.tif', covers: '16-bit grey in tiles' },
  { file: 'gray8-miniswhite-lzw.tif', covers: 'grey, min-is-white' },
  { file: 'gray1-g4.tif', covers: '1-bit, CCITT Group 4' },
  { file: 'graya8-zip.tif', covers: 'grey with alpha', alpha: true },
  { file: 'palette8-lzw.tif', covers: '8-bit palette' },
  { file: 'palette4-packbits.tif', covers: '4-bit palette' },
  { file: 'rgba8-unassoc-lzw.tif', covers: 'unassociated alpha', alpha: true },
  { file: 'rgba8-assoc-zip.tif', covers: 'associated (premultiplied) alpha', alpha: true },
  { file: 'rgba16-assoc-zip-msb.tif', covers: '16-bit associated alpha, big-endian', alpha: true },
  { file: 'cmyk8-lzw.tif', covers: 'CMYK' },
  { file: 'cmyk16-zip.tif', covers: '16-bit CMYK' },
  { file: 'rgb8-jpeg.tif', covers: 'JPEG compression', lossy: true },
  { file: 'gray8-jpeg-tiled.tif', covers: 'greyscale JPEG in tiles', lossy: true },
  { file: 'orient6-rgb8-lzw.tif', covers: 'orientation 6 (decoded as stored)' },
  { file: 'orient8-gray8-none.tif', covers: 'orientation 8 (decoded as stored)' },
  { file: 'multipage-lzw.tif', covers: 'two pages: the first one' },
];

describe('TIFF codec: every fixture decodes as ImageMagick decodes it', () => {
  it.each(FIXTURES)('$file: $covers', async ({ file, lossy, alpha }) => {
    const bytes = fixture(file);
    const image = await tiffCodec.decode(bytes);
    const expected = await reference(file);
    expect([image.width, image.height]).toEqual([120, 80]);
    expect(meanDifference(image, expected)).toBeLessThan(lossy ? 4 : 2);
    expect(hasTransparency(image)).toBe(alpha === true);
    if (alpha) {
      expect(px(image, 60, 40)[3]).toBe(0); // the transparent band over the middle third
      expect(px(image, 12, 2)[3]).toBeGreaterThan(240); // opaque at the top
      expect(px(image, 12, 78)[3]).toBeLessThan(90); // a quarter at the bottom
    }
  });

  it('the test picture itself in every colour type: red block top-left, blue block bottom-right', async () => {
    for (const file of ['rgb8-none.tif', 'cmyk16-zip.tif', 'palette4-packbits.tif', 'rgba8-assoc-zip.tif', 'rgb16-lzw-msb.tif', 'rgb8-lzw-planar.tif']) {
      const image = await tiffCodec.decode(fixture(file));
      expect(px(image, 12, 8).slice(0, 3), file).toEqual([255, 0, 0]);
      expect(px(image, 114, 74).slice(0, 2), file).toEqual([0, 0]);
      expect(px(image, 114, 74)[2], file).toBeGreaterThan(250);
    }
  });

  it('a premultiplied pixel is un-premultiplied: (128, 0, 0) at alpha 128 is full red', async () => {
    const file = rgbTiff(1, 1, [128, 0, 0, 128], { 338: [1] }, 4);
    expect(px(await tiffCodec.decode(file), 0, 0)).toEqual([255, 0, 0, 128]);
    const unassociated = rgbTiff(1, 1, [128, 0, 0, 128], { 338: [2] }, 4);
    expect(px(await tiffCodec.decode(unassociated), 0, 0)).toEqual([128, 0, 0, 128]);
  });
});

describe('TIFF codec: typed errors', () => {
  it('BigTIFF is an unsupported feature, through the pipeline too', async () => {
    const error = await errorOf(() => generateThumbnail(fixture('bigtiff.tif')));
    expect(error.code).toBe('unsupported-feature');
    expect(error.message).toMatch(/BigTIFF/);
  });

  it('CMYK JPEG compression is an unsupported feature (utif2 inverts its colours)', async () => {
    const error = await errorOf(() => tiffCodec.decode(fixture('cmyk8-jpeg.tif')));
    expect(error.code).toBe('unsupported-feature');
    expect(error.message).toMatch(/JPEG compression of CMYK/);
  });

  it('a file cut short loses its directory (written after the pixels): truncated', async () => {
    const file = fixture('rgb8-lzw-strips.tif');
    expect(await codeOf(() => tiffCodec.probe(file.subarray(0, file.length >> 1)))).toBe('truncated');
    expect(await codeOf(() => tiffCodec.probe(file.subarray(0, 6)))).toBe('truncated');
    expect((await errorOf(() => generateThumbnail(file.subarray(0, 20)))).code).toBe('truncated');
  });

  it('a strip that lies past the end of the file: truncated', async () => {
    const file = buildTiff({ 256: [4], 257: [4], 258: [8], 259: [1], 262: [1] }, new Uint8Array(16), { stripOffset: 100_000 });
    expect(await codeOf(() => tiffCodec.decode(file))).toBe('truncated');
  });

  it('a damaged header is corrupt: version number, no size, zero size, an empty directory', async () => {
    const badVersion = fixture('rgb8-none.tif').slice();
    badVersion[2] = 41;
    expect(await codeOf(() => tiffCodec.probe(badVersion))).toBe('corrupt');
    expect(await codeOf(() => tiffCodec.probe(buildTiff({ 257: [4], 258: [8] }, new Uint8Array(16))))).toBe('corrupt');
    expect(await codeOf(() => tiffCodec.probe(buildTiff({ 256: [0], 257: [4], 258: [8] }, new Uint8Array(16))))).toBe('corrupt');
    expect(await codeOf(() => tiffCodec.probe(Uint8Array.of(0x49, 0x49, 42, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0)))).toBe('corrupt');
    // A width of three LONGs whose values would lie past the end of the file.
    expect(await codeOf(() => tiffCodec.probe(buildTiff({ 256: { type: 4, values: [4], count: 3_000_000 }, 257: [4], 258: [8] }, new Uint8Array(16))))).toBe('corrupt');
  });

  it('what we do not read is named: floating-point samples, 32-bit samples, JPEG 2000, CIELab', async () => {
    const base = { 256: [1], 257: [1], 259: [1], 262: [1], 277: [1] };
    const float = await errorOf(() => tiffCodec.decode(buildTiff({ ...base, 258: [32], 339: [3] }, new Uint8Array(4))));
    expect([float.code, float.message]).toEqual(['unsupported-feature', 'This TIFF uses a feature we cannot decode: floating-point samples.']);
    expect((await errorOf(() => tiffCodec.decode(buildTiff({ ...base, 258: [32] }, new Uint8Array(4))))).message).toMatch(/32-bit samples/);
    expect((await errorOf(() => tiffCodec.decode(buildTiff({ ...base, 258: [8], 259: [34712] }, new Uint8Array(4))))).message).toMatch(/JPEG 2000/);
    expect((await errorOf(() => tiffCodec.decode(buildTiff({ ...base, 258: [8, 8, 8], 262: [8], 277: [3] }, new Uint8Array(3))))).message).toMatch(/CIELab/);
  });

  it('the pixel limit is checked from the header alone, before any decoding', async () => {
    // 60000 × 60000 declared over 4 bytes of pixels: refused as too large, not read as truncated.
    const huge = buildTiff({ 256: { type: 4, values: [60_000] }, 257: { type: 4, values: [60_000] }, 258: [8], 259: [1], 262: [1] }, new Uint8Array(4));
    expect((await errorOf(() => generateThumbnail(huge))).code).toBe('too-large');
    expect((await errorOf(() => generateThumbnail(fixture('rgb8-none.tif'), { maxPixels: 1000 }))).code).toBe('too-large');
  });
});

describe('TIFF codec: hostile files end quickly', () => {
  it('an LZW strip with one byte changed (utif2 alone loops forever on it) decodes or is corrupt, at once', async () => {
    const file = fixture('rgb8-lzw-strips.tif').slice();
    file[40] = 0; // found by flipping bytes: codes then name stale table entries, whose chains loop
    const started = performance.now();
    expect(['ok', 'corrupt']).toContain(await codeOf(() => tiffCodec.decode(file)));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('LZW: codes beyond the table are corrupt; the output stops at the strip size', () => {
    // 9-bit codes, MSB first: clear (256), 'A' (65), then 300, which does not exist yet.
    const codes = [256, 65, 300];
    const bytes = new Uint8Array(8);
    codes.forEach((code, i) => {
      for (let b = 0; b < 9; b++) if ((code >> (8 - b)) & 1) bytes[(i * 9 + b) >> 3]! |= 0x80 >> ((i * 9 + b) & 7);
    });
    expect(() => decodeTiffLzw(bytes, 100)).toThrow(ThumbnailError);
    // 'A', 'A', then 258 (= 'AA', made by the two before it) into room for 3 bytes.
    const ok = new Uint8Array(8);
    [256, 65, 65, 258].forEach((code, i) => {
      for (let b = 0; b < 9; b++) if ((code >> (8 - b)) & 1) ok[(i * 9 + b) >> 3]! |= 0x80 >> ((i * 9 + b) & 7);
    });
    expect(Array.from(decodeTiffLzw(ok, 3))).toEqual([65, 65, 65]);
  });

  it('a Deflate strip that would inflate to 1 GB is read only as far as the strip goes', async () => {
    // One MB of zeros compressed, repeated a thousand times: 1 MB on disk, 1 GB inflated.
    const block = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH });
    const stream = new Uint8Array(2 + block.length * 1000 + 2);
    stream.set([0x78, 0x9c]);
    for (let i = 0; i < 1000; i++) stream.set(block, 2 + i * block.length);
    stream.set([0x03, 0x00], 2 + block.length * 1000); // an empty final block
    const file = buildTiff({ 256: [2], 257: [2], 258: [8, 8, 8], 259: [8], 262: [2], 277: [3] }, stream);
    const started = performance.now();
    const image = await tiffCodec.decode(file);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(px(image, 1, 1)).toEqual([0, 0, 0, 255]);
  });

  it('Deflate: a damaged stream is corrupt; a whole one decodes', async () => {
    const pixels = Uint8Array.of(255, 0, 0, 0, 0, 255);
    const fields = { 256: [2], 257: [1], 258: [8, 8, 8], 259: [8], 262: [2], 277: [3] };
    expect(px(await tiffCodec.decode(buildTiff(fields, deflateSync(pixels))), 1, 0)).toEqual([0, 0, 255, 255]);
    const damaged = deflateSync(pixels);
    damaged[2] = 0xff; // an invalid block type
    expect(await codeOf(() => tiffCodec.decode(buildTiff(fields, damaged)))).toBe('corrupt');
  });

  it('a directory chain that loops, a link to itself and an entry claiming 4 billion values still decode', async () => {
    const fields = { 256: [1], 257: [1], 258: [8], 259: [1], 262: [1] };
    const pixel = Uint8Array.of(200);
    expect(px(await tiffCodec.decode(buildTiff(fields, pixel, { next: 'self' })), 0, 0)).toEqual([200, 200, 200, 255]);
    // An EXIF link (34665) to the first directory itself (at 10: after 8 bytes of header
    // and the pixel, padded): utif2 would follow it into itself without end.
    const selfLink = buildTiff({ ...fields, 34665: { type: 4, values: [10] } }, pixel);
    expect(px(await tiffCodec.decode(selfLink), 0, 0)).toEqual([200, 200, 200, 255]);
    const endless = buildTiff({ ...fields, 305: { type: 2, values: [65, 0], count: 0xffffffff } }, pixel);
    const started = performance.now();
    expect(px(await tiffCodec.decode(endless), 0, 0)).toEqual([200, 200, 200, 255]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a JPEG strip whose frame claims far more than its strip is corrupt before it is decoded', async () => {
    const file = fixture('rgb8-jpeg.tif').slice();
    // The strip's frame header (SOF0) holds its height and width right after its length and precision.
    const sof = file.findIndex((b, i) => b === 0xff && file[i + 1] === 0xc0 && i > 8);
    file.set([0x75, 0x30, 0x75, 0x30], sof + 5); // 30000 × 30000
    const error = await errorOf(() => tiffCodec.decode(file));
    expect(error.code).toBe('corrupt');
    expect(error.detail).toMatch(/^A JPEG strip claims 30000×30000 pixels in a 120×\d+ strip\.$/);
  });

  it('random damage: every outcome is an image or a typed error (200 files)', async () => {
    const names = FIXTURES.map((f) => f.file);
    let seed = 1;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const outcomes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const file = fixture(names[i % names.length]!).slice();
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) file[Math.floor(random() * file.length)] = Math.floor(random() * 256);
      outcomes.add(await codeOf(async () => tiffCodec.decode(file)));
    }
    expect([...outcomes].every((o) => ['ok', 'corrupt', 'truncated', 'unsupported-feature'].includes(o))).toBe(true);
  });
});

describe('TIFF through the pipeline', () => {
  async function shown(file: string) {
    const thumbnail = await generateThumbnail(fixture(file), { format: 'png', width: 256, height: 256 });
    return { thumbnail, image: await codecFor('png').decode(thumbnail.bytes) };
  }

  const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
  const isBlue = ([r, g, b]: number[]) => r! < 60 && g! < 60 && b! > 200;

  it('orientation 6: shown turned a quarter clockwise, 80×120, red block top-right, blue bottom-left', async () => {
    const { thumbnail, image } = await shown('orient6-rgb8-lzw.tif');
    expect(thumbnail.source).toMatchObject({ format: 'tiff', width: 80, height: 120, orientation: 6 });
    expect([image.width, image.height]).toEqual([80, 120]);
    expect(isRed(px(image, 71, 12))).toBe(true);
    expect(isBlue(px(image, 5, 114))).toBe(true);
    expect(isRed(px(image, 8, 12))).toBe(false);
  });

  it('orientation 8: shown turned a quarter anticlockwise, red block (dark grey here) bottom-left, blue (darker) top-right', async () => {
    const { thumbnail, image } = await shown('orient8-gray8-none.tif');
    expect(thumbnail.source).toMatchObject({ width: 80, height: 120, orientation: 8 });
    expect([image.width, image.height]).toEqual([80, 120]);
    const grey = (x: number, y: number) => px(image, x, y)[0]!;
    // Red is grey 54 and blue grey 18 in ImageMagick's greyscale; the gradient beside them is lighter.
    expect(Math.abs(grey(8, 107) - 54)).toBeLessThan(8);
    expect(grey(74, 5)).toBeLessThan(30);
    expect(grey(30, 107)).toBeGreaterThan(70);
    expect(grey(74, 30)).toBeGreaterThan(70);
  });

  it('a two-page file gives its first page (the test picture), never the green second one', async () => {
    const { thumbnail, image } = await shown('multipage-lzw.tif');
    expect(thumbnail.source).toMatchObject({ width: 120, height: 80 });
    expect(isRed(px(image, 12, 8))).toBe(true);
    expect(isBlue(px(image, 114, 74))).toBe(true);
    expect(px(image, 60, 40)[1]).toBeLessThan(200);
  });

  it('"Same as input": an opaque TIFF becomes JPEG, a transparent one PNG', async () => {
    expect((await generateThumbnail(fixture('rgb8-lzw-strips.tif'))).format).toBe('jpeg');
    const transparent = await generateThumbnail(fixture('rgba8-unassoc-lzw.tif'));
    expect([transparent.format, transparent.hasAlpha]).toEqual(['png', true]);
  });
});

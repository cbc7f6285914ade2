/**
 * The BMP codec, tested two ways:
 * - synthetic files built here byte by byte (always run);
 * - bmpsuite 2.8 from the shared corpus, pixel by pixel against the suite's own
 *   reference PNGs (skipped, with a warning, when the corpus is not on this machine).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode as decodePng, init as initPng } from '@jsquash/png/decode.js';
import { bmpCodec, decodeBmp, encodeBmp, probeBmp } from '../../src/core/codecs/bmp';
import { createRawImage, type RawImage } from '../../src/core/image';
import { ThumbnailError, type ThumbnailErrorCode } from '../../src/core/errors';

const repoRoot = path.resolve(__dirname, '../..');
const corpusDir = path.resolve(__dirname, '../../../shared/corpus');
const suiteDir = path.join(corpusDir, 'bmpsuite');

// ---------------------------------------------------------------------------
// Helpers

/** The ThumbnailError code decodeBmp throws, or 'ok' when it decodes. Anything else fails the test. */
function outcome(bytes: Uint8Array): ThumbnailErrorCode | 'ok' {
  try {
    decodeBmp(bytes);
    return 'ok';
  } catch (e) {
    if (e instanceof ThumbnailError) return e.code;
    throw e;
  }
}

function codeOf(fn: () => unknown): ThumbnailErrorCode | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof ThumbnailError) return e.code;
    throw e;
  }
}

/** Writes a BMP by hand: file header + 40-byte info header + extras + pixel data. */
function buildBmp(opts: {
  width: number;
  height: number;
  bitCount: number;
  compression?: number;
  colorsUsed?: number;
  /** Bytes between the info header and the pixels: masks and/or palette. */
  extra?: number[];
  pixels: number[];
  planes?: number;
}): Uint8Array {
  const extra = opts.extra ?? [];
  const offset = 14 + 40 + extra.length;
  const out = new Uint8Array(offset + opts.pixels.length);
  const dv = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  dv.setUint32(2, out.length, true);
  dv.setUint32(10, offset, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, opts.width, true);
  dv.setInt32(22, opts.height, true);
  dv.setUint16(26, opts.planes ?? 1, true);
  dv.setUint16(28, opts.bitCount, true);
  dv.setUint32(30, opts.compression ?? 0, true);
  dv.setUint32(46, opts.colorsUsed ?? 0, true);
  out.set(extra, 54);
  out.set(opts.pixels, offset);
  return out;
}

/** Palette entries as BMP stores them: B, G, R, 0. */
function palette(...rgb: [number, number, number][]): number[] {
  return rgb.flatMap(([r, g, b]) => [b, g, r, 0]);
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

function pixel(image: RawImage, x: number, y: number): number[] {
  const i = (y * image.width + x) * 4;
  return Array.from(image.data.subarray(i, i + 4));
}

function randomImage(width: number, height: number, alpha: boolean, seed: number): RawImage {
  const image = createRawImage(width, height);
  let s = seed;
  for (let i = 0; i < image.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    image.data[i] = (s >>> 16) & 0xff;
    if (!alpha && i % 4 === 3) image.data[i] = 255;
  }
  return image;
}

const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];
const WHITE: [number, number, number] = [255, 255, 255];

// ---------------------------------------------------------------------------
// Synthetic files

describe('BMP codec: metadata and sniff', () => {
  it('describes itself', () => {
    expect(bmpCodec).toMatchObject({ format: 'bmp', label: 'BMP', mimeType: 'image/bmp', extension: 'bmp', keepsAlpha: true });
  });

  it('sniffs BM with a plausible header size only', () => {
    const file = encodeBmp(createRawImage(1, 1));
    expect(bmpCodec.sniff(file)).toBe(true);
    expect(bmpCodec.sniff(new Uint8Array([0x42, 0x4d]))).toBe(false);
    expect(bmpCodec.sniff(new TextEncoder().encode('BMW is a car, not an image file'))).toBe(false);
    expect(bmpCodec.sniff(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0]))).toBe(false);
  });

  it('works on a view that does not start at byteOffset 0', () => {
    const file = encodeBmp(randomImage(3, 2, false, 7));
    const padded = new Uint8Array(file.length + 5);
    padded.set(file, 5);
    const viewOf = padded.subarray(5);
    expect(bmpCodec.sniff(viewOf)).toBe(true);
    expect(probeBmp(viewOf)).toEqual({ format: 'bmp', width: 3, height: 2, orientation: 1 });
    expect(decodeBmp(viewOf)).toEqual(decodeBmp(file));
  });
});

describe('BMP encode/decode round trip', () => {
  const cases: [string, number, number, boolean][] = [
    ['opaque 24-bit', 16, 9, false],
    ['32-bit with alpha', 16, 9, true],
    ['1x1 opaque', 1, 1, false],
    ['1x1 with alpha', 1, 1, true],
    // 24-bit rows of 1, 2, 3, 5 pixels need 1, 2, 3, 1 padding bytes.
    ['odd width 1', 1, 3, false],
    ['odd width 2', 2, 3, false],
    ['odd width 3', 3, 3, false],
    ['odd width 5', 5, 4, false],
    ['odd width 7 with alpha', 7, 5, true],
  ];
  for (const [name, w, h, alpha] of cases) {
    it(name, async () => {
      const image = randomImage(w, h, alpha, w * 31 + h);
      if (alpha) image.data[3] = 128; // make sure at least one pixel is translucent
      const file = await bmpCodec.encode!(image, { quality: 75 });
      const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
      expect(dv.getUint32(14, true)).toBe(alpha ? 108 : 40);
      expect(dv.getUint16(28, true)).toBe(alpha ? 32 : 24);
      expect(dv.getUint32(2, true)).toBe(file.length);
      expect(bmpCodec.probe(file)).toEqual({ format: 'bmp', width: w, height: h, orientation: 1 });
      const back = await bmpCodec.decode(file);
      expect(back.width).toBe(w);
      expect(back.height).toBe(h);
      expect(Buffer.from(back.data).equals(Buffer.from(image.data))).toBe(true);
    });
  }

  it('an image whose every alpha is 0 comes back opaque (the all-zero-alpha heuristic; documented)', () => {
    const image = randomImage(4, 4, true, 3);
    for (let i = 3; i < image.data.length; i += 4) image.data[i] = 0;
    const back = decodeBmp(encodeBmp(image));
    for (let i = 0; i < back.data.length; i++) {
      expect(back.data[i]).toBe(i % 4 === 3 ? 255 : image.data[i]);
    }
  });
});

describe('BMP decode: hand-built files', () => {
  it('1-bit palette, MSB first, bottom-up, padded rows', () => {
    // 3x2: bottom row (stored first) = 1,0,1 ; top row = 0,1,1
    const file = buildBmp({
      width: 3,
      height: 2,
      bitCount: 1,
      colorsUsed: 2,
      extra: palette(RED, BLUE),
      pixels: [0b10100000, 0, 0, 0, 0b01100000, 0, 0, 0],
    });
    const img = decodeBmp(file);
    expect([pixel(img, 0, 0), pixel(img, 1, 0), pixel(img, 2, 0)]).toEqual([
      [255, 0, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
    expect([pixel(img, 0, 1), pixel(img, 1, 1), pixel(img, 2, 1)]).toEqual([
      [0, 0, 255, 255],
      [255, 0, 0, 255],
      [0, 0, 255, 255],
    ]);
  });

  it('4-bit palette with a short palette: indices inside it decode, one past it is corrupt', () => {
    // One row of 3 pixels: indices 1, 2, then 2 or 15 (15 is beyond the 3-entry palette).
    const build = (last: number) =>
      buildBmp({ width: 3, height: 1, bitCount: 4, colorsUsed: 3, extra: palette(RED, GREEN, BLUE), pixels: [0x12, last << 4, 0, 0] });
    const img = decodeBmp(build(2));
    expect([pixel(img, 0, 0), pixel(img, 1, 0), pixel(img, 2, 0)]).toEqual([
      [0, 255, 0, 255],
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
    expect(outcome(build(15))).toBe('corrupt');
  });

  it('8-bit palette, colours-used 0 means 256, top-down', () => {
    const pal = new Array<number>(256 * 4).fill(0);
    pal.splice(200 * 4, 4, 10, 20, 30, 0); // entry 200 = rgb(30,20,10)
    const file = buildBmp({ width: 2, height: -2, bitCount: 8, extra: pal, pixels: [200, 0, 0, 0, 0, 200, 0, 0] });
    const img = decodeBmp(file);
    expect(img.height).toBe(2);
    expect(probeBmp(file).height).toBe(2);
    expect(pixel(img, 0, 0)).toEqual([30, 20, 10, 255]); // first stored row is the top one
    expect(pixel(img, 1, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(img, 1, 1)).toEqual([30, 20, 10, 255]);
  });

  it('RLE8 with runs, absolute mode, delta and end-of-line; unset pixels transparent', () => {
    // 4x3, rows stored bottom-up.
    const rle = [
      2, 1, 0, 0, // bottom row: 2 x index 1, then EOL (x 2..3 unset)
      0, 3, 2, 1, 2, 0, // middle row: absolute 3 pixels [2,1,2], padded to even
      0, 0, // EOL
      0, 2, 1, 0, // delta: x+1 on the top row
      1, 2, // 1 x index 2 at x=1
      0, 1, // end of bitmap
    ];
    const file = buildBmp({ width: 4, height: 3, bitCount: 8, compression: 1, colorsUsed: 3, extra: palette(WHITE, RED, BLUE), pixels: rle });
    const img = decodeBmp(file);
    const clear = [0, 0, 0, 0];
    const red = [255, 0, 0, 255];
    const blue = [0, 0, 255, 255];
    expect([0, 1, 2, 3].map((x) => pixel(img, x, 2))).toEqual([red, red, clear, clear]);
    expect([0, 1, 2, 3].map((x) => pixel(img, x, 1))).toEqual([blue, red, blue, clear]);
    expect([0, 1, 2, 3].map((x) => pixel(img, x, 0))).toEqual([clear, blue, clear, clear]);
  });

  it('RLE4 alternates nibbles in runs and reads nibbles in absolute mode', () => {
    // 5x2: bottom row = run of 5 from 0x12 (1,2,1,2,1); top row = absolute 2,1,2 then end.
    const rle = [5, 0x12, 0, 0, 0, 3, 0x21, 0x20, 0, 1];
    const file = buildBmp({ width: 5, height: 2, bitCount: 4, compression: 2, colorsUsed: 3, extra: palette(WHITE, RED, BLUE), pixels: rle });
    const img = decodeBmp(file);
    const red = [255, 0, 0, 255];
    const blue = [0, 0, 255, 255];
    expect([0, 1, 2, 3, 4].map((x) => pixel(img, x, 1))).toEqual([red, blue, red, blue, red]);
    expect([0, 1, 2].map((x) => pixel(img, x, 0))).toEqual([blue, red, blue]);
    expect(pixel(img, 3, 0)).toEqual([0, 0, 0, 0]);
  });

  it('an encoded RLE run spilling past the row end is clipped (real encoders do it)', () => {
    const rle = [255, 1, 0, 0, 2, 0, 0, 1]; // a run far wider than the 2-pixel row, then row 2
    const file = buildBmp({ width: 2, height: 2, bitCount: 8, compression: 1, colorsUsed: 2, extra: palette(WHITE, RED), pixels: rle });
    const img = decodeBmp(file);
    expect(img.data.length).toBe(2 * 2 * 4);
    expect(pixel(img, 0, 1)).toEqual([255, 0, 0, 255]);
    expect(pixel(img, 1, 1)).toEqual([255, 0, 0, 255]);
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('RLE deltas or literal runs that leave the image are corrupt, never written outside', () => {
    const build = (rle: number[]) =>
      buildBmp({ width: 2, height: 2, bitCount: 8, compression: 1, colorsUsed: 2, extra: palette(WHITE, RED), pixels: rle });
    expect(outcome(build([0, 2, 255, 255, 0, 1]))).toBe('corrupt'); // a delta far past the image
    expect(outcome(build([0, 4, 1, 1, 1, 1, 0, 1]))).toBe('corrupt'); // 4 literal pixels in a 2-pixel row
  });

  it('RLE stream cut before its end is truncated', () => {
    const file = buildBmp({ width: 4, height: 4, bitCount: 8, compression: 1, colorsUsed: 2, extra: palette(WHITE, RED), pixels: [4, 1, 0, 0, 4] });
    expect(outcome(file)).toBe('truncated');
  });

  it('top-down RLE is corrupt', () => {
    const file = buildBmp({ width: 1, height: -1, bitCount: 8, compression: 1, colorsUsed: 1, extra: palette(RED), pixels: [0, 1] });
    expect(outcome(file)).toBe('corrupt');
  });

  it('16-bit 5-6-5 BITFIELDS, scaled so the maximum is 255', () => {
    // Masks follow the 40-byte header; pixels: white, pure green max, (1,1,1) in 5-6-5.
    const px = (v: number) => [v & 0xff, v >> 8];
    const file = buildBmp({
      width: 3,
      height: 1,
      bitCount: 16,
      compression: 3,
      extra: [...u32le(0xf800), ...u32le(0x07e0), ...u32le(0x001f)],
      pixels: [...px(0xffff), ...px(0x07e0), ...px((1 << 11) | (1 << 5) | 1), 0, 0],
    });
    const img = decodeBmp(file);
    expect(pixel(img, 0, 0)).toEqual([255, 255, 255, 255]);
    expect(pixel(img, 1, 0)).toEqual([0, 255, 0, 255]);
    // 1/31*255 = 8.2 -> 8; 1/63*255 = 4.05 -> 4
    expect(pixel(img, 2, 0)).toEqual([8, 4, 8, 255]);
  });

  it('16-bit default is 5-5-5 and ignores the top bit', () => {
    const file = buildBmp({ width: 1, height: 1, bitCount: 16, pixels: [0xff, 0xff, 0, 0] });
    expect(pixel(decodeBmp(file), 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('32-bit BI_RGB in a 40-byte header is opaque whatever the spare byte holds', () => {
    const file = buildBmp({ width: 2, height: 1, bitCount: 32, pixels: [1, 2, 3, 0, 4, 5, 6, 77] });
    const img = decodeBmp(file);
    expect(pixel(img, 0, 0)).toEqual([3, 2, 1, 255]);
    expect(pixel(img, 1, 0)).toEqual([6, 5, 4, 255]);
  });

  it('32-bit ALPHABITFIELDS reads the fourth mask as alpha', () => {
    const masks = [...u32le(0xff), ...u32le(0xff00), ...u32le(0xff0000), ...u32le(0xff000000)];
    const file = buildBmp({ width: 1, height: 1, bitCount: 32, compression: 6, extra: masks, pixels: [10, 20, 30, 40] });
    expect(pixel(decodeBmp(file), 0, 0)).toEqual([10, 20, 30, 40]);
  });

  it('8-bit with colours-used 0 and a short palette: the pixel offset bounds the palette', () => {
    // 1x1, 2 palette entries although 8 bits could address 256; the file is smaller than 256 entries.
    const file = buildBmp({ width: 1, height: 1, bitCount: 8, extra: palette(RED, BLUE), pixels: [1, 0, 0, 0] });
    expect(pixel(decodeBmp(file), 0, 0)).toEqual([0, 0, 255, 255]);
  });

  it('a V5 header with BI_RGB 32-bit and alpha mask 0xff000000 uses the alpha; 16-bit BI_RGB ignores it', () => {
    const v5 = (bitCount: number, pixels: number[]) => {
      const out = new Uint8Array(14 + 124 + pixels.length);
      const dv = new DataView(out.buffer);
      out.set([0x42, 0x4d]);
      dv.setUint32(10, 14 + 124, true);
      dv.setUint32(14, 124, true);
      dv.setInt32(18, 1, true);
      dv.setInt32(22, 1, true);
      dv.setUint16(26, 1, true);
      dv.setUint16(28, bitCount, true);
      dv.setUint32(14 + 52, 0xff000000, true); // alpha mask
      out.set(pixels, 14 + 124);
      return out;
    };
    expect(pixel(decodeBmp(v5(32, [1, 2, 3, 128])), 0, 0)).toEqual([3, 2, 1, 128]);
    expect(pixel(decodeBmp(v5(16, [0xff, 0x7f, 0, 0])), 0, 0)).toEqual([255, 255, 255, 255]);
  });

  it('pixel data cut short is truncated', () => {
    const whole = encodeBmp(randomImage(8, 8, false, 1));
    expect(outcome(whole.subarray(0, whole.length - 1))).toBe('truncated');
    expect(outcome(whole.subarray(0, 60))).toBe('truncated');
  });

  it('empty, short and non-BMP input is corrupt', () => {
    expect(codeOf(() => decodeBmp(new Uint8Array(0)))).toBe('corrupt');
    expect(codeOf(() => probeBmp(new Uint8Array(0)))).toBe('corrupt');
    expect(codeOf(() => decodeBmp(new Uint8Array([0x42, 0x4d, 0, 0])))).toBe('corrupt');
    const whole = encodeBmp(randomImage(2, 2, false, 1));
    expect(codeOf(() => probeBmp(whole.subarray(0, 30)))).toBe('corrupt'); // ends inside the info header
    const notBm = whole.slice();
    notBm[1] = 0x41; // "BA"
    expect(codeOf(() => decodeBmp(notBm))).toBe('corrupt');
  });

  it('width 0, height 0, negative width, planes != 1, bad bit count, unknown header size are corrupt', () => {
    const base = { bitCount: 24, pixels: [0, 0, 0, 0] };
    expect(codeOf(() => probeBmp(buildBmp({ ...base, width: 0, height: 1 })))).toBe('corrupt');
    expect(codeOf(() => probeBmp(buildBmp({ ...base, width: 1, height: 0 })))).toBe('corrupt');
    expect(codeOf(() => probeBmp(buildBmp({ ...base, width: -1, height: 1 })))).toBe('corrupt');
    expect(outcome(buildBmp({ ...base, width: 1, height: 1, planes: 2 }))).toBe('corrupt');
    expect(outcome(buildBmp({ ...base, width: 1, height: 1, bitCount: 7 }))).toBe('corrupt');
    const odd = buildBmp({ ...base, width: 1, height: 1 });
    new DataView(odd.buffer).setUint32(14, 66, true);
    expect(codeOf(() => probeBmp(odd))).toBe('corrupt');
  });

  it('a huge declared size is caught before any allocation', () => {
    // 100000 x 100000 at 24 bits in a 58-byte file: truncated, with no 40 GB buffer attempted.
    const file = buildBmp({ width: 100000, height: 100000, bitCount: 24, pixels: [0, 0, 0, 0] });
    expect(probeBmp(file)).toMatchObject({ width: 100000, height: 100000 });
    expect(outcome(file)).toBe('truncated');
    // The same size as RLE (which may describe a big, mostly blank image in a few
    // bytes) is refused before allocating, as data far too short for the image.
    const rle = buildBmp({ width: 100000, height: 100000, bitCount: 8, compression: 1, colorsUsed: 1, extra: palette(RED), pixels: [0, 1] });
    expect(outcome(rle)).toBe('corrupt');
    // A small RLE image may be mostly blank: 64x64 from an end-of-bitmap alone.
    const blank = buildBmp({ width: 64, height: 64, bitCount: 8, compression: 1, colorsUsed: 1, extra: palette(RED), pixels: [0, 1] });
    expect(decodeBmp(blank).data.every((v) => v === 0)).toBe(true);
  });

  it('embedded JPEG/PNG is an unsupported feature', () => {
    expect(outcome(buildBmp({ width: 1, height: 1, bitCount: 0, compression: 4, pixels: [0xff, 0xd8] }))).toBe('unsupported-feature');
    expect(outcome(buildBmp({ width: 1, height: 1, bitCount: 0, compression: 5, pixels: [0x89, 0x50] }))).toBe('unsupported-feature');
  });
});

// ---------------------------------------------------------------------------
// bmpsuite

const haveCorpus = existsSync(path.join(suiteDir, 'g'));
if (!haveCorpus) {
  console.warn(`[bmp.test] bmpsuite corpus not found at ${suiteDir}: skipping the corpus tests.`);
}

interface ManifestRow {
  expected: string;
  width: number;
  height: number;
}

function readManifest(): Map<string, ManifestRow> {
  const rows = new Map<string, ManifestRow>();
  const lines = readFileSync(path.join(corpusDir, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
  for (const line of lines) {
    const [file, , , expected, width, height] = line.split('\t');
    if (file && expected) rows.set(file, { expected, width: Number(width), height: Number(height) });
  }
  return rows;
}

function hasBmSignature(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d;
}

function readBmp(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(suiteDir, relative)));
}

async function readReference(name: string): Promise<RawImage> {
  const png = readFileSync(path.join(suiteDir, 'reference', name));
  const img = await decodePng(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
  return { width: img.width, height: img.height, data: img.data };
}

/**
 * Largest per-channel difference, or Infinity when the sizes differ.
 * Two fully transparent pixels are equal whatever their RGB: that colour is
 * invisible, and the references disagree about it (q/pal8rletrns.png stores
 * 0,0,0,0 where q/pal8rlecut.png stores palette colour 0 with alpha 0).
 */
function maxDifference(a: RawImage, b: RawImage): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity;
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i + 3] === 0 && b.data[i + 3] === 0) continue;
    for (let c = 0; c < 4; c++) max = Math.max(max, Math.abs(a.data[i + c]! - b.data[i + c]!));
  }
  return max;
}

/**
 * Which reference rendering goes with which file, from bmpsuite.html ("Correct display").
 * pal8nonsquare has two: -e (as an editor shows it, unstretched) is what a decoder
 * should produce; -v is the aspect-corrected view.
 */
const GOOD_REFERENCES: Record<string, string> = {
  'pal1.bmp': 'pal1.png',
  'pal1wb.bmp': 'pal1.png',
  'pal1bg.bmp': 'pal1bg.png',
  'pal4.bmp': 'pal4.png',
  'pal4gs.bmp': 'pal4gs.png',
  'pal4rle.bmp': 'pal4.png',
  'pal8.bmp': 'pal8.png',
  'pal8-0.bmp': 'pal8.png',
  'pal8gs.bmp': 'pal8gs.png',
  'pal8rle.bmp': 'pal8.png',
  'pal8w126.bmp': 'pal8w126.png',
  'pal8w125.bmp': 'pal8w125.png',
  'pal8w124.bmp': 'pal8w124.png',
  'pal8topdown.bmp': 'pal8.png',
  'pal8nonsquare.bmp': 'pal8nonsquare-e.png',
  'pal8os2.bmp': 'pal8.png',
  'pal8v4.bmp': 'pal8.png',
  'pal8v5.bmp': 'pal8.png',
  'rgb16.bmp': 'rgb16.png',
  'rgb16bfdef.bmp': 'rgb16.png',
  'rgb16-565.bmp': 'rgb16-565.png',
  'rgb16-565pal.bmp': 'rgb16-565.png',
  'rgb24.bmp': 'rgb24.png',
  'rgb24pal.bmp': 'rgb24.png',
  'rgb32.bmp': 'rgb24.png',
  'rgb32bfdef.bmp': 'rgb24.png',
  'rgb32bf.bmp': 'rgb24.png',
};

/**
 * What each b/ file must do. Most are refused with a specific code; a few are
 * "bad" only in fields a decoder has no need to read, so decoding them is right:
 */
const BAD_EXPECTED: Record<string, ThumbnailErrorCode | 'ok'> = {
  'badbitcount.bmp': 'corrupt', // 30000 bits per pixel
  'badbitssize.bmp': 'ok', // lies in biSizeImage, which we never read (rows are sized from width x bit count)
  'baddens1.bmp': 'ok', // odd pixels-per-metre only; density is ignored
  'baddens2.bmp': 'ok', // same
  'badfilesize.bmp': 'ok', // lies in bfSize, which we never read
  'badheadersize.bmp': 'corrupt', // 66-byte info header: no such version
  'badpalettesize.bmp': 'corrupt', // 305 million palette entries, past the end of the file
  'badplanes.bmp': 'corrupt', // planes must be 1
  // The six RLE attacks move or write past the image with deltas and literal runs:
  // refused as corrupt before any out-of-bounds write.
  'badrle.bmp': 'corrupt',
  'badrle4.bmp': 'corrupt',
  'badrle4bis.bmp': 'corrupt',
  'badrle4ter.bmp': 'corrupt',
  'badrlebis.bmp': 'corrupt',
  'badrleter.bmp': 'corrupt',
  'badwidth.bmp': 'corrupt', // negative width
  'pal8badindex.bmp': 'corrupt', // indices past the palette: the colour is unknown, so the data is damaged
  'reallybig.bmp': 'truncated', // 3000000 x 2000000 claimed, 24 KB of data (probe reports the size; the pipeline's pixel limit refuses it first)
  'rgb16-880.bmp': 'ok', // blue mask 0: blue reads as 0 (compared with reference/rgb16-880.png below)
  'rletopdown.bmp': 'corrupt', // RLE cannot be top-down
  'shortfile.bmp': 'truncated', // cut in the middle of the pixels
};

/**
 * q/ files with a single reference we match exactly (from bmpsuite.html). Not a
 * requirement of the suite, but it keeps the decoder from drifting. The RLE
 * "trns"/"cut" files have three acceptable renderings; we produce the first
 * (unset pixels transparent), so that one is listed.
 */
const QUESTIONABLE_REFERENCES: Record<string, string> = {
  'pal1p1.bmp': 'pal1p1.png',
  'pal2.bmp': 'pal2.png',
  'pal2color.bmp': 'pal2color.png',
  'pal4rletrns.bmp': 'pal4rletrns.png',
  'pal4rlecut.bmp': 'pal4rlecut.png',
  'pal8rletrns.bmp': 'pal8rletrns.png',
  'pal8rlecut.bmp': 'pal8rlecut.png',
  'pal8offs.bmp': 'pal8.png',
  'pal8oversizepal.bmp': 'pal8.png',
  'pal8os2-sz.bmp': 'pal8.png',
  'pal8os2-hs.bmp': 'pal8.png',
  'pal8os2sp.bmp': 'pal8.png',
  'pal8os2v2.bmp': 'pal8.png',
  'pal8os2v2-16.bmp': 'pal8.png',
  'pal8os2v2-sz.bmp': 'pal8.png',
  'pal8os2v2-40sz.bmp': 'pal8.png',
  'rgb16faketrns.bmp': 'rgb16.png', // spare bit ignored in a 40-byte header
  'rgb16-231.bmp': 'rgb16-231.png',
  'rgb16-3103.bmp': 'rgb16-3103.png',
  'rgba16-4444.bmp': 'rgba16-4444.png',
  'rgba16-5551.bmp': 'rgba16-5551.png',
  'rgba16-1924.bmp': 'rgba16-1924.png',
  'rgb24largepal.bmp': 'rgb24.png',
  'rgb24prof.bmp': 'rgb24.png',
  'rgb24lprof.bmp': 'rgb24.png',
  'rgb32h52.bmp': 'rgb24.png',
  'rgb32-xbgr.bmp': 'rgb24.png',
  'rgb32fakealpha.bmp': 'rgb24.png', // spare byte ignored in a 40-byte header
  'rgb32-111110.bmp': 'rgb24.png',
  'rgb32-7187.bmp': 'rgb32-7187.png',
  'rgba32-1.bmp': 'rgba32.png',
  'rgba32-2.bmp': 'rgba32.png',
  'rgba32-1010102.bmp': 'rgba32-1010102.png',
  'rgba32-81284.bmp': 'rgba32-81284.png',
  'rgba32-61754.bmp': 'rgba32-61754.png',
  'rgba32abf.bmp': 'rgba32.png',
  'rgba32h56.bmp': 'rgba32.png',
};

/**
 * Files with channels wider than 8 bits, or of odd widths, whose reference is the
 * suite's source picture rather than a decoding of the stored values: no rule
 * maps stored value to reference. In rgba32-61754 the 5-bit blue value 3
 * (24.68 exactly) is 24 in the reference while 24 (197.42) is 198; in
 * rgb32-111110 the 11-bit 1690 (210.53) is 210 while 357 (44.47) is 45. We
 * round v * 255 / max, which is never more than 1 away.
 */
const QUESTIONABLE_TOLERANCE: Record<string, number> = {
  'rgb32-111110.bmp': 1,
  'rgb32-7187.bmp': 1,
  'rgba32-81284.bmp': 1,
  'rgba32-61754.bmp': 1,
};

/** q/ files we refuse on purpose, with the code. */
const QUESTIONABLE_REFUSED: Record<string, ThumbnailErrorCode> = {
  'pal1huffmsb.bmp': 'unsupported-feature', // OS/2 Huffman 1D (fax) compression
  'rgb24jpeg.bmp': 'unsupported-feature', // embedded JPEG (a printer format)
  'rgb24png.bmp': 'unsupported-feature', // embedded PNG (a printer format)
  'rgb24rle24.bmp': 'unsupported-feature', // OS/2 RLE24
  'rgba64.bmp': 'unsupported-feature', // 64-bit fixed-point HDR
};

describe.skipIf(!haveCorpus)('bmpsuite', () => {
  let manifest: Map<string, ManifestRow>;

  beforeAll(async () => {
    const wasm = readFileSync(path.join(repoRoot, 'node_modules/@jsquash/png/codec/pkg/squoosh_png_bg.wasm'));
    await initPng(await WebAssembly.compile(wasm));
    manifest = readManifest();
  });

  it('has the 27 good files the references are listed for', () => {
    expect(readdirSync(path.join(suiteDir, 'g')).sort()).toEqual(Object.keys(GOOD_REFERENCES).sort());
  });

  describe('g/ (good): every file decodes to its reference, exactly', () => {
    for (const [file, reference] of Object.entries(GOOD_REFERENCES)) {
      it(file, async () => {
        const bytes = readBmp(`g/${file}`);
        const row = manifest.get(`bmpsuite/g/${file}`);
        expect(row?.expected).toBe('valid');
        expect(probeBmp(bytes)).toEqual({ format: 'bmp', width: row!.width, height: row!.height, orientation: 1 });
        const image = await bmpCodec.decode(bytes);
        expect([image.width, image.height]).toEqual([row!.width, row!.height]);
        // Exact: bit-field channels are scaled as round(v * 255 / max), which is
        // what the suite's references use, so no tolerance is needed.
        expect(maxDifference(image, await readReference(reference))).toBe(0);
      });
    }
  });

  describe('b/ (bad): refused with a specific code, or decoded safely where only unneeded fields lie', () => {
    it('covers every b/ file', () => {
      expect(readdirSync(path.join(suiteDir, 'b')).sort()).toEqual(Object.keys(BAD_EXPECTED).sort());
    });
    for (const [file, expected] of Object.entries(BAD_EXPECTED)) {
      it(`${file} -> ${expected}`, () => {
        expect(outcome(readBmp(`b/${file}`))).toBe(expected);
      });
    }
    it('rgb16-880.bmp matches its reference (absent blue channel reads as 0)', async () => {
      expect(maxDifference(decodeBmp(readBmp('b/rgb16-880.bmp')), await readReference('rgb16-880.png'))).toBe(0);
    });
    it('reallybig.bmp probes to its claimed size, so the pixel limit can refuse it before decoding', () => {
      expect(probeBmp(readBmp('b/reallybig.bmp'))).toMatchObject({ width: 3000000, height: 2000000 });
    });
  });

  describe('q/ (questionable): decode or a ThumbnailError, nothing else', () => {
    it('every q/ file decodes or throws a ThumbnailError', () => {
      const files = readdirSync(path.join(suiteDir, 'q')).sort();
      const results = new Map<string, ThumbnailErrorCode | 'ok'>();
      for (const file of files) results.set(file, outcome(readBmp(`q/${file}`)));
      const decoded = [...results.values()].filter((r) => r === 'ok').length;
      const refused = [...results].filter(([, r]) => r !== 'ok').map(([f, r]) => `${f} (${r})`);
      console.log(`[bmp.test] bmpsuite q/: ${decoded} of ${files.length} decoded; refused: ${refused.join(', ')}`);
      for (const [file, code] of Object.entries(QUESTIONABLE_REFUSED)) expect(results.get(file), file).toBe(code);
      expect(decoded).toBe(files.length - Object.keys(QUESTIONABLE_REFUSED).length);
    });

    for (const [file, reference] of Object.entries(QUESTIONABLE_REFERENCES)) {
      const tolerance = QUESTIONABLE_TOLERANCE[file] ?? 0;
      it(`${file} matches ${reference}${tolerance ? ` within ${tolerance}` : ''}`, async () => {
        const image = decodeBmp(readBmp(`q/${file}`));
        expect(maxDifference(image, await readReference(reference))).toBeLessThanOrEqual(tolerance);
      });
    }
  });

  describe('bmp-extra/: BMPs from other projects\' test suites', () => {
    const dir = path.join(corpusDir, 'bmp-extra');
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    for (const file of files) {
      it(file, () => {
        const bytes = new Uint8Array(readFileSync(path.join(dir, file)));
        const row = manifest.get(`bmp-extra/${file}`);
        if (!hasBmSignature(bytes)) {
          // OS/2 "BA" bitmap arrays and Windows 1.x bitmaps: not this format.
          expect(bmpCodec.sniff(bytes)).toBe(false);
          expect(outcome(bytes)).toBe('corrupt');
          return;
        }
        const result = outcome(bytes);
        if (row?.expected === 'valid') {
          expect(result).toBe('ok');
          expect(probeBmp(bytes)).toMatchObject({ width: row.width, height: row.height });
        } else if (row?.expected === 'invalid') {
          expect(result).not.toBe('ok');
        }
      });
    }

    // Paint.NET re-saves of three PngSuite images: the same pixels as the PNGs.
    for (const name of ['basn0g01', 'basn3p04', 'basn6a08']) {
      it(`lunapaint-paintnet_${name}.bmp matches pngsuite/${name}.png`, async () => {
        const bmpPath = path.join(dir, `lunapaint-paintnet_${name}.bmp`);
        const pngPath = path.join(corpusDir, 'pngsuite', `${name}.png`);
        if (!existsSync(bmpPath) || !existsSync(pngPath)) return;
        const png = readFileSync(pngPath);
        const ref = await decodePng(png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer);
        const image = decodeBmp(new Uint8Array(readFileSync(bmpPath)));
        expect(maxDifference(image, { width: ref.width, height: ref.height, data: ref.data })).toBe(0);
      });
    }
  });

  it('mangled copies of the good files decode or throw a ThumbnailError, never anything else', () => {
    // Deterministic mutations: header bytes set to extremes, random bytes flipped,
    // and cuts at random lengths. Catches out-of-range reads, bad allocations and loops.
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const counts = { ok: 0, error: 0 };
    for (const file of Object.keys(GOOD_REFERENCES)) {
      const original = readBmp(`g/${file}`);
      for (let round = 0; round < 40; round++) {
        let bytes = original.slice();
        const headerEnd = Math.min(bytes.length, 14 + 124 + 16);
        for (let k = 0; k < 3; k++) bytes[rand(headerEnd)] = [0, 0xff, 0x7f, 0x80, rand(256)][rand(5)]!;
        for (let k = 0; k < 8; k++) bytes[rand(bytes.length)] = rand(256);
        if (round % 4 === 0) bytes = bytes.subarray(0, rand(bytes.length));
        const result = outcome(bytes); // throws (failing the test) on anything but a ThumbnailError
        counts[result === 'ok' ? 'ok' : 'error']++;
      }
    }
    console.log(`[bmp.test] mangled files: ${counts.ok} decoded, ${counts.error} refused with a ThumbnailError`);
  });

  it('x/ba-bm.bmp (an OS/2 bitmap array, "BA") is not sniffed as BMP and is corrupt if forced', () => {
    const bytes = readBmp('x/ba-bm.bmp');
    expect(bmpCodec.sniff(bytes)).toBe(false);
    expect(outcome(bytes)).toBe('corrupt');
  });
});

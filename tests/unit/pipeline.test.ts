import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanDifference } from '../support/pixels';
import { jpegCodec } from '../../src/core/codecs/jpeg';
import { pngCodec } from '../../src/core/codecs/png';
import { codecFor } from '../../src/core/codecs/registry';
import { ThumbnailError } from '../../src/core/errors';
import { createRawImage, type RawImage } from '../../src/core/image';
import type { ThumbnailOptions } from '../../src/core/options';
import { fitsRequest, generateThumbnail, generateThumbnails, type DecodeRequest, type HostDecoder } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';

beforeAll(provideNodeWasm);

const FIXTURES = resolve(__dirname, '../fixtures');
const CORPUS = resolve(__dirname, '../../../shared/corpus');
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(FIXTURES, name)));

async function thumb(bytes: Uint8Array, options: Partial<ThumbnailOptions> = {}) {
  const t = await generateThumbnail(bytes, options);
  const pixels = await codecFor(t.format).decode(t.bytes);
  return { ...t, pixels };
}

async function errorOf(bytes: Uint8Array, options: Partial<ThumbnailOptions> = {}): Promise<ThumbnailError> {
  try {
    await generateThumbnail(bytes, options);
  } catch (e) {
    expect(e).toBeInstanceOf(ThumbnailError);
    return e as ThumbnailError;
  }
  throw new Error('expected a ThumbnailError');
}

const px = (img: RawImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

/** A half-transparent-left, opaque-blue-right test card. */
function halfTransparent(width: number, height: number): RawImage {
  const img = createRawImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) img.data.set(x < width / 2 ? [255, 0, 0, 0] : [0, 0, 255, 255], (y * width + x) * 4);
  return img;
}

/** Inserts an APP1 Exif segment with the given orientation right after the JPEG's SOI. */
function withOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  // Big-endian TIFF: header, IFD0 with one entry (0x0112 SHORT 1 = orientation), next IFD 0.
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = payload.length + 2;
  const segment = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

describe('generateThumbnail', () => {
  it('takes a Node Buffer straight from readFileSync (a view into a shared pool, whose slice() copies nothing)', async () => {
    const pooled = readFileSync(resolve(import.meta.dirname, '../fixtures/alpha.png'));
    expect(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length).toBe(true); // really a view into a larger buffer
    const t = await generateThumbnail(pooled, { width: 16, height: 16 });
    expect([t.width, t.height]).toEqual([16, 16]);
  });

  it('fits a photo inside 256x256 by default and keeps its format', async () => {
    const t = await thumb(fixture('landscape.jpg'));
    expect([t.width, t.height, t.format, t.mimeType]).toEqual([256, 171, 'jpeg', 'image/jpeg']);
    expect([t.pixels.width, t.pixels.height]).toEqual([256, 171]);
    expect(t.source).toEqual({ format: 'jpeg', width: 1800, height: 1200, orientation: 1 });
  });

  it('turns every EXIF orientation into the same upright picture', async () => {
    // A 60x40 picture with a distinct top-left corner, stored pre-transformed for each
    // orientation by un-doing what the tag says; the thumbnail must always look alike.
    const upright = createRawImage(60, 40);
    for (let y = 0; y < 40; y++) for (let x = 0; x < 60; x++) upright.data.set(x < 20 && y < 15 ? [250, 20, 20, 255] : [20, 20, 250, 255], (y * 60 + x) * 4);
    const { applyOrientation } = await import('../../src/core/orient');
    // The stored image for tag o is the one that orientation o turns upright:
    // apply the inverse transform (6 and 8 are each other's inverse; the rest are their own).
    const inverse = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 7, 8: 6 } as const;
    const reference = await thumb(await jpegCodec.encode!(upright, { quality: 95 }));
    for (const o of [2, 3, 4, 5, 6, 7, 8] as const) {
      const stored = applyOrientation(upright, inverse[o]);
      const t = await thumb(withOrientation(await jpegCodec.encode!(stored, { quality: 95 }), o));
      expect([t.width, t.height], `orientation ${o}`).toEqual([60, 40]);
      expect(t.source.orientation).toBe(o);
      expect(meanDifference(t.pixels, reference.pixels), `orientation ${o}`).toBeLessThan(4);
      expect(px(t.pixels, 2, 2)[0], `orientation ${o} top-left is red`).toBeGreaterThan(200);
    }
  });

  it('keeps alpha in PNG output and flattens it onto the background for JPEG', async () => {
    const png = await pngCodec.encode!(halfTransparent(40, 20), { quality: 80 });
    const kept = await thumb(png);
    expect(px(kept.pixels, 0, 10)[3]).toBe(0);
    const flat = await thumb(png, { format: 'jpeg', background: '#00ff00' });
    const [r, g, b] = px(flat.pixels, 2, 10);
    expect(g).toBeGreaterThan(230);
    expect(r! + b!).toBeLessThan(40);
  });

  it('letterboxes contain with the background colour', async () => {
    const t = await thumb(fixture('landscape.jpg'), { width: 100, height: 100, fit: 'contain', format: 'png', background: '#ff0000' });
    expect([t.width, t.height]).toEqual([100, 100]);
    expect(px(t.pixels, 50, 2)).toEqual([255, 0, 0, 255]);
    expect(px(t.pixels, 50, 97)).toEqual([255, 0, 0, 255]);
  });

  it('contain keeps the image alpha for PNG output and flattens it for JPEG; the bands are the background', async () => {
    const png = await pngCodec.encode!(halfTransparent(40, 20), { quality: 80 });
    const kept = await thumb(png, { width: 40, height: 40, fit: 'contain', background: '#00ff00' });
    expect([kept.width, kept.height]).toEqual([40, 40]);
    expect(px(kept.pixels, 20, 2)).toEqual([0, 255, 0, 255]); // letterbox band
    expect(px(kept.pixels, 2, 20)[3]).toBe(0); // the image's transparent half stays transparent
    expect(px(kept.pixels, 38, 20)).toEqual([0, 0, 255, 255]);
    const flat = await thumb(png, { width: 40, height: 40, fit: 'contain', format: 'jpeg', background: '#00ff00' });
    const [r, g, b] = px(flat.pixels, 2, 20);
    expect(g).toBeGreaterThan(230);
    expect(r! + b!).toBeLessThan(40);
  });

  it('gives PNG for BMP and GIF input under "same", and keeps BMP only under "legacy" (the Classic preset)', async () => {
    expect((await thumb(fixture('rgb24.bmp'))).format).toBe('png');
    expect((await thumb(fixture('rgb24.bmp'), { format: 'legacy' })).format).toBe('bmp');
    const gif = new Uint8Array([
      0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 255, 0, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3b,
    ]);
    const t = await thumb(gif);
    expect([t.format, t.width, t.height]).toEqual(['png', 1, 1]);
    expect((await thumb(gif, { format: 'legacy' })).format).toBe('png'); // we write no GIF
  });

  it('converts to WebP when asked', async () => {
    const t = await thumb(fixture('alpha.png'), { format: 'webp', quality: 90 });
    expect(t.mimeType).toBe('image/webp');
    expect([t.pixels.width, t.pixels.height]).toEqual([32, 32]);
  });

  it('refuses images over the pixel limit from the header, before decoding', async () => {
    // A PNG header claiming 20000x20000 followed by nothing: decoding would fail,
    // so a 'too-large' answer proves the limit was checked first.
    const big = fixture('alpha.png').slice(0, 33);
    const header = new DataView(big.buffer);
    header.setUint32(16, 20000);
    header.setUint32(20, 20000);
    header.setUint32(29, crc32(big.subarray(12, 29))); // keep the IHDR checksum valid
    const e = await errorOf(big);
    expect(e.code).toBe('too-large');
    expect(e.message).toContain('20000 × 20000');
    expect((await errorOf(fixture('landscape.jpg'), { maxPixels: 1_000_000 })).code).toBe('too-large');
  });

  it.each([
    ['empty', new Uint8Array(0), 'empty'],
    ['text', new TextEncoder().encode('hello, not an image'), 'unsupported-format'],
    ['a PDF', new TextEncoder().encode('%PDF-1.7 ...'), 'unsupported-format'],
    ['an SVG', new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'unsupported-format'],
  ])('gives a typed error for %s', async (_, bytes, code) => {
    expect((await errorOf(bytes)).code).toBe(code);
  });

  it('says why an SVG cannot be used', async () => {
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    expect((await errorOf(svg)).message).toContain('SVG drawing');
  });

  it('gives a typed error for a truncated or scrambled photo', async () => {
    const jpeg = fixture('landscape.jpg');
    const cut = await errorOf(jpeg.slice(0, 300));
    expect(['truncated', 'corrupt']).toContain(cut.code);
    const scrambled = jpeg.slice();
    for (let i = 200; i < 2000; i++) scrambled[i] = (i * 7919) & 0xff;
    expect(['truncated', 'corrupt']).toContain((await errorOf(scrambled)).code);
  });
});

describe('generateThumbnails (size sets) and the resize method', () => {
  it('gives each size exactly what a single run gives, decoding the file once', async () => {
    const bytes = fixture('landscape.jpg');
    const sizes = [64, 128, 256].map((n) => ({ width: n, height: n }));
    let decodes = 0;
    const codec = codecFor('jpeg');
    const realDecode = codec.decode;
    codec.decode = async (b) => (decodes++, realDecode(b));
    try {
      const set = await generateThumbnails(bytes, sizes);
      expect(decodes).toBe(1);
      expect(set.map((t) => [t.width, t.height])).toEqual([
        [64, 43],
        [128, 85],
        [256, 171],
      ]);
      for (const [i, options] of sizes.entries()) {
        expect(Array.from(set[i]!.bytes), `size ${options.width}`).toEqual(Array.from((await generateThumbnail(bytes, options)).bytes));
      }
    } finally {
      codec.decode = realDecode;
    }
  });

  it('uses the chosen kernel: each gives different pixels, all of them close to lanczos3', async () => {
    const bytes = fixture('landscape.jpg');
    const lanczos = await thumb(bytes, { format: 'png' });
    for (const method of ['mitchell', 'catrom', 'triangle'] as const) {
      const other = await thumb(bytes, { format: 'png', method });
      expect([other.width, other.height]).toEqual([256, 171]);
      const diff = meanDifference(lanczos.pixels, other.pixels);
      expect(diff, method).toBeGreaterThan(0);
      expect(diff, method).toBeLessThan(6);
    }
  });

  it('says whether the thumbnail has transparency (the page shows a checkerboard only then)', async () => {
    expect((await generateThumbnail(fixture('alpha.png'))).hasAlpha).toBe(true);
    expect((await generateThumbnail(fixture('alpha.png'), { format: 'jpeg' })).hasAlpha).toBe(false);
    expect((await generateThumbnail(fixture('landscape.jpg'), { format: 'png' })).hasAlpha).toBe(false);
  });
});

describe('host decoders in a chain (the browser routes in a worker)', () => {
  const jpeg = () => fixture('portrait-orientation6.jpg'); // stored 1800x1200, orientation 6
  /** A stored-orientation stand-in: left half dark, right half light. */
  const stored = (w: number, h: number) => {
    const img = createRawImage(w, h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set(x < w / 2 ? [20, 20, 20, 255] : [230, 230, 230, 255], (y * w + x) * 4);
    return img;
  };
  const host = (decode: HostDecoder['decode'], name: HostDecoder['name'] = 'bitmap'): HostDecoder => ({ name, decode });
  const chainOf = (...steps: (HostDecoder | 'core')[]) => ({ decoderChain: () => steps });

  it('is asked in stored axes for what the resize needs, and the pipeline rotates its answer by the probe', async () => {
    const asked: DecodeRequest[] = [];
    const decoder = host(async (_bytes, format, request) => {
      expect(format).toBe('jpeg');
      asked.push(request);
      return stored(request.ideal.width, request.ideal.height);
    });
    const t = await generateThumbnail(jpeg(), {}, chainOf(decoder, 'core'));
    // Displayed 1200x1800 -> 171x256; in stored axes the target is 256 wide, 171 high.
    expect(asked).toEqual([{ full: { width: 1800, height: 1200 }, least: { width: 256, height: 171 }, ideal: { width: 512, height: 342 }, orientation: 6 }]);
    expect([t.width, t.height]).toEqual([171, 256]);
    expect(t.decoder).toBe('bitmap');
    expect(t.peakPixels).toBe(512 * 342); // the full image never entered this runtime's memory
    // Orientation 6 turns the stored left (dark) half into the displayed top.
    const pixels = await jpegCodec.decode(t.bytes);
    expect(px(pixels, 85, 20)[0]).toBeLessThan(60);
    expect(px(pixels, 85, 235)[0]).toBeGreaterThan(190);
  });

  it('accepts any size from the least needed to full size, pre-shrinking only when still well above the target', async () => {
    for (const [w, h] of [[256, 171], [300, 200], [1800, 1200]] as const) {
      const t = await generateThumbnail(jpeg(), {}, chainOf(host(async () => stored(w, h), 'webcodecs')));
      expect([t.width, t.height, t.decoder, t.peakPixels]).toEqual([171, 256, 'webcodecs', w * h]);
    }
  });

  it('is declined when its answer is too small, stretched or larger than the image, or it fails; the next decoder runs', async () => {
    const reference = await generateThumbnail(jpeg(), {});
    expect(reference.peakPixels).toBe(1800 * 1200);
    expect(reference.decoder).toBe('core');
    const answers = [
      async () => stored(342, 512), // the displayed axes: not what was asked
      async () => stored(255, 170), // under the target
      async () => stored(512, 512), // stretched to the box (Firefox resamples to exactly the size given)
      async () => stored(3600, 2400), // bigger than the image
      async () => null,
      async () => Promise.reject(new Error('boom')),
    ];
    for (const answer of answers) {
      const t = await generateThumbnail(jpeg(), {}, chainOf(host(answer), 'core'));
      expect(t.decoder).toBe('core');
      expect(Array.from(t.bytes)).toEqual(Array.from(reference.bytes));
    }
    // And a later host decoder gets its turn before ours.
    const second = await generateThumbnail(jpeg(), {}, chainOf(host(async () => null, 'webcodecs'), host(async () => stored(512, 342)), 'core'));
    expect(second.decoder).toBe('bitmap');
  });

  it('is not asked when there is nothing to shrink, nor after ours has succeeded', async () => {
    let asked = 0;
    const counting = host(async () => (asked++, null));
    await generateThumbnail(fixture('landscape.jpg'), { width: 2000, height: 2000 }, chainOf(counting, 'core'));
    await generateThumbnail(fixture('landscape.jpg'), {}, chainOf('core', counting));
    expect(asked).toBe(0);
  });

  it('takes over a file ours refuses, at full size if need be, and ours reports the error when none can read it', async () => {
    const png = fixture('alpha.png'); // 32x32: nothing to shrink
    const damaged = new Uint8Array(png);
    const idat = Buffer.from(damaged).indexOf('IDAT');
    damaged.fill(0xff, idat + 8, idat + 40); // the compressed data, not the header
    await expect(generateThumbnail(damaged, {})).rejects.toMatchObject({ code: 'corrupt' });
    const asked: DecodeRequest[] = [];
    const rescued = await generateThumbnail(damaged, {}, chainOf('core', host(async (_b, _f, request) => (asked.push(request), stored(32, 32)))));
    expect(asked[0]!.ideal).toEqual({ width: 32, height: 32 });
    expect([rescued.width, rescued.height, rescued.decoder]).toEqual([32, 32, 'bitmap']);
    await expect(generateThumbnail(damaged, {}, chainOf('core', host(async () => null)))).rejects.toMatchObject({ code: 'corrupt' });
  });

  it('declines a blank answer, and a JPEG answer with any transparency (what WebKit gives for a file it cannot decode)', async () => {
    const reference = await generateThumbnail(jpeg(), {});
    const blank = async (_b: Uint8Array, _f: string, r: DecodeRequest) => createRawImage(r.ideal.width, r.ideal.height); // all 0: transparent black
    const holed = async (_b: Uint8Array, _f: string, r: DecodeRequest) => {
      const img = stored(r.ideal.width, r.ideal.height);
      img.data[img.data.length - 1] = 254; // one pixel not quite opaque: impossible in a JPEG
      return img;
    };
    for (const answer of [blank, holed]) {
      const t = await generateThumbnail(jpeg(), {}, chainOf(host(answer), 'core'));
      expect(t.decoder).toBe('core');
      expect(Array.from(t.bytes)).toEqual(Array.from(reference.bytes));
    }
    // A PNG may be partly transparent; only an all-transparent answer is refused.
    const png = new Uint8Array(await sharp(Buffer.from(halfTransparent(1800, 1200).data), { raw: { width: 1800, height: 1200, channels: 4 } }).png().toBuffer());
    const half = async (_b: Uint8Array, _f: string, r: DecodeRequest) => halfTransparent(r.ideal.width, r.ideal.height);
    expect((await generateThumbnail(png, {}, chainOf(host(half), 'core'))).decoder).toBe('bitmap');
    expect((await generateThumbnail(png, {}, chainOf(host(blank), 'core'))).decoder).toBe('core');
  });

  it('never asks a host decoder about a cut-short file: ours shows what there is, or says it is cut', async () => {
    let asked = 0;
    const counting = host(async (_b, _f, r) => (asked++, stored(r.ideal.width, r.ideal.height)));
    const whole = fixture('landscape.jpg');
    const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
    const t = await generateThumbnail(cut, {}, chainOf(counting, 'core'));
    expect([t.width, t.height, t.decoder]).toEqual([256, 171, 'core']);
    const png = new Uint8Array(await sharp(Buffer.from(whole)).png().toBuffer());
    await expect(generateThumbnail(png.subarray(0, png.length - 100), {}, chainOf(counting, 'core'))).rejects.toMatchObject({ code: 'truncated' });
    expect(asked).toBe(0);
    await generateThumbnail(whole, {}, chainOf(counting, 'core'));
    expect(asked).toBe(1);
  });

  it('leaves ours in the chain even when the host leaves it out', async () => {
    const t = await generateThumbnail(jpeg(), {}, chainOf(host(async () => null)));
    expect(t.decoder).toBe('core');
  });
});

describe('fitsRequest: the shape check on what a host decoder returns', () => {
  const request: DecodeRequest = { full: { width: 4032, height: 3024 }, least: { width: 256, height: 192 }, ideal: { width: 512, height: 384 }, orientation: 1 };
  it.each([
    [504, 378, true], // Chromium's 1/8 DCT step
    [1008, 756, true],
    [4032, 3024, true],
    [505, 378, true], // one pixel of rounding
    [512, 512, false], // stretched
    [378, 504, false], // turned
    [255, 191, false],
    [4033, 3025, false],
  ])('%i x %i -> %s', (width, height, ok) => expect(fitsRequest({ width, height }, request)).toBe(ok));
});

const corpusPresent = existsSync(resolve(CORPUS, 'exif-orientation'));
if (!corpusPresent) console.warn(`[pipeline.test] ${CORPUS} is absent: the corpus orientation comparison is skipped on this machine.`);

describe.skipIf(!corpusPresent)('EXIF orientation examples from the corpus', () => {
  it('all nine Landscape_N and Portrait_N files give the same upright thumbnail', async () => {
    for (const kind of ['Landscape', 'Portrait']) {
      const reference = await thumb(new Uint8Array(readFileSync(resolve(CORPUS, `exif-orientation/${kind}_1.jpg`))));
      for (let n = 0; n <= 8; n++) {
        const t = await thumb(new Uint8Array(readFileSync(resolve(CORPUS, `exif-orientation/${kind}_${n}.jpg`))));
        expect(meanDifference(t.pixels, reference.pixels), `${kind}_${n}`).toBeLessThan(6);
      }
    }
  });
});

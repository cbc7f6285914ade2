/**
 * The JPEG, PNG, WebP and GIF codecs against images made here: sniffing, header
 * probes, round trips, and a typed error for every kind of damage.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import encodePngWithOptions from '@jsquash/png/encode.js';
// @ts-expect-error -- omggif ships no type declarations; GifWriterClass below types what we use.
import omggif from 'omggif';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Codec } from '../../src/core/codecs/codec';
import { gifCodec } from '../../src/core/codecs/gif';
import { jpegCodec } from '../../src/core/codecs/jpeg';
import { pngCodec } from '../../src/core/codecs/png';
import { webpCodec } from '../../src/core/codecs/webp';
import { isThumbnailError, type ThumbnailErrorCode } from '../../src/core/errors';
import { createRawImage, type RawImage } from '../../src/core/image';
import { provideNodeWasm } from '../../src/node/wasm';

interface GifWriterInstance {
  addFrame(x: number, y: number, w: number, h: number, pixels: number[], options?: { transparent?: number }): void;
  end(): number;
}
type GifWriterClass = new (buf: Uint8Array, w: number, h: number, options: { palette: number[] }) => GifWriterInstance;
const { GifWriter } = omggif as { GifWriter: GifWriterClass };

// ---------------------------------------------------------------------------
// Helpers

/** A smooth test picture (JPEG and lossy WebP keep it well), with a varying alpha when asked. */
function gradient(width: number, height: number, withAlpha = false): RawImage {
  const image = createRawImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      image.data[i] = (x * 255) / (width - 1);
      image.data[i + 1] = (y * 255) / (height - 1);
      image.data[i + 2] = 128 + 60 * Math.sin((x + y) / 9);
      image.data[i + 3] = withAlpha ? (x * 4 + y * 3) % 256 : 255;
    }
  }
  return image;
}

/** Peak signal-to-noise ratio over the colour channels, in dB (higher is closer; identical is Infinity). */
function psnr(a: RawImage, b: RawImage, channels = [0, 1, 2]): number {
  expect([b.width, b.height]).toEqual([a.width, a.height]);
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (const c of channels) sum += ((a.data[i + c] ?? 0) - (b.data[i + c] ?? 0)) ** 2;
  }
  const mse = sum / ((a.data.length / 4) * channels.length);
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** Awaits `run` and checks it failed with a ThumbnailError (of one of `codes`, when given). */
async function expectThumbnailError(run: () => unknown, ...codes: ThumbnailErrorCode[]) {
  let thrown: unknown;
  try {
    await run();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a ThumbnailError').toBeDefined();
  if (!isThumbnailError(thrown)) throw new Error(`expected a ThumbnailError, got ${String(thrown)}`);
  if (codes.length > 0) expect(codes).toContain(thrown.code);
  expect(thrown.message.length).toBeGreaterThan(10);
  return thrown;
}

/** Deterministic bytes, so a failure can be reproduced. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state >>> 24;
  };
}

const concat = (...parts: ArrayLike<number>[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A big-endian TIFF block whose IFD0 holds only the Orientation tag. */
function exifTiff(orientation: number): Uint8Array {
  return Uint8Array.of(0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0);
}

// JPEG surgery ---------------------------------------------------------------

function indexOfMarker(bytes: Uint8Array, marker: number): number {
  for (let i = 2; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === marker) return i;
  return -1;
}

function withJpegExif(jpeg: Uint8Array, orientation: number): Uint8Array {
  const payload = concat([0x45, 0x78, 0x69, 0x66, 0, 0], exifTiff(orientation));
  const length = payload.length + 2;
  return concat(jpeg.subarray(0, 2), [0xff, 0xe1, length >> 8, length & 0xff], payload, jpeg.subarray(2));
}

// PNG surgery ----------------------------------------------------------------

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typeBytes = new TextEncoder().encode(type);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(concat(typeBytes, data)));
  return out;
}

/** Inserts a chunk right after IHDR (signature 8 + IHDR 25 bytes). */
function withPngChunk(png: Uint8Array, chunk: Uint8Array): Uint8Array {
  return concat(png.subarray(0, 33), chunk, png.subarray(33));
}

// WebP surgery ---------------------------------------------------------------

function riffChunk(fourcc: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length + (data.length & 1));
  out.set(new TextEncoder().encode(fourcc));
  new DataView(out.buffer).setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

function riffFile(...chunks: Uint8Array[]): Uint8Array {
  const body = concat(...chunks);
  const out = concat(new TextEncoder().encode('RIFF'), [0, 0, 0, 0], new TextEncoder().encode('WEBP'), body);
  new DataView(out.buffer).setUint32(4, out.length - 8, true);
  return out;
}

function uint24le(value: number): number[] {
  return [value & 0xff, (value >> 8) & 0xff, value >> 16];
}

/** The chunks of a simple (one-chunk) WebP, i.e. everything after the 12-byte RIFF header. */
const simpleWebpBody = (webp: Uint8Array) => webp.subarray(12);

// GIF ------------------------------------------------------------------------

const GIF_PALETTE = [0xff0000, 0x00ff00, 0x0000ff, 0x000000];

/** An 8×6 GIF: colour bands by row, with index 3 transparent. */
function makeGif(): Uint8Array {
  const buf = new Uint8Array(1024);
  const writer = new GifWriter(buf, 8, 6, { palette: GIF_PALETTE });
  const pixels = Array.from({ length: 48 }, (_, i) => Math.floor(i / 8) % 4);
  writer.addFrame(0, 0, 8, 6, pixels, { transparent: 3 });
  return buf.slice(0, writer.end());
}

// ---------------------------------------------------------------------------

const CODECS: readonly Codec[] = [jpegCodec, pngCodec, webpCodec, gifCodec];

const opaque = gradient(64, 48);
const translucent = gradient(40, 30, true);
const samples = new Map<Codec, Uint8Array>();

beforeAll(async () => {
  await provideNodeWasm();
  samples.set(jpegCodec, await jpegCodec.encode!(opaque, { quality: 90 }));
  samples.set(pngCodec, await pngCodec.encode!(translucent, { quality: 90 }));
  samples.set(webpCodec, await webpCodec.encode!(opaque, { quality: 90 }));
  samples.set(gifCodec, makeGif());
});

const sample = (codec: Codec): Uint8Array => {
  const bytes = samples.get(codec);
  if (!bytes) throw new Error(`no sample for ${codec.format}`);
  return bytes;
};

describe('sniff', () => {
  it.each(CODECS.map((c) => [c.format, c] as const))('%s recognises its own bytes and no other format', (_, codec) => {
    for (const other of CODECS) expect(codec.sniff(sample(other))).toBe(other === codec);
  });

  it.each(CODECS.map((c) => [c.format, c] as const))('%s rejects empty, short, and non-image bytes', (_, codec) => {
    const encoder = new TextEncoder();
    expect(codec.sniff(new Uint8Array(0))).toBe(false);
    expect(codec.sniff(sample(codec).subarray(0, 2))).toBe(false);
    expect(codec.sniff(encoder.encode('<!doctype html><html>'))).toBe(false);
    expect(codec.sniff(encoder.encode('%PDF-1.7 ...'))).toBe(false);
    expect(codec.sniff(encoder.encode('RIFF\x10\x00\x00\x00WAVEfmt '))).toBe(false);
    expect(codec.sniff(Uint8Array.of(0x42, 0x4d, 0x36, 0, 0, 0, 0, 0, 0, 0, 0x36, 0, 0, 0))).toBe(false); // BMP
  });

  it('works on views that do not start at byte 0 of their buffer', () => {
    for (const codec of CODECS) {
      const shifted = concat([1, 2, 3], sample(codec)).subarray(3);
      expect(codec.sniff(shifted)).toBe(true);
      expect(codec.probe(shifted).format).toBe(codec.format);
    }
  });
});

describe('probe', () => {
  it('reads dimensions from each header', () => {
    expect(jpegCodec.probe(sample(jpegCodec))).toEqual({ format: 'jpeg', width: 64, height: 48, orientation: 1 });
    expect(pngCodec.probe(sample(pngCodec))).toEqual({ format: 'png', width: 40, height: 30, orientation: 1 });
    expect(webpCodec.probe(sample(webpCodec))).toEqual({ format: 'webp', width: 64, height: 48, orientation: 1 });
    expect(gifCodec.probe(sample(gifCodec))).toEqual({ format: 'gif', width: 8, height: 6, orientation: 1 });
  });

  it('JPEG: orientation from the APP1 Exif segment', () => {
    expect(jpegCodec.probe(withJpegExif(sample(jpegCodec), 6)).orientation).toBe(6);
  });

  it('PNG: orientation from an eXIf chunk', () => {
    expect(pngCodec.probe(withPngChunk(sample(pngCodec), pngChunk('eXIf', exifTiff(3)))).orientation).toBe(3);
  });

  it("PNG: orientation from ImageMagick's 'Raw profile type exif' text chunk", () => {
    const payload = concat([0x45, 0x78, 0x69, 0x66, 0, 0], exifTiff(8));
    const hex = Array.from(payload, (b) => b.toString(16).padStart(2, '0')).join('');
    const text = new TextEncoder().encode(`Raw profile type exif\0\nexif\n      ${payload.length}\n${hex}\n`);
    expect(pngCodec.probe(withPngChunk(sample(pngCodec), pngChunk('tEXt', text))).orientation).toBe(8);
  });

  it('WebP: extended format (VP8X) canvas size and orientation from the EXIF chunk', async () => {
    const vp8x = Uint8Array.of(0x08, 0, 0, 0, ...uint24le(63), ...uint24le(47)); // EXIF flag, 64×48
    const file = riffFile(riffChunk('VP8X', vp8x), simpleWebpBody(sample(webpCodec)), riffChunk('EXIF', exifTiff(5)));
    expect(webpCodec.probe(file)).toEqual({ format: 'webp', width: 64, height: 48, orientation: 5 });
    expect((await webpCodec.decode(file)).width).toBe(64);
  });

  it('WebP: lossless (VP8L) header', () => {
    // Signature 0x2F, then 14-bit width-1 and height-1: 300×200.
    const bits = (300 - 1) | ((200 - 1) << 14);
    const file = riffFile(riffChunk('VP8L', Uint8Array.of(0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, bits >>> 24, 0)));
    expect(webpCodec.probe(file)).toMatchObject({ width: 300, height: 200 });
  });

  it('says when a whole header is followed by too little data (cut short), so no browser decoder is asked', () => {
    const cut = (bytes: Uint8Array, keep: number) => bytes.subarray(0, Math.floor(bytes.length * keep));
    for (const codec of [jpegCodec, pngCodec, webpCodec]) {
      const whole = sample(codec);
      expect(codec.probe(whole).cutShort, codec.format).toBeUndefined();
      expect(codec.probe(concat(whole, new TextEncoder().encode('trailing junk'))).cutShort, `${codec.format} + junk`).toBeUndefined();
      expect(codec.probe(cut(whole, 0.9)).cutShort, `${codec.format} cut`).toBe(true);
      expect(codec.probe(whole.subarray(0, whole.length - 1)).cutShort, `${codec.format} one byte short`).toBe(true);
    }
    // An end-of-image marker inside an EXIF thumbnail, before the scan, does not make a cut file whole.
    const withThumbnail = (jpeg: Uint8Array) => {
      const payload = concat([0x45, 0x78, 0x69, 0x66, 0, 0], exifTiff(1), [0xff, 0xd8, 0xff, 0xd9]);
      return concat(jpeg.subarray(0, 2), [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff], payload, jpeg.subarray(2));
    };
    expect(jpegCodec.probe(withThumbnail(sample(jpegCodec))).cutShort).toBeUndefined();
    expect(jpegCodec.probe(cut(withThumbnail(sample(jpegCodec)), 0.9)).cutShort).toBe(true);
  });

  it('rejects zero dimensions as corrupt', async () => {
    const jpeg = sample(jpegCodec).slice();
    const sof = indexOfMarker(jpeg, 0xc2); // mozjpeg writes progressive JPEGs
    jpeg[sof + 5] = 0;
    jpeg[sof + 6] = 0;
    const e = await expectThumbnailError(() => jpegCodec.probe(jpeg), 'corrupt');
    expect(e.message).toMatch(/damaged/);
    expect(e.detail).toMatch(/height is 0/); // the technical reason, behind "Details"

    const gif = sample(gifCodec).slice();
    gif[6] = 0;
    gif[7] = 0;
    await expectThumbnailError(() => gifCodec.probe(gif), 'corrupt');

    const png = sample(pngCodec).slice();
    png.set([0, 0, 0, 0], 16); // IHDR width
    await expectThumbnailError(() => pngCodec.probe(png), 'corrupt');
  });
});

describe('round trip', () => {
  it('JPEG: encode then decode stays close to the original (opaque out)', async () => {
    const decoded = await jpegCodec.decode(sample(jpegCodec));
    expect(psnr(opaque, decoded)).toBeGreaterThan(35);
    expect(decoded.data.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
  });

  it('JPEG: lower quality gives fewer bytes', async () => {
    const small = await jpegCodec.encode!(opaque, { quality: 30 });
    expect(small.length).toBeLessThan(sample(jpegCodec).length);
  });

  it('PNG: exact, alpha included', async () => {
    const decoded = await pngCodec.decode(sample(pngCodec));
    expect(decoded.width).toBe(translucent.width);
    expect(Array.from(decoded.data)).toEqual(Array.from(translucent.data));
  });

  it('PNG: encodes an image whose pixels are a view into a larger buffer', async () => {
    const backing = new Uint8ClampedArray(16 + translucent.data.length);
    backing.set(translucent.data, 16);
    const view = createRawImage(translucent.width, translucent.height, backing.subarray(16));
    const decoded = await pngCodec.decode(await pngCodec.encode!(view, { quality: 90 }));
    expect(Array.from(decoded.data)).toEqual(Array.from(translucent.data));
  });

  it('PNG: 16-bit files decode to 8 bits (high byte)', async () => {
    const samples16 = [0xffff, 0x8000, 0x0100, 0xffff, 0x1234, 0xabcd, 0x00ff, 0x7fff];
    // jSquash copies the Uint16Array's bytes as they lie in memory, so lay them out big-endian as PNG stores them.
    const bigEndian = new Uint8Array(samples16.flatMap((v) => [v >> 8, v & 0xff]));
    const wide = { width: 2, height: 1, data: new Uint16Array(bigEndian.buffer) };
    const png = new Uint8Array(await encodePngWithOptions(wide, { bitDepth: 16 }));
    const decoded = await pngCodec.decode(png);
    expect(Array.from(decoded.data)).toEqual([0xff, 0x80, 0x01, 0xff, 0x12, 0xab, 0x00, 0x7f]);
  });

  it('WebP: lossy encode then decode stays close to the original', async () => {
    expect(psnr(opaque, await webpCodec.decode(sample(webpCodec)))).toBeGreaterThan(30);
  });

  it('WebP: alpha survives', async () => {
    const decoded = await webpCodec.decode(await webpCodec.encode!(translucent, { quality: 90 }));
    expect(psnr(translucent, decoded, [3])).toBeGreaterThan(40);
  });

  it('GIF: the first frame, with its transparent index transparent', async () => {
    const decoded = await gifCodec.decode(sample(gifCodec));
    const pixel = (x: number, y: number) => Array.from(decoded.data.subarray((y * 8 + x) * 4, (y * 8 + x) * 4 + 4));
    expect(pixel(0, 0)).toEqual([255, 0, 0, 255]);
    expect(pixel(5, 1)).toEqual([0, 255, 0, 255]);
    expect(pixel(7, 2)).toEqual([0, 0, 255, 255]);
    expect(pixel(3, 3)[3]).toBe(0);
    expect(pixel(0, 4)).toEqual([255, 0, 0, 255]);
  });

  it('GIF: has no encoder (the pipeline writes PNG for GIF input)', () => {
    expect(gifCodec.encode).toBeUndefined();
  });
});

describe('errors', () => {
  it.each(CODECS.map((c) => [c.format, c] as const))('%s: empty bytes are a ThumbnailError, in probe and decode', async (_, codec) => {
    await expectThumbnailError(() => codec.probe(new Uint8Array(0)), 'truncated');
    await expectThumbnailError(() => codec.decode(new Uint8Array(0)), 'truncated');
  });

  it.each([pngCodec, webpCodec, gifCodec].map((c) => [c.format, c] as const))('%s: a file cut in half is truncated', async (_, codec) => {
    const bytes = sample(codec);
    await expectThumbnailError(() => codec.decode(bytes.subarray(0, bytes.length >> 1)), 'truncated');
  });

  it('JPEG: a file cut in half still decodes, grey below the cut (as libjpeg and browsers do)', async () => {
    const bytes = sample(jpegCodec);
    const decoded = await jpegCodec.decode(bytes.subarray(0, bytes.length >> 1));
    expect([decoded.width, decoded.height]).toEqual([64, 48]);
  });

  it('JPEG: a file cut inside its header is truncated', async () => {
    const bytes = sample(jpegCodec);
    const cut = bytes.subarray(0, indexOfMarker(bytes, 0xc2) + 3);
    await expectThumbnailError(() => jpegCodec.probe(cut), 'truncated');
    await expectThumbnailError(() => jpegCodec.decode(cut), 'truncated');
  });

  it.each(CODECS.map((c) => [c.format, c] as const))('%s: random bytes after the signature are a ThumbnailError', async (_, codec) => {
    const random = seededRandom(7);
    const signature = sample(codec).subarray(0, codec === pngCodec ? 8 : codec === webpCodec ? 12 : codec === gifCodec ? 6 : 3);
    const bytes = concat(signature, Array.from({ length: 4000 }, random));
    await expectThumbnailError(() => codec.decode(bytes), 'corrupt', 'truncated');
  });

  it('JPEG: a damaged Huffman table is corrupt, with libjpeg\'s reason', async () => {
    const bytes = sample(jpegCodec).slice();
    const dht = indexOfMarker(bytes, 0xc4);
    bytes.fill(0xee, dht + 5, dht + 21); // 16 code-length counts that add up to far too many codes
    const e = await expectThumbnailError(() => jpegCodec.decode(bytes), 'corrupt');
    expect(e.message).toMatch(/damaged/);
    expect(e.detail).toMatch(/Huffman/); // the technical reason, behind "Details"
  });

  it('JPEG: a file without a frame header is corrupt', async () => {
    const bytes = sample(jpegCodec).slice();
    bytes[indexOfMarker(bytes, 0xc2) + 1] = 0xef; // SOF2 becomes APP15: the size is gone
    await expectThumbnailError(() => jpegCodec.decode(bytes), 'corrupt');
  });

  it('JPEG: the decoder keeps working after many fatal errors (each one replaces the WASM instance)', async () => {
    const before = await jpegCodec.decode(sample(jpegCodec));
    const broken = sample(jpegCodec).slice();
    const dht = indexOfMarker(broken, 0xc4);
    broken.fill(0xee, dht + 5, dht + 21);
    for (let i = 0; i < 150; i++) await expectThumbnailError(() => jpegCodec.decode(broken), 'corrupt');
    const after = await jpegCodec.decode(sample(jpegCodec));
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
  });

  it('PNG: damaged compressed data with good checksums is corrupt', async () => {
    const random = seededRandom(3);
    const idat = pngChunk('IDAT', Uint8Array.from({ length: 300 }, random));
    const png = concat(sample(pngCodec).subarray(0, 33), idat, pngChunk('IEND', new Uint8Array(0)));
    const e = await expectThumbnailError(() => pngCodec.decode(png), 'corrupt');
    expect(e.message).toMatch(/damaged/);
    expect(e.detail).toMatch(/compressed image data/); // the technical reason, behind "Details"
  });

  it('PNG: a wrong checksum in a critical chunk is corrupt', async () => {
    const png = sample(pngCodec).slice();
    png[45] = (png[45] ?? 0) ^ 0xff; // inside the data of the chunk after IHDR (at 33: length, type, data from 41)
    const e = await expectThumbnailError(() => pngCodec.decode(png), 'corrupt');
    expect(e.message).toMatch(/damaged/);
    expect(e.detail).toMatch(/checksum/); // the technical reason, behind "Details"
  });

  it('PNG: no image data (IDAT) is corrupt', async () => {
    const png = concat(sample(pngCodec).subarray(0, 33), pngChunk('IEND', new Uint8Array(0)));
    await expectThumbnailError(() => pngCodec.decode(png), 'corrupt');
  });

  it('PNG: a damaged signature (text-mode transfer) is corrupt, not an unknown format', async () => {
    const png = concat(sample(pngCodec).subarray(0, 4), [0x0a], sample(pngCodec).subarray(6)); // CR LF became LF
    expect(pngCodec.sniff(png)).toBe(true);
    await expectThumbnailError(() => pngCodec.probe(png), 'corrupt');
  });

  it('WebP: undecodable image data is corrupt', async () => {
    const random = seededRandom(5);
    const file = riffFile(riffChunk('VP8L', Uint8Array.of(0x2f, 0x3f, 0xc0, 0x0f, 0x00, ...Array.from({ length: 200 }, random))));
    await expectThumbnailError(() => webpCodec.decode(file), 'corrupt');
  });

  it('GIF: an unknown block before the first image is corrupt', async () => {
    const gif = concat(sample(gifCodec).subarray(0, 13 + 12), [0x99], sample(gifCodec).subarray(13 + 12));
    await expectThumbnailError(() => gifCodec.decode(gif), 'corrupt');
  });

  it('GIF: a first frame far larger than the screen is refused before decoding', async () => {
    // 2×2 screen, 2-colour table, then an image descriptor declaring 4000×4000.
    const gif = Uint8Array.of(
      ...new TextEncoder().encode('GIF89a'), 2, 0, 2, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
      0x2c, 0, 0, 0, 0, 0xa0, 0x0f, 0xa0, 0x0f, 0, 2, 2, 0x4c, 0x01, 0, 0x3b,
    );
    await expectThumbnailError(() => gifCodec.decode(gif), 'too-large');
  });

  it('GIF: an LZW code beyond the table is corrupt (omggif alone loops forever on this 36-byte file)', async () => {
    // 2×2 screen, 2 colours; image data with 3-bit codes 0, 7, 7 then 4-bit 7: the second code lies beyond
    // the table, and omggif then makes entry 7 its own prefix and chases it for ever.
    const gif = Uint8Array.of(
      ...new TextEncoder().encode('GIF89a'), 2, 0, 2, 0, 0x80, 0, 0, 0, 0, 0, 255, 255, 255,
      0x2c, 0, 0, 0, 0, 2, 0, 2, 0, 0, 2, 3, 0xf8, 0xaf, 0x00, 0, 0x3b,
    );
    await expectThumbnailError(() => gifCodec.decode(gif), 'corrupt');
  });

  it.each(CODECS.map((c) => [c.format, c] as const))(
    '%s: damaged and cut copies give an image or a ThumbnailError, never anything else',
    async (_, codec) => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined); // omggif logs short LZW streams
      const valid = sample(codec);
      const random = seededRandom(codec.format.length * 101);
      try {
        for (let round = 0; round < 40; round++) {
          const damaged = valid.slice(0, round % 4 === 0 ? 1 + (random() * valid.length) / 256 : valid.length);
          for (let k = 0; k < 3; k++) damaged[6 + ((random() << 8) | random()) % (damaged.length - 6)] = random();
          try {
            const image = await codec.decode(damaged);
            expect(image.data.length).toBe(image.width * image.height * 4);
          } catch (e) {
            expect(isThumbnailError(e), `round ${round}: ${String(e)}`).toBe(true);
          }
        }
      } finally {
        log.mockRestore();
      }
    },
  );
});

describe('animation: the first frame on the full canvas', () => {
  it('WebP: an animated file decodes to its first frame, placed at its offset', async () => {
    const still = simpleWebpBody(await webpCodec.encode!(gradient(16, 10), { quality: 90 }));
    const anmf = concat([...uint24le(2), ...uint24le(3), ...uint24le(15), ...uint24le(9), ...uint24le(100), 0], still);
    const file = riffFile(
      riffChunk('VP8X', Uint8Array.of(0x02 | 0x10, 0, 0, 0, ...uint24le(39), ...uint24le(29))), // animation + alpha, 40×30
      riffChunk('ANIM', Uint8Array.of(0, 0, 0, 0, 0, 0)),
      riffChunk('ANMF', anmf),
    );
    expect(webpCodec.probe(file)).toMatchObject({ width: 40, height: 30 });
    const decoded = await webpCodec.decode(file);
    expect([decoded.width, decoded.height]).toEqual([40, 30]);
    const alpha = (x: number, y: number) => decoded.data[(y * 40 + x) * 4 + 3];
    expect(alpha(0, 0)).toBe(0); // outside the frame: transparent
    expect(alpha(4, 6)).toBe(255); // frame at x=4 (stored halved: 2), y=6 (3)
    expect(alpha(19, 15)).toBe(255);
    expect(alpha(20, 15)).toBe(0);
  });

  it('GIF: a frame outside the screen leaves it transparent; one sticking out is clipped', async () => {
    const buf = new Uint8Array(512);
    const writer = new GifWriter(buf, 4, 4, { palette: GIF_PALETTE });
    writer.addFrame(2, 2, 4, 4, new Array<number>(16).fill(1));
    const decoded = await gifCodec.decode(buf.slice(0, writer.end()));
    expect([decoded.width, decoded.height]).toEqual([4, 4]);
    expect(Array.from(decoded.data.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(decoded.data.subarray((3 * 4 + 3) * 4))).toEqual([0, 255, 0, 255]);
  });
});

// ---------------------------------------------------------------------------
// CMYK and arithmetic-coded JPEGs need real files: neither mozjpeg nor jpeg-js can write them.

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const jpegCorpus = path.resolve(repoRoot, '../shared/corpus', 'jpeg-tricky');
const haveCorpus = existsSync(jpegCorpus);
if (!haveCorpus) console.warn(`codecs.test.ts: corpus not found at ${jpegCorpus}; skipping the CMYK checks.`);

describe.skipIf(!haveCorpus)('JPEG: CMYK/YCCK through the jpeg-js fallback, and arithmetic coding (corpus)', () => {
  const read = (name: string) => new Uint8Array(readFileSync(path.join(jpegCorpus, name)));

  it.each([
    ['pillow_pil_sample_cmyk.jpg', 'pillow_pil_sample_rgb.jpg', 28],
    ['thumbor_Giunchedi,_Filippo_January_2015_01-cmyk.jpg', 'thumbor_Giunchedi,_Filippo_January_2015_01.jpg', 40],
  ])('%s looks like its RGB twin %s (PSNR > %i dB)', async (cmyk, rgb, minimum) => {
    const [fromCmyk, fromRgb] = await Promise.all([jpegCodec.decode(read(cmyk)), jpegCodec.decode(read(rgb))]);
    expect(psnr(fromRgb, fromCmyk)).toBeGreaterThan(minimum);
  });

  it('an arithmetic-coded JPEG is an unsupported feature, in plain words (mozjpeg cannot write one to test with)', async () => {
    const e = await expectThumbnailError(() => jpegCodec.decode(read('libjpeg-turbo_testimgari.jpg')), 'unsupported-feature');
    expect(e.message).toMatch(/arithmetic/i);
  });

  it.each(['mozilla_jpg-cmyk-1.jpg', 'jpeg-decoder_ycck.jpg', 'thumbor_cmyk.jpg'])('%s decodes to its probed size, in colour', async (name) => {
    const bytes = read(name);
    const { width, height } = jpegCodec.probe(bytes);
    const decoded = await jpegCodec.decode(bytes);
    expect([decoded.width, decoded.height]).toEqual([width, height]);
    // Some pixel has channels far apart: the colours did not collapse to grey.
    let chroma = 0;
    const d = decoded.data;
    for (let i = 0; i < d.length; i += 4) {
      const [r = 0, g = 0, b = 0] = d.subarray(i, i + 3);
      chroma = Math.max(chroma, Math.max(r, g, b) - Math.min(r, g, b));
    }
    expect(chroma).toBeGreaterThan(60);
  });
});

/**
 * The JPEG XL codec against the fixtures of scripts/fixtures/make-jxl.sh (cjxl
 * 0.7, synthetic pictures), with the real decoder (libjxl via @jsquash/jxl).
 *
 * Every picture is the same 120×80 card: a grey gradient, lighter on the left, a
 * red 24×16 block at the top-left corner and a blue 12×12 block at the
 * bottom-right. The orientation-6 files store it so; libjxl turns it upright
 * (80×120, red top-right, blue bottom-left).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jxlCodec } from '../../src/core/codecs/jxl';
import { sniffFormat } from '../../src/core/codecs/registry';
import { isThumbnailError, type ThumbnailErrorCode } from '../../src/core/errors';
import type { RawImage } from '../../src/core/image';
import { DEFAULT_OPTIONS } from '../../src/core/options';
import { planGeometry } from '../../src/core/geometry';
import { generateThumbnail } from '../../src/core/pipeline';
import { provideNodeWasm } from '../../src/node/wasm';
import { meanDifference } from '../support/pixels';

beforeAll(provideNodeWasm);

const DIR = resolve(__dirname, '../fixtures/jxl');
const fixture = (name: string) => new Uint8Array(readFileSync(resolve(DIR, name)));

type Layout = 'upright' | 'turned';

/** Every valid fixture: its displayed layout, its scale (multigroup.jxl is 5 times larger), and whether it has alpha or frames. */
const VALID: readonly { name: string; layout: Layout; scale?: number; alpha?: boolean; animated?: boolean }[] = [
  { name: 'lossy.jxl', layout: 'upright' },
  { name: 'lossless.jxl', layout: 'upright' },
  { name: 'alpha.jxl', layout: 'upright', alpha: true },
  { name: '16bit.jxl', layout: 'upright' },
  { name: 'float.jxl', layout: 'upright' },
  { name: 'container.jxl', layout: 'upright' },
  { name: 'progressive.jxl', layout: 'upright' },
  { name: 'animated.jxl', layout: 'upright', animated: true },
  { name: 'multigroup.jxl', layout: 'upright', scale: 5 },
  { name: 'orientation6.jxl', layout: 'turned' },
  { name: 'orientation6-bare.jxl', layout: 'turned' },
];

const SIZE: Record<Layout, { width: number; height: number }> = { upright: { width: 120, height: 80 }, turned: { width: 80, height: 120 } };

/** Where the middle of each block lands, as displayed. */
const RED_AT: Record<Layout, [number, number]> = { upright: [12, 8], turned: [72, 12] };
const BLUE_AT: Record<Layout, [number, number]> = { upright: [114, 74], turned: [6, 114] };

const sizeOf = (f: (typeof VALID)[number]) => ({ width: SIZE[f.layout].width * (f.scale ?? 1), height: SIZE[f.layout].height * (f.scale ?? 1) });
const scaled = ([x, y]: [number, number], scale = 1): [number, number] => [x * scale, y * scale];

const pixel = (image: RawImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));

/** Each channel within `tolerance` of the expected RGBA (lossy files are not exact). */
function expectColour(actual: number[], expected: number[], tolerance = 24) {
  expect(actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance), `${actual} is not ${expected}`).toBe(true);
}

/** The ThumbnailError code `run` fails with, or 'ok'; any other exception fails the test. */
async function outcome(run: () => Promise<unknown>): Promise<ThumbnailErrorCode | 'ok'> {
  try {
    await run();
    return 'ok';
  } catch (e) {
    if (isThumbnailError(e)) return e.code;
    throw new Error(`expected a ThumbnailError, got ${String(e)}`);
  }
}

/** A bare codestream declaring width×height (30-bit size fields, default metadata) and nothing more. */
function declaring(width: number, height: number): Uint8Array {
  const bits: number[] = [];
  const put = (value: number, n: number) => {
    for (let i = 0; i < n; i++) bits.push(Math.floor(value / 2 ** i) % 2);
  };
  put(0, 1); // not "small"
  put(3, 2); // U32 selector 3: 30 bits + 1
  put(height - 1, 30);
  put(0, 3); // no fixed aspect ratio: the width follows
  put(3, 2);
  put(width - 1, 30);
  put(1, 1); // ImageMetadata all default
  const out = new Uint8Array(2 + Math.ceil(bits.length / 8));
  out.set([0xff, 0x0a]);
  bits.forEach((b, i) => (out[2 + (i >> 3)]! |= b << (i & 7)));
  return out;
}

describe('JPEG XL: sniff and probe', () => {
  it('recognises the bare codestream and the container, from bytes alone', () => {
    expect(jxlCodec.sniff(fixture('lossy.jxl'))).toBe(true);
    expect(jxlCodec.sniff(fixture('container.jxl'))).toBe(true);
    expect(sniffFormat(fixture('lossy.jxl')).format).toBe('jxl');
    expect(sniffFormat(fixture('orientation6.jxl')).format).toBe('jxl');
    expect(jxlCodec.sniff(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0))).toBe(false); // JPEG
    expect(jxlCodec.sniff(new Uint8Array(0))).toBe(false);
  });

  it('calls a container with a damaged or cut signature box a damaged JPEG XL', async () => {
    const damaged = fixture('container.jxl').slice();
    damaged[10] = 0;
    expect(jxlCodec.sniff(damaged)).toBe(false);
    expect(jxlCodec.looksLike(damaged)).toBe(true);
    expect(await outcome(async () => sniffFormat(damaged))).toBe('corrupt');
    expect(await outcome(async () => sniffFormat(fixture('container.jxl').subarray(0, 10)))).toBe('truncated');
  });

  it.each(VALID.map((f) => [f.name, f] as const))('%s: the displayed size, orientation 1 (libjxl turns it), nothing cut', (name, f) => {
    const info = jxlCodec.probe(fixture(name));
    expect(info).toEqual({ format: 'jxl', ...sizeOf(f), orientation: 1, ...(f.animated ? { animated: true } : {}) });
  });

  it.each(VALID.map((f) => [f.name] as const))('%s: one byte short is cut short (the frames are followed to their exact end)', (name) => {
    const bytes = fixture(name);
    expect(jxlCodec.probe(bytes.subarray(0, bytes.length - 1)).cutShort).toBe(true);
  });

  it('reads large declared sizes without decoding', () => {
    expect(jxlCodec.probe(declaring(100_000, 3))).toMatchObject({ width: 100_000, height: 3, cutShort: true });
  });

  it('works on a view that does not start at byte 0 of its buffer', async () => {
    const bytes = fixture('orientation6.jxl');
    const backed = new Uint8Array(bytes.length + 5);
    backed.set(bytes, 5);
    const view = backed.subarray(5);
    expect(jxlCodec.probe(view)).toMatchObject(SIZE.turned);
    expect((await jxlCodec.decode(view)).width).toBe(80);
  });
});

describe('JPEG XL: decode', () => {
  it.each(VALID.map((f) => [f.name, f] as const))('%s: 8-bit RGBA, upright, the blocks where they belong', async (name, f) => {
    const image = await jxlCodec.decode(fixture(name));
    expect({ width: image.width, height: image.height }).toEqual(sizeOf(f));
    expect(image.data).toBeInstanceOf(Uint8ClampedArray);
    expect(image.data.length).toBe(image.width * image.height * 4);
    expectColour(pixel(image, ...scaled(RED_AT[f.layout], f.scale)), [255, 0, 0, 255]);
    expectColour(pixel(image, ...scaled(BLUE_AT[f.layout], f.scale)), [0, 0, 255, 255]);
  });

  it('the gradient is lighter on the left (upright) and at the top (turned)', async () => {
    const upright = await jxlCodec.decode(fixture('lossless.jxl'));
    expect(pixel(upright, 2, 40)[0]! - pixel(upright, 117, 40)[0]!).toBeGreaterThan(50);
    const turned = await jxlCodec.decode(fixture('orientation6.jxl'));
    expect(pixel(turned, 40, 3)[0]! - pixel(turned, 40, 116)[0]!).toBeGreaterThan(50);
  });

  it('alpha: the top-right quarter transparent, the rest opaque', async () => {
    const image = await jxlCodec.decode(fixture('alpha.jxl'));
    expect(pixel(image, 100, 10)[3]).toBe(0);
    expect(pixel(image, 30, 60)[3]).toBe(255);
    expect(pixel(image, 100, 60)[3]).toBe(255);
  });

  it('16-bit and float files come out as the same 8-bit picture as the lossless one', async () => {
    const reference = await jxlCodec.decode(fixture('lossless.jxl'));
    expect(meanDifference(await jxlCodec.decode(fixture('16bit.jxl')), reference)).toBeLessThan(1.5);
    expect(meanDifference(await jxlCodec.decode(fixture('float.jxl')), reference)).toBeLessThan(3);
  });

  it('animated: the first frame (the second is mirrored)', async () => {
    const image = await jxlCodec.decode(fixture('animated.jxl'));
    expectColour(pixel(image, 12, 8), [255, 0, 0, 255]);
    expectColour(pixel(image, 107, 8), [96, 96, 96, 255], 40);
  });
});

describe('JPEG XL: through the pipeline', () => {
  it.each(VALID.map((f) => [f.name, f] as const))('%s: default options give a JPEG (PNG with alpha) of the displayed size', async (name, f) => {
    const thumbnail = await generateThumbnail(fixture(name));
    const shown = sizeOf(f);
    expect(thumbnail.format).toBe(f.alpha ? 'png' : 'jpeg');
    expect({ width: thumbnail.width, height: thumbnail.height }).toEqual(planGeometry(shown.width, shown.height, DEFAULT_OPTIONS).resized);
    expect(thumbnail.source).toEqual({ format: 'jxl', ...shown, orientation: 1 });
  });

  it('a turned file comes out turned once: red top-right, blue bottom-left', async () => {
    const thumbnail = await generateThumbnail(fixture('orientation6.jxl'), { format: 'png' });
    const { pngCodec } = await import('../../src/core/codecs/png');
    const image = await pngCodec.decode(thumbnail.bytes);
    expectColour(pixel(image, ...RED_AT.turned), [255, 0, 0, 255]);
    expectColour(pixel(image, ...BLUE_AT.turned), [0, 0, 255, 255]);
  });

  it('refuses a huge declared size before decoding (too-large)', async () => {
    expect(await outcome(() => generateThumbnail(declaring(50_000, 40_000), { maxPixels: 1_000_000 }))).toBe('too-large');
    expect(await outcome(() => generateThumbnail(declaring(2 ** 30, 2 ** 30)))).toBe('too-large');
  });
});

describe('JPEG XL: damaged and cut files', () => {
  it('empty bytes are truncated, in probe and decode', async () => {
    expect(await outcome(async () => jxlCodec.probe(new Uint8Array(0)))).toBe('truncated');
    expect(await outcome(() => jxlCodec.decode(new Uint8Array(0)))).toBe('truncated');
  });

  it('the truncated fixture: cut short in the probe, truncated in the decode', async () => {
    const bytes = fixture('truncated.jxl');
    expect(jxlCodec.probe(bytes)).toMatchObject({ width: 120, height: 80, cutShort: true });
    expect(await outcome(() => jxlCodec.decode(bytes))).toBe('truncated');
    expect(await outcome(() => generateThumbnail(bytes))).toBe('truncated');
  });

  it.each(VALID.filter((f) => !f.animated).map((f) => [f.name] as const))('%s: cut anywhere is truncated', async (name) => {
    const bytes = fixture(name);
    const cuts = [2, 5, 13, 20, bytes.length >> 2, bytes.length >> 1, (bytes.length * 3) >> 2, bytes.length - 1];
    for (const at of cuts) expect(await outcome(() => jxlCodec.decode(bytes.subarray(0, at))), `cut at ${at}`).toBe('truncated');
  });

  it('animated: cut in its first frame is truncated; cut in the second still gives the first', async () => {
    const bytes = fixture('animated.jxl');
    for (const at of [20, bytes.length >> 2, bytes.length >> 1]) expect(await outcome(() => jxlCodec.decode(bytes.subarray(0, at))), `cut at ${at}`).toBe('truncated');
    const firstFrame = await jxlCodec.decode(bytes.subarray(0, bytes.length - 1));
    expectColour(pixel(firstFrame, 12, 8), [255, 0, 0, 255]);
  });

  it.each(VALID.map((f) => [f.name] as const))('%s: a run of damaged bytes in the image data is corrupt', async (name) => {
    const bytes = fixture(name).slice();
    const at = bytes.length >> 1;
    for (let i = at; i < at + 16; i++) bytes[i]! ^= 0xff;
    expect(await outcome(() => jxlCodec.decode(bytes))).toBe('corrupt');
  });

  it('a damaged header is a typed error (corrupt, or truncated when it now claims more data than there is)', async () => {
    const bytes = fixture('lossy.jxl').slice();
    bytes[1] = 0x0b; // the signature
    expect(await outcome(() => jxlCodec.decode(bytes))).toBe('corrupt');
    for (const name of ['lossy.jxl', 'container.jxl']) {
      const damaged = fixture(name).slice();
      damaged.fill(0xff, 12, 20);
      expect(['corrupt', 'truncated']).toContain(await outcome(() => jxlCodec.decode(damaged)));
    }
  });

  it('every byte flipped, every cut: a typed error or a whole picture, never another exception, never a hang', async () => {
    for (const name of ['lossless.jxl', 'orientation6.jxl']) {
      const bytes = fixture(name);
      for (let at = 0; at < bytes.length; at++) {
        const flipped = bytes.slice();
        flipped[at]! ^= 0xff;
        const result = await outcome(async () => {
          const image = await jxlCodec.decode(flipped);
          expect(image.data.length, `${name} flipped at ${at}`).toBe(image.width * image.height * 4);
        });
        expect(['ok', 'corrupt', 'truncated'], `${name} flipped at ${at}`).toContain(result);
        expect(await outcome(() => jxlCodec.decode(bytes.subarray(0, at))), `${name} cut at ${at}`).toBe('truncated');
      }
    }
    // The decoder is still sound after all that.
    expect((await jxlCodec.decode(fixture('lossy.jxl'))).width).toBe(120);
  });
});

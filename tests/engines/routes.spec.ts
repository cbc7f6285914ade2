import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeBmp } from '../../src/core/codecs/bmp';
import type { ImageFormat } from '../../src/core/codecs/registry';
import { decodersFor, type DecoderName, type DecodeRoute } from '../../src/core/decode-route';
import { fixture, fixtureFile } from '../e2e/helpers';
import type { EngineDriver, EngineName } from './driver';
import { expect, test, waitForFinished } from './fixtures';
import { readItems, thumbnailPixels } from './page-functions';

/**
 * Every decode route (core/decode-route.ts) against ours, on the same files: the
 * same upright thumbnails of the same size for all eight EXIF orientations and every
 * format, each made by the decoder the route puts first (the card's data-decoder
 * says which), so no route can pass by quietly handing its work to ours.
 */

/**
 * The host decoders each engine offers (the worker finds them by feature detection,
 * never by user agent): WebKit has no ImageDecoder. The webcodecs decoder takes JPEG
 * only (worker/decoders/webcodecs.ts). A decoder that does not take the file is
 * passed over, so the expected one is the first in the route that does.
 */
const HOST_DECODERS: Record<EngineName, DecoderName[]> = {
  chromium: ['webcodecs', 'bitmap'],
  firefox: ['webcodecs', 'bitmap'],
  webkit: ['bitmap'],
};
const takes = (engine: EngineName, decoder: DecoderName, format: ImageFormat) =>
  decoder === 'core' || (HOST_DECODERS[engine].includes(decoder) && (decoder !== 'webcodecs' || format === 'jpeg'));
const expectedDecoder = (engine: EngineName, route: DecodeRoute, format: ImageFormat) => decodersFor(route, format).find((d) => takes(engine, d, format));

interface Input {
  name: string;
  buffer: Buffer;
  format: ImageFormat;
  /** Expected thumbnail size (fit inside 256×256). */
  size: [number, number];
  /** False for a file cut short: the browsers disagree on those, so ours alone answers (ImageInfo.cutShort). */
  whole?: boolean;
}

/** The landscape photo (stored 1800×1200) with its orientation tag set to n. */
function withOrientation(jpeg: Buffer, n: number): Buffer {
  const out = Buffer.from(jpeg);
  const entry = out.indexOf(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])); // big-endian SHORT, value 1
  expect(entry).toBeGreaterThan(0);
  out[entry + 9] = n;
  return out;
}

async function makeInputs(): Promise<Input[]> {
  const jpeg = fixtureFile('landscape.jpg').buffer;
  const inputs: Input[] = [];
  for (let n = 1; n <= 8; n++) inputs.push({ name: `orientation-${n}.jpg`, buffer: withOrientation(jpeg, n), format: 'jpeg', size: n >= 5 ? [171, 256] : [256, 171] });
  // The portrait photo with its orientation tag typed LONG instead of SHORT: our probe
  // reads it, Chromium's decoder would not, so the browser must not be left to rotate.
  const longTag = Buffer.from(fixtureFile('portrait-orientation6.jpg').buffer);
  const entry = longTag.indexOf(Buffer.from([0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]));
  expect(entry).toBeGreaterThan(0);
  longTag.set([0x00, 0x04], entry + 2);
  longTag.set([0x00, 0x00, 0x00, 0x06], entry + 8);
  inputs.push({ name: 'long-tag.jpg', buffer: longTag, format: 'jpeg', size: [171, 256] });
  // Cut short: ours shows what there is, in every engine (Chromium would refuse it,
  // Firefox shows it with white, WebKit returns a blank image).
  inputs.push({ name: 'cut.jpg', buffer: jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), format: 'jpeg', size: [256, 171], whole: false });

  // The other formats, made from the same photo, with an alpha ramp for those that keep it.
  const { data, info } = await sharp(fixture('landscape.jpg')).resize(1200, 800).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const rgba = Buffer.from(data);
  for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) rgba[(y * info.width + x) * 4 + 3] = 255 - Math.round((x / info.width) * 200);
  const raw = { raw: { width: info.width, height: info.height, channels: 4 as const } };
  inputs.push({ name: 'alpha.png', buffer: await sharp(rgba, raw).png().toBuffer(), format: 'png', size: [256, 171] });
  inputs.push({ name: 'alpha.webp', buffer: await sharp(rgba, raw).webp({ lossless: true }).toBuffer(), format: 'webp', size: [256, 171] });
  inputs.push({ name: 'photo.gif', buffer: await sharp(data, raw).removeAlpha().gif().toBuffer(), format: 'gif', size: [256, 171] });
  const opaque = new Uint8ClampedArray(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  inputs.push({ name: 'photo.bmp', buffer: Buffer.from(encodeBmp({ width: info.width, height: info.height, data: opaque })), format: 'bmp', size: [256, 171] });
  return inputs;
}

interface Made {
  decoder: string | null;
  width: number;
  height: number;
  data: Buffer;
}

/** Each input as a file on disk, for the file input. */
function onDisk(inputs: Input[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'routes-'));
  return inputs.map(({ name, buffer }) => {
    writeFileSync(join(dir, name), buffer);
    return join(dir, name);
  });
}

async function thumbnailsVia(app: EngineDriver, baseURL: string, route: DecodeRoute, inputs: Input[], paths: string[]): Promise<Made[]> {
  // Each route at its own address: the cache key holds the route, so none answers from another's results.
  await app.open(`${baseURL}/?decoder=${route}`);
  await app.addFiles('Choose images', paths);
  const items = await waitForFinished(app, inputs.length);
  const made: Made[] = [];
  for (const [i, item] of items.entries()) {
    expect(item.state, `${inputs[i]!.name}: ${item.text}`).toBe('done');
    const pixels = await app.evaluate(thumbnailPixels, i);
    made.push({ decoder: item.decoder, width: pixels.width, height: pixels.height, data: Buffer.from(pixels.rgba, 'base64') });
  }
  // Start the next route with an empty list.
  await app.click('Clear');
  await expect.poll(async () => (await app.evaluate(readItems)).length).toBe(0);
  return made;
}

const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, v, k) => sum + Math.abs(v - b[k]!), 0) / a.length;

test('every decode route gives the same upright thumbnails as ours, for all eight orientations and every format', async ({ app, baseURL, engine }) => {
  test.setTimeout(180_000);
  const inputs = await makeInputs();
  const paths = onDisk(inputs);
  const core = await thumbnailsVia(app, baseURL!, 'core', inputs, paths);
  for (const [i, input] of inputs.entries()) {
    expect(core[i]!.decoder, input.name).toBe('core');
    expect([core[i]!.width, core[i]!.height], input.name).toEqual(input.size);
  }
  for (const route of ['auto', 'webcodecs', 'bitmap'] as const) {
    const made = await thumbnailsVia(app, baseURL!, route, inputs, paths);
    for (const [i, input] of inputs.entries()) {
      const label = `${input.name} via ${route}`;
      expect(made[i]!.decoder, label).toBe(input.whole === false ? 'core' : expectedDecoder(engine, route, input.format));
      expect([made[i]!.width, made[i]!.height], label).toEqual(input.size);
      // Upright and alike: the decoders' shrink filters differ a little (mean ~1-2 of 255);
      // a wrong rotation or flip gives tens.
      expect(meanDifference(made[i]!.data, core[i]!.data), label).toBeLessThan(4);
    }
  }
});

test("the browser's decoders apply an embedded colour profile, which ours cannot", async ({ app, baseURL, engine }) => {
  // Pure sRGB red, stored as Display P3 numbers (about 234, 51, 35) with the P3 profile embedded.
  const red = Buffer.alloc(1200 * 800 * 3);
  for (let i = 0; i < red.length; i += 3) red[i] = 255;
  const p3 = await sharp(red, { raw: { width: 1200, height: 800, channels: 3 } }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
  const input: Input = { name: 'p3-red.jpg', buffer: p3, format: 'jpeg', size: [256, 171] };
  const centre = (made: Made) => [...made.data.subarray((85 * 256 + 128) * 4, (85 * 256 + 128) * 4 + 3)];
  const paths = onDisk([input]);
  const [core] = await thumbnailsVia(app, baseURL!, 'core', [input], paths);
  expect(centre(core!)[1]).toBeGreaterThan(30); // the P3 numbers shown as if sRGB: a duller red
  for (const route of ['auto', 'webcodecs', 'bitmap'] as const) {
    const [made] = await thumbnailsVia(app, baseURL!, route, [input], paths);
    const decoder = expectedDecoder(engine, route, 'jpeg');
    expect(made!.decoder, route).toBe(decoder);
    if (decoder === 'core') continue; // WebKit has no ImageDecoder: the webcodecs route falls to ours
    const [r, g, b] = centre(made!);
    expect(r, route).toBeGreaterThan(240);
    expect(Math.max(g!, b!), route).toBeLessThan(20);
  }
});

import { expect, test, type Browser } from '@playwright/test';
import sharp from 'sharp';
import { encodeBmp } from '../../src/core/codecs/bmp';
import type { ImageFormat } from '../../src/core/codecs/formats';
import { decodersFor, type DecodeRoute } from '../../src/core/decode-route';
import { fixture, fixtureFile, thumbnails, waitForAll } from './helpers';

/**
 * Every decode route (core/decode-route.ts) against ours, on the same files: the
 * same upright thumbnails of the same size for all eight EXIF orientations and every
 * format, each made by the decoder the route puts first (the card's data-decoder
 * says which), so no route can pass by quietly handing its work to ours.
 */

interface Input {
  name: string;
  buffer: Buffer;
  format: ImageFormat;
  /** Expected thumbnail size (fit inside 256×256). */
  size: [number, number];
  /** False when the browser's decoders must decline and ours answers (a cut file). */
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
  // Cut short: the browser's decoders decline it and ours shows what there is.
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

async function thumbnailsVia(browser: Browser, route: DecodeRoute, inputs: Input[]): Promise<Made[]> {
  // Each route in a fresh context, so none answers from another's cache.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/?decoder=${route}`);
  await page.getByLabel('Choose images').setInputFiles(inputs.map(({ name, buffer }) => ({ name, mimeType: 'application/octet-stream', buffer })));
  await waitForAll(page, inputs.length);
  const made: Made[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const item = thumbnails(page).nth(i);
    await expect(item, inputs[i]!.name).toHaveAttribute('data-state', 'done');
    const pixels = await item.getByRole('img').evaluate(async (img: HTMLImageElement) => {
      await img.decode();
      const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      // As base64: far cheaper to hand over than an array of numbers.
      const bytes = ctx.getImageData(0, 0, img.naturalWidth, img.naturalHeight).data;
      let text = '';
      for (let k = 0; k < bytes.length; k += 0x8000) text += String.fromCharCode(...bytes.subarray(k, k + 0x8000));
      return { width: img.naturalWidth, height: img.naturalHeight, data: btoa(text) };
    });
    made.push({ decoder: await item.getAttribute('data-decoder'), width: pixels.width, height: pixels.height, data: Buffer.from(pixels.data, 'base64') });
  }
  await context.close();
  return made;
}

const meanDifference = (a: Buffer, b: Buffer) => a.reduce((sum, v, k) => sum + Math.abs(v - b[k]!), 0) / a.length;

test('every decode route gives the same upright thumbnails as ours, for all eight orientations and every format', async ({ browser }) => {
  test.setTimeout(120_000);
  const inputs = await makeInputs();
  const core = await thumbnailsVia(browser, 'core', inputs);
  for (const [i, input] of inputs.entries()) {
    expect(core[i]!.decoder, input.name).toBe('core');
    expect([core[i]!.width, core[i]!.height], input.name).toEqual(input.size);
  }
  for (const route of ['auto', 'webcodecs', 'bitmap'] as const) {
    const made = await thumbnailsVia(browser, route, inputs);
    for (const [i, input] of inputs.entries()) {
      const label = `${input.name} via ${route}`;
      expect(made[i]!.decoder, label).toBe(input.whole === false ? 'core' : decodersFor(route, input.format)[0]);
      expect([made[i]!.width, made[i]!.height], label).toEqual(input.size);
      // Upright and alike: the decoders' shrink filters differ a little (mean ~1-2 of 255);
      // a wrong rotation or flip gives tens.
      expect(meanDifference(made[i]!.data, core[i]!.data), label).toBeLessThan(4);
    }
  }
});

test("the browser's decoders apply an embedded colour profile, which ours cannot", async ({ browser }) => {
  // Pure sRGB red, stored as Display P3 numbers (about 234, 51, 35) with the P3 profile embedded.
  const red = Buffer.alloc(1200 * 800 * 3);
  for (let i = 0; i < red.length; i += 3) red[i] = 255;
  const p3 = await sharp(red, { raw: { width: 1200, height: 800, channels: 3 } }).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer();
  const input: Input = { name: 'p3-red.jpg', buffer: p3, format: 'jpeg', size: [256, 171] };
  const centre = (made: Made) => [...made.data.subarray((85 * 256 + 128) * 4, (85 * 256 + 128) * 4 + 3)];
  const [core] = await thumbnailsVia(browser, 'core', [input]);
  expect(centre(core!)[1]).toBeGreaterThan(30); // the P3 numbers shown as if sRGB: a duller red
  for (const route of ['auto', 'webcodecs', 'bitmap'] as const) {
    const [made] = await thumbnailsVia(browser, route, [input]);
    expect(made!.decoder).toBe(route === 'auto' ? 'webcodecs' : route);
    const [r, g, b] = centre(made!);
    expect(r, route).toBeGreaterThan(240);
    expect(Math.max(g!, b!), route).toBeLessThan(20);
  }
});

/**
 * The benchmark's inputs, made on the spot from the project's one real photo
 * (tests/fixtures/landscape.jpg, Unsplash licence, 1800×1200): upscaled with
 * lanczos3 to camera sizes and given seeded sensor-like grain, so each file has a
 * photo's low frequencies and a camera's noise (mozjpeg cannot squeeze it to
 * nothing, as it would a smooth synthetic card). Each seed gives different bytes,
 * so no round answers from the cache.
 */
import sharp from 'sharp';
import { fileURLToPath } from 'node:url';
import { encodeBmp } from '../src/core/codecs/bmp';

const PHOTO = fileURLToPath(new URL('../tests/fixtures/landscape.jpg', import.meta.url));

export type InputKind = 'jpeg' | 'progressive' | 'png-alpha' | 'webp' | 'bmp';

export interface BenchInput {
  id: string;
  label: string;
  kind: InputKind;
  width: number;
  height: number;
}

export const INPUTS: BenchInput[] = [
  { id: 'jpeg-12mp', label: '12 MP JPEG (4032×3024)', kind: 'jpeg', width: 4032, height: 3024 },
  { id: 'jpeg-24mp', label: '24 MP JPEG (6000×4000)', kind: 'jpeg', width: 6000, height: 4000 },
  { id: 'progressive-12mp', label: '12 MP progressive JPEG', kind: 'progressive', width: 4032, height: 3024 },
  { id: 'png-alpha', label: '2000×1500 PNG with alpha', kind: 'png-alpha', width: 2000, height: 1500 },
  { id: 'webp', label: '2000×1500 WebP', kind: 'webp', width: 2000, height: 1500 },
  { id: 'bmp', label: '1920×1080 BMP', kind: 'bmp', width: 1920, height: 1080 },
];

/** RGB pixels of the photo at width×height with grain from the seed. */
async function grainyPhoto(width: number, height: number, seed: number): Promise<Buffer> {
  const pixels = await sharp(PHOTO).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }).removeAlpha().raw().toBuffer();
  let n = seed * 7919 + 1;
  for (let i = 0; i < pixels.length; i++) {
    n = (n * 1103515245 + 12345) & 0x7fffffff;
    const v = pixels[i]! + ((n >> 16) % 17) - 8;
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return pixels;
}

export async function makeInput(input: BenchInput, seed: number): Promise<Buffer> {
  const { width, height, kind } = input;
  const rgb = await grainyPhoto(width, height, seed);
  const raw = { raw: { width, height, channels: 3 as const } };
  switch (kind) {
    case 'jpeg':
      return sharp(rgb, raw).jpeg({ quality: 92, chromaSubsampling: '4:2:0' }).toBuffer();
    case 'progressive':
      return sharp(rgb, raw).jpeg({ quality: 92, progressive: true }).toBuffer();
    case 'webp':
      return sharp(rgb, raw).webp({ quality: 90 }).toBuffer();
    case 'png-alpha': {
      // A soft vignette of alpha, as a cut-out product photo has.
      const rgba = Buffer.alloc(width * height * 4);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = y * width + x;
          rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
          const d = Math.hypot((x - width / 2) / (width / 2), (y - height / 2) / (height / 2));
          rgba[i * 4 + 3] = d < 0.8 ? 255 : d > 1 ? 0 : Math.round(((1 - d) / 0.2) * 255);
        }
      return sharp(rgba, { raw: { width, height, channels: 4 } }).png({ compressionLevel: 6 }).toBuffer();
    }
    case 'bmp': {
      const rgba = new Uint8ClampedArray(width * height * 4);
      for (let i = 0; i < width * height; i++) rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
      return Buffer.from(encodeBmp({ width, height, data: rgba }));
    }
  }
}

/** A mixed batch as a phone's camera roll gives it: photos of several sizes, some stored sideways (orientation 6), a few PNG screenshots. */
export async function makeBatch(count: number): Promise<{ name: string; buffer: Buffer }[]> {
  const sizes = [[4032, 3024], [3000, 2000], [4608, 2592], [2048, 1536]] as const;
  const files: { name: string; buffer: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const [w, h] = sizes[i % sizes.length]!;
    if (i % 10 === 9) {
      files.push({ name: `screenshot-${i}.png`, buffer: await sharp(await grainyPhoto(1170, 2532, i), { raw: { width: 1170, height: 2532, channels: 3 } }).png().toBuffer() });
      continue;
    }
    const jpeg = sharp(await grainyPhoto(w, h, i), { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 });
    files.push({ name: `photo-${i}.jpg`, buffer: await (i % 4 === 1 ? jpeg.withMetadata({ orientation: 6 }) : jpeg).toBuffer() });
  }
  return files;
}

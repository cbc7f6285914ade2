/**
 * `npm run bench`: speed and peak memory of the core pipeline in Node, each figure
 * beside a baseline measured in the same run (these machines are noisy: read the ratios).
 *
 * Baseline: the naive jSquash path (decode, lanczos3 on the full-size image, encode).
 * Ours: decode, exact-ratio area pre-shrink to ~2x the target, lanczos3, encode.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import resize, { initResize } from '@jsquash/resize';
import { providedWasm } from '../src/core/codecs/wasm';
import { jpegCodec } from '../src/core/codecs/jpeg';
import { generateThumbnail } from '../src/core/pipeline';
import { planGeometry } from '../src/core/geometry';
import { DEFAULT_OPTIONS } from '../src/core/options';
import { areaShrink } from '../src/core/shrink';
import { createRawImage } from '../src/core/image';
import { provideNodeWasm } from '../src/node/wasm';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);

/** A photo-like test card: smooth gradients plus fine detail, so the encoder has real work. */
function syntheticPhoto(width: number, height: number) {
  const img = createRawImage(width, height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      img.data[o] = (x * 255) / width;
      img.data[o + 1] = (y * 255) / height;
      img.data[o + 2] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11);
      img.data[o + 3] = 255;
    }
  return img;
}

async function naive(bytes: Uint8Array): Promise<number> {
  const img = await jpegCodec.decode(bytes);
  const plan = planGeometry(img.width, img.height, DEFAULT_OPTIONS);
  const out = await resize(img as ImageData, { ...plan.resized, method: 'lanczos3', fitMethod: 'stretch', premultiply: false, linearRGB: false });
  return (await jpegCodec.encode!(out, { quality: DEFAULT_OPTIONS.quality })).length;
}

async function ours(bytes: Uint8Array): Promise<number> {
  return (await generateThumbnail(bytes, {})).bytes.length;
}

async function median(label: string, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const m = times[Math.floor(times.length / 2)]!;
  console.log(`  ${label.padEnd(34)} median ${m.toFixed(0).padStart(6)} ms  (${times.map((t) => t.toFixed(0)).join(', ')})`);
  return m;
}

await provideNodeWasm();
await initResize(providedWasm('resize'));
const cases: [string, Uint8Array][] = [];
const corpusPhoto = resolve(import.meta.dirname ?? '.', '../../shared/corpus/jpeg-tricky/sharp_2569067123_aca715a2ee_o.jpg');
try {
  cases.push(['6 MP photo (corpus)', new Uint8Array(readFileSync(corpusPhoto))]);
} catch {
  console.log('(corpus photo absent: synthetic images only)');
}
for (const [w, h] of [[4000, 3000], [6000, 4000]] as const) {
  cases.push([`${(w * h) / 1e6} MP synthetic`, await jpegCodec.encode!(syntheticPhoto(w, h), { quality: 90 })]);
}

console.log(`Pipeline benchmark (Node ${process.version}, ${ROUNDS} rounds, fit inside 256x256, JPEG q${DEFAULT_OPTIONS.quality})`);
for (const [label, bytes] of cases) {
  console.log(`${label}: ${(bytes.length / 1e6).toFixed(1)} MB`);
  const base = await median('baseline: full-size lanczos3', () => naive(bytes));
  const mine = await median('ours: area pre-shrink + lanczos3', () => ours(bytes));
  console.log(`  ratio ours/baseline: ${(mine / base).toFixed(2)}`);
}
// Area shrink alone, for the cost of the pre-shrink step.
const img = syntheticPhoto(4000, 3000);
await median('area shrink 12 MP -> 512x384 alone', async () => areaShrink(img, 512, 384));
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

/**
 * Which oxipng level to run on PNG thumbnails: bytes saved against time spent, each
 * beside the plain PNG encode (@jsquash/png, what the pipeline writes today) measured
 * in the same run. Run: `node --import tsx bench/oxipng-levels.bench.ts`.
 *
 * Inputs: the shared corpus (../shared/corpus/MANIFEST.tsv), files marked `valid`
 * only: the PNGs as one group, every other format as a second. Each becomes a 256×256
 * PNG thumbnail the way the app makes one (generateThumbnails, format 'png'); files the
 * pipeline refuses are skipped and counted. Every thumbnail is then run through
 * oxipng at levels 0..6 (the WASM takes a u8 and oxipng clamps anything above 6 to 6),
 * plus optimiseAlpha and optimise_raw (raw pixels straight to oxipng, no PNG encode
 * first) at the levels in OXIPNG_EXTRA. Each output is decoded again and compared
 * pixel for pixel with the thumbnail.
 *
 * Times: BENCH_ROUNDS rounds (default 3); each round runs every configuration over
 * every image (configurations interleaved, so drift on a noisy machine spreads over
 * all of them); per image the median of the rounds. Totals are sums of those medians.
 * The plain encode is timed the same way: encodePlain (the png crate, no oxipng) of the thumbnail's pixels.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { init as initOxipng } from '@jsquash/oxipng/optimise.js';
import { encodePlain, pngCodec } from '../src/core/codecs/png';
import { generateThumbnails } from '../src/core/pipeline';
import type { RawImage } from '../src/core/image';
import { provideNodeWasm } from '../src/node/wasm';

const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const levelList = (s: string) => s.split(',').filter((l) => l.trim() !== '').map(Number);
const LEVELS = levelList(process.env.OXIPNG_LEVELS ?? '0,1,2,3,4,5,6');
const EXTRA = levelList(process.env.OXIPNG_EXTRA ?? '2');
const LIMIT = Number(process.env.BENCH_LIMIT || Infinity); // files per group, for a quick look
const CORPUS = resolve(import.meta.dirname ?? '.', '../../shared/corpus');

/** The codec's own functions (the package's default export checks `instanceof ImageData`, which Node lacks). */
interface Oxipng {
  optimise(data: Uint8Array, level: number, interlace: boolean, optimiseAlpha: boolean): Uint8Array;
  optimise_raw(data: Uint8ClampedArray, width: number, height: number, level: number, interlace: boolean, optimiseAlpha: boolean): Uint8Array;
}

interface Config {
  label: string;
  level: number;
  alpha: boolean;
  raw: boolean;
}

interface Case {
  group: string;
  path: string;
  png: Uint8Array; // the thumbnail's pixels as the plain encoder writes them: oxipng's input and the size baseline
  pixels: RawImage; // the thumbnail decoded again: the reference for every comparison
  encodeMs: number[]; // plain encode of those pixels, one per round
  pipelineMs: number; // the whole thumbnail as the pipeline makes it (decode + resize + encode), measured once
}

interface Result {
  bytes: number; // oxipng's output, as it came
  ms: number[];
  mismatch?: string; // strict: any byte of RGBA differs
  visibleMismatch?: string; // a pixel that shows differs (alpha, or colour where alpha > 0)
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function readManifest(): { path: string; expected: string }[] {
  const [, ...rows] = readFileSync(`${CORPUS}/MANIFEST.tsv`, 'utf8').trim().split('\n');
  return rows.map((row) => {
    const [path = '', , , expected = ''] = row.split('\t');
    return { path, expected };
  });
}

/** How two decodes differ, or undefined when they do not (strict: every RGBA byte; else only what shows). */
function difference(a: RawImage, b: RawImage, strict: boolean): string | undefined {
  if (a.width !== b.width || a.height !== b.height) return `size ${b.width}×${b.height}, not ${a.width}×${a.height}`;
  let count = 0;
  let first = -1;
  for (let i = 0; i < a.data.length; i += 4) {
    const alpha = a.data[i + 3]!;
    const same =
      alpha === b.data[i + 3] &&
      ((!strict && alpha === 0) || (a.data[i] === b.data[i] && a.data[i + 1] === b.data[i + 1] && a.data[i + 2] === b.data[i + 2]));
    if (!same) {
      count++;
      if (first < 0) first = i / 4;
    }
  }
  return count ? `${count} pixels differ (first at ${first % a.width},${Math.floor(first / a.width)})` : undefined;
}

async function loadOxipng(): Promise<Oxipng> {
  const require = createRequire(import.meta.url);
  const module = await WebAssembly.compile(readFileSync(require.resolve('@jsquash/oxipng/codec/pkg/squoosh_oxipng_bg.wasm')));
  return (await initOxipng(module)) as unknown as Oxipng;
}

async function makeCases(): Promise<{ cases: Case[]; skipped: Map<string, string[]> }> {
  const cases: Case[] = [];
  const skipped = new Map<string, string[]>();
  const taken = new Map<string, number>();
  for (const { path, expected } of readManifest()) {
    if (expected !== 'valid') continue;
    const group = /\.png$/i.test(path) ? 'PNG sources' : 'other formats';
    if ((taken.get(group) ?? 0) >= LIMIT) continue;
    try {
      const bytes = new Uint8Array(readFileSync(`${CORPUS}/${path}`));
      const [thumb] = await generateThumbnails(bytes, [{ width: 256, height: 256, format: 'png' }]);
      // PNG is lossless, so these are the pixels whatever the pipeline's encoder did with them.
      const pixels = await pngCodec.decode(thumb!.bytes);
      const png = await encodePlain(pixels);
      const { decode, resize, encode } = thumb!.stagesMs;
      cases.push({ group, path, png, pixels, encodeMs: [], pipelineMs: decode + resize + encode });
      taken.set(group, (taken.get(group) ?? 0) + 1);
    } catch (e) {
      const list = skipped.get(group) ?? [];
      list.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
      skipped.set(group, list);
    }
  }
  return { cases, skipped };
}

await provideNodeWasm();
const oxipng = await loadOxipng();
const configs: Config[] = [
  ...LEVELS.map((level) => ({ label: `${level}`, level, alpha: false, raw: false })),
  ...EXTRA.map((level) => ({ label: `${level} +optimiseAlpha`, level, alpha: true, raw: false })),
  ...EXTRA.map((level) => ({ label: `${level} raw pixels`, level, alpha: false, raw: true })),
];

const made = performance.now();
const { cases, skipped } = await makeCases();
console.log(
  `oxipng levels on PNG thumbnails (Node ${process.version}, @jsquash/oxipng single-threaded, ${ROUNDS} rounds, fit inside 256×256): ` +
    `${cases.length} thumbnails made in ${((performance.now() - made) / 1000).toFixed(0)} s`,
);
for (const [group, list] of skipped) console.log(`  ${group}: ${list.length} skipped (pipeline refused): ${list.map((s) => s.split(':')[0]).join(', ')}`);

// Warm up each code path once (the first call of a WASM function pays for its tier-up).
{
  const c = cases[0]!;
  await encodePlain(c.pixels);
  for (const cfg of configs) cfg.raw ? oxipng.optimise_raw(c.pixels.data, c.pixels.width, c.pixels.height, cfg.level, false, cfg.alpha) : oxipng.optimise(c.png, cfg.level, false, cfg.alpha);
}

const results = new Map<Config, Result[]>(configs.map((cfg) => [cfg, cases.map(() => ({ bytes: 0, ms: [] }))]));
const reencodeDiffers: string[] = [];
const nondeterministic: string[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  for (const c of cases) {
    const t = performance.now();
    const again = await encodePlain(c.pixels);
    c.encodeMs.push(performance.now() - t);
    if (again.length !== c.png.length) reencodeDiffers.push(`${c.path} (${again.length} vs ${c.png.length})`);
  }
  for (const cfg of configs) {
    const list = results.get(cfg)!;
    for (const [i, c] of cases.entries()) {
      const r = list[i]!;
      const t = performance.now();
      const out = cfg.raw
        ? oxipng.optimise_raw(c.pixels.data, c.pixels.width, c.pixels.height, cfg.level, false, cfg.alpha)
        : oxipng.optimise(c.png, cfg.level, false, cfg.alpha);
      r.ms.push(performance.now() - t);
      if (round > 0) {
        if (out.length !== r.bytes) nondeterministic.push(`${cfg.label}: ${c.path}`);
        continue;
      }
      r.bytes = out.length;
      try {
        const back = await pngCodec.decode(out);
        r.mismatch = difference(c.pixels, back, true);
        r.visibleMismatch = difference(c.pixels, back, false);
      } catch (e) {
        r.mismatch = r.visibleMismatch = `does not decode: ${e instanceof Error ? e.message : String(e)}`;
      }
    }
  }
  console.log(`  round ${round + 1}/${ROUNDS}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

function table(title: string, picked: number[]): void {
  const plainBytes = sum(picked.map((i) => cases[i]!.png.length));
  const plainMs = sum(picked.map((i) => median(cases[i]!.encodeMs)));
  const pipelineMs = sum(picked.map((i) => cases[i]!.pipelineMs));
  const pixels = picked.map((i) => cases[i]!.pixels.width * cases[i]!.pixels.height);
  console.log('');
  console.log(
    `${title}: ${picked.length} thumbnails, median ${Math.round(Math.sqrt(median(pixels)))}² px; ` +
      `plain encode ${(plainBytes / 1024).toFixed(0)} KiB in ${plainMs.toFixed(0)} ms total ` +
      `(median ${median(picked.map((i) => median(cases[i]!.encodeMs))).toFixed(1)} ms, worst ${Math.max(...picked.map((i) => median(cases[i]!.encodeMs))).toFixed(1)} ms per image); ` +
      `whole thumbnails ${(pipelineMs / 1000).toFixed(1)} s (one run each, decode + resize + encode)`,
  );
  console.log('| level | total bytes vs plain | median per-image ratio | total time vs plain encode | vs whole thumbnail | median ms/image | worst image ms | smaller | largest win | grew | pixel mismatches (strict / visible) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const cfg of configs) {
    const list = results.get(cfg)!;
    // Kept: oxipng's output unless it grew, then the plain encode.
    const kept = picked.map((i) => Math.min(list[i]!.bytes, cases[i]!.png.length));
    const ratios = picked.map((i, k) => kept[k]! / cases[i]!.png.length);
    const ms = picked.map((i) => median(list[i]!.ms));
    const slowest = picked[ms.indexOf(Math.max(...ms))]!;
    const smaller = picked.filter((i) => list[i]!.bytes < cases[i]!.png.length).length;
    const grew = picked.filter((i) => list[i]!.bytes > cases[i]!.png.length);
    const best = picked.reduce((b, i) => (list[i]!.bytes / cases[i]!.png.length < list[b]!.bytes / cases[b]!.png.length ? i : b), picked[0]!);
    const bestWin = 1 - list[best]!.bytes / cases[best]!.png.length;
    const strict = picked.filter((i) => list[i]!.mismatch).length;
    const visible = picked.filter((i) => list[i]!.visibleMismatch).length;
    console.log(
      `| ${cfg.label} | ${pct(sum(kept) / plainBytes)} | ${pct(median(ratios))} | ${(sum(ms) / plainMs).toFixed(1)}× | ${pct(sum(ms) / pipelineMs)} | ${median(ms).toFixed(1)} | ${Math.max(...ms).toFixed(0)} (${cases[slowest]!.path.split('/').pop()}) | ` +
        `${smaller}/${picked.length} | −${pct(bestWin)} (${cases[best]!.path.split('/').pop()}, ${cases[best]!.png.length} → ${list[best]!.bytes} B) | ` +
        `${grew.length ? `${grew.length} (max +${Math.max(...grew.map((i) => list[i]!.bytes - cases[i]!.png.length))} B)` : '0'} | ${strict} / ${visible} |`,
    );
  }
}

const groups = [...new Set(cases.map((c) => c.group))];
for (const g of groups) table(g, cases.flatMap((c, i) => (c.group === g ? [i] : [])));
if (groups.length > 1) table('all', cases.map((_, i) => i));
// Most corpus files are small test images (PngSuite is 32×32); a thumbnail of a real photo or drawing fills the box.
const fullSize = cases.flatMap((c, i) => (Math.max(c.pixels.width, c.pixels.height) === 256 ? [i] : []));
if (fullSize.length) table('full-size thumbnails only (long side 256 px)', fullSize);

console.log('');
for (const cfg of configs) {
  const list = results.get(cfg)!;
  for (const [i, r] of list.entries()) {
    if (r.mismatch) console.log(`mismatch at ${cfg.label}: ${cases[i]!.path}: ${r.mismatch}${r.visibleMismatch ? '' : ' (transparent pixels only)'}`);
  }
}
if (reencodeDiffers.length) console.log(`the plain encoder gave other bytes on another run for ${reencodeDiffers.length}: ${reencodeDiffers.slice(0, 5).join(', ')}`);
if (nondeterministic.length) console.log(`output size changed between rounds: ${nondeterministic.slice(0, 10).join(', ')}`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

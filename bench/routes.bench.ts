/**
 * `npm run bench`, the main table: every decode route against the browser's own
 * canvas path and against sharp (libvips), in one run, on the same files.
 *
 * Per input (bench/inputs.ts), ROUNDS files that differ only in their grain:
 * - the app through its UI, item added to thumbnail shown (its own
 *   `thumbnail-shown:` performance measures), with the decode route forced by
 *   `?decoder=`: auto (what people get), bitmap (the createImageBitmap route that was
 *   the default before), core (our WASM decoders); with the worker's own time per
 *   stage (decode, resize, encode);
 * - the browser's canvas path in a worker: createImageBitmap, drawImage scaled at
 *   'high', convertToBlob (the baseline);
 * - in Node: sharp with one thread and the same options, and the plain full-size
 *   jSquash path (decode, lanczos3 on the whole image, encode);
 * - output bytes, and SSIM of each thumbnail against a sharp lanczos3 reference of
 *   the same size (no shrink-on-load, so the reference is the slow exact one);
 * - peak memory (kernel VmHWM of the renderer, which hosts the workers, read after
 *   the run) for the 24 MP photo, a fresh browser per route.
 * Then batch throughput (1 worker against all), the longest main-thread task
 * during a batch of 50 and during 1,000 queued files. Writes bench/results/
 * latest.{json,md} and latest-ratios.svg.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, tmpdir, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import sharp, { type Sharp } from 'sharp';
import { ssim } from 'ssim.js';
import resize, { initResize } from '@jsquash/resize';
import { codecFor, sniffFormat } from '../src/core/codecs/registry';
import { providedWasm } from '../src/core/codecs/wasm';
import { planGeometry } from '../src/core/geometry';
import { DEFAULT_OPTIONS } from '../src/core/options';
import { provideNodeWasm } from '../src/node/wasm';
import { launchChromium, observeLongTasks, openApp, startServer, takeLongTasks } from './browser';
import { CANVAS_WORKER } from './canvas-path';
import { INPUTS, makeBatch, makeInput, type BenchInput } from './inputs';
import { writeReport, type Measured, type Report, type Row } from './report';

const PORT = Number(process.env.BENCH_PORT || 4197);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const BATCH = Number(process.env.BENCH_BATCH || 50);
const QUEUED = Number(process.env.BENCH_QUEUED || 1000);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const QUALITY = DEFAULT_OPTIONS.quality;
const UI_ROUTES = ['auto', 'bitmap', 'core'] as const;
type UiRoute = (typeof UI_ROUTES)[number];

/** `BENCH_VERBOSE=1` says which part of an input is being measured. */
const step = (what: string) => process.env.BENCH_VERBOSE && console.log(`  ${what}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The output format: 'same as input', except BMP, which the canvas cannot write: PNG on every side. */
const outputFormat = (input: BenchInput) => (input.kind === 'bmp' ? 'png' : input.kind === 'png-alpha' ? 'png' : input.kind === 'webp' ? 'webp' : 'jpeg');
const mimeOf = (format: string) => `image/${format}`;
const targetOf = (input: BenchInput) => planGeometry(input.width, input.height, DEFAULT_OPTIONS).canvas;

// ---------------------------------------------------------------------------
// Quality: SSIM against sharp's exact lanczos3 of the same size, on white.

async function flatRgba(image: Buffer | Sharp, width?: number, height?: number) {
  const s: Sharp = Buffer.isBuffer(image) ? sharp(image) : image;
  const { data, info } = await (width ? s.resize(width, height, { fit: 'fill', kernel: 'lanczos3', fastShrinkOnLoad: false }) : s)
    .flatten({ background: '#ffffff' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** sharp for an input; libvips reads no BMP, so a BMP is decoded by ours first (its sharp time includes that decode). */
async function sharpOf(file: Buffer): Promise<Sharp> {
  if (sniffFormat(file).format !== 'bmp') return sharp(file);
  const { width, height, data } = await sniffFormat(file).decode(file);
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 } });
}

async function ssimAgainstReference(source: Buffer, thumbnail: Buffer): Promise<number> {
  const made = await flatRgba(thumbnail);
  const reference = await flatRgba((await sharpOf(source)).rotate(), made.width, made.height);
  return ssim(made, reference).mssim;
}

// ---------------------------------------------------------------------------
// In the browser

/** Adds one file and waits for its thumbnail: added-to-shown, the worker's stages, and the output bytes. */
async function addAndWait(page: Page, name: string, buffer: Buffer) {
  const before = await page.evaluate(() => performance.getEntriesByType('measure').filter((e) => e.name.startsWith('thumbnail-shown:')).length);
  await page.getByLabel('Choose images').setInputFiles({ name, mimeType: 'application/octet-stream', buffer });
  const measure = await page.evaluate(async (index) => {
    for (;;) {
      const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('thumbnail-shown:'));
      if (m.length > index) return { ms: m[index]!.duration, detail: (m[index] as PerformanceMeasure).detail };
      await new Promise((r) => setTimeout(r, 5));
    }
  }, before);
  const item = page.getByRole('list', { name: 'Thumbnails' }).getByRole('listitem').nth(before);
  const state = await item.getAttribute('data-state');
  if (state !== 'done') throw new Error(`${name}: ${state} (${await item.innerText()})`);
  const bytes = await item.getByRole('link', { name: /Download/ }).evaluate(async (a: HTMLAnchorElement) => {
    const b = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
    let s = '';
    for (let k = 0; k < b.length; k += 0x8000) s += String.fromCharCode(...b.subarray(k, k + 0x8000));
    return btoa(s);
  });
  return { ms: measure.ms, detail: measure.detail as { decoder?: string; stagesMs?: Measured['stages'] }, bytes: Buffer.from(bytes, 'base64') };
}

async function openRoute(browser: Browser, route: UiRoute, query = ''): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('crash', () => console.error(`the page crashed (route ${route})`));
  page.on('pageerror', (e) => console.error(`page error (route ${route}): ${e.message}`));
  await openApp(page, `${ORIGIN}/?measure&decoder=${route}${query}`);
  return { page, close: () => context.close() };
}

async function timeUiRoute(browser: Browser, route: UiRoute, input: BenchInput, files: Buffer[], beforeClose = () => {}): Promise<Measured> {
  const { page, close } = await openRoute(browser, route);
  await page.getByLabel('Format').selectOption(outputFormat(input));
  // Warm-up, not counted: a fresh page's first item also starts its workers and compiles their WASM.
  await addAndWait(page, `warm-up.${input.kind}`, await makeInput(input, 1000));
  const ms: number[] = [];
  const stages: NonNullable<Measured['stages']>[] = [];
  let last: Buffer | undefined;
  let decoder: string | undefined;
  for (const [i, file] of files.entries()) {
    const r = await addAndWait(page, `${input.id}-${i}.${input.kind === 'progressive' ? 'jpg' : input.kind}`, file);
    ms.push(r.ms);
    if (r.detail.stagesMs) stages.push(r.detail.stagesMs);
    decoder = r.detail.decoder;
    last = r.bytes;
  }
  beforeClose();
  await close();
  const stageMedian = stages.length
    ? { decode: median(stages.map((s) => s.decode)), resize: median(stages.map((s) => s.resize)), encode: median(stages.map((s) => s.encode)) }
    : undefined;
  return { ms, bytes: last!.length, ssim: await ssimAgainstReference(files.at(-1)!, last!), stages: stageMedian, decoder };
}

async function timeCanvas(browser: Browser, input: BenchInput, files: Buffer[], beforeClose = () => {}): Promise<Measured> {
  const { page, close } = await openRoute(browser, 'auto');
  await page.evaluate((code) => {
    (window as unknown as { canvasWorker: Worker }).canvasWorker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  }, CANVAS_WORKER);
  const target = targetOf(input);
  const ms: number[] = [];
  let last: Buffer | undefined;
  // The first file is a warm-up, not counted, as on the app's side.
  for (const [i, file] of [await makeInput(input, 1000), ...files].entries()) {
    const r = await page.evaluate(
      async ({ b64, type, width, height, outType, quality }) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer;
        const worker = (window as unknown as { canvasWorker: Worker }).canvasWorker;
        const result = await new Promise<{ ms: number; out: ArrayBuffer }>((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.postMessage({ bytes, type, width, height, outType, quality }, [bytes]);
        });
        const b = new Uint8Array(result.out);
        let s = '';
        for (let k = 0; k < b.length; k += 0x8000) s += String.fromCharCode(...b.subarray(k, k + 0x8000));
        return { ms: result.ms, out: btoa(s) };
      },
      { b64: file.toString('base64'), type: mimeOf(sniffFormat(file).format), width: target.width, height: target.height, outType: mimeOf(outputFormat(input)), quality: QUALITY / 100 },
    );
    if (i === 0) continue;
    ms.push(r.ms);
    last = Buffer.from(r.out, 'base64');
  }
  beforeClose();
  await close();
  return { ms, bytes: last!.length, ssim: await ssimAgainstReference(files.at(-1)!, last!) };
}

/** Peak resident memory (VmHWM) of this browser's renderer processes, the largest, in MB. */
function rendererPeakMb(pids: Set<number>): number {
  let peak = 0;
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!pid || pids.has(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
    } catch {
      // gone
    }
  }
  return peak;
}

function existingRenderers(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    try {
      if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) pids.add(pid);
    } catch {
      // gone
    }
  }
  return pids;
}

/** One 24 MP photo in a fresh browser: the renderer's peak, against the same page idle. */
async function peakMemory(route: UiRoute | 'canvas' | 'idle', input: BenchInput, file: Buffer): Promise<number> {
  const others = existingRenderers();
  const browser = await launchChromium();
  // Read while the page is still open: closing it ends its renderer.
  let peak = 0;
  const read = () => (peak = rendererPeakMb(others));
  try {
    if (route === 'canvas') await timeCanvas(browser, input, [file], read);
    else if (route === 'idle') {
      const { close } = await openRoute(browser, 'auto');
      read();
      await close();
    } else await timeUiRoute(browser, route, input, [file], read);
    return peak;
  } finally {
    await browser.close();
  }
}

/** A batch through the UI: wall time from adding to all done, and the main thread's long tasks meanwhile. */
async function timeBatch(browser: Browser, files: { name: string; buffer: Buffer }[], workers?: number) {
  const { page, close } = await openRoute(browser, 'auto', workers ? `&workers=${workers}` : '');
  await observeLongTasks(page);
  // As paths: Playwright refuses more than 50 MB of buffers in one pick.
  const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-batch-'));
  const paths = files.map((f) => {
    const path = join(dir, f.name);
    writeFileSync(path, f.buffer);
    return path;
  });
  const started = Date.now();
  await page.getByLabel('Choose images').setInputFiles(paths);
  await page.getByRole('progressbar', { name: 'Progress' }).and(page.locator(`[aria-valuenow="${files.length}"]`)).waitFor({ timeout: 900_000 });
  const seconds = (Date.now() - started) / 1000;
  const tasks = await takeLongTasks(page);
  await close();
  return { seconds, perSecond: files.length / seconds, longestTaskMs: tasks.length ? Math.max(...tasks) : 0, longTasks: tasks.length };
}

// ---------------------------------------------------------------------------
// In Node

async function timeNode(files: Buffer[], run: (file: Buffer) => Promise<Buffer>): Promise<Measured> {
  const ms: number[] = [];
  let last: Buffer | undefined;
  await run(files[0]!); // warm-up: WASM compile, libvips caches
  for (const file of files) {
    const t = performance.now();
    last = await run(file);
    ms.push(performance.now() - t);
  }
  return { ms, bytes: last!.length, ssim: await ssimAgainstReference(files.at(-1)!, last!) };
}

function sharpThumbnail(input: BenchInput) {
  const target = targetOf(input);
  return async (file: Buffer) => {
    const s = (await sharpOf(file)).rotate().resize(target.width, target.height, { fit: 'inside', kernel: 'lanczos3' });
    const format = outputFormat(input);
    return (format === 'jpeg' ? s.jpeg({ quality: QUALITY, mozjpeg: true }) : format === 'webp' ? s.webp({ quality: QUALITY }) : s.png()).toBuffer();
  };
}

function jsquashNaive(input: BenchInput) {
  const target = targetOf(input);
  return async (file: Buffer) => {
    const decoded = await sniffFormat(file).decode(file);
    const out = await resize(decoded as ImageData, { ...target, method: 'lanczos3', fitMethod: 'stretch', premultiply: input.kind === 'png-alpha', linearRGB: false });
    return Buffer.from(await codecFor(outputFormat(input)).encode!(out, { quality: QUALITY }));
  };
}

// ---------------------------------------------------------------------------

sharp.concurrency(1);
if (process.env.BENCH_ONLY === 'memory') {
  // Just the memory figures (`BENCH_ONLY=memory`): a fresh browser per route.
  const server = await startServer(PORT);
  const big = await makeInput(INPUTS[1]!, 99);
  for (const route of ['idle', 'canvas', ...UI_ROUTES] as const) console.log(`${route}: ${(await peakMemory(route, INPUTS[1]!, big)).toFixed(0)} MB`);
  server.kill();
  process.exit(0);
}
await provideNodeWasm();
await initResize(providedWasm('resize'));
const server = await startServer(PORT);
const rows: Row[] = [];
const memory: Report['memory'] = { input: INPUTS[1]!.label, mb: {} };
let batch: Report['batch'];
try {
  const browser = await launchChromium();
  for (const input of INPUTS) {
    const files: Buffer[] = [];
    for (let r = 0; r < ROUNDS; r++) files.push(await makeInput(input, r + 1));
    process.stdout.write(`${input.label}: ${(files[0]!.length / 1e6).toFixed(1)} MB each, ${ROUNDS} rounds…`);
    step('canvas');
    const canvas = await timeCanvas(browser, input, files);
    const ui: Partial<Record<UiRoute, Measured>> = {};
    for (const route of UI_ROUTES) {
      step(route);
      ui[route] = await timeUiRoute(browser, route, input, files);
    }
    step('node');
    const sharpResult = await timeNode(files, sharpThumbnail(input));
    const naive = await timeNode(files, jsquashNaive(input));
    rows.push({ input: input.label, kind: input.kind, canvas, ui: ui as Record<UiRoute, Measured>, sharp: sharpResult, jsquashNaive: naive });
    console.log(` done (app ${median(ui.auto!.ms).toFixed(0)} ms, canvas ${median(canvas.ms).toFixed(0)} ms, sharp ${median(sharpResult.ms).toFixed(0)} ms)`);
  }

  console.log(`Batch of ${BATCH} mixed photos…`);
  const photos = await makeBatch(BATCH);
  const oneWorker = await timeBatch(browser, photos, 1);
  const allWorkers = await timeBatch(browser, photos);
  console.log(`Queue of ${QUEUED} small files…`);
  const small = await sharp(readFileSync(fileURLToPath(new URL('../tests/fixtures/landscape.jpg', import.meta.url)))).resize(640).jpeg().toBuffer();
  // Different bytes after the end-of-image marker: a thousand distinct files (no cache hits), one decode each.
  const queued = Array.from({ length: QUEUED }, (_, i) => ({ name: `small-${i}.jpg`, buffer: Buffer.concat([small, Buffer.from(`#${i}`)]) }));
  const queue = await timeBatch(browser, queued);
  batch = { files: BATCH, oneWorker, allWorkers, workers: cpus().length, queued: { files: QUEUED, ...queue } };
  await browser.close();

  console.log('Peak memory, 24 MP, a fresh browser each…');
  const big = await makeInput(INPUTS[1]!, 99);
  for (const route of ['idle', 'canvas', ...UI_ROUTES] as const) memory.mb[route] = await peakMemory(route, INPUTS[1]!, big);
} finally {
  server.kill();
}

const chromiumVersion = await (async () => {
  const b = await launchChromium();
  const v = b.version();
  await b.close();
  return v;
})();
const report: Report = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, Chromium ${chromiumVersion}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})`,
  rounds: ROUNDS,
  quality: QUALITY,
  rows,
  memory,
  batch: batch!,
};
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
console.log(writeReport(report, dir));

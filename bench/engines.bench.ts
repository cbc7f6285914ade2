/**
 * `npm run bench`, every engine: which decoder each engine's JPEG route takes, and
 * its added-to-shown time beside that engine's own canvas path, in one run, on the
 * same files (bench/inputs.ts). The engines are driven through the cross-engine
 * test drivers (tests/engines/drivers): Chromium and Firefox through puppeteer-core,
 * WebKitGTK's MiniBrowser through WebDriver under Xvfb.
 *
 * Per engine and input, on ROUNDS files that differ only in their grain (a warm-up
 * file first, not counted):
 * - the app at `?decoder=auto` (what people get), and each route forced
 *   (webcodecs, bitmap, core), timed from added to shown by the page's own
 *   `thumbnail-shown:` performance measures (`?measure`), with the decoder that made it;
 * - the engine's canvas path in a worker on the same page (createImageBitmap,
 *   drawImage at 'high', convertToBlob): what a hand-written thumbnailer does.
 * Ratios are against the canvas path of the same engine in the same run, so each
 * engine is judged against what it can do itself. Writes bench/results/engines.{md,json}.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OPTIONS } from '../src/core/options';
import { planGeometry } from '../src/core/geometry';
import { ENGINES, type EngineDriver, type EngineName } from '../tests/engines/driver';
import { launchEngine } from '../tests/engines/drivers';
import { median, startServer } from './browser';
import { CANVAS_WORKER } from './canvas-path';
import { INPUTS, makeInput, type BenchInput } from './inputs';

const PORT = Number(process.env.BENCH_PORT || 4198);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);
const ORIGIN = `http://127.0.0.1:${PORT}`;
const ROUTES = ['auto', 'webcodecs', 'bitmap', 'core'] as const;
type Route = (typeof ROUTES)[number];
/** `BENCH_ENGINES=firefox,webkit` measures only those. */
const ENGINES_WANTED = (process.env.BENCH_ENGINES?.split(',') ?? ENGINES) as EngineName[];
const JPEG_INPUTS = INPUTS.filter((i) => i.kind === 'jpeg');

interface Timed {
  ms: number[];
  /** The decoder that made the last thumbnail (the card's data-decoder). */
  decoder?: string;
}

interface EngineResult {
  engine: EngineName;
  version: string;
  inputs: { input: string; canvas: Timed; routes: Record<Route, Timed> }[];
}

// ---------------------------------------------------------------------------
// Run in the page (self-contained: their source is sent to the browser)

/** Every added-to-shown measure so far: duration and the decoder that made it. */
function shownMeasures(): { ms: number; decoder?: string }[] {
  return performance
    .getEntriesByType('measure')
    .filter((e) => e.name.startsWith('thumbnail-shown:'))
    .map((e) => ({ ms: e.duration, decoder: ((e as PerformanceMeasure).detail as { decoder?: string } | null)?.decoder }));
}

/** A file input of the benchmark's own, for handing the canvas path its files by path as a person picks them. */
function addCanvasInput(): void {
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.setAttribute('aria-label', 'Benchmark canvas files');
  document.body.append(input);
}

/** The canvas path (bench/canvas-path.ts, its source passed in) over each picked file, one at a time; milliseconds each (inside the worker). */
async function canvasTimes(code: string, width: number, height: number, quality: number): Promise<number[]> {
  const input = document.querySelector('input[aria-label="Benchmark canvas files"]') as HTMLInputElement;
  const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  const times: number[] = [];
  for (const file of input.files ?? []) {
    // Bytes in memory first, as the app's items have them: the read is not the canvas path's cost.
    const bytes = await file.arrayBuffer();
    times.push(
      await new Promise<number>((resolve, reject) => {
        worker.onmessage = (e) => resolve((e.data as { ms: number }).ms);
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ bytes, type: 'image/jpeg', width, height, outType: 'image/jpeg', quality }, [bytes]);
      }),
    );
  }
  worker.terminate();
  return times;
}

// ---------------------------------------------------------------------------

function onDisk(files: Buffer[], name: (i: number) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-engines-'));
  return files.map((buffer, i) => {
    const path = join(dir, name(i));
    writeFileSync(path, buffer);
    return path;
  });
}

async function waitFor<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** How many items the list shows. */
function itemCount(): number {
  return document.querySelectorAll('[aria-label="Thumbnails"] > li').length;
}

/**
 * The app at a forced route: each file added on its own, once the one before is
 * shown. The list is cleared afterwards: a list restored on the next page load
 * would add measures of its own (cache answers).
 */
async function timeRoute(app: EngineDriver, route: Route, paths: string[]): Promise<Timed> {
  await app.open(`${ORIGIN}/?measure&decoder=${route}`);
  if ((await app.evaluate(shownMeasures)).length > 0) throw new Error('the list was not empty: a restored item was measured');
  const made: { ms: number; decoder?: string }[] = [];
  for (const path of paths) {
    await app.addFiles('Choose images', [path]);
    const measures = await waitFor(`a thumbnail via ${route}`, () => app.evaluate(shownMeasures), (m) => m.length > made.length);
    made.push(measures.at(-1)!);
  }
  await app.click('Clear');
  await waitFor('an empty list', () => app.evaluate(itemCount), (n) => n === 0);
  // The first file is the warm-up: it also starts the workers and compiles their WASM.
  const counted = made.slice(1);
  return { ms: counted.map((m) => m.ms), decoder: counted.at(-1)?.decoder };
}

async function timeCanvas(app: EngineDriver, input: BenchInput, paths: string[]): Promise<Timed> {
  await app.open(`${ORIGIN}/`);
  await app.evaluate(addCanvasInput);
  await app.addFiles('Benchmark canvas files', paths);
  const { width, height } = planGeometry(input.width, input.height, DEFAULT_OPTIONS).canvas;
  const times = await app.evaluate(canvasTimes, CANVAS_WORKER, width, height, DEFAULT_OPTIONS.quality / 100);
  return { ms: times.slice(1) };
}

async function measureEngine(engine: EngineName, files: Map<BenchInput, string[]>): Promise<EngineResult | string> {
  let app: EngineDriver;
  try {
    app = await launchEngine(engine);
  } catch (e) {
    return `${engine}: not measured, it did not start (${e instanceof Error ? e.message.split('\n')[0] : e})`;
  }
  const result: EngineResult = { engine, version: app.version, inputs: [] };
  try {
    for (const [input, paths] of files) {
      process.stdout.write(`${app.version}, ${input.label}…`);
      const canvas = await timeCanvas(app, input, paths);
      const routes = {} as Record<Route, Timed>;
      for (const route of ROUTES) routes[route] = await timeRoute(app, route, paths);
      result.inputs.push({ input: input.label, canvas, routes });
      console.log(` auto: ${routes.auto.decoder} ${median(routes.auto.ms).toFixed(0)} ms, canvas ${median(canvas.ms).toFixed(0)} ms`);
    }
  } finally {
    await app.close();
  }
  return result;
}

function markdown(results: EngineResult[], skipped: string[], date: string): string {
  const ms = (t: Timed) => median(t.ms);
  const x = (t: Timed, base: Timed) => `${(ms(t) / ms(base)).toFixed(2)}×`;
  const lines = [
    `Measured ${date.slice(0, 10)}; medians of ${ROUNDS} distinct files each, fit inside 256×256, JPEG quality ${DEFAULT_OPTIONS.quality}. Times are added → shown in the app (forced routes by \`?decoder=\`), and inside the worker for the canvas path; "×" is against that engine's canvas path in the same run.`,
    '',
    '| engine | input | JPEG route taken (auto) | auto, added → shown | × canvas | webcodecs route × canvas | bitmap route × canvas | our WASM × canvas | canvas path in a worker |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results)
    for (const row of r.inputs) {
      const { auto, webcodecs, bitmap, core } = row.routes;
      const forced = (t: Timed, name: string) => (t.decoder === name ? x(t, row.canvas) : `– (${t.decoder ?? '?'} answered)`);
      lines.push(
        `| ${r.version} | ${row.input} | ${auto.decoder ?? '?'} | ${ms(auto).toFixed(0)} ms | **${x(auto, row.canvas)}** | ${forced(webcodecs, 'webcodecs')} | ${forced(bitmap, 'bitmap')} | ${x(core, row.canvas)} | ${ms(row.canvas).toFixed(0)} ms |`,
      );
    }
  for (const s of skipped) lines.push('', s);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------

const files = new Map<BenchInput, string[]>();
for (const input of JPEG_INPUTS) {
  const buffers = [await makeInput(input, 1000)];
  for (let r = 0; r < ROUNDS; r++) buffers.push(await makeInput(input, r + 1));
  files.set(input, onDisk(buffers, (i) => `${input.id}-${i}.jpg`));
}
const server = await startServer(PORT);
const results: EngineResult[] = [];
const skipped: string[] = [];
try {
  for (const engine of ENGINES_WANTED) {
    const r = await measureEngine(engine, files);
    if (typeof r === 'string') {
      console.warn(r);
      skipped.push(r);
    } else results.push(r);
  }
} finally {
  server.kill();
}
const date = new Date().toISOString();
const dir = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'engines.json'), JSON.stringify({ date, rounds: ROUNDS, results, skipped }, null, 2));
const md = markdown(results, skipped, date);
writeFileSync(join(dir, 'engines.md'), `${md}\n`);
console.log(`\n${md}\n`);

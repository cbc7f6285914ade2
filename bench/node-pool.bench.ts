/**
 * The Node pool's recycling, measured: 1,000 PNG decodes that fail (a PNG damaged
 * halfway through its pixel data, the failure jSquash's decoder leaks its memory
 * on) through the pool the command-line tool and the old API's route use, with the
 * tool's own bundled worker; then a valid PNG. The baseline, in the same run: the
 * same failures decoded in this thread, where nothing is ever replaced.
 *
 *   node --import tsx bench/node-pool.bench.ts [failures]
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { normaliseOptions } from '../src/core/options';
import { generateThumbnail } from '../src/core/pipeline';
import { NodeThumbnailPool } from '../src/node/pool';
import { provideNodeWasm } from '../src/node/wasm';
import { damagedPng } from '../tests/support/damaged-png';
// @ts-expect-error: a plain .mjs script without types
import { bundleCli } from '../scripts/bundle-cli.mjs';

const FAILURES = Number(process.argv[2] ?? 1000);
const BASELINE_FAILURES = 150; // enough to see the leak's slope, without taking the machine's memory
const MB = 1024 * 1024;
const bad = damagedPng();
const valid = readFileSync(new URL('../tests/fixtures/alpha.png', import.meta.url));
const options = [normaliseOptions()];
const rss = () => process.memoryUsage().rss / MB;

// Baseline: this thread, no recycling.
await provideNodeWasm();
let rss0 = rss();
let t0 = performance.now();
for (let i = 0; i < BASELINE_FAILURES; i++) await generateThumbnail(bad).catch(() => undefined);
const baseline = { msPer: (performance.now() - t0) / BASELINE_FAILURES, mbPer: (rss() - rss0) / BASELINE_FAILURES };

// The pool, with the command-line tool's bundled worker.
const folder: string = await bundleCli();
const pool = new NodeThumbnailPool({ workerFile: pathToFileURL(join(folder, 'thumbnail-worker.mjs')) });
await pool.run(new Uint8Array(valid), options);
rss0 = rss();
t0 = performance.now();
let next = 0;
let failed = 0;
let peak = rss0;
await Promise.all(
  Array.from({ length: pool.size * 2 }, async () => {
    while (next++ < FAILURES) {
      const result = await pool.run(new Uint8Array(bad), options);
      if (!result.ok && result.error.code === 'corrupt') failed++;
      if (next % 100 === 0) peak = Math.max(peak, rss());
    }
  }),
);
const pooled = { msPer: (performance.now() - t0) / FAILURES, mbPer: (rss() - rss0) / FAILURES };
const after = await pool.run(new Uint8Array(valid), options);
await pool.close();

console.log(`\nNode pool: ${FAILURES} failed PNG decodes (1200×900, damaged pixel data), ${pool.size} threads of ${availableParallelism()} cores`);
console.log(`  failed as 'corrupt': ${failed} of ${FAILURES}; threads replaced: ${pool.recycled}; the valid PNG after them: ${after.ok ? 'made' : `FAILED (${after.error.message})`}`);
console.log(`  resident memory: ${rss0.toFixed(0)} MB before, ${rss().toFixed(0)} MB after, ${peak.toFixed(0)} MB highest seen`);
console.log('  | | per failure: memory kept | per failure: time |');
console.log('  |---|---|---|');
console.log(`  | baseline: one thread, never replaced (${BASELINE_FAILURES} failures) | ${baseline.mbPer.toFixed(2)} MB | ${baseline.msPer.toFixed(0)} ms |`);
console.log(`  | the pool, each thread replaced | ${pooled.mbPer.toFixed(3)} MB (${(pooled.mbPer / baseline.mbPer).toFixed(3)}×) | ${pooled.msPer.toFixed(0)} ms (${(pooled.msPer / baseline.msPer).toFixed(2)}×, on ${pool.size} threads) |`);
if (!after.ok || failed !== FAILURES) process.exitCode = 1;

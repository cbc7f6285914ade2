/**
 * The two decode routes in Chromium, same run, same photos: the browser's own
 * decoder shrinking in one step (worker/browser-decoder.ts, the default) against
 * our WASM decode + TypeScript pre-shrink (`?decoder=core`, the baseline).
 * Each photo is added alone and timed from added to shown; every page is a fresh
 * context, so nothing comes from the cache.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegCodec } from '../src/core/codecs/jpeg';
import { createRawImage } from '../src/core/image';
import { provideNodeWasm } from '../tests/support/wasm-node';
import { launchChromium, median, openApp, startServer } from './browser';

const PORT = Number(process.env.BENCH_PORT || 4196);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 5);

async function photo(w: number, h: number, seed: number): Promise<Buffer> {
  const img = createRawImage(w, h);
  let n = seed;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      n = (n * 1103515245 + 12345) & 0x7fffffff;
      const grain = (n % 24) - 12;
      img.data[o] = (x * 255) / w + grain;
      img.data[o + 1] = (y * 255) / h + grain;
      img.data[o + 2] = 128 + 90 * Math.sin(x / 7) * Math.cos(y / 11) + grain;
      img.data[o + 3] = 255;
    }
  return Buffer.from(await jpegCodec.encode!(img, { quality: 88 }));
}

await provideNodeWasm();
const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-decoders-'));
const sizes = [
  ['12 MP', 4000, 3000],
  ['24 MP', 6000, 4000],
] as const;
const files: Record<string, string[]> = {};
for (const [label, w, h] of sizes) {
  files[label] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const path = join(dir, `${label.replace(' ', '')}-${r}.jpg`);
    writeFileSync(path, await photo(w, h, r + 1));
    files[label]!.push(path);
  }
}

const server = await startServer(PORT);
try {
  const browser = await launchChromium();
  const timeRoute = async (query: string, paths: string[]): Promise<number[]> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await openApp(page, `http://127.0.0.1:${PORT}/${query}`);
    const times: number[] = [];
    for (const [i, path] of paths.entries()) {
      await page.getByLabel('Choose images').setInputFiles(path);
      times.push(
        await page.evaluate(async (index) => {
          for (;;) {
            const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('thumbnail-shown:'));
            if (m.length > index) return m[index]!.duration;
            await new Promise((r) => setTimeout(r, 10));
          }
        }, i),
      );
    }
    await context.close();
    return times;
  };

  console.log(`Decode routes (Chromium, photo-like JPEGs q88 -> fit 256x256, ${ROUNDS} photos each, added to shown)`);
  for (const [label] of sizes) {
    const core = await timeRoute('?decoder=core', files[label]!);
    const browserRoute = await timeRoute('', files[label]!);
    console.log(`${label}:`);
    console.log(`  baseline, WASM decode + TS pre-shrink: median ${median(core).toFixed(0)} ms (${core.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  browser decode + shrink in one step:   median ${median(browserRoute).toFixed(0)} ms (${browserRoute.map((t) => t.toFixed(0)).join(', ')})`);
    console.log(`  ratio browser/baseline: ${(median(browserRoute) / median(core)).toFixed(2)}`);
  }
  await browser.close();
} finally {
  server.kill();
}

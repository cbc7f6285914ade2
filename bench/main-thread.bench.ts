/**
 * Does the page stay responsive while a batch runs? In Chromium, a batch of
 * distinct photos (no cache hits) is added through the file input while a
 * PerformanceObserver records main-thread long tasks (over 50 ms, the bar in
 * DESIGN.md). Baseline in the same run: the same page idle for as long.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegCodec } from '../src/core/codecs/jpeg';
import { createRawImage } from '../src/core/image';
import { provideNodeWasm } from '../src/node/wasm';
import { describeLongTasks, launchChromium, observeLongTasks, openApp, startServer, takeLongTasks } from './browser';

const FILES = Number(process.env.BENCH_BATCH || 12);
const PORT = Number(process.env.BENCH_PORT || 4194);

async function photo(seed: number): Promise<Buffer> {
  const w = 3000, h = 2000;
  const img = createRawImage(w, h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      img.data[o] = ((x + seed * 37) * 255) / w;
      img.data[o + 1] = (y * 255) / h;
      img.data[o + 2] = 128 + 100 * Math.sin((x + seed) / 9) * Math.cos(y / 13);
      img.data[o + 3] = 255;
    }
  return Buffer.from(await jpegCodec.encode!(img, { quality: 85 }));
}

await provideNodeWasm();
// Files on disk, as a person picks them (in-memory payloads would make Playwright build
// the File objects with script in the page, a long task of its own).
const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-batch-'));
const files = await Promise.all(
  Array.from({ length: FILES }, async (_, i) => {
    const path = join(dir, `photo-${i}.jpg`);
    writeFileSync(path, await photo(i));
    return path;
  }),
);
const server = await startServer(PORT);
try {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await openApp(page, `http://127.0.0.1:${PORT}/`);
  await observeLongTasks(page);
  const readTasks = () => takeLongTasks(page);

  const started = Date.now();
  await page.getByLabel('Choose images').setInputFiles(files);
  await page.waitForFunction((n) => document.querySelectorAll('[data-state="done"]').length === n, FILES, { timeout: 300_000 });
  const batchMs = Date.now() - started;
  const during = await readTasks();
  await page.waitForTimeout(batchMs);
  const idle = await readTasks();
  await browser.close();

  const describe = describeLongTasks;
  console.log(`Main-thread responsiveness (Chromium, ${FILES} distinct 6 MP JPEGs -> 256 px, ${batchMs} ms for the batch)`);
  console.log(`  baseline, page idle ${batchMs} ms: ${describe(idle)}`);
  console.log(`  during the batch: ${describe(during)}`);
} finally {
  server.kill();
}

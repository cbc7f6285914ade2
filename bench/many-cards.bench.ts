/**
 * Does a batch of 1,000 files stay smooth? In Chromium, 1,000 distinct small
 * photos are picked at once; a PerformanceObserver records every main-thread
 * long task (over 50 ms, the bar in DESIGN.md) from the pick until every card is
 * done, then again while the settings change redoes all 1,000 from the cache,
 * while "Download all" zips them, and during a reload that rebuilds the list.
 * Baselines in the same run: the same files picked on a bare page with only a
 * file input, and the app's page idle for as long as the batch took.
 * Also reports the JS heap after the batch and the object URLs alive after Clear.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegCodec } from '../src/core/codecs/jpeg';
import { createRawImage } from '../src/core/image';
import { provideNodeWasm } from '../src/node/wasm';
import { describeLongTasks, launchChromium, observeLongTasks, openApp, startServer, takeLongTasks } from './browser';

const COUNT = Number(process.env.BENCH_CARDS || 1000);
const PORT = Number(process.env.BENCH_PORT || 4195);

// 1,000 different small photos (a 480x320 JPEG with i bytes after its end): quick
// to decode, so the page, not the codecs, is what is measured; their thumbnails
// are JPEGs of a few KB, as real ones are.
await provideNodeWasm();
const photo = createRawImage(480, 320);
for (let y = 0; y < 320; y++)
  for (let x = 0; x < 480; x++) photo.data.set([(x * 255) / 480, (y * 255) / 320, 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11), 255], (y * 480 + x) * 4);
const jpeg = Buffer.from(await jpegCodec.encode!(photo, { quality: 85 }));
const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-cards-'));
const files = Array.from({ length: COUNT }, (_, i) => {
  const path = join(dir, `photo-${String(i).padStart(4, '0')}.jpg`);
  writeFileSync(path, Buffer.concat([jpeg, Buffer.alloc(i + 1, i & 0xff)]));
  return path;
});

const server = await startServer(PORT);
try {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const observe = () => observeLongTasks(page);
  const readTasks = () => takeLongTasks(page);
  const allDone = () => page.waitForFunction((n) => document.querySelectorAll('[data-state="done"]').length === n, COUNT, { timeout: 600_000, polling: 500 });
  const describe = describeLongTasks;

  // Baseline for the pick: the same files given to a bare page's file input, whose
  // change handler only lists their names. Chromium builds the FileList itself.
  await page.goto(`http://127.0.0.1:${PORT}/healthz`);
  await page.setContent('<input type="file" multiple><script>document.querySelector("input").onchange = (e) => { window.names = Array.from(e.target.files, (f) => f.name); };</script>');
  await observe();
  await page.locator('input').setInputFiles(files);
  await page.waitForFunction((n) => (window as unknown as { names?: string[] }).names?.length === n, COUNT);
  await page.waitForTimeout(500);
  const barePick = await readTasks();

  await openApp(page, `http://127.0.0.1:${PORT}/`);
  await observe();

  let started = Date.now();
  await page.getByLabel('Choose images').setInputFiles(files);
  await allDone();
  const batchMs = Date.now() - started;
  const batch = await readTasks();
  const heapMb = await page.evaluate(() => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 1048576);

  await page.waitForTimeout(Math.min(batchMs, 20_000));
  const idle = await readTasks();

  // A settings change redoes every card; going back answers all of them from the cache.
  // (A CSS locator: getByLabel would make Playwright scan the labels of 1,000 cards, a long task of its own.)
  const width = page.locator('input[name="width"]');
  await width.fill('200');
  await page.waitForFunction(() => document.querySelector('[data-state="queued"],[data-state="working"]'), null, { timeout: 10_000, polling: 100 });
  await allDone();
  started = Date.now();
  await width.fill('256');
  await page.waitForFunction(() => document.querySelector('[data-state="queued"],[data-state="working"]'), null, { timeout: 10_000, polling: 100 });
  await allDone();
  const backMs = Date.now() - started;
  const redo = await readTasks();

  const download = page.waitForEvent('download', { timeout: 120_000 });
  started = Date.now();
  await page.getByRole('button', { name: 'Download all' }).click();
  await download;
  const zipMs = Date.now() - started;
  const zip = await readTasks();

  await page.waitForTimeout(800); // the list is saved a moment after the last change
  started = Date.now();
  await page.reload();
  await observe();
  await allDone();
  const restoreMs = Date.now() - started;
  const restore = await readTasks();

  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-state]').length === 0);
  await browser.close();

  console.log(`Many cards (Chromium, ${COUNT} distinct 480x320 JPEGs -> 256 px, viewport 1280x900; long task = over 50 ms)`);
  console.log(`  baseline, the same ${COUNT} files picked on a bare page (Chromium building the FileList): ${describe(barePick)}`);
  console.log(`  baseline, page idle ${Math.min(batchMs, 20_000)} ms with ${COUNT} cards: ${describe(idle)}`);
  console.log(`  pick ${COUNT} files until all done (${batchMs} ms, ${(batchMs / COUNT).toFixed(1)} ms/item): ${describe(batch)}; JS heap after: ${heapMb.toFixed(0)} MB`);
  console.log(`  change the width twice, redoing all ${COUNT} (back to the first width from the cache: ${backMs} ms): ${describe(redo)}`);
  console.log(`  Download all, one ZIP of ${COUNT} (${zipMs} ms): ${describe(zip)}`);
  console.log(`  reload, list rebuilt from the cache (${restoreMs} ms): ${describe(restore)}`);
} finally {
  server.kill();
}

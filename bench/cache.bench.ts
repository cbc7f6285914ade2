/**
 * Cache-hit benchmark in Chromium: a 5 MB JPEG, added through the file input,
 * from the item being added to its thumbnail shown (the app's own
 * `thumbnail-shown:<id>` performance measures), for a cache miss (the baseline,
 * same run) and for repeated hits. Also SHA-256 of the same 5 MB alone.
 * Uses the production build (run `npm run build` first; bench/run.mjs does).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegCodec } from '../src/core/codecs/jpeg';
import { createRawImage } from '../src/core/image';
import { provideNodeWasm } from '../src/node/wasm';
import { launchChromium, median, openApp, startServer } from './browser';

const HITS = Number(process.env.BENCH_HITS || 15);
const PORT = Number(process.env.BENCH_PORT || 4193);

/** Detail plus noise, so mozjpeg cannot squeeze it: about 5 MB at 4000x3000, q88. */
async function fiveMegabyteJpeg(): Promise<Buffer> {
  const w = 4000, h = 3000;
  const img = createRawImage(w, h);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 52) - 26;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      img.data[o] = (x * 255) / w + noise();
      img.data[o + 1] = (y * 255) / h + noise();
      img.data[o + 2] = 128 + 90 * Math.sin(x / 5) * Math.cos(y / 9) + noise();
      img.data[o + 3] = 255;
    }
  return Buffer.from(await jpegCodec.encode!(img, { quality: 88 }));
}


await provideNodeWasm();
const jpeg = await fiveMegabyteJpeg();
const server = await startServer(PORT);
try {
  const browser = await launchChromium();
  const page = await browser.newPage();
  await openApp(page, `http://127.0.0.1:${PORT}/?measure`);
  // A real file on disk, as a person picks it (a stable name, size and modification time).
  const dir = mkdtempSync(join(tmpdir(), 'thumb-bench-'));
  const file = join(dir, 'photo-5mb.jpg');
  writeFileSync(file, jpeg);

  // The same bytes handed over as a fresh in-memory File each time (a new modification
  // time): no identity to remember, so each hit reads and hashes all 5 MB.
  const freshCopy = { name: 'photo-5mb-copy.jpg', mimeType: 'image/jpeg', buffer: jpeg };

  const addAndMeasure = async (n: number, input: string | typeof freshCopy = file): Promise<{ ms: number; cache: string }> => {
    const picker = page.getByLabel('Choose images');
    await (typeof input === 'string' ? picker.setInputFiles(input) : picker.setInputFiles(input));
    const item = page.getByRole('list', { name: 'Thumbnails' }).getByRole('listitem').nth(n);
    await item.getByRole('img').waitFor();
    return page.evaluate(async (index) => {
      const items = document.querySelectorAll('[data-state]');
      const cache = items[index]!.getAttribute('data-cache') ?? '';
      // The measure is recorded on the image's load event; wait for it.
      for (let i = 0; i < 100; i++) {
        const m = performance.getEntriesByType('measure').filter((e) => e.name.startsWith('thumbnail-shown:'));
        if (m.length > index) return { ms: m[index]!.duration, cache };
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('no measure recorded');
    }, n);
  };

  const miss = await addAndMeasure(0);
  if (miss.cache !== 'miss') throw new Error(`expected a miss first, got ${miss.cache}`);
  await page.waitForFunction(() => document.querySelector('[data-testid="cache-count"]')?.textContent === '1');
  const hits: number[] = [];
  for (let i = 1; i <= HITS; i++) {
    const r = await addAndMeasure(i);
    if (r.cache !== 'hit') throw new Error(`expected a hit, got ${r.cache}`);
    hits.push(r.ms);
  }
  const hashedHits: number[] = [];
  for (let i = HITS + 1; i <= 2 * HITS; i++) {
    const r = await addAndMeasure(i, freshCopy);
    if (r.cache !== 'hit') throw new Error(`expected a hit, got ${r.cache}`);
    hashedHits.push(r.ms);
  }
  const hashMs = await page.evaluate(async (size) => {
    const bytes = new Uint8Array(size).map((_, i) => i * 31);
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await crypto.subtle.digest('SHA-256', bytes);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[3]!;
  }, jpeg.length);
  await browser.close();

  console.log(`Cache benchmark (Chromium, ${(jpeg.length / 1e6).toFixed(1)} MB JPEG 4000x3000 -> 256x192, added to shown)`);
  console.log(`  baseline, cache miss (decode + resize + encode in a worker): ${miss.ms.toFixed(0)} ms`);
  console.log(`  cache hit, same file re-picked (hash remembered), median of ${HITS}: ${median(hits).toFixed(1)} ms  (min ${Math.min(...hits).toFixed(1)}, max ${Math.max(...hits).toFixed(1)})  ratio hit/miss ${(median(hits) / miss.ms).toFixed(3)}`);
  console.log(`  cache hit, bytes read and hashed, median of ${HITS}: ${median(hashedHits).toFixed(1)} ms  (min ${Math.min(...hashedHits).toFixed(1)}, max ${Math.max(...hashedHits).toFixed(1)})  ratio hit/miss ${(median(hashedHits) / miss.ms).toFixed(3)}`);
  console.log(`  of which SHA-256 of the 5 MB input alone: ${hashMs.toFixed(1)} ms`);
} finally {
  server.kill();
}

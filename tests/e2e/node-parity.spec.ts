/**
 * One pipeline, two hosts: the Node worker pool (src/node/pool.ts, what the
 * command-line tool and the old API's route run) makes thumbnails byte for byte
 * identical to the browser app's on its WASM route (`/?decoder=core`), for the
 * same options: the same core, the same codecs, only the threads differ.
 * The fixtures always run; a few files of the shared corpus (JPEG with EXIF
 * orientation, PNG with alpha, BMP, GIF, WebP) when it is here.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './csp-guard';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normaliseOptions, type ThumbnailOptions } from '../../src/core/options';
import { NodeThumbnailPool } from '../../src/node/pool';
import { downloadBytes, fixture, setSettings, thumbnails, waitForAll } from './helpers';

const corpus = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/corpus');

/** Always here (tests/fixtures). */
const FIXTURES = ['landscape.jpg', 'portrait-orientation6.jpg', 'alpha.png', 'rgb24.bmp'].map(fixture);
/** From the corpus (paths as in its MANIFEST.tsv, each listed there as valid). */
const CORPUS_FILES = [
  'exif-orientation/Landscape_6.jpg', // stored 1200x1800, EXIF 6: shown 1800x1200
  'pngsuite/basn6a08.png', // RGBA 8-bit
  'bmpsuite/g/pal8rle.bmp', // 8 bpp RLE8
  'gif/pillow_transparent.gif', // transparency
  'webp/pillow_transparent.webp', // lossy + alpha
];

const OPTION_SETS: { label: string; set: Parameters<typeof setSettings>[1] }[] = [
  { label: 'default (inside 256×256, same format)', set: {} },
  { label: 'cover 120×120 WebP q70', set: { width: 120, height: 120, fit: 'cover', format: 'webp', quality: 70 } },
];

const MIME: Record<string, string> = { '.jpg': 'image/jpeg', '.png': 'image/png', '.bmp': 'image/bmp', '.gif': 'image/gif', '.webp': 'image/webp' };

let pool: NodeThumbnailPool;

test.beforeAll(async () => {
  pool = new NodeThumbnailPool({ size: 1 });
  await pool.warm();
});

test.afterAll(async () => {
  await pool?.close();
});

/** Where two byte strings first differ, in words (for the failure message). */
function firstDifference(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return `first differing byte at offset ${i} (browser 0x${a[i]!.toString(16).padStart(2, '0')}, node 0x${b[i]!.toString(16).padStart(2, '0')})`;
  }
  return a.length === b.length ? 'identical' : `one is a prefix of the other (equal up to offset ${n})`;
}

/** The options the page will use, read back from its saved settings (none saved: the defaults). */
async function pageOptions(page: Page): Promise<ThumbnailOptions> {
  const saved = await page.evaluate(() => localStorage.getItem('thumbnail-generator:settings'));
  const parsed = saved ? (JSON.parse(saved) as Partial<ThumbnailOptions> & { sizes?: number[] }) : {};
  expect(parsed.sizes ?? [], 'no size set: one thumbnail per file').toEqual([]);
  return normaliseOptions(parsed);
}

/**
 * The same files through the page on `/?decoder=core` and through the Node pool, with
 * the same options, for each option set in turn; every thumbnail must be the same bytes.
 */
async function compare(page: Page, paths: string[]): Promise<void> {
  const files = paths.map((path) => {
    const mimeType = MIME[extname(path).toLowerCase()];
    if (!mimeType) throw new Error(`no MIME type for ${path}`);
    return { name: basename(path), mimeType, buffer: readFileSync(path) };
  });
  expect(new Set(files.map((f) => f.name)).size, 'file names are distinct').toBe(files.length);
  const runs = OPTION_SETS.map(({ label, set }) => {
    const options = normaliseOptions(set as Partial<ThumbnailOptions>);
    // Node in the background meanwhile: run() empties the buffer it is given, so each job gets a copy.
    return { label, set, options, fromNode: Promise.all(files.map((f) => pool.run(new Uint8Array(f.buffer), [options]))) };
  });

  // A fresh context (empty cache, default settings) per test, on the WASM route.
  await page.goto('/?decoder=core');
  for (const { label, set, options, fromNode } of runs) {
    if ((await thumbnails(page).count()) > 0) await page.getByRole('button', { name: 'Clear', exact: true }).click();
    await expect(thumbnails(page)).toHaveCount(0);
    await setSettings(page, set);
    await expect.poll(() => pageOptions(page), { message: `the page holds the options Node is given (${label})` }).toEqual(options);
    await page.getByLabel('Choose images').setInputFiles(files);
    await waitForAll(page, files.length);

    const nodeResults = await fromNode;
    for (const [i, file] of files.entries()) {
      const what = `${file.name}, ${label}`;
      const card = thumbnails(page).nth(i);
      await expect(card.locator('.name')).toHaveText(file.name);
      await expect(card, `${what}: made in the browser`).toHaveAttribute('data-state', 'done');
      // Made by a worker just now (not from the cache), by our WASM decoders.
      await expect(card).toHaveAttribute('data-cache', 'miss');
      await expect(card).toHaveAttribute('data-decoder', 'core');
      await expect(card).toContainText(`${options.fit} ${options.width}×${options.height}`);
      const browser = await downloadBytes(page, i);

      const node = nodeResults[i]!;
      expect(node.ok, `${what}: Node failed: ${node.ok ? '' : JSON.stringify(node.error)}`).toBe(true);
      if (!node.ok) continue;
      expect(node.thumbnails).toHaveLength(1);
      const made = node.thumbnails[0]!;
      // Two inputs may give one name (a.gif and a.webp as WebP): the page then numbers the second.
      expect(browser.fileName, `${what}: the download is named with Node's size`).toMatch(new RegExp(`-${made.width}x${made.height}(-\\d+)?\\.\\w+$`));
      const a = Buffer.from(browser.bytes);
      const b = Buffer.from(made.bytes);
      expect
        .soft(a.equals(b), `${what}: browser ${browser.fileName} is ${a.length} B, Node (${made.mimeType} ${made.width}×${made.height}) is ${b.length} B; ${firstDifference(a, b)}`)
        .toBe(true);
    }
  }
}

test("the Node pool makes the browser's /?decoder=core thumbnails byte for byte, on the fixtures", async ({ page }) => {
  await compare(page, FIXTURES);
});

test("the Node pool makes the browser's /?decoder=core thumbnails byte for byte, on corpus files", async ({ page }) => {
  test.skip(!existsSync(corpus), `the corpus ../shared/corpus is not here (${corpus}); the fixtures' comparison still runs`);
  const manifest = readFileSync(resolve(corpus, 'MANIFEST.tsv'), 'utf8');
  const valid = new Set(manifest.split('\n').map((line) => line.split('\t')).filter((c) => c[3] === 'valid').map((c) => c[0]));
  for (const path of CORPUS_FILES) expect(valid.has(path), `${path} is listed as valid in the corpus's MANIFEST.tsv`).toBe(true);
  await compare(page, CORPUS_FILES.map((path) => resolve(corpus, path)));
});

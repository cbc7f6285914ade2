import { type Page } from '@playwright/test';
import { expect, test } from './csp-guard';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadBytes, fixtureFile, setSettings, thumbnails, waitForAll, waitForRedo } from './helpers';

const landscape = fixtureFile('landscape.jpg', 'image/jpeg');

async function add(page: Page, files: ReturnType<typeof fixtureFile>[]) {
  const before = await thumbnails(page).count();
  await page.getByLabel('Choose images').setInputFiles(files);
  await waitForAll(page, before + files.length);
}

const cacheCount = (page: Page) => page.getByTestId('cache-count');

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

test('a repeated job comes from the cache after a reload, byte for byte; new options or a cleared cache recompute', async ({ page }) => {
  await add(page, [landscape]);
  const first = thumbnails(page).nth(0);
  await expect(first).toHaveAttribute('data-state', 'done');
  await expect(first).toHaveAttribute('data-cache', 'miss');
  const original = await downloadBytes(page, 0);
  await expect(cacheCount(page)).toHaveText('1');

  await page.reload();
  await expect(cacheCount(page)).toHaveText('1');
  await page.getByRole('button', { name: 'Clear', exact: true }).click(); // the list comes back after a reload; start afresh
  await expect(thumbnails(page)).toHaveCount(0);
  await add(page, [landscape]);
  const again = thumbnails(page).nth(0);
  await expect(again).toHaveAttribute('data-cache', 'hit');
  await expect(again).toContainText('from cache');
  expect(await downloadBytes(page, 0)).toEqual(original);

  // A new setting redoes the item: computed (a miss), then going back is a hit.
  await setSettings(page, { width: 200 });
  await waitForRedo(page, 1, 'inside 200×256');
  await expect(again).toHaveAttribute('data-cache', 'miss');
  await expect(cacheCount(page)).toHaveText('2');
  await setSettings(page, { width: 256 });
  await waitForRedo(page, 1, 'inside 256×256');
  await expect(again).toHaveAttribute('data-cache', 'hit');
  expect(await downloadBytes(page, 0)).toEqual(original);

  await page.getByRole('button', { name: 'Clear cache' }).click();
  await expect(cacheCount(page)).toHaveText('0');
  await setSettings(page, { width: 200 });
  await waitForRedo(page, 1, 'inside 200×256');
  await expect(again).toHaveAttribute('data-cache', 'miss');
});

test('duplicates inside one batch are computed once', async ({ page }) => {
  await add(page, [landscape, { ...landscape, name: 'same-again.jpg' }]);
  const caches = await thumbnails(page).evaluateAll((items) => items.map((i) => i.getAttribute('data-cache')));
  expect(caches.sort()).toEqual(['hit', 'miss']);
  await expect(cacheCount(page)).toHaveText('1');
});

test('past a small budget the least recently used thumbnails go', async ({ page }) => {
  const sizes: number[] = [];
  await add(page, [landscape]);
  for (const width of [200, 201, 202]) {
    await setSettings(page, { width });
    await waitForRedo(page, 1, `inside ${width}×256`);
    await expect(cacheCount(page)).toHaveText(String(sizes.length + 2)); // the 256 one, then each width
    sizes.push((await downloadBytes(page, 0)).bytes.length);
  }
  // Room for the two newest (201 and 202) only: 256 and 200 must go.
  const budgetMb = (sizes[1]! + sizes[2]! + 16) / (1024 * 1024);
  await page.getByLabel('Cache size limit (MB)').fill(String(budgetMb));
  await page.getByLabel('Cache size limit (MB)').press('Tab');
  await expect(cacheCount(page)).toHaveText('2');

  const item = thumbnails(page).nth(0);
  await setSettings(page, { width: 201 }); // still cached
  await waitForRedo(page, 1, 'inside 201×256');
  await expect(item).toHaveAttribute('data-cache', 'hit');
  await setSettings(page, { width: 200 }); // evicted
  await waitForRedo(page, 1, 'inside 200×256');
  await expect(item).toHaveAttribute('data-cache', 'miss');
  await expect(cacheCount(page)).toHaveText('2'); // it came back in, pushing out 202, the least recently used
});

test('without IndexedDB the app still works and says the cache is off', async ({ page, context }) => {
  await context.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'Cache is off' })).toBeVisible();
  await add(page, [landscape]);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-cache', 'miss');
});

test('a file changed on disk under the same name is recomputed, not served from the cache', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'thumb-e2e-'));
  const path = join(dir, 'photo.png');
  writeFileSync(path, fixtureFile('alpha.png').buffer);
  const pick = async (n: number) => {
    await page.getByLabel('Choose images').setInputFiles([path]);
    await waitForAll(page, n);
    return thumbnails(page).nth(n - 1);
  };
  await expect(await pick(1)).toHaveAttribute('data-cache', 'miss');
  await expect(cacheCount(page)).toHaveText('1');
  await expect(await pick(2)).toHaveAttribute('data-cache', 'hit');

  // Same name, different picture, a later modification time.
  writeFileSync(path, fixtureFile('rgb24.bmp').buffer);
  utimesSync(path, new Date(), new Date(Date.now() + 5000));
  const changed = await pick(3);
  await expect(changed).toHaveAttribute('data-cache', 'miss');
  await expect(changed).toContainText('127 × 64 px');
});

test('on plain http away from localhost (no Web Crypto) items still finish and the cache says why it is off', async ({ page, context }) => {
  // Browsers withhold crypto.subtle outside secure contexts (http://192.168.x.y:4173, say).
  await context.addInitScript(() => {
    Object.defineProperty(window.crypto, 'subtle', { value: undefined, configurable: true });
  });
  await page.reload();
  await expect(page.getByRole('status').filter({ hasText: 'Cache is off' })).toContainText('https');
  await add(page, [landscape, fixtureFile('alpha.png', 'image/png')]);
  await expect(page.locator('[data-state="done"]')).toHaveCount(2);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-cache', 'miss');
});

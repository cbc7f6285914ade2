import AxeBuilder from '@axe-core/playwright';
import { type Locator, type Page } from '@playwright/test';
import { expect, test } from './csp-guard';
import { unzipSync } from 'fflate';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { downloadBytes, fixtureFile, naturalSize, openMoreSettings, setSettings, thumbnails, waitForAll, waitForRedo } from './helpers';

/**
 * The batch workflow, as a person uses it: a mixed batch with broken files,
 * presets and size sets, redoing on a settings change, cancel, retry, remove,
 * a reload, the compare view, "Download all", the keyboard alone, and the page's
 * accessibility and phone layout.
 */
type FilePayload = { name: string; mimeType: string; buffer: Buffer };

const jpeg = fixtureFile('landscape.jpg', 'image/jpeg');
const portrait = fixtureFile('portrait-orientation6.jpg', 'image/jpeg');
const png = fixtureFile('alpha.png', 'image/png');
const bmp = fixtureFile('rgb24.bmp', 'image/bmp');
/** A 1x1 GIF (the classic spacer). */
const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The same JPEG with i bytes after its end: a different file (no cache hit) that decodes the same. */
const jpegVariant = (base: FilePayload, i: number, name = base.name.replace('.jpg', `-${i}.jpg`)): FilePayload => ({
  name,
  mimeType: 'image/jpeg',
  buffer: Buffer.concat([base.buffer, Buffer.alloc(i + 1, i)]),
});
/** The same BMP with one pixel byte changed. */
const bmpVariant = (i: number): FilePayload => {
  const buffer = Buffer.from(bmp.buffer);
  const at = buffer.length - 1 - i;
  buffer[at] = buffer[at]! ^ 0xff;
  return { name: `rgb24-${i}.bmp`, mimeType: 'image/bmp', buffer };
};

/** A WebP made by the browser's own encoder (300x200, so it is shrunk to 256x171). */
async function webpFromBrowser(page: Page): Promise<FilePayload> {
  const bytes = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(300, 200);
    const ctx = canvas.getContext('2d')!;
    const g = ctx.createLinearGradient(0, 0, 300, 200);
    g.addColorStop(0, '#c33');
    g.addColorStop(1, '#33c');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, 300, 200);
    return Array.from(new Uint8Array(await (await canvas.convertToBlob({ type: 'image/webp', quality: 0.8 })).arrayBuffer()));
  });
  return { name: 'gradient.webp', mimeType: 'image/webp', buffer: Buffer.from(bytes) };
}

async function pick(page: Page, files: FilePayload[]): Promise<void> {
  await page.getByLabel('Choose images').setInputFiles(files);
}

/** Downloads the ZIP and returns its entries. */
async function downloadAll(page: Page): Promise<Record<string, Uint8Array>> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download all' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('thumbnails.zip');
  return unzipSync(new Uint8Array(readFileSync((await file.path())!)));
}

/** Decodes image bytes with the browser's own decoder: their real size. */
async function decodedSize(page: Page, bytes: Uint8Array): Promise<{ width: number; height: number }> {
  return page.evaluate(async (data) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(data)]));
    return { width: bitmap.width, height: bitmap.height };
  }, Array.from(bytes));
}

const states = (page: Page) => thumbnails(page).evaluateAll((items) => items.map((i) => i.getAttribute('data-state')));

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(async () => {
    localStorage.clear();
    // A fresh list and cache for each test (the list now survives reloads).
    for (const db of await indexedDB.databases()) if (db.name) indexedDB.deleteDatabase(db.name);
  });
  await page.reload();
});

test('a 20-file mixed batch with two broken files gives 18 thumbnails and 2 errors, and one ZIP of them all', async ({ page }) => {
  const files: FilePayload[] = [
    ...Array.from({ length: 4 }, (_, i) => jpegVariant(jpeg, i)),
    // Two different photos with the same name (from two folders): their downloads must not collide.
    jpegVariant(jpeg, 9, 'photo.jpg'),
    jpegVariant(portrait, 9, 'photo.jpg'),
    ...Array.from({ length: 2 }, (_, i) => jpegVariant(portrait, i)),
    { ...png, name: 'alpha-a.png' },
    { ...png, name: 'alpha-b.png' },
    { ...png, name: 'alpha-c.png' },
    ...Array.from({ length: 4 }, (_, i) => bmpVariant(i)),
    await webpFromBrowser(page),
    { name: 'spacer.gif', mimeType: 'image/gif', buffer: gif },
    { name: 'spacer-2.gif', mimeType: 'image/gif', buffer: gif },
    { name: 'damaged.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xfe, 0xff]), jpeg.buffer.subarray(4, 4000)]) },
    { name: 'readme.txt', mimeType: 'text/plain', buffer: Buffer.from('This folder holds the holiday photos.\n') },
  ];
  expect(files).toHaveLength(20);
  await pick(page, files);
  await waitForAll(page, 20);
  const progress = page.getByRole('progressbar', { name: 'Progress' });
  await expect(progress).toHaveAttribute('aria-valuemax', '20');
  await expect(progress).toHaveAttribute('aria-valuenow', '20');
  await expect(page.getByText('20 of 20 finished · 2 failed')).toBeVisible();
  // The one live region says the batch is over, with its failures.
  await expect(page.getByTestId('announcer')).toHaveText('Finished: 18 thumbnails, 2 failed.');
  expect((await states(page)).filter((s) => s === 'done')).toHaveLength(18);
  const items = thumbnails(page);
  await expect(items.nth(18)).toHaveAttribute('data-state', 'error');
  await expect(items.nth(18)).toContainText('This JPEG is damaged and cannot be shown.');
  await expect(items.nth(19)).toHaveAttribute('data-state', 'error');
  await expect(items.nth(19)).toContainText('This is a text file, not an image.');

  // The names and sizes each card lists, in order.
  const listed: { name: string; width: number; height: number }[] = [];
  for (let i = 0; i < 18; i++) {
    const name = await items.nth(i).getByRole('link', { name: /^Download/ }).getAttribute('download');
    listed.push({ name: name!, ...(await naturalSize(page, i)) });
  }
  expect(listed[4]!.name).toBe('photo-256x171.jpg');
  expect(listed[5]!.name).toBe('photo-171x256.jpg');
  expect(listed[16]!.name).toBe('spacer-1x1.png'); // GIF becomes PNG
  expect(new Set(listed.map((l) => l.name)).size).toBe(18);

  const zip = await downloadAll(page);
  expect(Object.keys(zip)).toEqual(listed.map((l) => l.name));
  for (const entry of listed) expect(await decodedSize(page, zip[entry.name]!), entry.name).toEqual({ width: entry.width, height: entry.height });
});

test('the Classic preset gives exactly 100×100 in the input format, as the old API did', async ({ page }) => {
  await setSettings(page, { preset: 'classic' });
  await expect(page.getByLabel('Width')).toHaveValue('100');
  await expect(page.getByLabel('Fit')).toHaveValue('fill');
  await pick(page, [jpeg, png]);
  await waitForAll(page, 2);
  expect(await naturalSize(page, 0)).toEqual({ width: 100, height: 100 });
  expect(await naturalSize(page, 1)).toEqual({ width: 100, height: 100 }); // a 32x32 image is enlarged, as the old API did
  await expect(thumbnails(page).nth(0)).toContainText('Classic 100×100 · JPEG');
  expect((await downloadBytes(page, 1)).fileName).toBe('alpha-100x100.png');
  // Editing a field makes it Custom; picking Medium again leaves the stretching behind.
  await setSettings(page, { preset: 'medium' });
  await expect(page.getByLabel('Fit')).toHaveValue('inside');
  await waitForRedo(page, 2, 'inside 256×256');
  expect(await naturalSize(page, 0)).toEqual({ width: 256, height: 171 });
});

test('a size set gives every size of each image, each downloadable and all in the ZIP', async ({ page }) => {
  await openMoreSettings(page);
  await page.getByLabel('Size set').fill('256, 64 128');
  await pick(page, [jpeg]);
  await waitForAll(page, 1);
  const item = thumbnails(page).nth(0);
  const sizeLinks = item.getByRole('link', { name: /^\d+×\d+$/ });
  await expect(sizeLinks).toHaveText(['64×43', '128×85', '256×171']);
  const names = await sizeLinks.evaluateAll((links) => links.map((a) => a.getAttribute('download')));
  expect(names).toEqual(['landscape-64x43.jpg', 'landscape-128x85.jpg', 'landscape-256x171.jpg']);
  for (const [i, want] of [{ width: 64, height: 43 }, { width: 128, height: 85 }, { width: 256, height: 171 }].entries()) {
    const bytes = await sizeLinks.nth(i).evaluate(async (a: HTMLAnchorElement) => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer())));
    expect(await decodedSize(page, new Uint8Array(bytes))).toEqual(want);
  }
  const zip = await downloadAll(page);
  expect(Object.keys(zip)).toEqual(names);
});

test('changing the width redoes finished items in place, in order, and a percentage works too', async ({ page }) => {
  await pick(page, [jpeg, portrait, bmp]);
  await waitForAll(page, 3);
  const ids = await thumbnails(page).evaluateAll((items) => items.map((i) => i.getAttribute('aria-labelledby')));
  await setSettings(page, { width: 100 });
  await waitForRedo(page, 3, 'inside 100×256');
  expect(await thumbnails(page).evaluateAll((items) => items.map((i) => i.getAttribute('aria-labelledby')))).toEqual(ids); // the same items, not new ones
  const alts = await thumbnails(page).getByRole('img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')));
  expect(alts).toEqual(['Thumbnail of landscape.jpg', 'Thumbnail of portrait-orientation6.jpg', 'Thumbnail of rgb24.bmp']); // in order
  expect(await naturalSize(page, 0)).toEqual({ width: 100, height: 67 });
  expect(await naturalSize(page, 1)).toEqual({ width: 100, height: 150 });
  expect(await naturalSize(page, 2)).toEqual({ width: 100, height: 50 });
  expect((await downloadBytes(page, 0)).fileName).toBe('landscape-100x67.jpg');

  await page.getByLabel('Size by').selectOption('percent');
  await page.getByLabel('Percentage').fill('10');
  await waitForRedo(page, 3, '10% · ');
  expect(await naturalSize(page, 0)).toEqual({ width: 180, height: 120 });
  expect(await naturalSize(page, 2)).toEqual({ width: 13, height: 6 });
});

test('Cancel stops queued and running work at once; nothing stays working, and each item can be retried or removed', async ({ page }) => {
  // Our WASM decoders (?decoder=core) make each photo slow enough to cancel mid-batch.
  await page.goto('/?decoder=core');
  await pick(page, Array.from({ length: 40 }, (_, i) => jpegVariant(jpeg, i)));
  const items = thumbnails(page);
  await expect(items).toHaveCount(40);
  // One queued item cancelled on its own first; the focus moves to its Retry, not to the top of the page.
  await items.nth(39).getByRole('button', { name: 'Cancel' }).click();
  await expect(items.nth(39)).toHaveAttribute('data-state', 'cancelled');
  await expect(items.nth(39).getByRole('button', { name: 'Retry' })).toBeFocused();
  await expect(page.locator('[data-state="done"]').first()).toBeVisible();
  // The time left, from the pace so far.
  await expect(page.getByText(/about \d+ (s|min) left/)).toBeVisible();
  await page.getByRole('button', { name: 'Cancel', exact: true }).first().click();
  // Immediately: no item queued or working, the progress is complete.
  const now = await states(page);
  expect(now.filter((s) => s === 'queued' || s === 'working')).toEqual([]);
  expect(now.filter((s) => s === 'cancelled').length).toBeGreaterThan(10);
  await expect(page.getByRole('progressbar', { name: 'Progress' })).toHaveAttribute('aria-valuenow', '40');
  await expect(page.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);

  // The workers were replaced: a cancelled item can be retried and finishes.
  const cancelled = page.locator('[data-state="cancelled"]').first();
  const name = await cancelled.locator('.name').textContent();
  await cancelled.getByRole('button', { name: 'Retry' }).click();
  await expect(thumbnails(page).filter({ hasText: name! })).toHaveAttribute('data-state', 'done');

  // Remove takes one item out and leaves the rest.
  await thumbnails(page).filter({ hasText: name! }).getByRole('button', { name: `More actions for ${name}` }).click();
  await expect(page.locator('[popover]:popover-open').getByRole('button', { name: 'Copy base64' })).toBeFocused(); // the menu takes the focus
  await page.locator('[popover]:popover-open').getByRole('button', { name: 'Remove' }).click();
  await expect(items).toHaveCount(39);
  await expect(thumbnails(page).filter({ hasText: name! })).toHaveCount(0);
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(items).toHaveCount(0);
});

test('"Retry failed" reruns the errors: a URL that failed once succeeds the second time', async ({ page }) => {
  let calls = 0;
  const server: Server = await new Promise((resolve) => {
    const s = createServer((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { 'Access-Control-Allow-Origin': '*' }).end('busy');
      else res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'image/png' }).end(png.buffer);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    await page.getByLabel('Paste base64, JSON or URLs').fill(`http://127.0.0.1:${(server.address() as AddressInfo).port}/flaky.png`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await waitForAll(page, 1);
    await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'error');
    await expect(thumbnails(page).nth(0)).toContainText('503');
    await page.getByRole('button', { name: 'Retry failed' }).click();
    await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
    await expect(page.getByRole('button', { name: 'Retry failed' })).toHaveCount(0);
  } finally {
    server.close();
  }
});

test('a reload keeps the finished list, rebuilt from the cache, byte for byte', async ({ page }) => {
  await pick(page, [jpeg, png, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image, just some words\n') }]);
  await waitForAll(page, 3);
  const before = [await downloadBytes(page, 0), await downloadBytes(page, 1)];
  await page.waitForTimeout(600); // the list is saved a moment after the last change
  await page.reload();
  await expect(thumbnails(page)).toHaveCount(3);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(0)).toContainText('From your last visit.');
  await expect(thumbnails(page).nth(2)).toHaveAttribute('data-state', 'error');
  await expect(thumbnails(page).nth(2)).toContainText('This is a text file, not an image.');
  expect([await downloadBytes(page, 0), await downloadBytes(page, 1)]).toEqual(before);
  expect(await naturalSize(page, 1)).toEqual({ width: 32, height: 32 });
  const zip = await downloadAll(page);
  expect(Object.keys(zip)).toEqual([before[0]!.fileName, before[1]!.fileName]);
});

test('items still queued when the page closed come back as "not finished", not silently dropped', async ({ page }) => {
  await page.goto('/?decoder=core');
  await pick(page, Array.from({ length: 30 }, (_, i) => jpegVariant(jpeg, i)));
  await expect(page.locator('[data-state="done"]').first()).toBeVisible();
  await page.waitForTimeout(500); // let a save happen with some items done and many queued
  await page.reload();
  await expect(thumbnails(page)).toHaveCount(30);
  const after = await states(page);
  expect(after.filter((s) => s === 'done').length).toBeGreaterThan(0);
  expect(after.filter((s) => s === 'cancelled').length).toBeGreaterThan(0);
  expect(after.filter((s) => s === 'queued' || s === 'working')).toEqual([]);
  await expect(page.locator('[data-state="cancelled"]').first()).toContainText('Not finished before the page was closed: add the file again.');
});

test('the compare view shows the original beside the thumbnail, keyboard operable; Escape closes it and focus returns', async ({ page }) => {
  await setSettings(page, { fit: 'cover', width: 200, height: 200 });
  await pick(page, [jpeg]);
  await waitForAll(page, 1);
  const compare = thumbnails(page).nth(0).getByRole('button', { name: 'Compare' });
  await compare.click();
  const dialog = page.getByRole('dialog', { name: /Compare: landscape\.jpg/ });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('img', { name: 'Original of landscape.jpg' })).toBeVisible();
  await expect(dialog.getByRole('img', { name: /Thumbnail of landscape\.jpg, 200 × 200/ })).toBeVisible();
  // The original is cut like the thumbnail (cover: centre crop).
  await expect(dialog.getByRole('img', { name: 'Original of landscape.jpg' })).toHaveCSS('object-fit', 'cover');
  const slider = dialog.getByRole('slider', { name: /Divider/ });
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await expect(slider).toHaveValue('51');
  await dialog.getByLabel('Actual size (1:1)').check();
  const stageWidth = await dialog.locator('.stage').evaluate((el) => el.getBoundingClientRect().width);
  expect(stageWidth).toBe(200);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(compare).toBeFocused();
});

/** Presses Tab (or Shift+Tab) until the locator has the focus. */
async function tabTo(page: Page, target: Locator, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press(key);
  }
  throw new Error(`could not reach ${target} with ${key}`);
}

test('the keyboard alone: skip link, pick, change a setting, compare, download all', async ({ page }) => {
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to Add images' })).toBeFocused();
  await page.keyboard.press('Enter');
  const picker = page.getByLabel('Choose images');
  await expect(picker).toBeFocused();
  const chooser = page.waitForEvent('filechooser');
  await page.keyboard.press('Space');
  await (await chooser).setFiles([jpeg, bmp].map((f) => ({ name: f.name, mimeType: f.mimeType, buffer: f.buffer })));
  await waitForAll(page, 2);

  await tabTo(page, page.getByLabel('Width'), 'Shift+Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('120');
  await waitForRedo(page, 2, 'inside 120×256');

  const compare = thumbnails(page).nth(0).getByRole('button', { name: 'Compare' });
  await tabTo(page, compare);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(compare).toBeFocused();

  await tabTo(page, page.getByRole('button', { name: 'Download all' }), 'Shift+Tab');
  const download = page.waitForEvent('download');
  await page.keyboard.press('Enter');
  const zip = unzipSync(new Uint8Array(readFileSync((await (await download).path())!)));
  expect(Object.keys(zip)).toEqual(['landscape-120x80.jpg', 'rgb24-120x60.png']);
});

async function seriousViolations(page: Page, include?: string): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  if (include) builder.include(include);
  const { violations } = await builder.analyze();
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe finds no serious or critical violations: empty, mid-batch, with results and errors, and in the compare dialog', async ({ page }) => {
  expect(await seriousViolations(page), 'empty page').toEqual([]);
  await page.goto('/?decoder=core');
  await pick(page, [...Array.from({ length: 12 }, (_, i) => jpegVariant(jpeg, i)), { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('words only\n') }]);
  await expect(page.locator('[data-state="queued"]').first()).toBeVisible();
  expect(await seriousViolations(page), 'mid-batch').toEqual([]);
  await waitForAll(page, 13);
  expect(await seriousViolations(page), 'results and errors').toEqual([]);
  await thumbnails(page).nth(0).getByRole('button', { name: 'Compare' }).click();
  await expect(page.getByRole('img', { name: 'Original of landscape-0.jpg' })).toBeVisible();
  expect(await seriousViolations(page, 'dialog'), 'compare dialog').toEqual([]);
});

test('results in view on a desktop; no horizontal overflow on a phone (320 px and 390 px), with results, errors and the settings open', async ({ page }) => {
  await pick(page, [{ ...jpeg, name: 'a-very-long-file-name-from-a-phone-camera-IMG_20261202_101530_HDR_portrait.jpg' }, png, { name: 'x.txt', mimeType: 'text/plain', buffer: Buffer.from('text\n') }]);
  await waitForAll(page, 3);
  // On a desktop screen the first row of results is in view without scrolling.
  await page.setViewportSize({ width: 1280, height: 900 });
  const firstCard = await thumbnails(page).nth(0).evaluate((el) => el.getBoundingClientRect().bottom);
  expect(firstCard, 'the first card ends within the first screen at 1280x900').toBeLessThan(900);
  for (const width of [320, 390]) {
    await page.setViewportSize({ width, height: 844 });
    const overflow = () => page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
    expect(await overflow(), `${width} px`).toEqual([width, width]);
    // Results sit right under the add area.
    const listTop = await page.getByRole('list', { name: 'Thumbnails' }).evaluate((el) => el.getBoundingClientRect().top);
    expect(listTop, `${width} px: the first results are on the first screen`).toBeLessThan(844);
    await page.getByRole('button', { name: /Show settings/ }).click();
    expect(await overflow(), `${width} px, settings open`).toEqual([width, width]);
    await page.getByRole('button', { name: /Hide settings/ }).click();
    // Touch targets: at least 24x24 CSS px for every button and link.
    const small = await page.evaluate(() =>
      Array.from(document.querySelectorAll('button, a[href], input, select, summary'))
        .filter((el) => (el as HTMLElement).offsetParent !== null && !el.classList.contains('visually-hidden'))
        .map((el) => ({ el: el.outerHTML.slice(0, 80), r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.width < 24 || r.height < 24)
        .map(({ el }) => el),
    );
    expect(small, `${width} px: targets under 24 px`).toEqual([]);
  }
});

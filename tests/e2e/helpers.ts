import { expect, type BrowserContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const fixture = (name: string) => resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures', name);

export function fixtureFile(name: string, mimeType = 'application/octet-stream') {
  return { name, mimeType, buffer: readFileSync(fixture(name)) };
}

export function thumbnails(page: Page) {
  return page.getByRole('list', { name: 'Thumbnails' }).getByRole('listitem');
}

/** Waits until every item has finished (done or error). */
export async function waitForAll(page: Page, count: number): Promise<void> {
  const items = thumbnails(page);
  await expect(items).toHaveCount(count);
  await expect(page.getByRole('progressbar', { name: 'Progress' })).toHaveAttribute('aria-valuenow', String(count));
}

/** The natural (intrinsic) size of a done item's thumbnail image. */
export async function naturalSize(page: Page, index: number): Promise<{ width: number; height: number }> {
  const img = thumbnails(page).nth(index).getByRole('img');
  await expect(img).toBeVisible();
  return img.evaluate(async (el: HTMLImageElement) => {
    await el.decode();
    return { width: el.naturalWidth, height: el.naturalHeight };
  });
}

/** Reads the RGBA of one pixel of a done item's thumbnail. */
export async function pixelAt(page: Page, index: number, x: number, y: number): Promise<number[]> {
  const img = thumbnails(page).nth(index).getByRole('img');
  return img.evaluate(async (el: HTMLImageElement, [px, py]) => {
    await el.decode();
    const canvas = new OffscreenCanvas(el.naturalWidth, el.naturalHeight);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(el, 0, 0);
    return Array.from(ctx.getImageData(px!, py!, 1, 1).data);
  }, [x, y]);
}

/** The bytes behind a done item's download link. */
export async function downloadBytes(page: Page, index: number): Promise<{ fileName: string; bytes: number[] }> {
  const link = thumbnails(page).nth(index).getByRole('link', { name: /Download/ });
  const fileName = (await link.getAttribute('download')) ?? '';
  const bytes = await link.evaluate(async (a: HTMLAnchorElement) => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer())));
  return { fileName, bytes };
}

export async function setSettings(
  page: Page,
  s: Partial<{ width: number; height: number; fit: string; format: string; quality: number; preset: string }>,
): Promise<void> {
  if (s.preset !== undefined) await page.getByLabel('Preset').selectOption(s.preset);
  if (s.width !== undefined) await page.getByLabel('Width').fill(String(s.width));
  if (s.height !== undefined) await page.getByLabel('Height').fill(String(s.height));
  if (s.fit !== undefined) await page.getByLabel('Fit').selectOption(s.fit);
  if (s.format !== undefined) await page.getByLabel('Format').selectOption(s.format);
  if (s.quality !== undefined) await page.getByLabel('Quality').fill(String(s.quality));
}

/** Opens the "More settings" disclosure (size set, method, background, pixel limit, names). */
export async function openMoreSettings(page: Page): Promise<void> {
  const more = page.locator('details.more');
  if (!(await more.evaluate((d: HTMLDetailsElement) => d.open))) await page.getByText('More settings').click();
}

/**
 * Waits until every item is done again after a settings change, made with the
 * settings its card describes (e.g. 'cover 200×100'): changed settings redo
 * finished items in place, after a short pause.
 */
export async function waitForRedo(page: Page, count: number, made: string | RegExp): Promise<void> {
  await expect(thumbnails(page)).toHaveCount(count);
  for (let i = 0; i < count; i++) {
    await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
    await expect(thumbnails(page).nth(i)).toContainText(made);
  }
}

/** The page's one polite live region. */
export const announcer = (page: Page) => page.getByTestId('announcer');

/** Drops files on the page as a person drags them from their file manager (dragenter, dragover, drop). */
export async function dropFiles(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
    return dt;
  }, files.map((f) => ({ name: f.name, type: f.mimeType, bytes: Array.from(f.buffer) })));
  const target = page.getByRole('heading', { name: 'Thumbnail Generator' });
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer });
}

/**
 * Reads the system clipboard the way a person's next paste would. The app's
 * Permissions-Policy turns clipboard-read off (the app never reads it; pasting
 * uses the paste event), so the reading is done by a blank page of the test's
 * own on another origin, answered by the test itself without that policy. Each
 * read brings the reader to the front (reading needs focus) and gives the focus
 * back to `page`, whose Copy buttons need it too.
 */
export async function clipboardReader(context: BrowserContext, page: Page): Promise<() => Promise<string>> {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const reader = await context.newPage();
  // On another origin than the app's (localhost for 127.0.0.1): once the app's service
  // worker controls its origin, it answers any navigation there with index.html and
  // the app's Permissions-Policy (clipboard-read=()), and the read fails. That is a race
  // with the service worker's install; a CI run lost it.
  const url = new URL('/__test-clipboard-reader', page.url());
  url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  await reader.route(url.href, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>clipboard reader</title>' }));
  await reader.goto(url.href);
  await page.bringToFront();
  return async () => {
    await reader.bringToFront();
    try {
      return await reader.evaluate(() => navigator.clipboard.readText());
    } finally {
      await page.bringToFront();
    }
  };
}

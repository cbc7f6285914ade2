import { expect, test } from './csp-guard';
import { downloadBytes, fixtureFile, naturalSize, openMoreSettings, pixelAt, setSettings, thumbnails, waitForAll, waitForRedo } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

test('a JPEG, a PNG with alpha and a BMP picked at once give three thumbnails in input order', async ({ page }) => {
  await page.getByLabel('Choose images').setInputFiles([
    fixtureFile('landscape.jpg', 'image/jpeg'),
    fixtureFile('alpha.png', 'image/png'),
    fixtureFile('rgb24.bmp', 'image/bmp'),
  ]);
  await waitForAll(page, 3);
  const items = thumbnails(page);
  for (let i = 0; i < 3; i++) await expect(items.nth(i)).toHaveAttribute('data-state', 'done');

  // 1800x1200 fitted inside 256x256; the small ones are never enlarged.
  expect(await naturalSize(page, 0)).toEqual({ width: 256, height: 171 });
  expect(await naturalSize(page, 1)).toEqual({ width: 32, height: 32 });
  expect(await naturalSize(page, 2)).toEqual({ width: 127, height: 64 });
  await expect(items.nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of landscape.jpg');

  // Same format as the input by default (a BMP becomes PNG), and the download is the thumbnail itself.
  const jpeg = await downloadBytes(page, 0);
  expect(jpeg.fileName).toBe('landscape-256x171.jpg');
  expect(jpeg.bytes.slice(0, 3)).toEqual([0xff, 0xd8, 0xff]);
  const png = await downloadBytes(page, 1);
  expect(png.bytes.slice(0, 4)).toEqual([0x89, 0x50, 0x4e, 0x47]);
  const fromBmp = await downloadBytes(page, 2);
  expect(fromBmp.fileName).toBe('rgb24-127x64.png');
  expect(fromBmp.bytes.slice(0, 4)).toEqual([0x89, 0x50, 0x4e, 0x47]);

  // The PNG kept its alpha: basn6a08's top-left pixel is transparent.
  expect((await pixelAt(page, 1, 0, 0))[3]).toBeLessThan(255);
  await expect(items.nth(0)).toContainText('256 × 171 px');
  await expect(items.nth(0)).toContainText('from 1800 × 1200');
  await expect(items.nth(0)).toContainText('inside 256×256 · JPEG q80');
  // A checkerboard only behind the thumbnail that has transparency.
  const checkered = await items.evaluateAll((els) => els.map((el) => el.querySelector('.preview')!.classList.contains('alpha')));
  expect(checkered).toEqual([false, true, false]);
});

test('a portrait photo stored landscape with EXIF orientation 6 comes out portrait', async ({ page }) => {
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('portrait-orientation6.jpg', 'image/jpeg')]);
  await waitForAll(page, 1);
  await expect(thumbnails(page).first()).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 0)).toEqual({ width: 171, height: 256 });
});

test('a corrupt file shows its own error while the others finish', async ({ page }) => {
  const jpeg = fixtureFile('landscape.jpg', 'image/jpeg');
  await page.getByLabel('Choose images').setInputFiles([
    fixtureFile('alpha.png', 'image/png'),
    { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([jpeg.buffer.subarray(0, 200), Buffer.alloc(500, 0x55)]) },
    { name: 'notes.txt.png', mimeType: 'image/png', buffer: Buffer.from('these are not pixels') },
    jpeg,
  ]);
  await waitForAll(page, 4);
  const items = thumbnails(page);
  await expect(items.nth(0)).toHaveAttribute('data-state', 'done');
  await expect(items.nth(1)).toHaveAttribute('data-state', 'error');
  await expect(items.nth(1)).toContainText('This JPEG is damaged');
  await expect(items.nth(2)).toHaveAttribute('data-state', 'error');
  await expect(items.nth(2)).toContainText('This is a text file, not an image.');
  // Errors are text in their card, not a burst of alerts; the technical part is behind Details.
  await expect(page.getByRole('alert')).toHaveCount(0);
  await items.nth(2).getByText('Details').click();
  await expect(items.nth(2)).toContainText('It starts with bytes 74 68 65 73');
  await expect(items.nth(3)).toHaveAttribute('data-state', 'done');
  // The page is still usable: another file still works.
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('rgb24.bmp', 'image/bmp')]);
  await waitForAll(page, 5);
  await expect(items.nth(4)).toHaveAttribute('data-state', 'done');
});

test('each fit mode gives its expected size, redoing the same item in place', async ({ page }) => {
  const expected: Record<string, { width: number; height: number }> = {
    inside: { width: 150, height: 100 },
    cover: { width: 200, height: 100 },
    contain: { width: 200, height: 100 },
    fill: { width: 200, height: 100 },
  };
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg')]);
  await waitForAll(page, 1);
  const edges: Record<string, number[]> = {};
  for (const fit of Object.keys(expected)) {
    await setSettings(page, { width: 200, height: 100, fit });
    await waitForRedo(page, 1, `${fit} 200×100`);
    expect(await naturalSize(page, 0), fit).toEqual(expected[fit]);
    edges[fit] = await pixelAt(page, 0, 0, 50);
  }
  // contain letterboxes with the background (white): the left edge is padding.
  for (const channel of edges.contain!.slice(0, 3)) expect(channel).toBeGreaterThan(245);
  // cover fills the box with the photo: its left edge is not padding.
  expect(Math.min(...edges.cover!.slice(0, 3))).toBeLessThan(245);
});

test('the output format and quality settings are honoured, and changing them redoes finished items', async ({ page }) => {
  await setSettings(page, { format: 'webp', quality: 50 });
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg'), fixtureFile('rgb24.bmp', 'image/bmp')]);
  await waitForAll(page, 2);
  const webp = await downloadBytes(page, 0);
  expect(webp.fileName).toBe('landscape-256x171.webp');
  expect(String.fromCharCode(...webp.bytes.slice(8, 12))).toBe('WEBP');
  await expect(thumbnails(page).nth(0)).toContainText('WebP q50');
  await setSettings(page, { format: 'png' });
  await waitForRedo(page, 2, '· PNG');
  for (const i of [0, 1]) {
    const png = await downloadBytes(page, i);
    expect(png.fileName).toMatch(/\.png$/);
    expect(png.bytes.slice(1, 4)).toEqual([0x50, 0x4e, 0x47]);
  }
});

test('unusable settings are explained instead of silently ignored', async ({ page }) => {
  await setSettings(page, { width: 0 });
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('alpha.png', 'image/png')]);
  await expect(page.getByRole('alert')).toContainText('Width must be between 1 and 8192');
  await expect(thumbnails(page)).toHaveCount(0);
});

test('files dropped anywhere on the page are added', async ({ page }) => {
  const png = fixtureFile('alpha.png', 'image/png');
  const bmp = fixtureFile('rgb24.bmp', 'image/bmp');
  const dataTransfer = await page.evaluateHandle(
    ([a, b]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(a!.bytes)], a!.name, { type: a!.type }));
      dt.items.add(new File([new Uint8Array(b!.bytes)], b!.name, { type: b!.type }));
      return dt;
    },
    [
      { name: png.name, type: png.mimeType, bytes: Array.from(png.buffer) },
      { name: bmp.name, type: bmp.mimeType, bytes: Array.from(bmp.buffer) },
    ],
  );
  const target = page.getByRole('heading', { name: 'Thumbnail Generator' });
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  await waitForAll(page, 2);
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of alpha.png');
  await expect(thumbnails(page).nth(1).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of rgb24.bmp');
});

test('a batch of 100 files never has more jobs inside workers than there are workers, and finishes in order', async ({ page }) => {
  // Count Comlink calls into the workers from outside the app: every worker's posted
  // 'APPLY' messages for `process` minus its replies, at the most, across the batch
  // (the pool's `ready` call to each new worker is not a job).
  await page.addInitScript(() => {
    const w = window as unknown as { inWorkers: number; maxInWorkers: number; calls: number };
    w.inWorkers = 0;
    w.maxInWorkers = 0;
    w.calls = 0;
    const NativeWorker = window.Worker;
    const jobs = new Set<string>(); // the Comlink ids of calls still inside a worker
    window.Worker = class extends NativeWorker {
      constructor(url: string | URL, options?: WorkerOptions) {
        super(url, options);
        this.addEventListener('message', (event) => {
          if (jobs.delete((event.data as { id?: string } | null)?.id ?? '')) w.inWorkers--;
        });
      }
      override postMessage(message: unknown, transfer?: Transferable[] | StructuredSerializeOptions): void {
        const call = message as { type?: string; id?: string; path?: string[] } | null;
        if (call?.type === 'APPLY' && call.path?.[0] === 'process') {
          jobs.add(call.id ?? '');
          w.calls++;
          w.maxInWorkers = Math.max(w.maxInWorkers, ++w.inWorkers);
        }
        super.postMessage(message, transfer as Transferable[]);
      }
    };
  });
  await page.reload();
  const cores = await page.evaluate(() => Math.max(1, navigator.hardwareConcurrency || 1));
  // 100 different files (one pixel byte changed in each), so none is a duplicate or a cache hit.
  const bmp = fixtureFile('rgb24.bmp', 'image/bmp');
  const files = Array.from({ length: 100 }, (_, i) => {
    const buffer = Buffer.from(bmp.buffer);
    const at = buffer.length - 1 - i;
    buffer[at] = buffer[at]! ^ 0xff;
    return { ...bmp, name: `copy-${String(i).padStart(3, '0')}.bmp`, buffer };
  });
  files[37] = { name: 'copy-037.bmp', mimeType: 'image/bmp', buffer: Buffer.from('broken in the middle of a batch') };
  await page.getByLabel('Choose images').setInputFiles(files);
  await waitForAll(page, 100);
  const items = thumbnails(page);
  await expect(page.locator('[data-state="done"]')).toHaveCount(99);
  await expect(page.locator('[data-cache="miss"]')).toHaveCount(99);
  await expect(items.nth(37)).toHaveAttribute('data-state', 'error');
  await expect(items.nth(99).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of copy-099.bmp');
  const counts = await page.evaluate(() => {
    const w = window as unknown as { maxInWorkers: number; calls: number };
    return { max: w.maxInWorkers, calls: w.calls };
  });
  expect(counts.calls).toBe(100); // every file went to a worker, the broken one too
  expect(counts.max).toBeGreaterThanOrEqual(1);
  expect(counts.max).toBeLessThanOrEqual(cores);
});

test('the pixel limit can be lowered in the settings and refuses bigger images from their header', async ({ page }) => {
  await openMoreSettings(page);
  await page.getByLabel('Pixel limit (megapixels)').fill('1');
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg'), fixtureFile('rgb24.bmp', 'image/bmp')]);
  await waitForAll(page, 2);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'error');
  await expect(thumbnails(page).nth(0)).toContainText('too large: 1800 × 1200 pixels');
  await expect(thumbnails(page).nth(1)).toHaveAttribute('data-state', 'done');
  // Raising the limit again redoes the refused image.
  await page.getByLabel('Pixel limit (megapixels)').fill('100');
  await waitForRedo(page, 2, /inside 256×256/);
});

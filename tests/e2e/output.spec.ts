/**
 * The output side, as a person meets it: a thumbnail is never needlessly bigger
 * than its input, BMP becomes PNG, AVIF can be chosen, a cover crop can follow the
 * subject, and a size set can be pasted into a page as one <img srcset> tag.
 */
import { expect, test } from './csp-guard';
import sharp from 'sharp';
import { faceImage } from '../support/face-image';
import { clipboardReader, downloadBytes, fixtureFile, naturalSize, openMoreSettings, setSettings, thumbnails, waitForAll } from './helpers';

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

test('a 184-byte PNG comes back no bigger than itself, and a BMP comes back as PNG', async ({ page }) => {
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('alpha.png', 'image/png'), fixtureFile('rgb24.bmp', 'image/bmp')]);
  await waitForAll(page, 2);
  const png = await downloadBytes(page, 0);
  expect(png.bytes.length).toBeLessThanOrEqual(184);
  expect(png.bytes.slice(0, 4)).toEqual([0x89, 0x50, 0x4e, 0x47]);
  const fromBmp = await downloadBytes(page, 1);
  expect(fromBmp.fileName).toBe('rgb24-127x64.png');
  expect(fromBmp.bytes.slice(0, 4)).toEqual([0x89, 0x50, 0x4e, 0x47]);
  expect(fromBmp.bytes.length).toBeLessThan(24630 / 10); // oxipng: far smaller than the uncompressed BMP
  await expect(thumbnails(page).nth(1)).toContainText('inside 256×256 · PNG');
  expect(await naturalSize(page, 1)).toEqual({ width: 127, height: 64 });
});

test('choosing AVIF gives an AVIF thumbnail the browser decodes', async ({ page }) => {
  await setSettings(page, { format: 'avif' });
  await expect(page.getByLabel('AVIF speed')).toHaveValue('8');
  await page.getByLabel('AVIF speed').fill('9'); // faster; the field writes into the settings the job takes
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg')]);
  await waitForAll(page, 1);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  const avif = await downloadBytes(page, 0);
  expect(avif.fileName).toBe('landscape-256x171.avif');
  expect(String.fromCharCode(...avif.bytes.slice(4, 12))).toBe('ftypavif');
  expect(await naturalSize(page, 0)).toEqual({ width: 256, height: 171 });
  await expect(thumbnails(page).nth(0)).toContainText('AVIF q80');
});

test('a cover crop with smart focus keeps an off-centre face that the centre crop cuts off', async ({ page }) => {
  // A landscape portrait with the face far to the left: a centred square would keep only its edge.
  const face = { cx: 110, cy: 200, rx: 70, ry: 90 };
  const { width, height, data } = faceImage(600, 400, face);
  const buffer = await sharp(Buffer.from(data.buffer), { raw: { width, height, channels: 4 } }).png().toBuffer();
  await setSettings(page, { width: 200, height: 200, fit: 'cover' });
  await page.getByLabel('Crop focus').selectOption('smart');
  await page.getByLabel('Choose images').setInputFiles([{ name: 'portrait.png', mimeType: 'image/png', buffer }]);
  await waitForAll(page, 1);
  await expect(thumbnails(page).nth(0)).toContainText('cover 200×200 · PNG · smart crop');
  // Skin-toned pixels in the thumbnail: the whole face (an ellipse of about 70×90 here, at half scale) or just its edge.
  const skin = await thumbnails(page).nth(0).getByRole('img').evaluate(async (img: HTMLImageElement) => {
    await img.decode();
    const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
    const context = canvas.getContext('2d')!;
    context.drawImage(img, 0, 0);
    const d = context.getImageData(0, 0, canvas.width, canvas.height).data;
    let count = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 180 && d[i + 1]! > 130 && d[i + 1]! < 190 && d[i + 2]! > 100 && d[i + 2]! < 160) count++;
    return count;
  });
  const wholeFace = Math.PI * (face.rx / 2) * (face.ry / 2); // about 4,900 pixels at half scale
  expect(skin).toBeGreaterThan(wholeFace * 0.7);
});

test('Copy srcset gives an <img> tag naming the size set as the downloads do; Copy ThumbHash a short hash', async ({ page, context }) => {
  await openMoreSettings(page);
  await page.getByLabel('Size set').fill('64, 128, 256');
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg')]);
  await waitForAll(page, 1);
  const item = thumbnails(page).nth(0);
  const names = await item.locator('.sizes a').evaluateAll((links) => links.map((a) => a.getAttribute('download')));
  expect(names).toEqual(['landscape-64x43.jpg', 'landscape-128x85.jpg', 'landscape-256x171.jpg']);

  const clipboard = await clipboardReader(context, page);
  const copy = async (name: string) => {
    await item.getByRole('button', { name: 'More actions for landscape.jpg' }).click();
    await page.getByRole('button', { name, exact: true }).click();
  };
  await copy('Copy srcset');
  await expect
    .poll(clipboard)
    .toBe(
      '<img src="landscape-256x171.jpg" srcset="landscape-64x43.jpg 64w, landscape-128x85.jpg 128w, landscape-256x171.jpg 256w" sizes="(max-width: 256px) 100vw, 256px" width="256" height="171" alt="landscape" loading="lazy" decoding="async">',
    );
  await copy('Copy ThumbHash');
  await expect.poll(clipboard).toMatch(/^[A-Za-z0-9+/]{20,40}={0,2}$/);
});

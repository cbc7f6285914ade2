import { expect, test } from './csp-guard';
import { filesFetchedOnFirstUse } from '../../src/core/codecs/registry';
import { dropFiles, fixtureFile, naturalSize, pixelAt, thumbnails, waitForAll } from './helpers';

/**
 * Photos straight off a phone (HEIC) or a scanner (TIFF), and JPEG XL: no
 * conversion step, upright thumbnails, and their decoders fetched only when such
 * a file arrives (Codec.fetchedOnFirstUse), never by a page that gets JPEGs.
 */

/** Which on-first-use decoder a URL is, if any. */
function decoderOf(url: string): string | undefined {
  const path = new URL(url).pathname;
  return filesFetchedOnFirstUse().find((prefix) => path.startsWith(`/assets/${prefix}`));
}

const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 90 && b! < 90;

test('a page that only gets JPEGs fetches none of the new decoders; HEIC phone photos then come out upright, fetching the HEIC one alone', async ({ page, context }) => {
  const fetched: string[] = [];
  // Context-wide, so the worker's and the service worker's requests count too.
  context.on('request', (request) => {
    const decoder = decoderOf(request.url());
    if (decoder) fetched.push(decoder);
  });
  await page.goto('/');
  // The service worker has installed, so its precache is complete: none of them may be in it.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg')]);
  await waitForAll(page, 1);
  await expect(thumbnails(page).first()).toHaveAttribute('data-state', 'done');
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    return urls;
  });
  expect(cached.length).toBeGreaterThan(0);
  expect(cached.filter(decoderOf)).toEqual([]);
  expect(fetched).toEqual([]);

  // As phones write them: stored landscape, turned by irot, an EXIF orientation beside it; one a grid of tiles.
  await dropFiles(page, [fixtureFile('heif/phone-irot-exif6.heic', 'image/heic'), fixtureFile('heif/grid-irot.heic', 'image/heic')]);
  await waitForAll(page, 3);
  for (const i of [1, 2]) await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 1)).toEqual({ width: 80, height: 120 });
  expect(await naturalSize(page, 2)).toEqual({ width: 80, height: 120 });
  expect(isRed(await pixelAt(page, 1, 6, 6)), 'red block top-left').toBe(true);
  expect(isRed(await pixelAt(page, 2, 73, 6)), 'red block top-right').toBe(true);
  await expect(thumbnails(page).nth(1)).toContainText('JPEG');
  expect([...new Set(fetched)]).toEqual(['libheif-js']);

  // Compare: the browser cannot show a HEIC itself, so the original shown is a copy our decoder made, upright.
  await thumbnails(page).nth(1).getByRole('button', { name: 'Compare' }).click();
  await expect
    .poll(() => page.evaluate(() => { const img = document.querySelector<HTMLImageElement>('img.original'); return img?.complete ? [img.naturalWidth, img.naturalHeight] : null; }))
    .toEqual([80, 120]);
  await page.keyboard.press('Escape');

  // Used once, the HEIC decoder is kept: offline, after a reload, a HEIC still works.
  await context.setOffline(true);
  await page.reload();
  await expect(thumbnails(page)).toHaveCount(3); // the list came back with the reload
  await page.getByRole('button', { name: 'Clear', exact: true }).click();
  await expect(thumbnails(page)).toHaveCount(0);
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('heif/plain.heic', 'image/heic')]);
  await waitForAll(page, 1);
  await expect(thumbnails(page).first()).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 0)).toEqual({ width: 120, height: 80 });
  await context.setOffline(false);
});

test("a scanner's TIFF and a JPEG XL come out upright as JPEGs, a transparent one as PNG, each fetching only its own decoder", async ({ page, context }) => {
  const fetched: string[] = [];
  context.on('request', (request) => {
    const decoder = decoderOf(request.url());
    if (decoder) fetched.push(decoder);
  });
  await page.goto('/');
  await page.getByLabel('Choose images').setInputFiles([
    fixtureFile('tiff/orient6-rgb8-lzw.tif', 'image/tiff'),
    fixtureFile('tiff/cmyk8-lzw.tif', 'image/tiff'),
  ]);
  await waitForAll(page, 2);
  for (const i of [0, 1]) await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 0)).toEqual({ width: 80, height: 120 });
  expect(isRed(await pixelAt(page, 0, 73, 6)), 'TIFF orientation 6: red block top-right').toBe(true);
  expect(isRed(await pixelAt(page, 1, 6, 6)), 'CMYK: red block top-left').toBe(true);
  await expect(thumbnails(page).nth(0)).toContainText('JPEG');
  const tiffDecoders = [...new Set(fetched)];
  expect(tiffDecoders.length).toBeGreaterThan(0);
  expect(tiffDecoders.some((d) => d.startsWith('jxl') || d.startsWith('libheif'))).toBe(false);

  await page.getByLabel('Choose images').setInputFiles([fixtureFile('jxl/orientation6.jxl', 'image/jxl'), fixtureFile('jxl/alpha.jxl', 'image/jxl')]);
  await waitForAll(page, 4);
  for (const i of [2, 3]) await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 2)).toEqual({ width: 80, height: 120 });
  expect(isRed(await pixelAt(page, 2, 73, 6)), 'JPEG XL orientation 6: red block top-right').toBe(true);
  await expect(thumbnails(page).nth(3)).toContainText('PNG');
  expect((await pixelAt(page, 3, 110, 10))[3], 'the transparent quarter stays transparent').toBeLessThan(255);
  expect([...new Set(fetched)].filter((d) => !tiffDecoders.includes(d)).sort()).toEqual(['jsquash-jxl', 'jxl_dec']);
});

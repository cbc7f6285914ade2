import { unzipSync } from 'fflate';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../e2e/helpers';
import { expect, test, waitForFinished, waitForRedo } from './fixtures';
import { catchNextDownload, caughtDownload, downloadedBytes, readItems, thumbnailPixels, worksOffline } from './page-functions';

/**
 * What a person does, in every engine (one project per engine in
 * playwright.config.ts; the drivers are in tests/engines/drivers).
 */

const b64 = readFileSync(fixture('alpha.png')).toString('base64');

/** A file under a temporary folder, for the file input (drivers pick files by path). */
function tempFile(name: string, bytes: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'thumbs-')), name);
  writeFileSync(path, bytes);
  return path;
}

const alphaOf = (p: { width: number; rgba: string }, x: number, y: number) => Buffer.from(p.rgba, 'base64')[(y * p.width + x) * 4 + 3]!;

test('a JPEG, an EXIF-rotated photo, a PNG with alpha, a BMP and a corrupt file picked at once: four thumbnails and one error, all in one ZIP', async ({ app, baseURL }) => {
  await app.open(baseURL!);
  const broken = tempFile('broken.jpg', Buffer.concat([readFileSync(fixture('landscape.jpg')).subarray(0, 200), Buffer.alloc(500, 0x55)]));
  await app.addFiles('Choose images', [fixture('landscape.jpg'), fixture('portrait-orientation6.jpg'), fixture('alpha.png'), broken, fixture('rgb24.bmp')]);
  const items = await waitForFinished(app, 5);
  expect(items.map((i) => i.state)).toEqual(['done', 'done', 'done', 'error', 'done']);
  expect(items.map((i) => [i.width, i.height])).toEqual([[256, 171], [171, 256], [32, 32], [undefined, undefined], [127, 64]]);
  expect(items[3]!.text).toContain('This JPEG is damaged');
  expect(items.map((i) => i.fileName)).toEqual(['landscape-256x171.jpg', 'portrait-orientation6-171x256.jpg', 'alpha-32x32.png', undefined, 'rgb24-127x64.png']);
  // The PNG kept its alpha (basn6a08's top-left pixel is transparent); the download is the thumbnail itself.
  expect(alphaOf(await app.evaluate(thumbnailPixels, 2), 0, 0)).toBeLessThan(255);
  expect([...Buffer.from(await app.evaluate(downloadedBytes, 0), 'base64').subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

  await app.evaluate(catchNextDownload);
  await app.click('Download all');
  const zip = await app.evaluate(caughtDownload);
  expect(zip.name).toMatch(/\.zip$/);
  const entries = unzipSync(Buffer.from(zip.base64, 'base64'));
  expect(Object.keys(entries).sort()).toEqual(['alpha-32x32.png', 'landscape-256x171.jpg', 'portrait-orientation6-171x256.jpg', 'rgb24-127x64.png']);
  expect(Buffer.from(entries['landscape-256x171.jpg']!).equals(Buffer.from(await app.evaluate(downloadedBytes, 0), 'base64'))).toBe(true);
});

test('pasted base64 (wrapped), a data URL and the old API JSON body each give a thumbnail; bad base64 fails alone', async ({ app, baseURL }) => {
  await app.open(baseURL!);
  const wrapped = b64.match(/.{1,76}/g)!.join('\n');
  await app.paste('Paste base64, JSON or URLs', `${wrapped}\n\ndata:image/png;base64,${b64}\n${JSON.stringify({ image_data: b64 })}\n${JSON.stringify({ image_data: 'bm90IGFuIGltYWdl' })}`);
  await app.click('Add');
  const items = await waitForFinished(app, 4);
  expect(items.map((i) => i.state)).toEqual(['done', 'done', 'done', 'error']);
  for (const item of items.slice(0, 3)) expect([item.width, item.height]).toEqual([32, 32]);
});

test('photos straight off a phone or a scanner (HEIC with irot and EXIF, TIFF and JPEG XL with orientation 6) come out upright as JPEGs', async ({ app, baseURL }) => {
  await app.open(baseURL!);
  await app.addFiles('Choose images', [fixture('heif/phone-irot-exif6.heic'), fixture('tiff/orient6-rgb8-lzw.tif'), fixture('jxl/orientation6.jxl')]);
  const items = await waitForFinished(app, 3);
  expect(items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
  expect(items.map((i) => [i.width, i.height])).toEqual([[80, 120], [80, 120], [80, 120]]);
  expect(items.map((i) => i.fileName)).toEqual(['phone-irot-exif6-80x120.jpg', 'orient6-rgb8-lzw-80x120.jpg', 'orientation6-80x120.jpg']);
  // Where the red block is, 6 px in from its corner: top-left for the phone photo, top-right for the other two.
  const rgbAt = (p: { width: number; rgba: string }, x: number, y: number) => [...Buffer.from(p.rgba, 'base64').subarray((y * p.width + x) * 4, (y * p.width + x) * 4 + 3)];
  const isRed = ([r, g, b]: number[]) => r! > 180 && g! < 90 && b! < 90;
  for (const [index, x] of [[0, 6], [1, 73], [2, 73]] as const) {
    expect(isRed(rgbAt(await app.evaluate(thumbnailPixels, index), x, 6)), `item ${index}`).toBe(true);
  }
});

test('a reload right after an item finished keeps it, and the same file again is answered from the cache, byte for byte', async ({ app, baseURL }) => {
  await app.open(baseURL!);
  await app.addFiles('Choose images', [fixture('landscape.jpg')]);
  const [first] = await waitForFinished(app, 1);
  expect(first).toMatchObject({ state: 'done', cache: 'miss' });

  // At once: a record still waiting to be written when the page goes is lost in every engine.
  await app.reload();
  const [kept] = await waitForFinished(app, 1);
  expect(kept).toMatchObject({ state: 'done', width: 256, height: 171 });
  const made = await app.evaluate(downloadedBytes, 0);

  await app.click('Clear');
  await expect.poll(async () => (await app.evaluate(readItems)).length).toBe(0);
  await app.addFiles('Choose images', [fixture('landscape.jpg')]);
  const [again] = await waitForFinished(app, 1);
  expect(again).toMatchObject({ state: 'done', cache: 'hit' });
  expect(again!.text).toContain('from cache');
  expect(await app.evaluate(downloadedBytes, 0)).toBe(made);
});

test('each fit mode gives its size, redoing the item in place', async ({ app, baseURL }) => {
  await app.open(baseURL!);
  await app.addFiles('Choose images', [fixture('landscape.jpg')]);
  await waitForFinished(app, 1);
  await app.fill('Width', '200');
  await app.fill('Height', '100');
  const expected = { inside: [150, 100], cover: [200, 100], contain: [200, 100], fill: [200, 100] };
  for (const [fit, size] of Object.entries(expected)) {
    await app.select('Fit', fit);
    const [item] = await waitForRedo(app, 1, `${fit} 200×100`);
    expect([item!.width, item!.height], fit).toEqual(size);
  }
});

/**
 * The app through a forwarder we can cut: "offline" is the server gone, which
 * every engine sees the same way (none offers an offline switch over every protocol).
 */
async function cuttableOrigin(target: string): Promise<{ url: string; cut(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`,
    cut: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
test('after the first visit the app works offline: it loads and makes thumbnails with the server gone', async ({ app, baseURL }) => {
  const origin = await cuttableOrigin(baseURL!);
  try {
    await app.open(origin.url);
    await expect.poll(() => app.evaluate(worksOffline), { message: 'a service worker controls the page', timeout: 60_000 }).toBe(true);
  } finally {
    await origin.cut();
  }
  await app.reload();
  await app.addFiles('Choose images', [fixture('landscape.jpg'), fixture('alpha.png'), fixture('rgb24.bmp')]);
  const items = await waitForFinished(app, 3);
  expect(items.map((i) => (i.state === 'done' ? [i.width, i.height] : i.text))).toEqual([[256, 171], [32, 32], [127, 64]]);
});

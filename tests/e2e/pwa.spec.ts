import { chromium, type Page } from '@playwright/test';
import { expect, test, watchForCspViolations } from './csp-guard';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { CODECS, filesFetchedOnFirstUse } from '../../src/core/codecs/registry';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium';
import { fixture, fixtureFile, naturalSize, pixelAt, thumbnails, waitForAll } from './helpers';

/**
 * The installed app: offline use, the manifest, images shared from other apps or
 * opened from the desktop, and updates that wait for the person.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');

/** Waits until the service worker has installed (everything precached) and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  await expect(page.getByTestId('offline-status')).toContainText('Works offline');
}

/** The URLs in the built service worker's precache list. */
function precachedUrls(): string[] {
  const sw = readFileSync(join(DIST, 'sw.js'), 'utf8');
  return [...sw.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]!);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

test('the first visit stores the app; offline, it still loads and makes thumbnails, and URLs fail at once', async ({ page, context }) => {
  await page.goto('/');
  await waitForServiceWorker(page);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Thumbnail Generator' })).toBeVisible();

  await page.getByLabel('Choose images').setInputFiles([
    fixtureFile('landscape.jpg', 'image/jpeg'),
    fixtureFile('alpha.png', 'image/png'),
    fixtureFile('rgb24.bmp', 'image/bmp'),
  ]);
  await waitForAll(page, 3);
  for (let i = 0; i < 3; i++) await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 0)).toEqual({ width: 256, height: 171 });
  expect(await naturalSize(page, 2)).toEqual({ width: 127, height: 64 });
  expect((await pixelAt(page, 1, 0, 0))[3]).toBeLessThan(255); // the PNG kept its alpha

  // Pasted base64 and the old API's JSON need no network either.
  const b64 = readFileSync(fixture('alpha.png')).toString('base64');
  await page.getByLabel('Paste base64, JSON or URLs').fill(`${b64}\n\n${JSON.stringify({ image_data: b64 })}`);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await waitForAll(page, 5);
  for (const i of [3, 4]) await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');

  // A URL cannot be fetched: it says so straight away, without a spinner that never ends.
  await page.getByLabel('Paste base64, JSON or URLs').fill('https://images.example/photo.jpg');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const urlItem = thumbnails(page).nth(5);
  await expect(urlItem).toHaveAttribute('data-state', 'error', { timeout: 3000 });
  await expect(urlItem).toContainText('You are offline');
});

test('the image proxy is never answered or stored by the service worker', async ({ page }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  const proxied = `/api/proxy?url=${encodeURIComponent(new URL('/pwa-64x64.png', page.url()).href)}`;

  const response = page.waitForResponse((r) => r.url().includes('/api/proxy'));
  expect(await page.evaluate((url) => fetch(url).then((r) => r.status), proxied)).toBe(200);
  expect((await response).fromServiceWorker()).toBe(false);
  const stored = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
    return urls;
  });
  expect(stored.length).toBeGreaterThan(0);
  expect(stored.filter((url) => url.includes('/api/'))).toEqual([]);
});

test('the service worker precaches every file of the build: each WASM codec and worker script included', () => {
  const precached = new Set(precachedUrls());
  // Everything the page can load; source maps are for developers, _headers is for static hosts, sw.js is the worker itself, the
  // multi-threaded AVIF encoder runs only on a cross-origin isolated page, which ours is not (vite.config.ts),
  // and the decoders of formats few pages meet are kept when first fetched instead (Codec.fetchedOnFirstUse).
  const onFirstUse = (f: string) => filesFetchedOnFirstUse().some((prefix) => f.startsWith(`assets/${prefix}`));
  const all = filesUnder(DIST);
  expect(all.filter(onFirstUse).length).toBeGreaterThanOrEqual(filesFetchedOnFirstUse().length);
  expect(all.filter(onFirstUse).filter((f) => precached.has(f))).toEqual([]);
  const built = all.filter((f) => !f.endsWith('.map') && f !== '_headers' && f !== 'sw.js' && !/^assets\/(jsquash-avif-)?avif_enc_mt[-.]/.test(f) && !onFirstUse(f));
  expect(built.filter((f) => f.endsWith('.wasm')).length).toBeGreaterThanOrEqual(6);
  expect(built.some((f) => /^assets\/thumbnail\.worker-.*\.js$/.test(f))).toBe(true);
  expect(built.filter((f) => !precached.has(f))).toEqual([]);
  expect([...precached].filter((url) => !built.includes(url))).toEqual([]);
});

test('the manifest is served fresh, has its icons at their sizes, a share target and file handlers for every format', async ({ request }) => {
  const response = await request.get('/manifest.webmanifest');
  expect(response.ok()).toBe(true);
  expect(response.headers()['content-type']).toContain('application/manifest+json');
  expect(response.headers()['cache-control']).toBe('no-cache');
  expect((await request.get('/sw.js')).headers()['cache-control']).toBe('no-cache');
  expect((await request.get('/sw.js')).headers()['content-type']).toContain('javascript');

  const manifest = (await response.json()) as {
    name: string; short_name: string; display: string; start_url: string; scope: string;
    icons: { src: string; sizes: string; type: string; purpose?: string }[];
    share_target: { action: string; method: string; enctype: string; params: { files: { name: string; accept: string[] }[] } };
    file_handlers: { action: string; accept: Record<string, string[]> }[];
  };
  expect(manifest).toMatchObject({ name: 'Thumbnail Generator', short_name: 'Thumbnails', display: 'standalone', start_url: '/', scope: '/' });

  for (const icon of manifest.icons) {
    const image = await request.get(`/${icon.src}`);
    expect(image.ok(), icon.src).toBe(true);
    const png = await image.body();
    // A PNG's IHDR holds its width and height at bytes 16-23.
    expect(`${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`, icon.src).toBe(icon.sizes);
  }
  const sizes = manifest.icons.map((i) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  expect(manifest.icons.some((i) => i.purpose === 'maskable' && i.sizes === '512x512')).toBe(true);

  expect(manifest.share_target).toMatchObject({ action: '/share-target', method: 'POST', enctype: 'multipart/form-data' });
  expect(manifest.share_target.params.files[0]!.accept).toContain('image/*');
  const handled = manifest.file_handlers[0]!.accept;
  for (const format of CODECS) expect(handled[format.mimeType]).toEqual([...format.fileExtensions]);
});

test('Chromium finds the page installable', async () => {
  // An incognito context is never installable: this one has a profile of its own.
  const profile = mkdtempSync(join(tmpdir(), 'thumbnail-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const { violations } = watchForCspViolations(context);
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(test.info().project.use.baseURL!);
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    expect(violations).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('images shared from another app (the share target) are queued with the current settings and finish', async ({ page }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  await page.getByLabel('Width').fill('100');
  await page.getByLabel('Height').fill('100');

  // What a share sheet does: a multipart POST navigation to the share target.
  await page.evaluate(() => {
    const form = Object.assign(document.createElement('form'), { id: 'share-form', method: 'post', enctype: 'multipart/form-data', action: '/share-target' });
    const input = Object.assign(document.createElement('input'), { type: 'file', name: 'images', multiple: true, id: 'share-files' });
    form.append(input);
    document.body.append(form);
  });
  await page.locator('#share-files').setInputFiles([fixture('landscape.jpg'), fixture('alpha.png')]);
  await Promise.all([page.waitForURL((url) => url.searchParams.has('share')), page.evaluate(() => (document.getElementById('share-form') as HTMLFormElement).submit())]);

  await waitForAll(page, 2);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(1)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of landscape.jpg');
  expect(await naturalSize(page, 0)).toEqual({ width: 100, height: 67 });
  // The address is put back, so a reload does not look for the share again.
  expect(new URL(page.url()).searchParams.has('share')).toBe(false);
});

test('a form on another website cannot add images through the share target', async ({ page, context }) => {
  await page.goto('/');
  await waitForServiceWorker(page);
  const shareTarget = new URL('/share-target', page.url()).href;
  // Another site (localhost is not the same site as 127.0.0.1) with a form posting to our share target.
  const otherSite = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<form id="f" method="post" enctype="multipart/form-data" action="${shareTarget}"><input type="file" name="images" id="files"></form>`);
  });
  await new Promise<void>((resolve) => otherSite.listen(0, '127.0.0.1', resolve));
  try {
    const other = await context.newPage();
    await other.goto(`http://localhost:${(otherSite.address() as AddressInfo).port}/`);
    await other.locator('#files').setInputFiles([fixture('landscape.jpg')]);
    await Promise.all([other.waitForURL((url) => url.href.startsWith(new URL('/', shareTarget).href)), other.evaluate(() => (document.getElementById('f') as HTMLFormElement).submit())]);
    await expect(other.getByRole('alert')).toContainText('Images sent here by another website were not added');
    await expect(thumbnails(other)).toHaveCount(0);
  } finally {
    otherSite.close();
  }
});

test('a share that reaches the server (no service worker yet) is turned back unread, and the page says what to do', async ({ page, request }) => {
  const response = await request.post('/share-target', { multipart: { images: { name: 'a.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([1, 2, 3]) } }, maxRedirects: 0 });
  expect(response.status()).toBe(303);
  await page.goto(response.headers()['location']!);
  await expect(page.getByRole('alert')).toContainText('Sharing to this app works once it has been opened here');
});

test('files opened with the app from the desktop (launchQueue) are queued', async ({ page }) => {
  // The browser hands the page file handles through launchQueue. Launching an
  // installed app from a file manager is not something a test can do, so the test
  // takes the part of the browser: it keeps the consumer the page registers and
  // calls it with real FileSystemFileHandles (from the origin's private file system).
  await page.addInitScript(() => {
    const queue = (window as unknown as { launchQueue?: { setConsumer(c: unknown): void } }).launchQueue;
    if (!queue) return;
    const setConsumer = queue.setConsumer.bind(queue);
    queue.setConsumer = (consumer) => {
      (window as unknown as { launchConsumer: unknown }).launchConsumer = consumer;
      setConsumer(consumer);
    };
  });
  await page.goto('/');
  const jpeg = [...readFileSync(fixture('landscape.jpg'))];
  const bmp = [...readFileSync(fixture('rgb24.bmp'))];
  await page.evaluate(async ([a, b]) => {
    const dir = await navigator.storage.getDirectory();
    const handles: FileSystemFileHandle[] = [];
    for (const [name, bytes] of [['holiday.jpg', a!], ['scan.bmp', b!]] as const) {
      const handle = await dir.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      await writable.write(new Uint8Array(bytes));
      await writable.close();
      handles.push(handle);
    }
    (window as unknown as { launchConsumer: (p: { files: FileSystemFileHandle[] }) => void }).launchConsumer({ files: handles });
  }, [jpeg, bmp]);
  await waitForAll(page, 2);
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of holiday.jpg');
  await expect(thumbnails(page).nth(1).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of scan.bmp');
});

test.describe('updates', () => {
  // A deployment of its own, so that it can be rebuilt while a page has it open.
  const PORT = 4191;
  const origin = `http://127.0.0.1:${PORT}`;
  let deployed: string;
  let server: ChildProcess;

  /** Builds the app into the running deployment, marked with `label`. */
  function deploy(label: string): void {
    const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--outDir', deployed, '--emptyOutDir'], {
      cwd: ROOT,
      env: { ...process.env, THUMBNAIL_BUILD: label },
      encoding: 'utf8',
    });
    expect(build.status, build.stderr).toBe(0);
  }

  const offer = (page: Page) => page.getByRole('region', { name: 'Update available' });
  const footer = (page: Page) => page.getByRole('contentinfo');

  /** Counts the page's own navigations (reloads) from now on. */
  function countNavigations(page: Page): () => number {
    let count = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) count++;
    });
    return () => count;
  }

  test.beforeAll(async () => {
    deployed = mkdtempSync(join(tmpdir(), 'thumbnail-deploy-'));
    cpSync(DIST, deployed, { recursive: true });
    server = spawn(process.execPath, ['dist-server/main.js'], { cwd: ROOT, env: { ...process.env, PORT: String(PORT), DIST_DIR: deployed }, stdio: 'ignore' });
    await expect.poll(() => fetch(`${origin}/healthz`).then((r) => r.ok, () => false), { timeout: 20_000 }).toBe(true);
  });

  test.afterAll(() => {
    server.kill();
    rmSync(deployed, { recursive: true, force: true });
  });

  test('a new version is offered, never forced, and not while a batch runs', async ({ page }) => {
    test.setTimeout(120_000);
    await page.goto(origin);
    await waitForServiceWorker(page);
    const version = (await footer(page).textContent())!;

    deploy('next');
    await page.reload();
    const navigations = countNavigations(page);
    await expect(offer(page)).toContainText('A new version is ready');
    await expect(offer(page).getByRole('button', { name: 'Reload' })).toBeVisible();
    await expect(footer(page)).toHaveText(version); // still the old version: nothing reloaded by itself

    // While a batch runs the offer steps aside; it is back once the batch is done.
    await page.evaluate(() => {
      const seen = { busyWithOffer: false, busy: false };
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        const busy = document.querySelector('[data-state="queued"], [data-state="working"]') !== null;
        const offered = document.querySelector('section[aria-label="Update available"]') !== null;
        seen.busy ||= busy;
        seen.busyWithOffer ||= busy && offered;
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.getByLabel('Choose images').setInputFiles([fixtureFile('landscape.jpg', 'image/jpeg'), fixtureFile('portrait-orientation6.jpg', 'image/jpeg')]);
    await waitForAll(page, 2);
    await expect(offer(page)).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { seen: object }).seen)).toEqual({ busy: true, busyWithOffer: false });
    expect(navigations()).toBe(0);

    // The person chooses: the page reloads into the new version, the finished items kept.
    await offer(page).getByRole('button', { name: 'Reload' }).click();
    await expect(footer(page)).toContainText('+next');
    await expect(offer(page)).toHaveCount(0);
    await expect(thumbnails(page)).toHaveCount(2);
  });

  test('taking the new version in one window does not reload another', async ({ context }) => {
    test.setTimeout(120_000);
    const first = await context.newPage();
    await first.goto(origin);
    await waitForServiceWorker(first);
    const second = await context.newPage();
    await second.goto(origin);
    await expect(footer(second)).not.toContainText('+later');
    const secondNavigations = countNavigations(second);

    deploy('later');
    await first.reload();
    await expect(offer(first)).toBeVisible();
    await expect(offer(second)).toBeVisible();
    await offer(first).getByRole('button', { name: 'Reload' }).click();
    await expect(footer(first)).toContainText('+later');

    // The other window keeps its page (and whatever it was doing) and still offers the reload.
    await expect(offer(second)).toBeVisible();
    expect(secondNavigations()).toBe(0);
    await expect(footer(second)).not.toContainText('+later');
    await offer(second).getByRole('button', { name: 'Reload' }).click();
    await expect(footer(second)).toContainText('+later');
  });
});

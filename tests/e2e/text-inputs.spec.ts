import { expect, test } from './csp-guard';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announcer, clipboardReader, downloadBytes, fixtureFile, naturalSize, thumbnails, waitForAll } from './helpers';

/**
 * Image servers on 127.0.0.1 for the URL inputs: one sends CORS headers (the
 * browser fetches it directly), one does not (the browser must go through
 * /api/proxy, which the e2e server runs with PROXY_ALLOW_PRIVATE_NETWORKS=1).
 */
interface Seen {
  path: string;
  origin: string | undefined;
  userAgent: string | undefined;
}

const png = fixtureFile('alpha.png', 'image/png').buffer;
const jpeg = fixtureFile('landscape.jpg', 'image/jpeg').buffer;
const b64 = png.toString('base64');

function imageServer(cors: boolean, seen: Seen[]): Promise<Server> {
  const server = createServer((req: IncomingMessage, res) => {
    seen.push({ path: req.url ?? '', origin: req.headers.origin, userAgent: req.headers['user-agent'] });
    const headers: Record<string, string> = cors ? { 'Access-Control-Allow-Origin': '*' } : {};
    if (req.url === '/photo.jpg') res.writeHead(200, { ...headers, 'Content-Type': 'image/jpeg' }).end(jpeg);
    else if (req.url === '/page.html') res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end('<!doctype html><p>not an image</p>');
    else if (req.url === '/missing.png') res.writeHead(404, headers).end('no');
    else res.writeHead(200, { ...headers, 'Content-Type': 'image/png' }).end(png);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let corsServer: Server;
let plainServer: Server;
const corsSeen: Seen[] = [];
const plainSeen: Seen[] = [];
const base = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

test.beforeAll(async () => {
  corsServer = await imageServer(true, corsSeen);
  plainServer = await imageServer(false, plainSeen);
});
test.afterAll(async () => {
  corsServer.close();
  plainServer.close();
});
test.beforeEach(async ({ page }) => {
  corsSeen.length = 0;
  plainSeen.length = 0;
  await page.goto('/');
  await page.evaluate(() => localStorage.clear());
  await page.reload();
});

async function pasteIntoBox(page: import('@playwright/test').Page, text: string) {
  await page.getByLabel('Paste base64, JSON or URLs').fill(text);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
}

test('base64 with line breaks, a data URL and the old API JSON body each give a thumbnail', async ({ page }) => {
  const wrapped = b64.match(/.{1,76}/g)!.join('\n');
  await pasteIntoBox(page, `${wrapped}\n\ndata:image/png;base64,${b64}\n${JSON.stringify({ image_data: b64 })}`);
  await waitForAll(page, 3);
  for (let i = 0; i < 3; i++) {
    await expect(thumbnails(page).nth(i)).toHaveAttribute('data-state', 'done');
    expect(await naturalSize(page, i)).toEqual({ width: 32, height: 32 });
  }
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of pasted image 1');
  await expect(thumbnails(page).nth(2).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of pasted image 3');
  await expect(page.getByLabel('Paste base64, JSON or URLs')).toHaveValue('');
});

test('a URL with CORS is fetched directly; one without goes through the proxy', async ({ page }) => {
  await pasteIntoBox(page, `${base(corsServer)}/photo.jpg\n${JSON.stringify({ image_url: `${base(plainServer)}/images/cat.png` })}`);
  await waitForAll(page, 2);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(1)).toHaveAttribute('data-state', 'done');
  expect(await naturalSize(page, 0)).toEqual({ width: 256, height: 171 });
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of photo.jpg');
  await expect(thumbnails(page).nth(1).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of cat.png');
  // Direct: the browser's CORS request, and no proxy request.
  expect(corsSeen.filter((s) => s.origin)).toHaveLength(1);
  expect(corsSeen.filter((s) => s.userAgent?.includes('ThumbnailGenerator-Proxy'))).toHaveLength(0);
  // Without CORS: the browser tried directly first (its CORS request reached the server
  // but the answer was withheld), then the proxy fetched it.
  expect(plainSeen.filter((s) => s.origin)).toHaveLength(1);
  expect(plainSeen.filter((s) => s.userAgent?.includes('ThumbnailGenerator-Proxy'))).toHaveLength(1);
});

test('a URL item redone with settings used before comes from the cache, not from the network again', async ({ page }) => {
  await pasteIntoBox(page, `${base(corsServer)}/photo.jpg`);
  await waitForAll(page, 1);
  const fetches = () => corsSeen.filter((s) => s.path === '/photo.jpg').length;
  expect(fetches()).toBe(1);
  await page.getByLabel('Width').fill('100');
  await expect(thumbnails(page).nth(0)).toContainText('inside 100×256');
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  expect(fetches()).toBe(2); // new settings: the image is needed again
  await page.getByLabel('Width').fill('256');
  await expect(thumbnails(page).nth(0)).toContainText('inside 256×256');
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-cache', 'hit');
  expect(fetches()).toBe(2); // back to earlier settings: answered by its content hash, no download
});

test('invalid items get their own errors while valid ones in the same paste still run', async ({ page }) => {
  await pasteIntoBox(
    page,
    [
      'this is just a sentence',
      `data:text/plain;base64,aGVsbG8=`,
      `${base(plainServer)}/page.html`,
      `${base(corsServer)}/missing.png`,
      '{"something": "else"}',
      `data:image/png;base64,${b64}`,
    ].join('\n'),
  );
  await waitForAll(page, 6);
  const items = thumbnails(page);
  await expect(items.nth(0)).toContainText('is not base64, a data URL, JSON or an http(s) URL');
  await expect(items.nth(1)).toContainText('holds text/plain, not an image');
  await expect(items.nth(2)).toContainText(/not an image/i);
  await expect(items.nth(3)).toContainText('404');
  await expect(items.nth(4)).toContainText('neither an "image_data" nor an "image_url"');
  await expect(items.nth(5)).toHaveAttribute('data-state', 'done');
});

test('pasting an image or text anywhere on the page adds it', async ({ page }) => {
  const dispatchPaste = (payload: { text?: string; file?: number[]; intoBox?: boolean }) =>
    page.evaluate((p) => {
      const dt = new DataTransfer();
      if (p.file) dt.items.add(new File([new Uint8Array(p.file)], 'image.png', { type: 'image/png' }));
      if (p.text) dt.setData('text/plain', p.text);
      const target = p.intoBox ? document.querySelector('textarea')! : document.body;
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, payload);
  await dispatchPaste({ file: Array.from(png) });
  await dispatchPaste({ text: `${base(corsServer)}/photo.jpg` });
  // A screenshot pasted while the paste box has the focus is taken too.
  await dispatchPaste({ file: Array.from(png), intoBox: true });
  await waitForAll(page, 3);
  await expect(thumbnails(page).nth(0).getByRole('img')).toHaveAttribute('alt', /Thumbnail of pasted image \d+/);
  await expect(thumbnails(page).nth(1).getByRole('img')).toHaveAttribute('alt', 'Thumbnail of photo.jpg');
  await expect(thumbnails(page).nth(2).getByRole('img')).toHaveAttribute('alt', /Thumbnail of pasted image \d+/);
});

test('a link dropped from another page is fetched', async ({ page }) => {
  const dataTransfer = await page.evaluateHandle((url) => {
    const dt = new DataTransfer();
    dt.setData('text/uri-list', `# dragged link\n${url}`);
    return dt;
  }, `${base(corsServer)}/photo.jpg`);
  const target = page.getByRole('heading', { name: 'Thumbnails' });
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
  await waitForAll(page, 1);
  await expect(thumbnails(page).nth(0)).toHaveAttribute('data-state', 'done');
});

test('copy actions give base64, a data URL and the old API response', async ({ page, context }) => {
  await page.getByLabel('Choose images').setInputFiles([fixtureFile('rgb24.bmp', 'image/bmp')]);
  await waitForAll(page, 1);
  const { bytes } = await downloadBytes(page, 0);
  const expected = Buffer.from(bytes).toString('base64');
  const item = thumbnails(page).nth(0);
  const clipboard = await clipboardReader(context, page);

  // The copy actions are in the card's menu; copying is asynchronous: poll the clipboard rather than read it once.
  const copy = async (name: string) => {
    await item.getByRole('button', { name: 'More actions for rgb24.bmp' }).click();
    await page.getByRole('button', { name, exact: true }).click();
  };
  await copy('Copy base64');
  await expect(announcer(page)).toContainText('base64 of rgb24.bmp copied');
  await expect.poll(clipboard).toBe(expected);
  await copy('Copy data URL');
  await expect.poll(clipboard).toBe(`data:image/png;base64,${expected}`);
  await copy('Copy JSON');
  const clipboardJson = async () => {
    try {
      return JSON.parse(await clipboard()) as unknown;
    } catch {
      return null; // still the previous (non-JSON) copy
    }
  };
  await expect.poll(clipboardJson).toEqual({ code: 1, message: 'SUCCESS', image_data: expected });
});

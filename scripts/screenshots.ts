/**
 * `npm run screenshots`: the README's pictures of the page with results, desktop
 * (1280x900) and phone (390x844), from the production build (bench/run.mjs builds
 * it first when missing; run `npm run build` after changes).
 */
import { readFileSync } from 'node:fs';
import { launchChromium, startServer } from '../bench/browser';

const PORT = Number(process.env.SCREENSHOT_PORT || 4197);
const fixture = (name: string, mimeType: string, as = name) => ({ name: as, mimeType, buffer: readFileSync(`tests/fixtures/${name}`) });
const files = [
  fixture('landscape.jpg', 'image/jpeg'),
  fixture('portrait-orientation6.jpg', 'image/jpeg'),
  fixture('alpha.png', 'image/png'),
  fixture('rgb24.bmp', 'image/bmp'),
  fixture('landscape.jpg', 'image/jpeg', 'IMG_20261202_101530_waterfall_from_the_trail.jpg'),
  { name: 'damaged.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([Buffer.from([0xff, 0xd8, 0xfe, 0xff]), readFileSync('tests/fixtures/landscape.jpg').subarray(4, 3000)]) },
];

const server = await startServer(PORT);
try {
  const browser = await launchChromium();
  for (const [width, height, name] of [
    [1280, 900, 'desktop'],
    [390, 844, 'phone'],
  ] as const) {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto(`http://127.0.0.1:${PORT}/`);
    // The header says "Works offline" once the app is stored, as on every visit after the first.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    await page.getByLabel('Choose images').setInputFiles(files);
    await page.waitForFunction((n) => document.querySelectorAll('[data-state="done"],[data-state="error"]').length === n, files.length);
    await page.waitForTimeout(400); // images decoded and painted
    await page.screenshot({ path: `docs/screenshot-${name}.png` });
    await page.close();
  }
  await browser.close();
  console.log('docs/screenshot-desktop.png, docs/screenshot-phone.png');
} finally {
  server.kill();
}

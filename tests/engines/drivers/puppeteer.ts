import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../support/chromium';
import { pageExpression, type EngineDriver, type PageFunction } from '../driver';
import { appRendered, markControl, pasteInto } from '../page-functions';

export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/**
 * Chromium (over CDP) and Firefox (over WebDriver BiDi, Debian's firefox-esr)
 * through puppeteer-core: one implementation, as puppeteer speaks both.
 * Each driver is a fresh browser with a fresh profile, so no test sees another's
 * cache, storage or service worker.
 */
export async function launchPuppeteer(engine: 'chromium' | 'firefox'): Promise<EngineDriver> {
  const browser: Browser =
    engine === 'firefox'
      ? await puppeteer.launch({
          browser: 'firefox',
          executablePath: FIREFOX_PATH,
          protocol: 'webDriverBiDi',
          headless: true,
          // Quiet on a closed network: no update, telemetry or captive-portal checks.
          extraPrefsFirefox: { 'network.captive-portal-service.enabled': false, 'app.update.enabled': false, 'browser.safebrowsing.update.enabled': false },
        })
      : await puppeteer.launch({ browser: 'chrome', executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, dumpio: !!process.env.DUMPIO });
  const version = await browser.version();
  const page: Page = (await browser.pages())[0] ?? (await browser.newPage());
  await setViewport(page, 1280, 900);

  const run = <A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R> => page.evaluate(pageExpression(fn, args)) as Promise<R>;
  // Polled through evaluate rather than waitForFunction: puppeteer builds the latter's
  // predicate with new Function() inside the page, which the app's CSP (no
  // 'unsafe-eval') refuses in Firefox; an evaluate over the protocol is not the page's script.
  const waitRendered = async () => {
    const deadline = Date.now() + 30_000;
    while (!(await run(appRendered).catch(() => false))) {
      if (Date.now() > deadline) throw new Error('the app did not render within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const control = async (name: string, kind: 'field' | 'button') => {
    const selector = await run(markControl, name, kind);
    const handle = await page.$(selector);
    if (!handle) throw new Error(`lost the control "${name}"`);
    return handle;
  };

  return {
    engine,
    version,
    async open(url) {
      await page.goto(url);
      await waitRendered();
    },
    async reload() {
      await page.reload();
      await waitRendered();
    },
    async addFiles(label, paths) {
      const input = await control(label, 'field');
      await (input as unknown as { uploadFile(...p: string[]): Promise<void> }).uploadFile(...paths);
    },
    async fill(label, text) {
      const field = await control(label, 'field');
      // Select what is there, then type over it: a person's edit, one input event per key.
      await field.click({ count: 3 });
      await page.keyboard.press('Backspace');
      await field.type(text);
    },
    async paste(label, text) {
      const selector = await run(markControl, label, 'field');
      await page.click(selector);
      await run(pasteInto, selector, text);
    },
    async select(label, value) {
      const field = await control(label, 'field');
      await field.select(value);
    },
    async click(name) {
      const button = await control(name, 'button');
      await button.click();
    },
    async screenshot() {
      return Buffer.from(await page.screenshot({ type: 'png' }));
    },
    evaluate: run,
    async close() {
      await browser.close();
    },
  };
}

/**
 * puppeteer-core 24.43 sends emulation.setScreenOrientationOverride beside every
 * viewport change, and Firefox ESR 140.12 answers "unknown command" (the viewport
 * itself is set by the other command of the pair). So that one refusal is let
 * through, and the size is checked in the page instead of trusted.
 */
async function setViewport(page: Page, width: number, height: number): Promise<void> {
  await page.setViewport({ width, height }).catch((error: unknown) => {
    if (!(error instanceof Error && /setScreenOrientationOverride.*unknown command/.test(error.message))) throw error;
  });
  // The refused command rejects the pair early; the resize itself may land a moment later.
  const wanted = JSON.stringify([width, height]);
  let size = '';
  for (let tries = 0; tries < 50 && size !== wanted; tries++) {
    if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    size = JSON.stringify(await page.evaluate('[innerWidth, innerHeight]'));
  }
  if (size !== wanted) throw new Error(`The viewport is ${size}, not ${width}x${height}`);
}

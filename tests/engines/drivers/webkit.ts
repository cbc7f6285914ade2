import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Builder, By, type WebDriver } from 'selenium-webdriver';
import { pageExpression, type EngineDriver, type PageFunction } from '../driver';
import { appRendered, markControl, pasteInto } from '../page-functions';

/**
 * WebKit (Safari's engine) as Debian ships it: WebKitGTK's MiniBrowser, driven
 * by WebKitWebDriver over classic WebDriver with selenium-webdriver. MiniBrowser
 * has no headless mode, so it needs an X display: ours, from Xvfb, unless one is set.
 */
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH || 'WebKitWebDriver';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** Starts Xvfb on the first free display and resolves with its name (":99"). */
function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  return new Promise((resolve, reject) => {
    // -displayfd: Xvfb picks a free display and writes its number to fd 3 once it is ready.
    const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x900x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let out = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, process: xvfb });
    });
    xvfb.on('error', (e) => reject(new Error(`Xvfb could not start (apt-get install -y xvfb): ${e.message}`)));
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
}

async function waitUntilUp(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`WebKitWebDriver did not answer at ${url}`);
}

export async function launchWebKit(): Promise<EngineDriver> {
  const xvfb = process.env.DISPLAY ? undefined : await startXvfb();
  const env = { ...process.env, ...(xvfb ? { DISPLAY: xvfb.display } : {}) };
  const port = await freePort();
  const server = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: 'ignore' });
  const stop = () => {
    server.kill();
    xvfb?.process.kill();
  };
  let driver: WebDriver;
  try {
    await waitUntilUp(`http://127.0.0.1:${port}/status`);
    driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] } })
      .build();
  } catch (e) {
    stop();
    throw e;
  }
  const version = `WebKitGTK ${(await driver.getCapabilities()).get('browserVersion')}`;
  await driver.manage().window().setRect({ width: 1280, height: 900 });

  const run = <A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R> =>
    // Classic WebDriver's Execute Script awaits a returned promise.
    driver.executeScript(`return ${pageExpression(fn, args)}`) as Promise<R>;
  const waitRendered = () => driver.wait(() => run(appRendered), 30_000, 'the app did not render');
  const control = async (name: string, kind: 'field' | 'button') => driver.findElement(By.css(await run(markControl, name, kind)));

  return {
    engine: 'webkit',
    version,
    async open(url) {
      await driver.get(url);
      await waitRendered();
    },
    async reload() {
      await driver.navigate().refresh();
      await waitRendered();
    },
    async addFiles(label, paths) {
      await (await control(label, 'field')).sendKeys(paths.join('\n'));
    },
    async fill(label, text) {
      const field = await control(label, 'field');
      await field.clear();
      await field.sendKeys(text);
    },
    async paste(label, text) {
      const selector = await run(markControl, label, 'field');
      await driver.findElement(By.css(selector)).click();
      await run(pasteInto, selector, text);
    },
    async select(label, value) {
      const field = await control(label, 'field');
      await field.findElement(By.css(`option[value="${value}"]`)).click();
    },
    async click(name) {
      await (await control(name, 'button')).click();
    },
    async screenshot() {
      return Buffer.from(await driver.takeScreenshot(), 'base64');
    },
    evaluate: run,
    async close() {
      try {
        await driver.quit();
      } finally {
        stop();
      }
    },
  };
}

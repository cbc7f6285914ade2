/** Shared by the browser benchmarks: the production server and Debian's Chromium. */
import { chromium, type Browser, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/support/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Starts dist-server/main.js on 127.0.0.1:port and waits until it answers. */
export async function startServer(port: number): Promise<ChildProcess> {
  const server = spawn(process.execPath, ['dist-server/main.js'], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/healthz`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return server;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  throw new Error(`server did not start at ${url}`);
}

/**
 * Opens the app and waits until its service worker controls the page: the steady
 * state of every visit after the first, and no precaching left to compete with
 * what is measured.
 */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts recording the page's main-thread long tasks (over 50 ms); call again after a navigation. */
export function observeLongTasks(page: Page): Promise<void> {
  return page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  });
}

/** The long tasks recorded since the last call, in ms. */
export function takeLongTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks.splice(0));
}

export const describeLongTasks = (tasks: number[]) => (tasks.length ? `${tasks.length} long tasks, longest ${Math.max(...tasks).toFixed(0)} ms` : 'no long tasks');

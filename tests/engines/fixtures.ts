import { test as base, expect } from '@playwright/test';
import { launchEngine } from './drivers';
import type { EngineDriver, EngineName } from './driver';
import { finishedCount, readItems, type ItemSnapshot } from './page-functions';

/**
 * The cross-engine scenarios' test function: `app` is a fresh browser of the
 * project's engine (playwright.config.ts has one project per engine), driven
 * through the EngineDriver interface, so each scenario is written once.
 */
export const test = base.extend<{ app: EngineDriver }, { engine: EngineName }>({
  engine: ['chromium', { option: true, scope: 'worker' }],
  app: async ({ engine }, use, testInfo) => {
    const driver = await launchEngine(engine);
    testInfo.annotations.push({ type: 'browser', description: driver.version });
    try {
      await use(driver);
      if (testInfo.status !== testInfo.expectedStatus) {
        const shot = await driver.screenshot().catch(() => undefined);
        if (shot) await testInfo.attach(`${engine} screenshot`, { body: shot, contentType: 'image/png' });
      }
    } finally {
      await driver.close();
    }
  },
});

export { expect };

/**
 * Waits until `count` items are listed and all of them have finished (done or failed),
 * and returns them. It looks every 20 ms, so a scenario can act right after the
 * finish, as an impatient person does (the reload test needs that).
 */
export async function waitForFinished(app: EngineDriver, count: number): Promise<ItemSnapshot[]> {
  await expect.poll(() => app.evaluate(finishedCount), { message: `${count} items finished`, timeout: 60_000, intervals: [20] }).toBe(count);
  const items = await app.evaluate(readItems);
  expect(items).toHaveLength(count);
  return items;
}

/** Waits until every item is done again and shows `made` (its settings line) after a settings change. */
export async function waitForRedo(app: EngineDriver, count: number, made: string): Promise<ItemSnapshot[]> {
  await expect
    .poll(async () => (await app.evaluate(readItems)).map((i) => i.state === 'done' && i.text.includes(made)), { message: `redone as ${made}`, timeout: 60_000 })
    .toEqual(Array(count).fill(true));
  return app.evaluate(readItems);
}

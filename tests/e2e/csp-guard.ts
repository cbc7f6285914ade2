import { expect, test as base, type BrowserContext, type ConsoleMessage } from '@playwright/test';

/**
 * Every end-to-end test runs under the server's Content-Security-Policy, and a
 * violation anywhere fails the test: in a page (the `securitypolicyviolation`
 * event, reported to the console by an init script) or in a worker (Chromium
 * logs "Refused to … Content Security Policy" to that worker's console).
 * Specs import `test` and `expect` from here instead of @playwright/test.
 */
const VIOLATION = /Content Security Policy|CSP violation/i;

/** Watches a context: its pages, their workers, and the service worker. */
export function watchForCspViolations(context: BrowserContext): { violations: string[] } {
  const violations: string[] = [];
  const record = (where: string) => (message: ConsoleMessage) => {
    if (VIOLATION.test(message.text())) violations.push(`${where}: ${message.text()}`);
  };
  const watchPage = (page: import('@playwright/test').Page) => {
    page.on('console', record('page'));
    page.on('worker', (worker) => worker.on('console', record(`worker ${worker.url()}`)));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  void context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  return { violations };
}

export const test = base.extend<{ cspGuard: void }>({
  cspGuard: [
    async ({ context }, use) => {
      const { violations } = watchForCspViolations(context);
      await use();
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

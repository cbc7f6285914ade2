/**
 * The small interface the cross-engine scenarios (tests/engines/*.spec.ts) are
 * written against: what a person does with the page (open it, add files, type,
 * pick an option, press a button, reload), plus running a script in the page to
 * read what it shows. One implementation per automation protocol:
 * drivers/puppeteer.ts (Chromium over CDP, Firefox over WebDriver BiDi) and
 * drivers/webkit.ts (WebKitGTK's MiniBrowser over classic WebDriver).
 */
export type EngineName = 'chromium' | 'firefox' | 'webkit';

export const ENGINES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** A function run in the page: its source is sent, so it must use nothing from the test's scope. */
export type PageFunction<A extends unknown[], R> = (...args: A) => R | Promise<R>;

export interface EngineDriver {
  readonly engine: EngineName;
  /** The browser's own version string, e.g. "firefox/153.8.0" or "WebKitGTK 2.50.6". */
  readonly version: string;
  /** Goes to an address and waits until the app has rendered. */
  open(url: string): Promise<void>;
  /** Reloads the page and waits until the app has rendered again. */
  reload(): Promise<void>;
  /** Picks files with the file input labelled `label` (paths on this machine). */
  addFiles(label: string, paths: string[]): Promise<void>;
  /** Replaces the text of the field labelled `label`, typing it as a person would. */
  fill(label: string, text: string): Promise<void>;
  /** Puts `text` into the field labelled `label` in one go, as pasting it does (typing a newline would press Enter). */
  paste(label: string, text: string): Promise<void>;
  /** Chooses the option with value `value` in the select labelled `label`. */
  select(label: string, value: string): Promise<void>;
  /** Clicks the button (or link) whose visible text or label is exactly `name`. */
  click(name: string): Promise<void>;
  /** A PNG of the page as it is shown (attached to a failed test; also for looking at a layout). */
  screenshot(): Promise<Buffer>;
  /** Runs `fn` in the page with JSON-serialisable arguments and returns its JSON-serialisable result. */
  evaluate<A extends unknown[], R>(fn: PageFunction<A, R>, ...args: A): Promise<R>;
  close(): Promise<void>;
}

/** How a scenario asks for a driver: the app's address and a fresh browser profile. */
export type LaunchDriver = () => Promise<EngineDriver>;

/**
 * The expression a driver sends to run `fn(...args)` in the page. esbuild (tsx,
 * which the benchmark runs under) wraps named functions in a `__name` helper that
 * the page does not have; a no-op stands in for it.
 */
export function pageExpression<A extends unknown[], R>(fn: PageFunction<A, R>, args: A): string {
  return `(() => { const __name = (f) => f; return (${fn.toString()})(...${JSON.stringify(args)}); })()`;
}

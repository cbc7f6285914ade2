import { clear, createStore, delMany, entries, setMany, type UseStore } from 'idb-keyval';
import type { ThumbnailErrorData } from '../core/errors';
import type { BatchSettings } from '../core/settings';

/**
 * The list of items, kept in IndexedDB so a reload rebuilds it: names, settings,
 * states and each thumbnail's cache key, never the pixels (those are in the result
 * cache already, under those keys).
 *
 * One record per item, and only changed items are written, gathered for a moment:
 * rewriting the whole list on every change cost a structured clone of 1,000
 * records several times a second while a batch ran, which showed as long tasks.
 */
export interface SavedThumbnail {
  cacheKey: string;
  width: number;
  height: number;
  mimeType: string;
  extension: string;
  byteLength: number;
  hasAlpha: boolean;
  /** The input itself was handed back, metadata removed ("already small: original kept"). */
  keptOriginal: boolean;
  /** A non-sRGB colour profile the decoder did not apply ("colours may differ"). */
  colourProfileIgnored: boolean;
  /** Base64 ThumbHash, for "Copy ThumbHash". */
  thumbHash: string;
}

export interface SavedJob {
  /** Position in the list: records are read back sorted by it. */
  order: number;
  name: string;
  state: 'queued' | 'working' | 'done' | 'error' | 'cancelled';
  settings: BatchSettings;
  thumbnails: SavedThumbnail[];
  inputBytes?: number;
  contentHash?: string;
  sourceSize?: { width: number; height: number };
  error?: ThumbnailErrorData;
}

/**
 * Changes that can wait (an item queued or started) are gathered this long into one
 * write. Settled items are written on the next task instead: an IndexedDB write begun
 * in `pagehide` is not reliably finished (a reload right after an item finished lost
 * it in Chromium 156, Firefox 153 and WebKitGTK 2.50 alike, 4 times in 4 each); one
 * small record per finished item is cheap.
 */
const SAVE_DELAY_MS = 400;

export class JobStore {
  private store: UseStore | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Record key -> how to make its record now (so a record written late is current). */
  private dirty = new Map<string, () => SavedJob>();
  private gone = new Set<string>();
  private cleared = false;
  /** Callers waiting for the next write to land (see save). */
  private waiting: (() => void)[] = [];

  constructor() {
    try {
      if (globalThis.indexedDB) this.store = createStore('thumbnail-list', 'items');
    } catch {
      this.store = undefined; // no storage: the list lives as long as the page
    }
    // Changes still waiting when the page goes away are written at once.
    globalThis.addEventListener?.('pagehide', () => this.flush());
  }

  /** The saved items in list order, each with its record key. */
  async load(): Promise<[string, SavedJob][]> {
    if (!this.store) return [];
    try {
      const saved = await entries<string, SavedJob>(this.store);
      return saved.filter(([, job]) => typeof job?.order === 'number').sort(([, a], [, b]) => a.order - b.order);
    } catch {
      return [];
    }
  }

  /**
   * Saves an item's record, gathered with other changes; `soon` writes it on the next
   * task. Resolves once the write holding it has landed (or failed: storage is best effort).
   */
  save(key: string, record: () => SavedJob, soon = false): Promise<void> {
    if (!this.store) return Promise.resolve();
    this.gone.delete(key);
    this.dirty.set(key, record);
    this.schedule(soon ? 0 : SAVE_DELAY_MS);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  delete(key: string): void {
    if (!this.store) return;
    this.dirty.delete(key);
    this.gone.add(key);
    this.schedule();
  }

  clear(): void {
    if (!this.store) return;
    this.dirty.clear();
    this.gone.clear();
    this.cleared = true;
    this.schedule(0);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const store = this.store;
    if (!store) return;
    const writes = [...this.dirty].map(([key, record]) => [key, record()] as [string, SavedJob]);
    const deletes = [...this.gone];
    const cleared = this.cleared;
    const waiting = this.waiting;
    this.dirty.clear();
    this.gone.clear();
    this.cleared = false;
    this.waiting = [];
    void (async () => {
      if (cleared) await clear(store);
      if (deletes.length) await delMany(deletes, store);
      if (writes.length) await setMany(writes, store);
    })()
      .catch(() => {
        // Storage full or refused: those items are simply not restored next time.
      })
      .finally(() => {
        for (const resolve of waiting) resolve();
      });
  }

  private schedule(delayMs: number = SAVE_DELAY_MS): void {
    if (this.timer !== undefined && delayMs < SAVE_DELAY_MS) clearTimeout(this.timer);
    else if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), delayMs);
  }
}
